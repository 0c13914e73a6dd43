"""One module per panel, each a small httpx client behind the interface in `base`."""

from __future__ import annotations

from django.utils.module_loading import import_string

from praho.provisioning.gateways.base import Connection, Driver

DRIVERS = {
    "virtualmin": "praho.provisioning.gateways.virtualmin.VirtualminDriver",
    "proxmox": "praho.provisioning.gateways.proxmox.ProxmoxDriver",
    "hestiacp": "praho.provisioning.gateways.hestiacp.HestiaDriver",
}


def driver_for(connection: Connection) -> Driver:
    driver: Driver = import_string(DRIVERS[connection.panel])(connection)
    return driver
