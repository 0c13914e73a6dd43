"""HestiaCP through its API: `POST /api/` with a form of `hash` (ACCESS_KEY:SECRET_KEY), `cmd` (one
of Hestia's `v-...` commands), `arg1`..`argN` and `returncode`.

The login travels in the POST body only, never in the URL (URLs end up in access logs); no message
carries it. Commands that act are sent with `returncode=yes`, so the answer is the command's exit
code (func/main.sh: 0 OK, 3 E_NOTEXIST, 4 E_EXISTS, ...), and every code is mapped here: the
harmless ones of an idempotent call (E_EXISTS on create, E_SUSPENDED on suspend, E_NOTEXIST on
terminate, ...) succeed, load and service trouble (E_LA, E_CONNECT, E_DB, E_UPDATE, E_RESTART) is
transient, the rest is permanent and named in the message. Lists are sent with `returncode=no` and
answer JSON; a failing list command comes back as a 4xx, which `http.send` makes permanent.

The account is a Hestia user named by the service's deterministic name (its external id too);
creating it is two steps, `add_user` (the user, on the plan's package) and `add_web_domain` (the
service's domain under it), and deleting the user undoes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

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

PATH = "/api/"
OK, E_NOTEXIST, E_EXISTS, E_SUSPENDED, E_UNSUSPENDED = 0, 3, 4, 5, 6
CODE_NAMES = {
    0: "OK",
    1: "E_ARGS",
    2: "E_INVALID",
    3: "E_NOTEXIST",
    4: "E_EXISTS",
    5: "E_SUSPENDED",
    6: "E_UNSUSPENDED",
    7: "E_INUSE",
    8: "E_LIMIT",
    9: "E_PASSWORD",
    10: "E_FORBIDEN",
    11: "E_DISABLED",
    12: "E_PARSING",
    13: "E_DISK",
    14: "E_LA",
    15: "E_CONNECT",
    16: "E_FTP",
    17: "E_DB",
    18: "E_RRD",
    19: "E_UPDATE",
    20: "E_RESTART",
}
# Load average too high, a service unreachable or restarting, an update running: try again later.
TRANSIENT_CODES = frozenset({14, 15, 17, 19, 20})
STEPS = ("add_user", "add_web_domain")


def code_name(code: int) -> str:
    return CODE_NAMES.get(code, f"exit code {code}")


def failure(command: str, code: int, detail: str = "") -> PanelError:
    """The error for a command that exited with `code`: transient or permanent, named."""
    message = f"HestiaCP {command}: {code_name(code)}" + (f" ({detail})" if detail else "")
    kind = TransientPanelError if code in TRANSIENT_CODES else PermanentPanelError
    return kind(message)


class HestiaDriver:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._session: httpx.Client | None = None

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _client(self) -> httpx.Client:
        """One client for the driver's life (one operation): building one loads the CA bundle,
        which costs more than a call to the panel."""
        if self._session is None:
            self._session = http.client(self.connection)
        return self._session

    # --- the API --------------------------------------------------------------------------------

    def _post(self, command: str, args: tuple[str, ...], *, returncode: str) -> httpx.Response:
        form = {
            "hash": f"{self.connection.username}:{self.connection.secret}",
            "returncode": returncode,
            "cmd": command,
            **{f"arg{position}": value for position, value in enumerate(args, start=1)},
        }
        return http.send(self._client(), "POST", PATH, what=f"HestiaCP {command}", data=form)

    def _code(self, command: str, *args: str) -> int:
        """The exit code of `command` run with `args`."""
        answer = self._post(command, args, returncode="yes").text.strip()
        if not answer.isdigit():
            raise TransientPanelError(f"HestiaCP {command}: the answer is not an exit code")
        return int(answer)

    def _run(self, command: str, *args: str, fine: tuple[int, ...] = (OK,)) -> int:
        """Run an action; its exit code when it is one of `fine`, the mapped error otherwise."""
        code = self._code(command, *args)
        if code not in fine:
            raise failure(command, code)
        return code

    def _listing(self, command: str, *args: str) -> dict[str, Any]:
        """The JSON object a `v-list-...` command prints."""
        response = self._post(command, (*args, "json"), returncode="no")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise TransientPanelError(f"HestiaCP {command}: the answer is not the JSON listing")
        return data

    @staticmethod
    def _user(ref: AccountRef) -> str:
        return ref.external_id or ref.name

    # --- the Driver interface -------------------------------------------------------------------

    def test_connection(self) -> str:
        info = self._listing("v-list-sys-info").get("sysinfo") or {}
        users = self._listing("v-list-users")
        version = f", Hestia {info['HESTIA']}" if info.get("HESTIA") else ""
        return (
            f"HestiaCP on {info.get('HOSTNAME', '?')}{version} ({info.get('OS', '?')} "
            f"{info.get('VERSION', '?')}, {info.get('ARCH', '?')}), load {info.get('LOADAVERAGE', '?')}, "
            f"{len(users)} users"
        )

    def exists(self, ref: AccountRef) -> str | None:
        user = self._user(ref)
        code = self._run("v-list-user", user, "json", fine=(OK, E_NOTEXIST))
        return user if code == OK else None

    def create(self, spec: AccountSpec, steps: Steps) -> Created:
        package = str(spec.params.get("package") or "")
        if not package:
            raise PermanentPanelError(
                "HestiaCP v-add-user: the plan names no package (module parameter 'package')"
            )
        steps.once("add_user", lambda: self._add_user(spec, package))
        if spec.domain:
            steps.once("add_web_domain", lambda: self._add_web_domain(spec.name, spec.domain))
        return Created(external_id=spec.name, username=spec.name)

    def _add_user(self, spec: AccountSpec, package: str) -> str:
        """The user, made unless a run before this one (whose answer was lost) made it."""
        if self.exists(spec.ref) is not None:
            return spec.name
        code = self._code("v-add-user", spec.name, spec.password, spec.email, package)
        if code == E_EXISTS:
            if self.exists(spec.ref) is not None:
                return spec.name  # made meanwhile, by the attempt whose answer was lost
            raise failure("v-add-user", code, f"a system user named {spec.name} exists outside Hestia")
        if code == E_NOTEXIST:
            raise failure("v-add-user", code, f"unknown package {package}")
        if code != OK:
            raise failure("v-add-user", code)
        return spec.name

    def _add_web_domain(self, user: str, domain: str) -> str:
        code = self._code("v-add-web-domain", user, domain)
        if code == E_EXISTS:
            if self._code("v-list-web-domain", user, domain, "json") == OK:
                return domain  # it is this user's: added by an attempt whose answer was lost
            raise failure("v-add-web-domain", code, f"{domain} belongs to another user")
        if code != OK:
            raise failure("v-add-web-domain", code)
        return domain

    def compensate(self, spec: AccountSpec, steps: Steps) -> list[str]:
        """Deleting the user deletes its web domain with it."""
        if "add_user" not in steps.completed:
            return []
        self._run("v-delete-user", spec.name, fine=(OK, E_NOTEXIST))
        return [name for name in reversed(steps.completed) if name in STEPS]

    def suspend(self, ref: AccountRef, reason: str) -> None:
        self._run("v-suspend-user", self._user(ref), fine=(OK, E_SUSPENDED))

    def unsuspend(self, ref: AccountRef) -> None:
        self._run("v-unsuspend-user", self._user(ref), fine=(OK, E_UNSUSPENDED))

    def terminate(self, ref: AccountRef) -> None:
        self._run("v-delete-user", self._user(ref), fine=(OK, E_NOTEXIST))

    def change_package(self, ref: AccountRef, params: Mapping[str, Any]) -> None:
        package = str(params.get("package") or "")
        if not package:
            raise PermanentPanelError("HestiaCP v-change-user-package: the plan names no package")
        user = self._user(ref)
        code = self._code("v-change-user-package", user, package)
        if code == E_NOTEXIST:
            missing = f"unknown package {package}" if self.exists(ref) else f"no user {user}"
            raise failure("v-change-user-package", code, missing)
        if code != OK:
            raise failure("v-change-user-package", code)

    def change_password(self, ref: AccountRef, password: str) -> None:
        self._run("v-change-user-password", self._user(ref), password)

    def usage(self, ref: AccountRef) -> Usage:
        """U_DISK and U_BANDWIDTH, which Hestia counts in MB (bandwidth: this month's)."""
        user = self._user(ref)
        fields: Any = self._listing("v-list-user", user).get(user)
        try:
            return Usage(disk_mb=int(fields["U_DISK"]), bandwidth_mb=int(fields["U_BANDWIDTH"]))
        except (KeyError, TypeError, ValueError) as error:
            raise TransientPanelError(f"HestiaCP v-list-user: no usage counters for {user}") from error
