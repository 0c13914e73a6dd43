"""Proxmox VE: a service is a VM (qemu) or container (lxc) cloned from the plan's template.

The guest's name (the hostname, for a container) is the account's deterministic name; its
external id is its VMID (the node it runs on is found on /cluster/resources, so a guest migrated
to another node is still found). The plan's `module_params` are `template` (the VMID of a qemu or
lxc template, whose type says which the guest is), and optionally `cores`, `memory_mb` and
`disk_gb` (absent: the template's).

`create` looks the guest up by name (or stored VMID) first and runs these steps, each recorded as
it completes so a resumed run carries on from the next:

1. `clone`: a full clone of the template onto the server's node and storage, under a VMID taken
   from /cluster/nextid just before; waits for the clone task. A guest of that name already
   there (the answer to an earlier clone was lost) is waited for and taken instead;
2. `config`: cores and memory; 3. `resize`: the disk grown to `disk_gb` (never shrunk);
4. `password`: the root password, as cloud-init's `cipassword` (qemu only: PVE's API has no way
   to set an existing container's password, so a container keeps its template's login);
5. `start`: started, and its task waited for.

`compensate` stops and deletes the guest the create made (found by name), which undoes every step.
`suspend` shuts the guest down cleanly, forcing it off if it has not stopped after
SHUTDOWN_SECONDS (`shutdown` with `forceStop`), rather than PVE's `suspend`: a suspended VM keeps
its memory on the hypervisor and its clock stops, while a stopped one frees both and simply
boots again. `unsuspend` starts it; `terminate` stops it and deletes it with its disks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from praho.provisioning.gateways.base import (
    AccountRef,
    AccountSpec,
    Connection,
    Created,
    PermanentPanelError,
    Steps,
    TransientPanelError,
    Usage,
)
from praho.provisioning.gateways.proxmox_api import Guest, ProxmoxApi

SHUTDOWN_SECONDS = 120
MIB = 1024**2
QEMU_DISKS = ("scsi0", "virtio0", "sata0", "ide0")
SIZE = re.compile(r"(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)")
GIB_PER_UNIT = {"": 1 / 1024**3, "K": 1 / 1024**2, "M": 1 / 1024, "G": 1, "T": 1024}


class ProxmoxDriver:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.api = ProxmoxApi(connection)

    # --- the interface --------------------------------------------------------------------------

    def test_connection(self) -> str:
        version = self.api.call("GET", "/version", what="Proxmox VE version")
        nodes = self.api.call("GET", "/nodes", what="Proxmox VE nodes")
        release = version.get("version", "?") if isinstance(version, dict) else "?"
        listed = [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
        node = next((n for n in listed if n.get("node") == self.connection.node), None)
        if node is None:
            raise PermanentPanelError(
                f"Proxmox VE {release}: the cluster has no node {self.connection.node!r}"
            )
        if node.get("status") != "online":
            raise TransientPanelError(
                f"Proxmox VE {release}: node {self.connection.node} is {node.get('status')}"
            )
        guests = self.api.guests()
        return (
            f"Proxmox VE {release}, node {self.connection.node} online, {len(guests)} guests in the cluster"
        )

    def exists(self, ref: AccountRef) -> str | None:
        guest = self._find(ref)
        return str(guest.vmid) if guest is not None else None

    def create(self, spec: AccountSpec, steps: Steps) -> Created:
        plan = _plan(spec.params)
        cloned = steps.once("clone", lambda: self._clone(spec, plan))
        guest = Guest(vmid=int(cloned["vmid"]), node=cloned["node"], type=cloned["type"], name=spec.name)
        steps.once("config", lambda: self._configure(guest, plan))
        steps.once("resize", lambda: self._grow(guest, plan.get("disk_gb")))
        if guest.type == "qemu":
            steps.once("password", lambda: self._set_password(guest, spec.password))
        steps.once("start", lambda: self._power_on(guest))
        return Created(external_id=str(guest.vmid), username=spec.name)

    def compensate(self, spec: AccountSpec, steps: Steps) -> list[str]:
        """Delete the guest the create made, if there is one by its name: that undoes every step."""
        guest = self._find(spec.ref)
        if guest is not None:
            self._destroy(guest)
        return list(steps.completed)

    def suspend(self, ref: AccountRef, reason: str) -> None:
        guest = self._require(ref)
        if guest.status == "stopped":
            return
        if self._status(guest) == "paused":  # suspended on the hypervisor by hand: no clean shutdown
            self._action(guest, "stop")
            return
        self._action(guest, "shutdown", {"forceStop": 1, "timeout": SHUTDOWN_SECONDS})

    def unsuspend(self, ref: AccountRef) -> None:
        self._power_on(self._require(ref))

    def terminate(self, ref: AccountRef) -> None:
        guest = self._find(ref)
        if guest is not None:
            self._destroy(guest)

    def change_package(self, ref: AccountRef, params: Mapping[str, Any]) -> None:
        guest = self._require(ref)
        plan = _plan(params, need_template=False)
        self._configure(guest, plan)
        self._grow(guest, plan.get("disk_gb"))

    def change_password(self, ref: AccountRef, password: str) -> None:
        """Sets cloud-init's password; the VM takes it at its next boot, when cloud-init runs."""
        guest = self._require(ref)
        if guest.type != "qemu":
            raise PermanentPanelError(
                f"Proxmox VE: container {guest.vmid} keeps its password; PVE's API cannot change it"
            )
        self._set_password(guest, password)

    def usage(self, ref: AccountRef) -> Usage:
        """What the guest uses now. PVE's network counters run from the guest's last start, and a
        VM's used disk is unknown to PVE (0) without its guest agent: then its disk's size."""
        guest = self._require(ref)
        now = self.api.call("GET", f"{guest.path}/status/current", what="Proxmox VE status")
        if not isinstance(now, dict):
            raise TransientPanelError("Proxmox VE status: the answer was not an object")
        disk = int(now.get("disk") or 0) or int(now.get("maxdisk") or 0)
        traffic = int(now.get("netin") or 0) + int(now.get("netout") or 0)
        return Usage(
            disk_mb=disk // MIB,
            bandwidth_mb=traffic // MIB,
            cpu_percent=(Decimal(str(now.get("cpu") or 0)) * 100).quantize(Decimal("0.01")),
            memory_mb=int(now.get("mem") or 0) // MIB,
        )

    # --- finding guests -------------------------------------------------------------------------

    def _find(self, ref: AccountRef) -> Guest | None:
        """The guest by its stored VMID (when it still has the account's name), else by name."""
        guests = [guest for guest in self.api.guests() if not guest.template]
        if ref.external_id.isdigit():
            by_id = next((g for g in guests if g.vmid == int(ref.external_id) and g.name == ref.name), None)
            if by_id is not None:
                return by_id
        named = [guest for guest in guests if guest.name == ref.name]
        if len(named) > 1:
            ids = ", ".join(str(guest.vmid) for guest in named)
            raise PermanentPanelError(f"Proxmox VE: several guests are named {ref.name} ({ids})")
        return named[0] if named else None

    def _require(self, ref: AccountRef) -> Guest:
        guest = self._find(ref)
        if guest is None:
            raise PermanentPanelError(
                f"Proxmox VE: no guest named {ref.name} (VMID {ref.external_id or '?'})"
            )
        return guest

    def _template(self, vmid: int) -> Guest:
        guest = next((g for g in self.api.guests() if g.vmid == vmid), None)
        if guest is None or not guest.template:
            raise PermanentPanelError(
                f"Proxmox VE: the plan's template {vmid} is not a template on the cluster"
            )
        return guest

    def _status(self, guest: Guest) -> str:
        now = self.api.call("GET", f"{guest.path}/status/current", what="Proxmox VE status")
        if not isinstance(now, dict):
            raise TransientPanelError("Proxmox VE status: the answer was not an object")
        # A paused qemu VM answers status "running" and qmpstatus "paused".
        return str(now.get("qmpstatus") or now.get("status") or "")

    # --- the steps ------------------------------------------------------------------------------

    def _clone(self, spec: AccountSpec, plan: dict[str, int]) -> dict[str, Any]:
        found = self._find(spec.ref)
        if found is not None:  # an earlier clone's answer was lost: that clone is ours
            self.api.wait_unlocked(found, what="Proxmox VE clone")
            return {"vmid": found.vmid, "node": found.node, "type": found.type}
        template = self._template(plan["template"])
        node = self.connection.node or template.node
        vmid = self._next_id()
        form: dict[str, Any] = {"newid": vmid, "full": 1}
        form["name" if template.type == "qemu" else "hostname"] = spec.name
        if self.connection.storage:
            form["storage"] = self.connection.storage
        if node != template.node:
            form["target"] = node
        upid = self.api.call("POST", f"{template.path}/clone", what="Proxmox VE clone", data=form)
        self.api.wait(upid, what="Proxmox VE clone")
        return {"vmid": vmid, "node": node, "type": template.type}

    def _next_id(self) -> int:
        answer = self.api.call("GET", "/cluster/nextid", what="Proxmox VE next id")
        if not str(answer).isdigit():
            raise TransientPanelError("Proxmox VE next id: the answer was not a VMID")
        return int(answer)

    def _configure(self, guest: Guest, plan: dict[str, int]) -> dict[str, int]:
        form = {"cores": plan["cores"]} if "cores" in plan else {}
        if "memory_mb" in plan:
            form["memory"] = plan["memory_mb"]
        if form:
            answer = self.api.call("PUT", f"{guest.path}/config", what="Proxmox VE config", data=form)
            self.api.wait(answer, what="Proxmox VE config")
        return form

    def _grow(self, guest: Guest, disk_gb: int | None) -> dict[str, Any]:
        if not disk_gb:
            return {}
        config = self.api.call("GET", f"{guest.path}/config", what="Proxmox VE config")
        disk, size_gb = _main_disk(config if isinstance(config, dict) else {}, guest.type)
        if disk_gb <= size_gb:
            return {"disk": disk, "kept_gb": size_gb}
        form = {"disk": disk, "size": f"{disk_gb}G"}
        answer = self.api.call("PUT", f"{guest.path}/resize", what="Proxmox VE resize", data=form)
        self.api.wait(answer, what="Proxmox VE resize")
        return {"disk": disk, "size_gb": disk_gb}

    def _set_password(self, guest: Guest, password: str) -> dict[str, str]:
        form = {"cipassword": password}
        what = "Proxmox VE password"
        answer = self.api.call("PUT", f"{guest.path}/config", what=what, data=form, hidden=(password,))
        self.api.wait(answer, what=what)
        return {"cipassword": "set"}  # recorded on the operation: never the password itself

    def _power_on(self, guest: Guest) -> dict[str, str]:
        status = self._status(guest)
        if status == "paused":
            self._action(guest, "resume")
        elif status != "running":
            self._action(guest, "start")
        return {"status": "running"}

    def _action(self, guest: Guest, action: str, form: dict[str, Any] | None = None) -> None:
        what = f"Proxmox VE {action}"
        upid = self.api.call("POST", f"{guest.path}/status/{action}", what=what, data=form or {})
        self.api.wait(upid, what=what)

    def _destroy(self, guest: Guest) -> None:
        if guest.status != "stopped":
            self._action(guest, "stop")
        params = {"purge": 1, "destroy-unreferenced-disks": 1}
        upid = self.api.call("DELETE", guest.path, what="Proxmox VE delete", params=params)
        self.api.wait(upid, what="Proxmox VE delete")


