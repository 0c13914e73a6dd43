"""The fake Proxmox VE's state: guests (QEMU VMs and LXC containers), tasks, PVE's error answers
and parameter checks (praho.testing.fakes.proxmox serves them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from praho.testing.fakes.service import Reply

GIB = 1024**3
MIB = 1024**2
UNITS = {"": 1, "K": 1024, "M": MIB, "G": GIB, "T": 1024 * GIB}
SIZE = re.compile(r"^(\+)?(\d+(?:\.\d+)?)([KMGT])?$")
UNKNOWN_PARAM = "property is not defined in schema and the schema does not allow additional properties"


class PveError(Exception):
    """An answer PVE gives when it refuses: the status, its message, and per-parameter errors."""

    def __init__(self, status: int, message: str = "", *, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or {}

    def reply(self) -> Reply:
        payload: dict[str, Any] = {"data": None}
        if self.errors:
            payload["errors"] = self.errors
            payload["message"] = "Parameter verification failed.\n"
        elif self.message:
            payload["message"] = self.message + "\n"
        return Reply.of_json(self.status, payload)


def missing_config(node: str, kind: str, vmid: int) -> PveError:
    folder = "qemu-server" if kind == "qemu" else "lxc"
    return PveError(500, f"Configuration file 'nodes/{node}/{folder}/{vmid}.conf' does not exist")


def check_params(params: dict[str, str], allowed: set[str]) -> None:
    unknown = {name: UNKNOWN_PARAM for name in params if name not in allowed}
    if unknown:
        raise PveError(400, errors=unknown)


def int_param(
    params: dict[str, str], name: str, *, minimum: int, maximum: int | None = None, required: bool = False
) -> int:
    if name not in params:
        if required:
            raise PveError(400, errors={name: "property is missing and it is not optional"})
        return 0
    text = params[name]
    if not re.fullmatch(r"-?\d+", text):
        raise PveError(400, errors={name: f"type check ('integer') failed - got '{text}'"})
    value = int(text)
    if value < minimum:
        raise PveError(400, errors={name: f"value must have a minimum value of {minimum}"})
    if maximum is not None and value > maximum:
        raise PveError(400, errors={name: f"value must have a maximum value of {maximum}"})
    return value


def size_in_bytes(text: str, *, current: int) -> int:
    """PVE's resize size: "20G" is the new size, "+5G" is that much more."""
    match = SIZE.match(text)
    if match is None:
        raise PveError(400, errors={"size": "value does not match the regex pattern"})
    amount = int(float(match[2]) * UNITS[match[3] or ""])
    return current + amount if match[1] else amount


def no_space(command: str, needed_gb: float, free_gb: float) -> str:
    """LVM's refusal when a volume group has too little room (4 MiB extents)."""
    extents, available = int(needed_gb * 256), int(free_gb * 256)
    needed = f"{extents} extents needed, but only {available} available"
    return f"{command} error:   Insufficient free space: {needed}"


def size_text(size: int) -> str:
    return f"{size // GIB}G" if size % GIB == 0 else f"{size // MIB}M"


