"""A local HestiaCP API (POST /api/), speaking what Hestia's web/api/index.php speaks.

A request is a form (or a JSON object) with the credentials, `cmd` (a `v-...` command),
`arg1`..`arg13` and `returncode`:

- credentials: `hash=ACCESS_KEY:SECRET_KEY` (a 20- and a 40-character key: the access-key API), or
  `access_key` and `secret_key`, or the legacy `user=admin` and `password`. Refused ones are
  answered as Hestia does: HTTP 401 with `Hestia-Exit-Code: 9` (E_PASSWORD; 10, E_FORBIDEN, for a
  legacy user other than admin) and the code (returncode=yes) or "Error: ..." as the body.
- `returncode=yes`: HTTP 200, the command's exit code as the body ("0" is OK), whatever it was.
- `returncode=no`: the command's output. With the access-key API a failed command is answered with
  the HTTP status Hestia derives from its exit code (E_ARGS 400, E_INVALID 422, E_PASSWORD and
  E_SUSPENDED/E_UNSUSPENDED/E_FORBIDEN 401, others 400) and "Error: ..."; a command with no
  output is 204. The legacy API answers 200 always ("OK" for no output).
  Every answer names the exit code in the `Hestia-Exit-Code` header.

Exit codes are those of Hestia's func/main.sh. The commands kept here act on in-memory users,
packages and web domains, checking what the real scripts check, in their order: v-add-user,
v-add-web-domain, v-list-web-domain, v-suspend-user, v-unsuspend-user, v-delete-user,
v-change-user-package, v-change-user-password, v-list-user, v-list-users, v-list-user-packages,
v-list-sys-info. Any other command is answered as sudo answers a missing script (exit 1).
`fail_command(cmd, code)` makes the next run of a command fail with an exit code of Hestia's own
(E_LA, E_DB, E_RESTART, ...), without doing anything; `set_usage` sets a user's counters.
`fail_next` takes the endpoint "api" (the next request, whatever its command) or a command's name
(the next request running it): `fail_next("v-add-user", HANG_UP_AFTER)` adds the user, then hangs up.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from praho.testing.fakes.service import Failure, FakeService, Received, Reply

ENDPOINT = "api"

# func/main.sh
OK = 0
E_ARGS = 1
E_INVALID = 2
E_NOTEXIST = 3
E_EXISTS = 4
E_SUSPENDED = 5
E_UNSUSPENDED = 6
E_INUSE = 7
E_LIMIT = 8
E_PASSWORD = 9
E_FORBIDEN = 10
E_DISABLED = 11
E_PARSING = 12
E_DISK = 13
E_LA = 14
E_CONNECT = 15
E_FTP = 16
E_DB = 17
E_RRD = 18
E_UPDATE = 19
E_RESTART = 20

ACCESS_KEY = "HSTAK3YEXAMPLE000001"
SECRET_KEY = "hestiaSecretKeyForTheLocalFakeOnly000001"  # noqa: S105
ADMIN_PASSWORD = "admin-password-of-the-fake"  # noqa: S105 (legacy user/password login)
# bin/v-add-user: names MariaDB or sudo would trip over.
RESERVED = frozenset(
    {
        "aria",
        "aria_log",
        "mysql",
        "mysql_upgrade",
        "ib",
        "ib_buffer",
        "ddl",
        "ddl_recovery",
        "performance",
        "sudo",
    }
)
USER_FORMAT = re.compile(r"^[a-z0-9][-._a-z0-9]{0,30}[a-z0-9]$|^[a-z0-9]$", re.IGNORECASE)
# func/main.sh is_email_format_valid: a dotted domain with a letters-only (or xn--) top level.
EMAIL_FORMAT = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.([A-Za-z]{2,63}|xn--[A-Za-z0-9]{2,63})$")
DOMAIN_FORMAT = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.IGNORECASE
)
COMMAND_FORMAT = re.compile(r"^[a-zA-Z0-9_-]+$")
# web/inc/helpers.php exit_code_to_http_code: what the access-key API answers a failed command with.
HTTP_OF_CODE = {
    E_ARGS: 400,
    E_INVALID: 422,
    E_PASSWORD: 401,
    E_SUSPENDED: 401,
    E_UNSUSPENDED: 401,
    E_FORBIDEN: 401,
    E_DISABLED: 400,
}
UNLIMITED = "unlimited"
PACKAGE_FIELDS = (
    "WEB_DOMAINS",
    "WEB_ALIASES",
    "DNS_DOMAINS",
    "MAIL_DOMAINS",
    "DATABASES",
    "DISK_QUOTA",
    "BANDWIDTH",
)


@dataclass
class Outcome:
    """What a command did: its exit code and its output (stdout, "Error: ..." on failure)."""

    code: int
    output: str = ""


def failed(code: int, message: str) -> Outcome:
    return Outcome(code, f"Error: {message}")


class FakeHestia(FakeService):
    """HestiaCP's API with an admin account and two packages, `default` and `gold`."""

    def __init__(
        self,
        *,
        port: int = 0,
        access_key: str = ACCESS_KEY,
        secret_key: str = SECRET_KEY,
        admin_password: str = ADMIN_PASSWORD,
    ) -> None:
        super().__init__(port=port)
        # The handler writes headers and body apart; with Nagle's algorithm on, the client's
        # delayed ACK holds every answer ~40 ms. (This instance's own handler class.)
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        self.access_key, self.secret_key, self.admin_password = access_key, secret_key, admin_password
        self.hostname = "hestia.fake.test"
        self.packages: dict[str, dict[str, str]] = {}
        self.users: dict[str, dict[str, str]] = {}
        self.passwords: dict[str, str] = {}
        self.web_domains: dict[str, str] = {}  # domain -> its user
        # Every command run, in order: (command, arguments, exit code). Tests read the order.
        self.executed: list[tuple[str, tuple[str, ...], int]] = []
        self._scripted: list[tuple[str, int]] = []
        self._state = threading.RLock()
        self.add_package("default", WEB_DOMAINS="5", DISK_QUOTA="1000", BANDWIDTH="10000")
        self.add_package("gold", WEB_DOMAINS=UNLIMITED, DISK_QUOTA="10000", BANDWIDTH=UNLIMITED)
        self.add_package("system", WEB_DOMAINS=UNLIMITED, DISK_QUOTA=UNLIMITED, BANDWIDTH=UNLIMITED)
        self._new_user("admin", admin_password, "admin@hestia.fake.test", "system", "System Administrator")

    # --- what tests script and read ------------------------------------------------------------

    def add_package(self, name: str, **limits: str) -> None:
        with self._state:
            self.packages[name] = {field: limits.get(field, UNLIMITED) for field in PACKAGE_FIELDS}

    def fail_command(self, command: str, code: int, *, times: int = 1) -> None:
        """The next `times` runs of `command` exit with `code` and change nothing."""
        with self._state:
            self._scripted.extend((command, code) for _ in range(times))

    def set_usage(self, user: str, *, disk_mb: int, bandwidth_mb: int) -> None:
        with self._state:
            self.users[user].update(U_DISK=str(disk_mb), U_BANDWIDTH=str(bandwidth_mb))

    def user_names(self) -> list[str]:
        """The accounts besides admin, sorted."""
        with self._state:
            return sorted(name for name in self.users if name != "admin")

    def runs_of(self, command: str) -> list[tuple[tuple[str, ...], int]]:
        """(arguments, exit code) of every run of `command`, in order."""
        with self._state:
            return [(args, code) for cmd, args, code in self.executed if cmd == command]

    # --- the HTTP side ------------------------------------------------------------------------

    def _record(self, received: Received) -> Failure | None:
        """The failure queued for "api", else the one queued for the request's command."""
        failure = super()._record(received)
        if failure is not None:
            return failure
        request = _request_data(received) or {}
        command = request.get("cmd", "").strip()
        with self._lock:
            failure = next((f for f in self._failures if command and f.endpoint == command), None)
            if failure is not None:
                self._failures.remove(failure)
            return failure

    def error_reply(self, received: Received) -> Reply:
        """Hestia's nginx in front of a PHP-FPM that is not answering."""
        return Reply(
            HTTPStatus.BAD_GATEWAY, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
        )

    def answer(self, received: Received) -> Reply:
        if received.endpoint != ENDPOINT:
            return Reply(
                HTTPStatus.NOT_FOUND, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html"
            )
        request = _request_data(received) if received.method == "POST" else None
        if request:
            _split_hash(request)
            if "access_key" in request and "secret_key" in request:
                return self._access_key_api(request)
            if "user" in request or "hash" in request:
                return self._legacy_api(request)
        return _api_error(405, "data received is null or invalid, check the API documentation", False)

    def _access_key_api(self, request: dict[str, str]) -> Reply:
        by_code = request.get("returncode", "no") == "yes"
        command = request.get("cmd", "").strip()
        if not command:
            return _api_error(E_INVALID, "Command not provided", by_code)
        if not COMMAND_FORMAT.match(command):
            return _api_error(E_INVALID, f"{command} command invalid", by_code)
        access, secret = request["access_key"].strip(), request["secret_key"].strip()
        if not access or not secret:
            return _api_error(E_PASSWORD, "Authentication failed", by_code)
        if access != self.access_key:
            return _api_error(E_PASSWORD, f"key {access} doesn't exist", by_code)
        if secret != self.secret_key:
            return _api_error(E_PASSWORD, f"key {access} - the secret key is not valid", by_code)
        outcome = self.run(command, _arguments(request))
        headers = {"Hestia-Exit-Code": str(outcome.code)}
        if by_code:
            return Reply(HTTPStatus.OK, str(outcome.code).encode(), "text/html", headers)
        output = outcome.output.strip()
        if outcome.code:
            return Reply(HTTP_OF_CODE.get(outcome.code, 400), output.encode(), "text/html", headers)
        if not output:
            return Reply(HTTPStatus.NO_CONTENT, b"", "text/html", headers)
        content_type = "application/json" if _is_json_text(output) else "text/html"
        return Reply(HTTPStatus.OK, output.encode(), content_type, headers)

    def _legacy_api(self, request: dict[str, str]) -> Reply:
        by_code = request.get("returncode", "no") == "yes"
        if request.get("hash"):
            return _api_error(E_PASSWORD, "authentication failed", by_code)  # no legacy keys here
        if request.get("user") != "admin":
            return _api_error(E_FORBIDEN, "authentication failed", by_code)
        if request.get("password") != self.admin_password:
            return _api_error(E_PASSWORD, "authentication failed", by_code)
        command = request.get("cmd", "").strip()
        if not command:
            return _api_error(E_INVALID, "Command not provided", by_code)
        if not COMMAND_FORMAT.match(command):
            return _api_error(E_INVALID, f"{command} command invalid", by_code)
        outcome = self.run(command, _arguments(request))
        headers = {"Hestia-Exit-Code": str(outcome.code)}
        body = str(outcome.code) if by_code else (outcome.output.strip() or "OK") + "\n"
        return Reply(HTTPStatus.OK, body.encode(), "text/html", headers)

    # --- the commands -------------------------------------------------------------------------

    def run(self, command: str, args: list[str]) -> Outcome:
        """Run one command against the state, as Hestia's bin/ script would."""
        with self._state:
            scripted = next((s for s in self._scripted if s[0] == command), None)
            if scripted is not None:
                self._scripted.remove(scripted)
                outcome = failed(scripted[1], f"{command} failed (exit {scripted[1]})")
            else:
                handler = self._commands().get(command)
                if handler is None:
                    outcome = Outcome(1, f"sudo: /usr/local/hestia/bin/{command}: command not found")
                else:
                    outcome = handler(args)
            self.executed.append((command, tuple(args), outcome.code))
            return outcome

    def _commands(self) -> Mapping[str, Callable[[list[str]], Outcome]]:
        return {
            "v-add-user": self._add_user,
            "v-add-web-domain": self._add_web_domain,
            "v-list-web-domain": self._list_web_domain,
            "v-suspend-user": self._suspend_user,
            "v-unsuspend-user": self._unsuspend_user,
            "v-delete-user": self._delete_user,
            "v-change-user-package": self._change_user_package,
            "v-change-user-password": self._change_user_password,
            "v-list-user": self._list_user,
            "v-list-users": self._list_users,
            "v-list-user-packages": self._list_packages,
            "v-list-sys-info": self._sys_info,
        }

    def _add_user(self, args: list[str]) -> Outcome:
        if len(args) < 3:
            return Outcome(E_ARGS, "Usage: v-add-user USER PASSWORD EMAIL [PACKAGE] [NAME] ")
        user, password, email = args[:3]
        package = args[3] if len(args) > 3 and args[3] else "default"
        if not USER_FORMAT.match(user):
            return failed(E_INVALID, f"invalid user format :: {user}")
        if not EMAIL_FORMAT.match(email):
            return failed(E_INVALID, f"invalid email format :: {email}")
        if user.lower() in RESERVED:
            return failed(E_INVALID, f"The user name '{user}' is reserved and cannot be used.")
        if user in self.users:
            return failed(E_EXISTS, f"user {user} exists")
        if package not in self.packages:
            return failed(E_NOTEXIST, f"package {package} doesn't exist")
        if not password:
            return Outcome(E_INVALID, "Error: Password not accepted due to PAM restrictions")
        self._new_user(user, password, email, package, " ".join(args[4:6]))
        self.users["admin"]["U_USERS"] = str(len(self.users) - 1)
        return Outcome(OK)

    def _new_user(self, user: str, password: str, email: str, package: str, name: str) -> None:
        limits = self.packages[package]
        self.users[user] = {
            "NAME": name,
            "PACKAGE": package,
            **limits,
            "CONTACT": email,
            "HOME": f"/home/{user}",
            "SHELL": "nologin",
            "ROLE": "admin" if user == "admin" else "user",
            "SUSPENDED": "no",
            "IP_AVAIL": "1",
            "U_USERS": "0",
            "U_DISK": "0",
            "U_BANDWIDTH": "0",
            "U_WEB_DOMAINS": "0",
            "U_DATABASES": "0",
            "LANGUAGE": "",
            "TIME": "12:00:00",
            "DATE": "2026-01-01",
        }
        self.passwords[user] = password

    def _user_problem(self, user: str) -> Outcome | None:
        if not USER_FORMAT.match(user):
            return failed(E_INVALID, f"invalid user format :: {user}")
        if user not in self.users:
            return failed(E_NOTEXIST, f"user {user} doesn't exist")
        return None

    def _add_web_domain(self, args: list[str]) -> Outcome:
        if len(args) < 2:
            return Outcome(
                E_ARGS, "Usage: v-add-web-domain USER DOMAIN [IP] [RESTART] [ALIASES] [PROXY_EXTENSIONS]"
            )
        user, domain = args[0], args[1].lower()
        if not DOMAIN_FORMAT.match(domain):
            return failed(E_INVALID, f"invalid domain format :: {domain}")
        if problem := self._user_problem(user):
            return problem
        account = self.users[user]
        if account["SUSPENDED"] == "yes":
            return failed(E_SUSPENDED, f"user {user} is suspended")
        limit = account["WEB_DOMAINS"]
        if limit != UNLIMITED and int(account["U_WEB_DOMAINS"]) >= int(limit):
            return failed(E_LIMIT, "WEB_DOMAINS limit is reached :: upgrade user package")
        if domain in self.web_domains:
            return failed(E_EXISTS, f"Web domain {domain} exists")
        self.web_domains[domain] = user
        account["U_WEB_DOMAINS"] = str(int(account["U_WEB_DOMAINS"]) + 1)
        return Outcome(OK)

    def _list_web_domain(self, args: list[str]) -> Outcome:
        if len(args) < 2:
            return Outcome(E_ARGS, "Usage: v-list-web-domain USER DOMAIN [FORMAT]")
        user, domain = args[0], args[1].lower()
        if problem := self._user_problem(user):
            return problem
        if self.web_domains.get(domain) != user:
            return failed(E_NOTEXIST, f"web domain {domain} doesn't exist")
        suspended = self.users[user]["SUSPENDED"]
        fields = {"IP": "203.0.113.10", "ALIAS": f"www.{domain}", "TPL": "default", "SUSPENDED": suspended}
        return _listing({domain: fields}, args[2:], f"DOMAIN: {domain}")

    def _suspend_user(self, args: list[str]) -> Outcome:
        if len(args) < 1:
            return Outcome(E_ARGS, "Usage: v-suspend-user USER [RESTART]")
        if problem := self._user_problem(args[0]):
            return problem
        account = self.users[args[0]]
        if account["SUSPENDED"] == "yes":
            return failed(E_SUSPENDED, f"user {args[0]} is suspended")
        if args[0] != "admin":
            account["SUSPENDED"] = "yes"
        return Outcome(OK)

    def _unsuspend_user(self, args: list[str]) -> Outcome:
        if len(args) < 1:
            return Outcome(E_ARGS, "Usage: v-unsuspend-user USER [RESTART]")
        if problem := self._user_problem(args[0]):
            return problem
        account = self.users[args[0]]
        if account["SUSPENDED"] != "yes":
            return failed(E_UNSUSPENDED, f"user {args[0]} is not suspended")
        account["SUSPENDED"] = "no"
        return Outcome(OK)

    def _delete_user(self, args: list[str]) -> Outcome:
        if len(args) < 1:
            return Outcome(E_ARGS, "Usage: v-delete-user USER [RESTART]")
        user = args[0]
        if problem := self._user_problem(user):
            return problem
        if user == "admin":
            return failed(E_FORBIDEN, "Restricted user: admin")
        del self.users[user], self.passwords[user]
        for domain in [d for d, owner in self.web_domains.items() if owner == user]:
            del self.web_domains[domain]
        return Outcome(OK)

    def _change_user_package(self, args: list[str]) -> Outcome:
        if len(args) < 2:
            return Outcome(E_ARGS, "Usage: v-change-user-package USER PACKAGE [FORCE]")
        user, package = args[0], args[1]
        if problem := self._user_problem(user):
            return problem
        if package not in self.packages:
            return failed(E_NOTEXIST, f"package {package} doesn't exist")
        self.users[user].update(PACKAGE=package, **self.packages[package])
        return Outcome(OK)

    def _change_user_password(self, args: list[str]) -> Outcome:
        if len(args) < 2:
            return Outcome(E_ARGS, "Usage: v-change-user-password USER PASSWORD")
        if problem := self._user_problem(args[0]):
            return problem
        if not args[1]:
            return failed(E_INVALID, "invalid password format :: password")
        self.passwords[args[0]] = args[1]
        return Outcome(OK)

    def _list_user(self, args: list[str]) -> Outcome:
        if len(args) < 1:
            return Outcome(E_ARGS, "Usage: v-list-user USER [FORMAT]")
        if problem := self._user_problem(args[0]):
            return problem
        return _listing({args[0]: self._public(args[0])}, args[1:], f"USERNAME:       {args[0]}")

    def _list_users(self, args: list[str]) -> Outcome:
        listing = {name: self._public(name) for name in sorted(self.users)}
        return _listing(listing, args, "\n".join(sorted(self.users)))

    def _list_packages(self, args: list[str]) -> Outcome:
        return _listing(dict(sorted(self.packages.items())), args, "\n".join(sorted(self.packages)))

    def _sys_info(self, args: list[str]) -> Outcome:
        info = {
            "HOSTNAME": self.hostname,
            "OS": "Debian",
            "VERSION": "12",
            "ARCH": "x86_64",
            "UPTIME": "4242",
            "LOADAVERAGE": "0.08",
        }
        return _listing({"sysinfo": info}, args, " ".join(info.values()))

    def _public(self, user: str) -> dict[str, str]:
        return dict(self.users[user])


