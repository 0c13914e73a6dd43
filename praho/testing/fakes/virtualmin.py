"""A local Virtualmin remote API (`/virtual-server/remote.cgi`), after Virtualmin's own remote.cgi,
its command-line programs and `convert_remote_format` (virtualmin-gpl).

A request names `program` and passes every other parameter on as `--name value` (an empty value
is a flag, `&unix&dir`), by GET query or POST form, behind HTTP basic auth (Webmin's 401 with
`WWW-Authenticate` otherwise). With `json=1` the answer (always served as text/plain, as Webmin
does) is `{"command", "status": "success"|"failure", ...}`: a failure carries `error` (the first
non-empty line the program printed) and `full_error`; a `list-*` program with `multiline` gives
`data: [{"name": ..., "values": {"lower_case_key": ["value", ...]}}]`, with `name-only` or `id-only`
`data: ["...", ...]`; anything else `output` (the printed text). Without a format the text comes
back followed by "Exit status: N", as remote.cgi prints it.

Programs: list-domains, create-domain, disable-domain, enable-domain, delete-domain,
modify-domain (pass, apply-plan / plan), list-plans, info; their messages are Virtualmin's. As in
Virtualmin, `modify-domain --apply-plan` with a plan that does not exist changes nothing and still
succeeds. Tests script what the fake cannot produce by itself with `refuse_next(program, error)`
(e.g. a lock held by another Virtualmin process), cap the servers with `max_domains`, and set a
domain's disk and bandwidth with `set_usage`. `fail_next` takes "remote.cgi" (the next request,
whatever its program) or a program's name (the next call of that program).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import itertools
import json
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

from praho.testing.fakes.service import Failure, FakeService, Received, Reply

PATH = "/virtual-server/remote.cgi"
FEATURES = frozenset(
    {"unix", "dir", "webmin", "web", "ssl", "dns", "mail", "mysql", "postgres", "logrotate", "spam", "virus"}
)
DEFAULT_FEATURES = ("unix", "dir", "webmin", "web", "dns", "mail", "logrotate")
DOMAIN_NAME = re.compile(r"^[a-z0-9.-]+$")
USER_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")
MIB = 1024 * 1024


class RefusedError(Exception):
    """What a Virtualmin program prints before `exit(1)` (its `usage` or its own error)."""


@dataclass
class Domain:
    id: str
    name: str
    user: str
    password: str = field(repr=False)
    plan: str
    description: str
    email: str
    features: tuple[str, ...]
    created: int
    disabled_why: str | None = None
    disk_bytes: int = 0
    bandwidth_bytes: int = 0

    @property
    def disabled(self) -> bool:
        return self.disabled_why is not None


Params = dict[str, list[str]]


class FakeVirtualmin(FakeService):
    def __init__(
        self,
        *,
        port: int = 0,
        username: str = "root",
        password: str = "virtualmin-secret",  # noqa: S107 (the fake's own login)
    ) -> None:
        super().__init__(port=port)
        self.username = username
        self.password = password
        self.plans: set[str] = {"start", "pro"}
        self.max_domains: int | None = None  # the licence's limit; None: unlimited
        self.version = "7.30.4.gpl"
        self.hostname = "vm1.example.net"
        self.domains: dict[str, Domain] = {}
        self._refusals: list[tuple[str, str]] = []
        self._ids = itertools.count(1)
        self._state = threading.RLock()

    # --- what tests read and script -------------------------------------------------------------

    def domain(self, name: str) -> Domain | None:
        with self._state:
            return self.domains.get(name.lower())

    def set_usage(self, name: str, *, disk_mb: int = 0, bandwidth_mb: int = 0) -> None:
        with self._state:
            domain = self.domains[name.lower()]
            domain.disk_bytes, domain.bandwidth_bytes = disk_mb * MIB, bandwidth_mb * MIB

    def refuse_next(self, program: str, error: str, *, times: int = 1) -> None:
        """The next `times` calls of `program` fail with `error` (exit status 1), doing nothing."""
        with self._state:
            self._refusals.extend((program, error) for _ in range(times))

    def calls_of(self, program: str) -> list[Params]:
        """The parameters of every call of `program` received so far."""
        return [
            params
            for received in self.requests_to("remote.cgi")
            if (params := _params(received)).get("program") == [program]
        ]

    # --- the server's side ----------------------------------------------------------------------

    def _record(self, received: Received) -> Failure | None:
        """As FakeService's, but a failure may also name a program: every program shares the
        endpoint remote.cgi, and `fail_next("create-domain", HANG_UP_AFTER)` fails only that one."""
        program = (_params(received).get("program") or [""])[0]
        with self._lock:
            self.received.append(received)
            failure = next((f for f in self._failures if f.endpoint in (received.endpoint, program)), None)
            if failure is not None:
                self._failures.remove(failure)
            return failure

    def answer(self, received: Received) -> Reply:
        if not self._authorised(received.headers.get("authorization", "")):
            return Reply(
                HTTPStatus.UNAUTHORIZED,
                b"<html><body><h1>Error - 401 Unauthorized</h1></body></html>",
                "text/html",
                {"WWW-Authenticate": 'Basic realm="Webmin Server"'},
            )
        if urlsplit(received.path).path != PATH:
            return Reply(
                HTTPStatus.NOT_FOUND,
                b"<html><body><h1>Error - Document follows</h1></body></html>",
                "text/html",
            )
        params = _params(received)
        program = (params.pop("program", None) or [""])[0]
        if not program:
            return _text(
                "This CGI is designed to be invoked by other programs wanting\n"
                "to perform some Virtualmin action programatically.\n"
            )
        run = self._programs().get(program)
        if run is None:
            return _text(f"ERROR: Remote program {program} does not exist\n")
        fmt = "json" if "json" in params else ""
        params.pop("json", None)
        with self._state:
            try:
                output, status = self._refusal(program) or (run(params), 0)
            except RefusedError as refusal:
                output, status = f"{refusal}\n\n", 1
        if not fmt:
            return _text(f"{output}\nExit status: {status}\n")
        return _text(json.dumps(_convert(output, status, program, params), indent=3) + "\n")

    def _authorised(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(f"{user}:{password}", f"{self.username}:{self.password}")

    def _refusal(self, program: str) -> tuple[str, int] | None:
        refusal = next((item for item in self._refusals if item[0] == program), None)
        if refusal is None:
            return None
        self._refusals.remove(refusal)
        return f"{refusal[1]}\n", 1

    def _programs(self) -> dict[str, Callable[[Params], str]]:
        return {
            "list-domains": self._list_domains,
            "create-domain": self._create_domain,
            "disable-domain": self._disable_domain,
            "enable-domain": self._enable_domain,
            "delete-domain": self._delete_domain,
            "modify-domain": self._modify_domain,
            "list-plans": self._list_plans,
            "info": self._info,
        }

    # --- the programs ---------------------------------------------------------------------------

    def _list_domains(self, params: Params) -> str:
        _only(params, {"domain", "user", "id", "multiline", "name-only", "id-only", "enabled", "disabled"})
        domains = self._selected(params)
        if "disabled" in params:
            domains = [domain for domain in domains if domain.disabled]
        if "enabled" in params:
            domains = [domain for domain in domains if not domain.disabled]
        if "name-only" in params:
            return "".join(f"{domain.name}\n" for domain in domains)
        if "id-only" in params:
            return "".join(f"{domain.id}\n" for domain in domains)
        if "multiline" in params:
            return "".join(self._multiline(domain) for domain in domains)
        rows = [("Domain", "Username", "Description"), ("-" * 30, "-" * 15, "-" * 30)]
        rows += [(domain.name, domain.user, domain.description) for domain in domains]
        return "".join(f"{a[:30]:<30} {b[:15]:<15} {c[:30]:<30}\n" for a, b, c in rows)

    def _selected(self, params: Params) -> list[Domain]:
        if "id" in params:
            by_id = {domain.id: domain for domain in self.domains.values()}
            missing = next((wanted for wanted in params["id"] if wanted not in by_id), None)
            if missing is not None:
                raise RefusedError(f"No virtual server with ID {missing} exists")
            return [by_id[wanted] for wanted in params["id"]]
        if "domain" not in params and "user" not in params:
            return sorted(self.domains.values(), key=lambda domain: (domain.user, domain.created))
        found: list[Domain] = []
        for name in params.get("domain", []):
            found.append(self._existing(name))
        for user in params.get("user", []):
            owned = [domain for domain in self.domains.values() if domain.user == user.lower()]
            if not owned:
                raise RefusedError(f"No top-level domain owned by {user} exists")
            found += owned
        return list({domain.id: domain for domain in found}.values())

    def _existing(self, name: str) -> Domain:
        domain = self.domains.get(name.lower())
        if domain is None:
            raise RefusedError(f"Virtual server {name} does not exist")
        return domain

    def _multiline(self, domain: Domain) -> str:
        lines = [
            ("ID", domain.id),
            ("Type", "Top-level server"),
            ("Description", domain.description),
            ("Plan ID", _plan_id(domain.plan)),
            ("Plan", domain.plan),
            ("Username", domain.user),
            ("Password storage", "Plain text"),
            ("Password", domain.password),  # Virtualmin shows it to the master administrator
            ("Home directory", f"/home/{domain.user}"),
            ("Contact email", domain.email),
            ("Created on", time.strftime("%d/%b/%Y %H:%M", time.gmtime(domain.created))),
            ("Created Unix time", str(domain.created)),
        ]
        if domain.disabled:
            lines.append(
                ("Disabled", f"Manually ({domain.disabled_why})" if domain.disabled_why else "Manually")
            )
        lines += [
            ("Features", " ".join(domain.features)),
            ("Server quota used", _nice_size(domain.disk_bytes)),
            ("Server byte quota used", str(domain.disk_bytes)),
            ("Bandwidth usage", _nice_size(domain.bandwidth_bytes)),
            ("Bandwidth byte usage", str(domain.bandwidth_bytes)),
        ]
        return f"{domain.name}\n" + "".join(f"    {key}: {value}\n" for key, value in lines)

    def _create_domain(self, params: Params) -> str:
        flags = {"features-from-plan", "default-features", "limits-from-plan", "limits-from-template"}
        _only(params, {"domain", "pass", "user", "plan", "desc", "email", *FEATURES, *flags})
        name, password = _one(params, "domain").lower(), _one(params, "pass")
        if not name:
            raise RefusedError("Missing domain name")
        if not password:
            raise RefusedError("Missing password")
        plan = self._plan(_one(params, "plan"))
        if not DOMAIN_NAME.match(name):
            raise RefusedError(
                "Domain names cannot include anything other than letters, numbers, dots, and dashes"
            )
        if name in self.domains:
            raise RefusedError("You are already hosting this domain")
        user = _one(params, "user").lower() or name.split(".")[0]
        if not USER_NAME.match(user):
            raise RefusedError(f"The username {user} is not valid : it must start with a letter")
        if any(domain.user == user for domain in self.domains.values()):
            raise RefusedError("The specified administration user already exists")
        if self.max_domains is not None and len(self.domains) >= self.max_domains:
            raise RefusedError(
                "No more servers can be added, the system has reached its licensed maximum of "
                f"{self.max_domains}."
            )
        chosen = tuple(feature for feature in sorted(FEATURES) if feature in params)
        self.domains[name] = Domain(
            id=f"{int(time.time())}{next(self._ids):06d}",
            name=name,
            user=user,
            password=password,
            plan=plan,
            description=_one(params, "desc") or name,
            email=_one(params, "email"),
            features=chosen or DEFAULT_FEATURES,
            created=int(time.time()),
        )
        steps = "".join(f"Creating {feature} ..\n.. done\n\n" for feature in chosen or DEFAULT_FEATURES)
        return f"Beginning server creation ..\n\n{steps}All done!\n"

    def _plan(self, wanted: str) -> str:
        if not wanted:
            if not self.plans:
                raise RefusedError("Plan does not exist")
            return sorted(self.plans)[0]
        found = next((plan for plan in self.plans if wanted in (plan, _plan_id(plan))), None)
        if found is None:
            raise RefusedError("Unknown plan name")
        return found

    def _disable_domain(self, params: Params) -> str:
        _only(params, {"domain", "why", "subservers"})
        domain = self._named(params)
        if domain.disabled:
            raise RefusedError(f"Virtual server {domain.name} is already disabled")
        domain.disabled_why = _one(params, "why")
        return f"Disabling virtual server {domain.name} ..\n\n.. done\n\nAll done!\n"

    def _enable_domain(self, params: Params) -> str:
        _only(params, {"domain", "subservers"})
        domain = self._named(params)
        if not domain.disabled:
            raise RefusedError(f"Virtual server {domain.name} is not disabled")
        domain.disabled_why = None
        return f"Enabling virtual server {domain.name} ..\n\n.. done\n\nAll done!\n"

    def _delete_domain(self, params: Params) -> str:
        _only(params, {"domain", "user", "only", "preserve-remote"})
        if "domain" not in params and "user" not in params:
            raise RefusedError("No users or domains specified")
        domains = self._selected(params)
        for domain in domains:
            del self.domains[domain.name]
        return "".join(f"Deleting virtual server {domain.name} ..\n.. deleted\n\n" for domain in domains)

    def _modify_domain(self, params: Params) -> str:
        _only(params, {"domain", "pass", "desc", "email", "plan", "apply-plan"})
        domain = self._named(params, missing="Virtual server {} does not exist.")
        done = []
        if "pass" in params:
            domain.password = _one(params, "pass")
            done.append("Changing password ..\n.. done\n")
        wanted = _one(params, "apply-plan") or _one(params, "plan")
        plan = next((plan for plan in self.plans if wanted and wanted in (plan, _plan_id(plan))), None)
        if plan is not None:  # Virtualmin ignores a plan it does not have
            domain.plan = plan
            done.append(f"Changing plan to {plan} ..\n.. done\n")
        if "desc" in params:
            domain.description = _one(params, "desc")
        if "email" in params:
            domain.email = _one(params, "email")
        return "\n".join(done) + "\nAll done!\n"

    def _named(self, params: Params, missing: str = "Virtual server {} does not exist") -> Domain:
        name = _one(params, "domain")
        if not name:
            raise RefusedError("No domain specified")
        domain = self.domains.get(name.lower())
        if domain is None:
            raise RefusedError(missing.format(name))
        return domain

    def _list_plans(self, params: Params) -> str:
        _only(params, {"name", "id", "name-only", "id-only", "multiline"})
        plans = sorted(self.plans)
        if "name" in params:
            plans = [plan for plan in plans if plan == _one(params, "name")]
            if not plans:
                raise RefusedError(f"No plan with name {_one(params, 'name')} was found")
        if "name-only" in params:
            return "".join(f"{plan}\n" for plan in plans)
        if "id-only" in params:
            return "".join(f"{_plan_id(plan)}\n" for plan in plans)
        if "multiline" in params:
            return "".join(
                f"{_plan_id(plan)}\n    Name: {plan}\n    Server block quota: Unlimited\n" for plan in plans
            )
        return "".join(
            f"{_plan_id(plan):<18} {plan:<40} {'Unlimited':<10} {'Unlimited':<8}\n" for plan in plans
        )

    def _info(self, params: Params) -> str:
        host = (
            "host:\n"
            f"    hostname: {self.hostname}\n"
            "    module root: /usr/share/webmin/virtual-server\n"
            "    os: Debian Linux 12\n"
            "    root: /usr/share/webmin\n"
            f"    virtualmin version: {self.version}\n"
            "    webmin version: 2.302\n"
        )
        searches = params.get("search", [])
        return host if not searches or any(wanted in "host" for wanted in searches) else ""


def _params(received: Received) -> Params:
    """remote.cgi's %in: the query string, then a POST form's fields, repeated names kept."""
    pairs = parse_qsl(urlsplit(received.path).query, keep_blank_values=True)
    if received.method == "POST" and "form-urlencoded" in received.headers.get("content-type", ""):
        pairs += parse_qsl(received.body.decode(), keep_blank_values=True)
    params: Params = {}
    for name, value in pairs:
        params.setdefault(name, []).append(value)
    return params


def _only(params: Params, known: set[str] | frozenset[str]) -> None:
    unknown = next((name for name in params if name not in known), None)
    if unknown is not None:
        raise RefusedError(f"Unknown parameter --{unknown}")


def _one(params: Params, name: str) -> str:
    return (params.get(name) or [""])[0]


def _plan_id(plan: str) -> str:
    return str(zlib.crc32(plan.encode()) % 10**15)


def _nice_size(size: int) -> str:
    """Webmin's nice_size."""
    for limit, unit in ((1024**4, "TB"), (1024**3, "GB"), (MIB, "MB"), (1024, "kB")):
        if size >= limit:
            return f"{size / limit:.2f} {unit}"
    return f"{size} bytes"


def _text(text: str) -> Reply:
    return Reply(HTTPStatus.OK, text.encode(), "text/plain")


def _convert(output: str, status: int, program: str, params: Params) -> dict[str, object]:
    """Virtualmin's convert_remote_format for the programs the fake has."""
    answer: dict[str, object] = {"command": program, "status": "failure" if status else "success"}
    lines = output.splitlines()
    if status:
        answer["error"] = next((line for line in lines if line.strip()), "")
        answer["full_error"] = output
    elif program.startswith("list-") and "multiline" in params:
        data: list[dict[str, object]] = []
        values: dict[str, list[str]] = {}
        for line in lines:
            if line and not line[0].isspace():
                values = {}
                data.append({"name": line, "values": values})
            elif (match := re.match(r"^\s+(\S[^:]+):\s*(.*)$", line)) is not None:
                key = re.sub(r"\s", "_", match[1].lower())
                values.setdefault(key, []).append(match[2])
        answer["data"] = data
    elif program.startswith("list-") and ("name-only" in params or "id-only" in params):
        answer["data"] = lines
    else:
        answer["output"] = output
    return answer
