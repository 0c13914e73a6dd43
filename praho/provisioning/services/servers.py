"""Registering servers (the panels PRAHO creates accounts on) and testing that PRAHO can reach
them. The login is sealed before it is stored and never leaves this module again: not in the
audit trail, not in an answer shown to staff."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Module, ProductGroup
from praho.core.sealing import SealError
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text
from praho.provisioning.gateways import driver_for
from praho.provisioning.gateways.base import PanelError
from praho.provisioning.models import Server, ServerStatus
from praho.provisioning.secrets import connection_of, credentials_of, seal_credentials

MAX_PORT = 65535
MAX_CAPACITY = 2_147_483_647  # the database's positive integer
USERNAME_MAX = 200
SECRET_MAX = 2000
ANSWER_MAX = 2000
# A host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123).
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
CAPACITIES = ("max_accounts", "cpu_cores", "memory_mb", "disk_gb")


@dataclass(frozen=True)
class Check:
    ok: bool
    answer: str


def _host(errors: FieldErrors, value: str) -> str:
    host = check_text(errors, "host", value, max_length=253)
    if "host" in errors.by_field:
        return host
    if not host:
        errors.add("host", _("Say where the server is: a host name or an IP address."), "required")
        return host
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if not all(_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        errors.add("host", _("Enter a host name (server.example.com) or an IP address."), "invalid")
    return host.rstrip(".").lower()


def _number(
    errors: FieldErrors, field: str, value: Any, *, low: int, high: int, required: bool
) -> int | None:
    if value in (None, ""):
        if required:
            errors.add(field, _("This field is required."), "required")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(field, _("Enter a whole number."), "invalid")
        return None
    if not low <= number <= high:
        errors.add(
            field,
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
            "out_of_range",
        )
        return None
    return number


def _choice(errors: FieldErrors, field: str, value: str, choices: Iterable[str]) -> str:
    if value not in choices:
        errors.add(field, _("Choose one of the offered values."), "invalid_choice")
    return value


def _groups(errors: FieldErrors, ids: Iterable[Any]) -> list[ProductGroup]:
    try:
        wanted = {int(pk) for pk in ids}
    except (TypeError, ValueError):
        errors.add("product_groups", _("Choose product groups from the list."), "invalid_choice")
        return []
    found = list(ProductGroup.objects.filter(pk__in=wanted).order_by("pk"))
    if len(found) != len(wanted):
        errors.add("product_groups", _("Choose product groups from the list."), "invalid_choice")
    return found


def _login(errors: FieldErrors, server: Server | None, username: str, secret: str) -> str | None:
    """The sealed login to store; None keeps the stored one (blank fields on an edit)."""
    username = check_text(errors, "username", username, max_length=USERNAME_MAX)
    # A secret is taken as typed (a token may end in a space), but never with control characters.
    if len(secret) > SECRET_MAX:
        errors.add("secret", _("The secret is too long."), "max_length")
    elif any(ord(char) < 32 or ord(char) == 127 for char in secret):
        errors.add("secret", _("Remove the control characters from the secret."), "control_characters")
    if server is None:
        if not username:
            errors.add("username", _("Enter the user name or API token id."), "required")
        if not secret:
            errors.add("secret", _("Enter the password or API token secret."), "required")
    if errors.by_field.keys() & {"username", "secret"} or not (username or secret):
        return None
    if server is None or (username and secret):
        return seal_credentials(username, secret)
    try:
        stored_username, stored_secret = credentials_of(server)
    except SealError:
        errors.add(
            "secret" if username else "username",
            _("The stored login cannot be read with the configured keys; enter both parts again."),
            "unreadable",
        )
        return None
    return seal_credentials(username or stored_username, secret or stored_secret)


def _values(errors: FieldErrors, server: Server | None, fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": check_text(errors, "name", str(fields["name"]), max_length=100),
        "panel": _choice(errors, "panel", str(fields["panel"]), Module.values),
        "host": _host(errors, str(fields["host"])),
        "port": _number(errors, "port", fields["port"], low=1, high=MAX_PORT, required=True),
        "use_tls": bool(fields["use_tls"]),
        "verify_tls": bool(fields["verify_tls"]),
        "node": check_text(errors, "node", str(fields["node"]), max_length=64),
        "storage": check_text(errors, "storage", str(fields["storage"]), max_length=64),
        "location": check_text(errors, "location", str(fields["location"]), max_length=100),
        "status": _choice(errors, "status", str(fields["status"]), ServerStatus.values),
    }
    for field in CAPACITIES:
        values[field] = _number(errors, field, fields[field], low=0, high=MAX_CAPACITY, required=False)
    if not values["name"] and "name" not in errors.by_field:
        errors.add("name", _("Give the server a name."), "required")
    taken = Server.objects.filter(name__iexact=values["name"])
    if server is not None:
        taken = taken.exclude(pk=server.pk)
    if values["name"] and taken.exists():
        errors.add("name", _("Another server has this name."), "unique")
    if values["panel"] == Module.PROXMOX and not values["node"] and "node" not in errors.by_field:
        errors.add("node", _("Proxmox VE needs the node new machines are created on."), "required")
    return values


@service_transaction
def save_server(
    *,
    actor: Any,
    server: Server | None = None,
    name: str,
    panel: str,
    host: str,
    port: Any,
    use_tls: bool = True,
    verify_tls: bool = True,
    username: str = "",
    secret: str = "",
    node: str = "",
    storage: str = "",
    location: str = "",
    product_groups: Iterable[Any] = (),
    status: str = ServerStatus.ACTIVE,
    max_accounts: Any = None,
    cpu_cores: Any = None,
    memory_mb: Any = None,
    disk_gb: Any = None,
) -> Server:
    """Create (`server` None) or change a server. The login (user or token id, and its secret) is
    sealed; on a change a blank one keeps what is stored. Field errors name every bad field."""
    errors = FieldErrors()
    fields = {
        "name": name, "panel": panel, "host": host, "port": port, "use_tls": use_tls,
        "verify_tls": verify_tls, "node": node, "storage": storage, "location": location,
        "status": status, "max_accounts": max_accounts, "cpu_cores": cpu_cores,
        "memory_mb": memory_mb, "disk_gb": disk_gb,
    }  # fmt: skip
    values = _values(errors, server, fields)
    groups = _groups(errors, product_groups)
    sealed = _login(errors, server, str(username or ""), str(secret or ""))
    errors.raise_if_any()
    created = server is None
    target = server if server is not None else Server()
    for field, value in values.items():
        setattr(target, field, value)
    if sealed is not None:
        target.credentials_sealed = sealed
    target.save()
    target.product_groups.set(groups)
    record_event(
        "provisioning.server_created" if created else "provisioning.server_changed",
        actor=actor,
        target=target,
        # What was set, without the login: only whether it changed.
        data={**values, "product_groups": [g.code for g in groups], "login_changed": sealed is not None},
    )
    return target


def check_connection(*, server_id: int, actor: Any) -> Check:
    """Ask the server's panel who it is and keep what it answered (or why it did not). The call
    runs outside any transaction: a panel that takes its time holds no database lock."""
    server = Server.objects.get(pk=server_id)
    try:
        connection = connection_of(server)
    except SealError:
        check = Check(
            ok=False, answer=_("The stored login cannot be read with the configured keys; enter it again.")
        )
        _record_check(server_id=server.pk, actor=actor, check=check)
        return check
    try:
        answer, ok = driver_for(connection).test_connection(), True
    except PanelError as error:
        answer, ok = str(error) or error.__class__.__name__, False
    # Drivers never put the login in a message; should one ever do, it is not stored nor shown.
    if connection.secret:
        answer = answer.replace(connection.secret, "***")
    check = Check(ok=ok, answer=" ".join(answer.split())[:ANSWER_MAX])
    _record_check(server_id=server.pk, actor=actor, check=check)
    return check


@service_transaction
def _record_check(*, server_id: int, actor: Any, check: Check) -> None:
    Server.objects.filter(pk=server_id).update(
        last_checked_at=timezone.now(), last_check_ok=check.ok, last_check_answer=check.answer
    )
    server = Server.objects.get(pk=server_id)
    record_event(
        "provisioning.server_tested",
        actor=actor,
        target=server,
        data={"ok": check.ok, "answer": check.answer},
    )
