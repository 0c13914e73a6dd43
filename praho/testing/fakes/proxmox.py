"""A local Proxmox VE API (`/api2/json/...`), for the Proxmox driver's tests and `manage.py fakes`.

Speaks the part of the API PRAHO uses, as the PVE API viewer documents it: every answer is
`{"data": ...}`; requests authenticate with `Authorization: PVEAPIToken=USER@REALM!TOKENID=SECRET`
(401 otherwise); bodies are form-encoded (DELETE takes its parameters in the query string).

- `GET /version`, `GET /nodes`, `GET /cluster/nextid` (a string, as PVE answers it),
  `GET /cluster/resources?type=vm` (vmid, name, node, type qemu|lxc, status, template, lock...);
- for `qemu` and `lxc` on `/nodes/{node}/{type}/{vmid}`: `POST .../clone` (newid, name or
  hostname, full, storage, target), `GET|PUT .../config` (and the asynchronous `POST` for qemu),
  `PUT .../resize` (disk, size "20G" or "+5G"), `POST .../status/{start|stop|shutdown|reboot|
  suspend|resume}`, `GET .../status/current`, `DELETE` (refused while the guest runs);
- `GET /nodes/{node}/tasks/{upid}/status`: what clone, start, resize, delete... answered with
  (a UPID) became; a task ends `task_delay` seconds after it began, so a client has to poll.
  Its effect (the clone unlocked, the guest running, the disk grown) shows when it ends.

Errors are PVE's: 500 with `{"data": null, "message": "..."}` ("VM 123 already exists on node
'pve1'", "VM is locked (clone)", "Configuration file ... does not exist"), 400 with
`{"errors": {param: message}}` for bad parameters, 595 for a node the proxy cannot reach. A task
that fails ends with `exitstatus` set to its error instead of "OK" (`fail_task`).

Besides the base's failures, `fail_next(endpoint, LOCKED)` answers "can't lock file ... - got
timeout" (another task holds the guest's lock) and NODE_UNREACHABLE / NODE_TIMEOUT answer 595 /
596 as PVE's proxy does when the node is down. The endpoint is the last path segment: "clone",
"config", "resize", "start", "current", "status" (task status), "nextid", "resources"... (and
the VMID for a DELETE).
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from praho.testing.fakes.proxmox_guests import (
    GIB,
    Guest,
    PveError,
    Task,
    check_params,
    int_param,
    missing_config,
    no_space,
    size_in_bytes,
)
from praho.testing.fakes.service import FAILURES, Failure, FakeService, Received, Reply

PREFIX = "/api2/json/"
LOCKED = "locked"
NODE_UNREACHABLE = "595"
NODE_TIMEOUT = "596"
VERSION = {"version": "8.2.4", "release": "8.2", "repoid": "faa83925c9641325"}
TEMPLATE_QEMU = 9000
TEMPLATE_LXC = 9001
DNS_NAME = re.compile(r"^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9-]+)*$")
CLONE_PARAMS = {
    "qemu": {"newid", "name", "full", "storage", "target", "description", "pool", "snapname", "format"},
    "lxc": {"newid", "hostname", "full", "storage", "target", "description", "pool", "snapname"},
}
CONFIG_PARAMS = {
    "qemu": {"cores", "sockets", "memory", "name", "description", "cipassword", "ciuser", "digest"},
    "lxc": {"cores", "memory", "swap", "hostname", "description", "digest"},
}
ACTION_PARAMS = {
    "start": {"timeout", "skiplock"},
    "stop": {"timeout", "skiplock", "keepActive"},
    "shutdown": {"timeout", "forceStop", "keepActive"},
    "reboot": {"timeout"},
    "suspend": {"skiplock"},
    "resume": {"skiplock"},
}
PROXY_FAILED = b'{"data":null}'


@dataclass
class _Call:
    method: str
    node: str
    kind: str  # qemu | lxc
    vmid: int
    rest: list[str]
    params: dict[str, str] = field(default_factory=dict)


class FakeProxmox(FakeService):
    failures = (*FAILURES, LOCKED, NODE_UNREACHABLE, NODE_TIMEOUT)

    def __init__(
        self,
        *,
        port: int = 0,
        token_id: str = "praho@pve!provisioning",  # noqa: S107 (a test login, not a secret)
        token_secret: str = "0b9d5a7e-3c1f-4e2a-9b8d-6f4a2c1e7d35",  # noqa: S107
        node: str = "pve1",
    ) -> None:
        super().__init__(port=port)
        self.token_id, self.token_secret = token_id, token_secret
        self.nodes: list[str] = [node]
        self.unreachable: set[str] = set()  # nodes the proxy cannot reach: 595
        self.storage_free_gb: dict[str, float] = {"local-lvm": 500.0}
        self.task_delay = 0.05  # seconds a task runs
        self.guests: dict[int, Guest] = {}
        self.tasks: dict[str, Task] = {}
        self._task_errors: dict[str, list[str]] = {}  # task type -> exit statuses to end with
        self._state = threading.RLock()
        self._pids = itertools.count(0x1A2B0)
        self._local = threading.local()
        self.add_guest(TEMPLATE_QEMU, "debian12-cloud", "qemu", template=True, disk_gb=10, memory=1024)
        self.add_guest(TEMPLATE_LXC, "debian12-ct", "lxc", template=True, disk_gb=4, memory=512)

    # --- what tests set up and read -------------------------------------------------------------

    def add_guest(
        self, vmid: int, name: str, kind: str, *, node: str = "", disk_gb: float = 10, **values: Any
    ) -> Guest:
        """A guest already there (a template, a VM someone made by hand); `values` are Guest's."""
        disk = int(disk_gb * GIB)
        guest = Guest(vmid=vmid, name=name, type=kind, node=node or self.nodes[0], disk=disk, **values)
        with self._state:
            self.guests[vmid] = guest
        return guest

    def add_node(self, node: str) -> None:
        self.nodes.append(node)

    def guests_named(self, name: str) -> list[Guest]:
        with self._state:
            self._settle()
            return [guest for guest in self.guests.values() if guest.name == name]

    def guest(self, vmid: int) -> Guest | None:
        with self._state:
            self._settle()
            return self.guests.get(vmid)

    def fail_task(self, task_type: str, exitstatus: str, *, times: int = 1) -> None:
        """The next `times` tasks of `task_type` ("qmclone", "vzstart", "resize"...) end with this
        exit status instead of "OK", and do nothing (a failed clone leaves no guest, as in PVE)."""
        with self._state:
            self._task_errors.setdefault(task_type, []).extend([exitstatus] * times)

    # --- failures -------------------------------------------------------------------------------

    def error_reply(self, received: Received) -> Reply:
        return Reply(595, PROXY_FAILED)  # "Errors during connection establishment, proxy handler failed."

    def _record(self, received: Received) -> Failure | None:
        self._local.received = received  # failure_reply names the guest a LOCKED failure is about
        return super()._record(received)

    def failure_reply(self, failure: Failure) -> Reply | None:
        if failure.mode == LOCKED:
            segments = urlsplit(self._local.received.path).path.split("/")
            vmid = next((s for s in segments if s.isdigit()), "0")
            folder = "lxc" if "lxc" in segments else "qemu-server"
            return PveError(
                500, f"can't lock file '/var/lock/{folder}/lock-{vmid}.conf' - got timeout"
            ).reply()
        if failure.mode in (NODE_UNREACHABLE, NODE_TIMEOUT):
            return Reply(int(failure.mode), PROXY_FAILED)
        return super().failure_reply(failure)

    # --- answering ------------------------------------------------------------------------------

    def answer(self, received: Received) -> Reply:
        expected = f"PVEAPIToken={self.token_id}={self.token_secret}"
        if received.headers.get("authorization") != expected:
            return Reply.of_json(HTTPStatus.UNAUTHORIZED, {"data": None})
        url = urlsplit(received.path)
        if not url.path.startswith(PREFIX):
            return PveError(404, "Not Found").reply()
        parts = [unquote(part) for part in url.path[len(PREFIX) :].strip("/").split("/")]
        params = dict(parse_qsl(url.query))
        params.update(parse_qsl(received.body.decode(), keep_blank_values=True))
        try:
            with self._state:
                self._settle()
                data = self._route(received.method, parts, params)
        except PveError as error:
            return error.reply()
        return Reply.of_json(HTTPStatus.OK, {"data": data})

    def _route(self, method: str, parts: list[str], params: dict[str, str]) -> Any:
        if (method, parts) == ("GET", ["version"]):
            return VERSION
        if (method, parts) == ("GET", ["nodes"]):
            return [self._node_entry(node) for node in self.nodes]
        if (method, parts) == ("GET", ["cluster", "nextid"]):
            return self._next_id(params)
        if (method, parts) == ("GET", ["cluster", "resources"]):
            return self._resources(params.get("type", ""))
        if len(parts) >= 2 and parts[0] == "nodes":
            self._check_node(parts[1])
        if method == "GET" and len(parts) == 5 and parts[0] == "nodes" and parts[2] == "tasks":
            return self._task_status(parts[1], parts[3], parts[4])
        if len(parts) >= 4 and parts[0] == "nodes" and parts[2] in ("qemu", "lxc") and parts[3].isdigit():
            return self._guest_call(_Call(method, parts[1], parts[2], int(parts[3]), parts[4:], params))
        raise PveError(501, f"Method '{method} /{'/'.join(parts)}' not implemented")

    def _guest_call(self, call: _Call) -> Any:
        rest, method = call.rest, call.method
        if rest == [] and method == "DELETE":
            return self._destroy(call)
        if rest == ["clone"] and method == "POST":
            return self._clone(call)
        if rest == ["config"] and method == "GET":
            return self._existing(call).config()
        if rest == ["config"] and (method == "PUT" or (method == "POST" and call.kind == "qemu")):
            return self._configure(call, asynchronous=method == "POST")
        if rest == ["resize"] and method == "PUT":
            return self._resize(call)
        if rest == ["status", "current"] and method == "GET":
            return self._existing(call).current()
        if len(rest) == 2 and rest[0] == "status" and rest[1] in ACTION_PARAMS and method == "POST":
            return self._act(call, rest[1])
        raise PveError(
            501,
            f"Method '{method} /nodes/{call.node}/{call.kind}/{call.vmid}/{'/'.join(rest)}' not implemented",
        )

    # --- the cluster ----------------------------------------------------------------------------

    def _node_entry(self, node: str) -> dict[str, Any]:
        status = "offline" if node in self.unreachable else "online"
        return {
            "node": node,
            "status": status,
            "type": "node",
            "id": f"node/{node}",
            "maxcpu": 16,
            "maxmem": 64 * GIB,
        }

    def _check_node(self, node: str) -> None:
        if node not in self.nodes:
            raise PveError(
                500,
                f"hostname lookup '{node}' failed - failed to get address info for: {node}: "
                "Name or service not known",
            )
        if node in self.unreachable:
            raise PveError(595, "Errors during connection establishment, proxy handler failed.")

    def _next_id(self, params: dict[str, str]) -> str:
        check_params(params, {"vmid"})
        if "vmid" in params:
            wanted = int_param(params, "vmid", minimum=100)
            if wanted in self.guests:
                raise PveError(400, errors={"vmid": f"VM {wanted} already exists"})
            return str(wanted)
        return str(next(vmid for vmid in itertools.count(100) if vmid not in self.guests))

    def _resources(self, kind: str) -> list[dict[str, Any]]:
        if kind not in ("", "vm", "node", "storage", "sdn"):
            raise PveError(
                400,
                errors={
                    "type": f"value '{kind}' does not have a value in the enumeration "
                    "'vm, storage, node, sdn'"
                },
            )
        entries: list[dict[str, Any]] = []
        if kind in ("", "vm"):
            entries += [guest.resource() for guest in sorted(self.guests.values(), key=lambda g: g.vmid)]
        if kind in ("", "node"):
            entries += [self._node_entry(node) for node in self.nodes]
        return entries

    # --- tasks ----------------------------------------------------------------------------------

    def _start_task(
        self, node: str, task_type: str, vmid: int, *, done: Any = None, failed: Any = None, error: str = ""
    ) -> str:
        started = int(time.time())
        pid, pstart = next(self._pids), started & 0xFFFFFFF
        upid = f"UPID:{node}:{pid:08X}:{pstart:08X}:{started:08X}:{task_type}:{vmid}:{self.token_id}:"
        queued = self._task_errors.get(task_type)
        error = error or (queued.pop(0) if queued else "")
        self.tasks[upid] = Task(
            upid,
            node,
            task_type,
            vmid,
            time.monotonic() + self.task_delay,
            self.token_id,
            started,
            done,
            failed,
            error,
        )
        return upid

    def _settle(self) -> None:
        """End the tasks whose time has come, applying what they did (or undoing it)."""
        now = time.monotonic()
        for task in self.tasks.values():
            if task.status == "running" and task.ends_at <= now:
                task.end()

    def _task_status(self, node: str, upid: str, tail: str) -> dict[str, Any]:
        task = self.tasks.get(upid)
        if tail != "status" or task is None or task.node != node:
            raise PveError(
                500,
                f"unable to open file '/var/log/pve/tasks/{upid[-3:-1]}/{upid}' - No such file or directory",
            )
        return task.status_entry()

    # --- guests ---------------------------------------------------------------------------------

    def _existing(self, call: _Call) -> Guest:
        guest = self.guests.get(call.vmid)
        if guest is None or guest.node != call.node or guest.type != call.kind:
            raise missing_config(call.node, call.kind, call.vmid)
        return guest

    def _unlocked(self, call: _Call) -> Guest:
        guest = self._existing(call)
        if guest.lock:
            raise PveError(500, f"{guest.word} is locked ({guest.lock})")
        return guest

    def _clone(self, call: _Call) -> str:
        source = self._existing(call)
        params = call.params
        check_params(params, CLONE_PARAMS[call.kind])
        newid = int_param(params, "newid", minimum=100, required=True)
        name_field = "name" if call.kind == "qemu" else "hostname"
        name = params.get(name_field, f"Copy-of-VM-{source.name}")
        if not DNS_NAME.match(name):
            raise PveError(
                400, errors={name_field: "invalid format - value does not look like a valid DNS name"}
            )
        full = params.get("full", "0" if source.template else "1") == "1"
        storage = params.get("storage", "local-lvm")
        if "storage" in params and not full:
            raise PveError(400, errors={"storage": "parameter 'storage' not allowed for linked clones"})
        if storage not in self.storage_free_gb:
            raise PveError(500, f"storage '{storage}' does not exist")
        target = params.get("target", call.node)
        self._check_node(target)
        if newid in self.guests:
            existing = self.guests[newid]
            raise PveError(500, f"{existing.word} {newid} already exists on node '{existing.node}'")
        if source.lock:
            raise PveError(500, f"{source.word} is locked ({source.lock})")
        clone = source.copy(newid, name, target)
        self.guests[newid] = clone
        gigabytes = source.disk / GIB if full else 0
        error = ""
        free = self.storage_free_gb[storage]
        if gigabytes > free:
            error = "clone failed: " + no_space(f"lvcreate 'pve/vm-{newid}-disk-0'", gigabytes, free)

        def done() -> None:
            clone.lock = ""
            self.storage_free_gb[storage] -= gigabytes

        def failed() -> None:
            self.guests.pop(newid, None)

        task_type = "qmclone" if call.kind == "qemu" else "vzclone"
        return self._start_task(call.node, task_type, source.vmid, done=done, failed=failed, error=error)

    def _configure(self, call: _Call, *, asynchronous: bool) -> str | None:
        guest = self._unlocked(call)
        params = call.params
        check_params(params, CONFIG_PARAMS[call.kind])
        changes: dict[str, Any] = {}
        if "cores" in params:
            changes["cores"] = int_param(params, "cores", minimum=1, maximum=128)
        if "memory" in params:
            changes["memory"] = int_param(params, "memory", minimum=16)
        for text in ("name", "hostname", "cipassword", "ciuser", "description"):
            if text in params:
                changes["name" if text == "hostname" else text] = params[text]
        if not asynchronous:
            guest.apply(changes)
            return None
        return self._start_task(call.node, "qmconfig", call.vmid, done=lambda: guest.apply(changes))

    def _resize(self, call: _Call) -> str:
        guest = self._unlocked(call)
        params = call.params
        check_params(params, {"disk", "size", "digest", "skiplock"})
        for required in ("disk", "size"):
            if required not in params:
                raise PveError(400, errors={required: "property is missing and it is not optional"})
        if params["disk"] != guest.disk_key:
            raise PveError(500, f"disk '{params['disk']}' does not exist")
        size = size_in_bytes(params["size"], current=guest.disk)
        if size < guest.disk:
            raise PveError(500, "shrinking disks is not supported")
        growth = (size - guest.disk) / GIB
        error = ""
        free = self.storage_free_gb["local-lvm"]
        if growth > free:
            error = no_space(f"lvextend 'pve/vm-{guest.vmid}-disk-0'", growth, free)

        def done() -> None:
            guest.disk = size
            self.storage_free_gb["local-lvm"] -= growth

        return self._start_task(call.node, "resize", call.vmid, done=done, error=error)

    def _act(self, call: _Call, action: str) -> str:
        guest = self._unlocked(call)
        check_params(call.params, ACTION_PARAMS[action])
        prefix = "qm" if call.kind == "qemu" else "vz"
        error = guest.refusal(action)
        return self._start_task(
            call.node, f"{prefix}{action}", call.vmid, done=lambda: guest.act(action), error=error
        )

    def _destroy(self, call: _Call) -> str:
        guest = self._unlocked(call)
        check_params(call.params, {"purge", "destroy-unreferenced-disks", "skiplock", "force"})
        if guest.status != "stopped":
            if guest.type == "qemu":
                raise PveError(500, f"VM {guest.vmid} is running - destroy failed")
            raise PveError(500, f"unable to destroy CT {guest.vmid} - container is running")
        guest.lock = "destroyed"

        def done() -> None:
            self.guests.pop(guest.vmid, None)
            self.storage_free_gb["local-lvm"] += guest.disk / GIB

        def failed() -> None:
            guest.lock = ""

        prefix = "qm" if call.kind == "qemu" else "vz"
        return self._start_task(call.node, f"{prefix}destroy", call.vmid, done=done, failed=failed)
