"""Virtualmin, through its remote API: `POST /virtual-server/remote.cgi` with `program=<command>`,
`json=1` and the command's options as form fields (an empty value is a flag), behind HTTP basic
auth. POST keeps the account's password out of URLs, which Webmin logs.

An answer is `{"status": "success"|"failure", ...}`; a failure's `error` is the first line the
command printed and `full_error` all of it (a failure after the command started, e.g. in
create-domain, has "Beginning server creation .." first and the reason last). What is worth trying
again: a lock held by another Virtualmin process, "try again", a timeout inside the panel; anything
else the panel refused (unknown plan, a licence's limit, bad parameters) is permanent. An answer
that is not JSON is transient (Webmin restarting answers its own HTML page), except remote.cgi's
"ERROR: ..." (the login may not use the remote API, or the program does not exist), which is
permanent.

The account is a top-level virtual server named by its domain, whose administration user is the
account's deterministic name; the panel's id for it is the server's ID from list-domains.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from praho.provisioning.gateways import http
from praho.provisioning.gateways.base import (
    AccountRef,
    AccountSpec,
    Connection,
    Created,
    PanelError,
    PermanentPanelError,
    Steps,
    TransientPanelError,
    Usage,
)

PATH = "/virtual-server/remote.cgi"
CREATE_STEP = "create-domain"
MIB = 1024 * 1024
TRANSIENT = re.compile(r"\block|locked|try again|temporar|timed? ?out|busy", re.IGNORECASE)
MISSING = re.compile(r"does not exist|No top-level domain owned by|No virtual server with ID", re.IGNORECASE)
ALREADY_HOSTED = re.compile(r"already hosting this domain|already exists", re.IGNORECASE)
# The lines a command prints while it works ("Creating home directory ..", ".. done"): not the
# reason it failed.
PROGRESS = re.compile(r"(\.\.$)|^(\.\. done|All done|Exit status)", re.IGNORECASE)


def refusal(program: str, reason: str) -> PanelError:
    """The error for a command that answered status "failure" saying `reason`."""
    kind = TransientPanelError if TRANSIENT.search(reason) else PermanentPanelError
    return kind(f"Virtualmin {program}: {reason}")


class VirtualminDriver:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # --- the interface --------------------------------------------------------------------------

    def test_connection(self) -> str:
        info = self._call("info", {"search": "host"}).get("output", "")
        found = dict(re.findall(r"^\s*(hostname|virtualmin version):\s*(.*?)\s*$", str(info), re.MULTILINE))
        names = self._call("list-domains", {"name-only": ""}).get("data") or []
        version = found.get("virtualmin version", "?")
        host = found.get("hostname", "?")
        return f"Virtualmin {version} on {host}, {len(names)} virtual servers"

    def exists(self, ref: AccountRef) -> str | None:
        found = self._find(ref)
        if found is None or _value(found, "username").lower() != ref.name.lower():
            return None  # none, or another account's server
        return _id_of(found)

    def create(self, spec: AccountSpec, steps: Steps) -> Created:
        external_id: str = steps.once(CREATE_STEP, lambda: self._create(spec))
        return Created(external_id=external_id, username=spec.name)

    def compensate(self, spec: AccountSpec, steps: Steps) -> list[str]:
        if CREATE_STEP not in steps.completed:
            return []
        self.terminate(spec.ref)
        return [CREATE_STEP]

    def suspend(self, ref: AccountRef, reason: str) -> None:
        domain = self._domain_of(ref)
        self._call("disable-domain", _valued(domain=domain, why=reason), fine=r"is already disabled")

    def unsuspend(self, ref: AccountRef) -> None:
        domain = self._domain_of(ref)
        self._call("enable-domain", {"domain": domain}, fine=r"is not disabled")

    def terminate(self, ref: AccountRef) -> None:
        found = self._find(ref)
        if found is None:
            return  # gone already
        self._check_owner(found, ref)  # never remove a server another account holds
        self._call("delete-domain", {"domain": found["name"]}, fine=MISSING.pattern)

    def change_package(self, ref: AccountRef, params: Mapping[str, Any]) -> None:
        package = _package(params)
        domain = self._domain_of(ref)
        # modify-domain ignores a plan Virtualmin does not have and says it succeeded: ask first.
        self._call("list-plans", {"name": package, "name-only": ""})
        self._call("modify-domain", {"domain": domain, "apply-plan": package})

    def change_password(self, ref: AccountRef, password: str) -> None:
        domain = self._domain_of(ref)
        self._call("modify-domain", {"domain": domain, "pass": password}, secrets=(password,))

    def usage(self, ref: AccountRef) -> Usage:
        found = self._find(ref)
        if found is None:
            raise PermanentPanelError(f"Virtualmin: no virtual server for {_name(ref)}")
        values = found.get("values") or {}
        return Usage(
            disk_mb=_number(values, "server_byte_quota_used") // MIB,
            bandwidth_mb=_number(values, "bandwidth_byte_usage") // MIB,
        )

    # --- the steps ------------------------------------------------------------------------------

    def _create(self, spec: AccountSpec) -> str:
        """The new (or already made, by an earlier attempt) server's ID."""
        found = self._find(spec.ref)
        if found is None:
            # "Already hosting" means an earlier attempt's answer was lost after all: look again.
            _answer, reason = self._run("create-domain", _create_options(spec), secrets=(spec.password,))
            if reason and not ALREADY_HOSTED.search(reason):
                raise refusal("create-domain", reason)
            found = self._find(spec.ref)
            if found is None and reason:  # e.g. its user name is another server's
                raise refusal("create-domain", reason)
            if found is None:
                raise TransientPanelError(f"Virtualmin create-domain: {spec.domain} is not listed yet")
        self._check_owner(found, spec.ref)
        return _id_of(found)

    def _check_owner(self, found: dict[str, Any], ref: AccountRef) -> None:
        user = _value(found, "username")
        if user.lower() != ref.name.lower():
            raise PermanentPanelError(
                f"Virtualmin: {found['name']} is already hosted for another administration user ({user})"
            )

    def _find(self, ref: AccountRef) -> dict[str, Any] | None:
        """The server's list-domains entry: by domain, else by the stored id, else by user."""
        if ref.domain:
            query = {"domain": ref.domain}
        elif ref.external_id:
            query = {"id": ref.external_id}
        else:
            query = {"user": ref.name}
        answer, reason = self._run("list-domains", {**query, "multiline": ""})
        if reason and MISSING.search(reason):
            return None
        if reason:
            raise refusal("list-domains", reason)
        data = answer.get("data") or []
        return data[0] if data and isinstance(data[0], dict) else None

    def _domain_of(self, ref: AccountRef) -> str:
        if ref.domain:
            return ref.domain
        found = self._find(ref)
        if found is None:
            raise PermanentPanelError(f"Virtualmin: no virtual server for {_name(ref)}")
        return str(found["name"])

    # --- the call -------------------------------------------------------------------------------

    def _call(
        self, program: str, options: Mapping[str, str], *, fine: str = "", secrets: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The command's JSON answer; a failure whose reason matches `fine` counts as done (the
        server is already as asked), any other raises its Transient/PermanentPanelError."""
        answer, reason = self._run(program, options, secrets=secrets)
        if reason and not (fine and re.search(fine, reason, re.IGNORECASE)):
            raise refusal(program, reason)
        return answer

    def _run(
        self, program: str, options: Mapping[str, str], *, secrets: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], str]:
        """The command's JSON answer and, when it failed, why (secrets replaced by ***)."""
        what = f"Virtualmin {program}"
        form = {"program": program, "json": "1", **options}
        hidden = (self.connection.secret, *secrets)
        with http.client(self.connection, auth=(self.connection.username, self.connection.secret)) as client:
            response = http.send(client, "POST", PATH, what=what, data=form)
        answer = _parse(response.text, what, hidden)
        if answer["status"] == "success":
            return answer, ""
        return answer, _scrub(_reason(answer), hidden)