@dataclass
class Guest:
    """A QEMU VM or an LXC container. Sizes in bytes, memory in MB as PVE configures it."""

    vmid: int
    name: str
    type: str  # qemu | lxc
    node: str
    cores: int = 1
    memory: int = 512
    disk: int = 10 * GIB
    template: bool = False
    status: str = "stopped"  # running | stopped | paused
    lock: str = ""
    cipassword: str = field(default="", repr=False)
    ciuser: str = ""
    description: str = ""
    # What status/current reports while it runs; tests set them.
    cpu: float = 0.0
    mem: int = 0
    disk_used: int = 0
    netin: int = 0
    netout: int = 0

    @property
    def word(self) -> str:
        return "VM" if self.type == "qemu" else "CT"

    @property
    def disk_key(self) -> str:
        return "scsi0" if self.type == "qemu" else "rootfs"

    def copy(self, vmid: int, name: str, node: str) -> Guest:
        """The new guest a clone makes: the source's configuration, stopped, locked until done."""
        return replace(
            self, vmid=vmid, name=name, node=node, template=False, status="stopped", lock="clone",
            cipassword="", cpu=0.0, mem=0, disk_used=0, netin=0, netout=0,
        )  # fmt: skip

    def apply(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            setattr(self, name, value)

    def refusal(self, action: str) -> str:
        """The exit status a task doing `action` ends with when the guest cannot do it; "" if it can."""
        if action == "start" and self.template:
            return "you can't start a vm if it's a template"
        if action == "start" and self.status != "stopped":
            return f"{self.word} {self.vmid} already running"
        if action in ("shutdown", "reboot", "suspend") and self.status != "running":
            return f"{self.word} {self.vmid} not running"
        if action == "resume" and self.status != "paused":
            return f"{self.word} {self.vmid} not paused"
        return ""

    def act(self, action: str) -> None:
        self.status = {"start": "running", "reboot": "running", "resume": "running", "suspend": "paused"}.get(
            action, "stopped"
        )

    def _disk_volume(self) -> str:
        volume = f"vm-{self.vmid}-disk-0" if self.type == "qemu" else f"subvol-{self.vmid}-disk-0"
        if self.template:
            volume = "base" + volume[2:]
        return f"local-lvm:{volume},size={size_text(self.disk)}"

    def config(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "cores": self.cores,
            "memory": str(self.memory),
            "digest": f"{hash(self.name) & 0xFFFFFFFF:040x}",
        }
        values["name" if self.type == "qemu" else "hostname"] = self.name
        values[self.disk_key] = self._disk_volume()
        if self.type == "qemu":
            values.update({"sockets": 1, "ide2": f"local-lvm:vm-{self.vmid}-cloudinit,media=cdrom"})
            if self.cipassword:
                values["cipassword"] = "**********"  # PVE never shows it back
            if self.ciuser:
                values["ciuser"] = self.ciuser
        if self.template:
            values["template"] = 1
        if self.lock:
            values["lock"] = self.lock
        if self.description:
            values["description"] = self.description
        return values

    def _running(self) -> bool:
        return self.status != "stopped"

    def current(self) -> dict[str, Any]:
        running = self._running()
        values: dict[str, Any] = {
            "vmid": self.vmid,
            "name": self.name,
            "status": self.status if self.type == "lxc" or self.status != "paused" else "running",
            "cpus": self.cores,
            "cpu": self.cpu if running else 0,
            "maxmem": self.memory * MIB,
            "mem": self.mem if running else 0,
            "maxdisk": self.disk,
            "disk": self.disk_used,
            "netin": self.netin,
            "netout": self.netout,
            "uptime": 3600 if running else 0,
        }
        if self.type == "qemu":
            values["qmpstatus"] = self.status
        if self.template:
            values["template"] = 1
        if self.lock:
            values["lock"] = self.lock
        return values

    def resource(self) -> dict[str, Any]:
        values = {
            "id": f"{self.type}/{self.vmid}",
            "type": self.type,
            "vmid": self.vmid,
            "name": self.name,
            "node": self.node,
            "status": "running" if self._running() else "stopped",
            "template": int(self.template),
            "maxcpu": self.cores,
            "maxmem": self.memory * MIB,
            "maxdisk": self.disk,
            "cpu": self.cpu if self._running() else 0,
            "mem": self.mem if self._running() else 0,
            "disk": self.disk_used,
            "netin": self.netin,
            "netout": self.netout,
            "uptime": 3600 if self._running() else 0,
        }
        if self.lock:
            values["lock"] = self.lock
        return values


@dataclass
class Task:
    """A worker task: what PVE answers a UPID for. It ends at `ends_at` (time.monotonic()),
    doing `done` then, or, when it fails, `failed` with `error` as its exit status."""

    upid: str
    node: str
    type: str
    vmid: int
    ends_at: float
    user: str
    starttime: int
    done: Callable[[], None] | None = None
    failed: Callable[[], None] | None = None
    error: str = ""
    status: str = "running"
    exitstatus: str = ""

    def end(self) -> None:
        self.status = "stopped"
        if self.error:
            self.exitstatus = self.error
            if self.failed is not None:
                self.failed()
        else:
            self.exitstatus = "OK"
            if self.done is not None:
                self.done()

    def status_entry(self) -> dict[str, Any]:
        _prefix, _node, pid, pstart, *_rest = self.upid.split(":")
        entry: dict[str, Any] = {
            "upid": self.upid,
            "node": self.node,
            "pid": int(pid, 16),
            "pstart": int(pstart, 16),
            "starttime": self.starttime,
            "type": self.type,
            "id": str(self.vmid),
            "user": self.user,
            "status": self.status,
        }
        if self.status == "stopped":
            entry["exitstatus"] = self.exitstatus
        return entry
