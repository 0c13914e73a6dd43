"""The one small interface every panel driver implements, and what crosses it.

A driver is built for one server (`Connection`) and acts on one account (`AccountRef`, or the
`AccountSpec` of one to create). Every method is idempotent at the panel:

- `create` looks the account up by its deterministic name (or the stored external id) before
  creating it, so a retry after a lost answer never makes a second one; a multi-step create runs
  each step through `steps.once(name, do)`, which records the step's result as soon as it is done
  (and returns the recorded result without calling `do` again when a resumed run comes back);
- `suspend` of a suspended account, `unsuspend` of an active one and `terminate` of one that is
  gone succeed without doing anything;
- `compensate` undoes the steps a failed create completed, and says what it undid.

Failures are one of two kinds: `TransientPanelError` (timeouts, refused connections, 5xx,
"locked", 429: tried again later with backoff) and `PermanentPanelError` (quota, bad parameters,
refused credentials: staff are told, nothing is retried). A message never carries a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol


class PanelError(Exception):
    """A panel refused or could not do what was asked; the message says what, in English (it is
    stored on the operation for staff)."""


class TransientPanelError(PanelError):
    """Worth trying again later: the panel was down, slow, busy or locked."""


class PermanentPanelError(PanelError):
    """Trying again will not help: quota, bad parameters, refused credentials, unknown package."""


@dataclass(frozen=True)
class Connection:
    """How to reach one server. `username` and `secret` are the login, API token id and secret,
    or access key and secret key, as the panel takes them."""

    panel: str
    base_url: str  # "https://host:port", no trailing slash
    username: str
    secret: str = field(repr=False)
    verify_tls: bool = True
    node: str = ""  # Proxmox VE
    storage: str = ""  # Proxmox VE
    timeout: float = 30.0


@dataclass(frozen=True)
class AccountRef:
    """An existing account: its deterministic name, the panel's id for it when known, its domain."""

    name: str
    external_id: str = ""
    domain: str = ""


@dataclass(frozen=True)
class AccountSpec:
    """What to create. `params` are the plan's module parameters (catalog.Plan.module_params):
    `package` for Virtualmin and HestiaCP; `template`, `cores`, `memory_mb`, `disk_gb` for Proxmox."""

    name: str  # deterministic: the same service always gives the same name
    domain: str
    password: str = field(repr=False)
    email: str
    params: Mapping[str, Any]
    external_id: str = ""  # known from an earlier attempt

    @property
    def ref(self) -> AccountRef:
        return AccountRef(self.name, self.external_id, self.domain)


@dataclass(frozen=True)
class Created:
    external_id: str
    username: str


@dataclass(frozen=True)
class Usage:
    disk_mb: int
    bandwidth_mb: int
    cpu_percent: Decimal | None = None
    memory_mb: int | None = None


class Steps(Protocol):
    """The record of a multi-step create's completed steps (kept on the Operation row)."""

    def once(self, name: str, do: Callable[[], Any]) -> Any:
        """`do()`'s result, recorded under `name` as soon as it returns (JSON-serializable); when a
        resumed run finds `name` already recorded, the recorded result without calling `do`."""
        ...

    @property
    def completed(self) -> list[str]:
        """The names of the completed steps, in order."""
        ...

    def result_of(self, name: str) -> Any:
        """The recorded result of a completed step (None when it is not completed)."""
        ...


class Driver(Protocol):
    def __init__(self, connection: Connection) -> None: ...

    def test_connection(self) -> str:
        """A short description of what the panel answered (version, node, account count)."""
        ...

    def exists(self, ref: AccountRef) -> str | None:
        """The external id of the account, or None when the panel has none by that name/id."""
        ...

    def create(self, spec: AccountSpec, steps: Steps) -> Created: ...

    def compensate(self, spec: AccountSpec, steps: Steps) -> list[str]:
        """Undo what a failed create completed (best effort); the steps undone, by name."""
        ...

    def suspend(self, ref: AccountRef, reason: str) -> None: ...

    def unsuspend(self, ref: AccountRef) -> None: ...

    def terminate(self, ref: AccountRef) -> None: ...

    def change_package(self, ref: AccountRef, params: Mapping[str, Any]) -> None: ...

    def change_password(self, ref: AccountRef, password: str) -> None: ...

    def usage(self, ref: AccountRef) -> Usage: ...


class MemorySteps:
    """Steps kept in memory: for driver tests and one-shot calls (the runner keeps them on the
    Operation row instead, so a crash does not forget them)."""

    def __init__(self, recorded: list[dict[str, Any]] | None = None) -> None:
        self.recorded: list[dict[str, Any]] = list(recorded or [])

    def once(self, name: str, do: Callable[[], Any]) -> Any:
        for step in self.recorded:
            if step["name"] == name:
                return step["data"]
        data = do()
        self.recorded.append({"name": name, "data": data})
        return data

    @property
    def completed(self) -> list[str]:
        return [step["name"] for step in self.recorded]

    def result_of(self, name: str) -> Any:
        return next((step["data"] for step in self.recorded if step["name"] == name), None)