def _plan(params: Mapping[str, Any], *, need_template: bool = True) -> dict[str, int]:
    """The plan's parameters as whole numbers: template, cores, memory_mb, disk_gb (when given)."""
    plan: dict[str, int] = {}
    for name in ("template", "cores", "memory_mb", "disk_gb"):
        value = params.get(name)
        if value in (None, ""):
            continue
        try:
            plan[name] = int(value)
        except (TypeError, ValueError):
            raise PermanentPanelError(
                f"Proxmox VE: the plan's {name} is not a whole number: {value!r}"
            ) from None
        if plan[name] <= 0:
            raise PermanentPanelError(f"Proxmox VE: the plan's {name} must be more than 0")
    if need_template and "template" not in plan:
        raise PermanentPanelError("Proxmox VE: the plan names no template (module parameter 'template')")
    return plan


def _main_disk(config: dict[str, Any], kind: str) -> tuple[str, float]:
    """The guest's main disk and its size in GiB, from its configuration."""
    keys = ("rootfs",) if kind == "lxc" else QEMU_DISKS
    for key in keys:
        value = str(config.get(key) or "")
        match = SIZE.search(value)
        if match and "media=cdrom" not in value:
            return key, float(match[1]) * GIB_PER_UNIT[match[2]]
    raise PermanentPanelError(f"Proxmox VE: the guest has no disk among {', '.join(keys)} to resize")