def _parse(text: str, what: str, hidden: tuple[str, ...]) -> dict[str, Any]:
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.get("status") in ("success", "failure"):
        return answer
    first = " ".join(text.split())[:200]
    if first.startswith("ERROR:"):  # remote.cgi's own refusal
        raise PermanentPanelError(f"{what}: {_scrub(first, hidden)}")
    raise TransientPanelError(
        f"{what}: the panel answered something that is not its JSON: {_scrub(first, hidden)}"
    )


def _reason(answer: Mapping[str, Any]) -> str:
    """The error line, with the last line of the full text when the first is only progress."""
    error = str(answer.get("error") or "").strip()
    lines = [line.strip() for line in str(answer.get("full_error") or "").splitlines() if line.strip()]
    last = next((line for line in reversed(lines) if not PROGRESS.search(line)), "")
    if not error or PROGRESS.search(error):
        return " ".join(part for part in (error, last) if part) or "failed without saying why"
    return error


def _scrub(text: str, hidden: tuple[str, ...]) -> str:
    for secret in hidden:
        if secret:
            text = text.replace(secret, "***")
    return text[:500]


def _valued(**options: str) -> dict[str, str]:
    """Options that take a value, the empty ones left out: remote.cgi passes an empty value as a
    bare flag, and the command would then take the next option's name as this one's value."""
    return {name: value for name, value in options.items() if value}


def _create_options(spec: AccountSpec) -> dict[str, str]:
    options = _valued(
        domain=spec.domain, user=spec.name, plan=_package(spec.params), desc=spec.domain, email=spec.email
    )
    options.update({"pass": spec.password, "limits-from-plan": ""})
    features = spec.params.get("features")
    if isinstance(features, str):
        features = features.split()
    if features:
        options.update({str(feature): "" for feature in features})
    else:
        options["features-from-plan"] = ""
    return options


def _package(params: Mapping[str, Any]) -> str:
    package = str(params.get("package") or "").strip()
    if not package:
        raise PermanentPanelError('Virtualmin: the plan names no package (module parameter "package")')
    return package


def _id_of(found: Mapping[str, Any]) -> str:
    return _value(found, "id") or str(found["name"])


def _value(found: Mapping[str, Any], key: str) -> str:
    values = (found.get("values") or {}).get(key) or [""]
    return str(values[0]).strip()


def _number(values: Mapping[str, Any], key: str) -> int:
    raw = str((values.get(key) or ["0"])[0]).strip()
    return int(raw) if raw.isdigit() else 0


def _name(ref: AccountRef) -> str:
    return ref.domain or ref.external_id or ref.name
