"""The Proxmox VE API as the driver uses it: token login, form-encoded requests, `{"data": ...}`
answers, PVE's refusals sorted into the two kinds of PanelError, and waiting for worker tasks.

PVE refuses with 500 and its reason as `message` for nearly everything ("VM 123 already exists
on node 'pve1'", "can't lock file ... - got timeout", "Configuration file ... does not exist"),
so the status alone does not say whether to try again: the words do. A lock held by another task
or a timeout is transient; a name or id taken, a guest or storage missing, no room on the
storage, a refused shrink are permanent; anything else PVE answers with 5xx (595/596: the node
is unreachable) is transient, as `http.send` has it. 400 is a parameter PVE refused: permanent.

A task (clone, start, resize, delete...) answers a UPID at once and runs on; `wait` polls its
status, quickly at first then every `max_poll` seconds, until it stops. Its `exitstatus` is "OK"
(or "WARNINGS: n": done, with warnings) or the error, sorted like a 500's message except that an
unknown error is permanent: the task ran and failed, and would fail the same way again. A task
still running after `timeout` seconds is given up on (transient): the next attempt finds the
guest by its name and waits for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from praho.provisioning.gateways.base import (
    Connection,
    PanelError,
    PermanentPanelError,
    TransientPanelError,
)
from praho.provisioning.gateways.http import client, send

API = "/api2/json"
TRANSIENT_WORDS = ("can't lock file", "got timeout", "is locked", "timed out", "temporarily unavailable")
PERMANENT_WORDS = (
    "already exists",
    "does not exist",
    "insufficient free space",
    "no space left",
    "not enough space",
    "shrinking disks is not supported",
    "not allowed",
    "permission check failed",
    "can't start a vm if it's a template",
)
TASK_DONE = ("OK", "WARNINGS")


@dataclass(frozen=True)
class Guest:
    """A VM (qemu) or container (lxc) as /cluster/resources lists it."""

    vmid: int
    node: str
    type: str  # qemu | lxc
    name: str = ""
    status: str = ""
    template: bool = False
    lock: str = ""

    @property
    def path(self) -> str:
        return f"/nodes/{self.node}/{self.type}/{self.vmid}"

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Guest:
        return cls(
            vmid=int(entry["vmid"]),
            node=str(entry["node"]),
            type=str(entry["type"]),
            name=str(entry.get("name") or ""),
            status=str(entry.get("status") or ""),
            template=bool(int(entry.get("template") or 0)),
            lock=str(entry.get("lock") or ""),
        )


class _Refusal(Exception):  # noqa: N818 (not an error of ours: PVE's answer, carried past send())
    """PVE's own words for a 400 or 500, read before `send` turns the status into an error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _read_refusal(response: httpx.Response) -> None:
    """A response hook: a 400 with parameter errors or a 500 with PVE's message is raised as a
    _Refusal, which `send` lets through (it is no httpx error). Anything else is send's to judge."""
    if response.status_code not in (400, 500):
        return
    response.read()
    try:
        body = response.json()
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    errors = body.get("errors")
    if response.status_code == 400 and isinstance(errors, dict) and errors:
        raise _Refusal(
            400, "; ".join(f"{name}: {' '.join(str(text).split())}" for name, text in errors.items())
        )
    if response.status_code == 500:
        raise _Refusal(500, " ".join(str(body.get("message") or response.reason_phrase).split()))


def classify(what: str, message: str, *, unknown: type[PanelError]) -> PanelError:
    lowered = message.lower()
    if any(word in lowered for word in TRANSIENT_WORDS):
        return TransientPanelError(f"{what}: {message}")
    if any(word in lowered for word in PERMANENT_WORDS):
        return PermanentPanelError(f"{what}: {message}")
    return unknown(f"{what}: {message}")


class ProxmoxApi:
    """One Proxmox VE cluster, reached through `connection` with its API token."""

    timeout = 900.0  # seconds a task may run before it is given up on (a full clone can be slow)
    first_poll = 0.05
    max_poll = 2.0

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._http = client(
            connection,
            headers={"Authorization": f"PVEAPIToken={connection.username}={connection.secret}"},
            event_hooks={"response": [_read_refusal]},
        )

    def close(self) -> None:
        self._http.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        hidden: tuple[str, ...] = (),
    ) -> Any:
        """The `data` of PVE's answer; a PanelError naming `what` otherwise. `hidden` are values
        sent (passwords) that must not reach a message should PVE quote them back."""
        try:
            response = send(self._http, method, API + path, what=what, data=data, params=params)
        except _Refusal as refusal:
            message = self.scrub(refusal.message, hidden)
            if refusal.status == 400:
                raise PermanentPanelError(f"{what}: Proxmox VE refused the parameters: {message}") from None
            raise classify(what, message, unknown=TransientPanelError) from None
        try:
            body = response.json()
        except ValueError:
            raise TransientPanelError(f"{what}: the answer was not Proxmox VE's JSON") from None
        if not isinstance(body, dict) or "data" not in body:
            raise TransientPanelError(f"{what}: the answer had no data")
        return body["data"]

    def scrub(self, message: str, hidden: tuple[str, ...]) -> str:
        for secret in (self.connection.secret, *hidden):
            if secret:
                message = message.replace(secret, "***")
        return message

    def guests(self) -> list[Guest]:
        entries = self.call("GET", "/cluster/resources", what="Proxmox VE guest list", params={"type": "vm"})
        if not isinstance(entries, list):
            raise TransientPanelError("Proxmox VE guest list: the answer was not a list")
        try:
            return [Guest.of(entry) for entry in entries if entry.get("type") in ("qemu", "lxc")]
        except (AttributeError, KeyError, TypeError, ValueError):
            raise TransientPanelError("Proxmox VE guest list: an entry was not a guest") from None

    def wait(self, upid: Any, *, what: str) -> None:
        """Until the task `upid` ends; a PanelError when it fails or runs past `timeout`."""
        if not isinstance(upid, str) or not upid.startswith("UPID:"):
            return  # done at once: PVE answered null instead of a task
        node = upid.split(":")[1]
        path = f"/nodes/{node}/tasks/{quote(upid, safe='')}/status"
        deadline = time.monotonic() + self.timeout
        pause = self.first_poll
        while True:
            task = self.call("GET", path, what=f"{what} (task status)")
            if isinstance(task, dict) and task.get("status") == "stopped":
                exit_status = " ".join(str(task.get("exitstatus") or "").split())
                if exit_status.startswith(TASK_DONE):
                    return
                raise classify(f"{what} (task)", self.scrub(exit_status, ()), unknown=PermanentPanelError)
            if time.monotonic() + pause > deadline:
                raise TransientPanelError(f"{what}: the task was still running after {self.timeout:g} s")
            time.sleep(pause)
            pause = min(pause * 2, self.max_poll)

    def wait_unlocked(self, guest: Guest, *, what: str) -> None:
        """Until `guest` has no lock (a clone still copying keeps the new guest locked "clone")."""
        deadline = time.monotonic() + self.timeout
        pause = self.first_poll
        while guest.lock:
            if time.monotonic() + pause > deadline:
                raise TransientPanelError(f"{what}: guest {guest.vmid} was still locked ({guest.lock})")
            time.sleep(pause)
            pause = min(pause * 2, self.max_poll)
            current = next((g for g in self.guests() if g.vmid == guest.vmid), None)
            if current is None:
                raise TransientPanelError(f"{what}: guest {guest.vmid} is gone (its clone failed)")
            guest = current