def _listing(data: Mapping[str, Any], args: list[str], shell: str) -> Outcome:
    """A v-list-* command's output in the format asked for (json, or Hestia's shell table)."""
    fmt = args[0] if args else "shell"
    return Outcome(OK, json.dumps(data, indent=4) if fmt == "json" else shell)


def _api_error(code: int, message: str, by_code: bool) -> Reply:
    """web/api/index.php api_error: the code's HTTP status, the code or "Error: ..." as the body."""
    body = str(code) if by_code else (message if message.startswith("Error:") else f"Error: {message}")
    status = code if code >= 100 else HTTP_OF_CODE.get(code, 400)
    return Reply(status, body.encode(), "text/html", {"Hestia-Exit-Code": str(code)})


def _request_data(received: Received) -> dict[str, str] | None:
    """The POST form, or a JSON object body (the API takes either)."""
    content_type = received.headers.get("content-type", "")
    try:
        if "application/x-www-form-urlencoded" in content_type:
            return dict(parse_qsl(received.body.decode(), keep_blank_values=True))
        data = json.loads(received.body or b"null")
    except (UnicodeDecodeError, ValueError):
        return None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None


def _is_json_text(text: str) -> bool:
    try:
        return bool(json.loads(text))
    except ValueError:
        return False


def _split_hash(request: dict[str, str]) -> None:
    """A `hash` of ACCESS_KEY:SECRET_KEY (20 and 40 characters) is an access key's login."""
    value = request.get("hash", "")
    if "access_key" not in request and value.count(":") == 1:
        access, secret = value.split(":")
        if len(access) == 20 and len(secret) == 40:
            request["access_key"], request["secret_key"] = access, secret
            del request["hash"]


def _arguments(request: Mapping[str, str]) -> list[str]:
    """arg1..arg13, in order, as far as they are given (Hestia passes the set ones, trimmed)."""
    return [request[f"arg{i}"].strip() for i in range(1, 14) if f"arg{i}" in request]
