"""Rules of docs/architecture.md that hold for every app, checked over the source."""

from __future__ import annotations

import ast
from pathlib import Path

PRAHO = Path(__file__).resolve().parents[2]
APPS = sorted(p for p in PRAHO.iterdir() if (p / "apps.py").exists())


def _app_modules(app: Path) -> list[Path]:
    return [
        path for path in app.rglob("*.py") if not {"tests", "migrations"} & set(path.relative_to(app).parts)
    ]


def _locking_modules(app: Path) -> set[str]:
    found = set()
    for path in _app_modules(app):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "select_for_update":
                found.add(str(path.relative_to(app)))
    return found


def test_every_app_takes_its_row_locks_in_its_locks_module_only():
    assert {app.name for app in APPS} >= {"accounts", "customers", "billing", "efactura"}
    outside = {app.name: sorted(_locking_modules(app) - {"locks.py"}) for app in APPS}

    assert {name: modules for name, modules in outside.items() if modules} == {}
    assert {app.name for app in APPS if (app / "locks.py").exists()} == {
        "accounts",
        "customers",
        "billing",
        "efactura",
        "orders",
        "provisioning",
        "inbox",
        "payments",
        "recurring",
    }


def test_the_check_finds_a_lock_outside_locks_py(tmp_path):
    app = tmp_path / "shop"
    app.mkdir()
    (app / "services.py").write_text("def f(qs):\n    return qs.select_for_update().get(pk=1)\n")

    assert _locking_modules(app) == {"services.py"}
