"""Core is the shared kernel: the apps import it, it imports none of them (docs/architecture.md).

What an app adds to core's pages comes through praho.core.contributions (dashboards, search,
demo data). Core's own tests may use apps' data and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

CORE = Path(__file__).resolve().parents[1]
APPS = sorted(name for name in settings.INSTALLED_APPS if name.startswith("praho.") and name != "praho.core")


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):  # also imports under `if TYPE_CHECKING:` and inside functions
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def _app_imports(path: Path) -> list[str]:
    return [
        name
        for name in _imported_modules(path)
        if any(name == app or name.startswith(f"{app}.") for app in APPS)
    ]


def test_core_imports_no_app():
    modules = [path for path in CORE.rglob("*.py") if "tests" not in path.relative_to(CORE).parts]
    found = {str(path.relative_to(CORE)): _app_imports(path) for path in modules}

    assert {"http.py", "views.py", "management/commands/demo.py"} <= set(found)  # the walk reads core
    assert {path: names for path, names in found.items() if names} == {}


def test_the_check_sees_an_app_import_even_for_typing_only(tmp_path):
    module = tmp_path / "typed.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from praho.accounts.models import User\n"
        "import praho.billing.ledger\nfrom praho import audit\n",
        encoding="utf-8",
    )

    assert sorted(_app_imports(module)) == [
        "praho.accounts.models",
        "praho.accounts.models.User",
        "praho.audit",
        "praho.billing.ledger",
    ]
