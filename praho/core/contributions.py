"""What each app adds to pages and commands that core owns, found by module name.

Core imports no app (docs/architecture.md): an app that wants a panel on a dashboard, a
group in the staff search or demo data provides a module of a known name (`<app>/dashboard.py`,
`<app>/search.py`, `<app>/demo.py`), and core finds it among INSTALLED_APPS, in their order.
So a new app adds its part by adding a module, not by editing core.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps

APP_PREFIX = "praho."
# Core itself is not asked: its own praho.core.search is the one that asks the apps.
CORE = "praho.core"


def app_modules(name: str) -> list[ModuleType]:
    """`<app>.<name>` of every PRAHO app but core that has one, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        module_name = f"{config.name}.{name}"
        if config.name.startswith(APP_PREFIX) and config.name != CORE and find_spec(module_name):
            found.append(import_module(module_name))
    return found


def contributions(name: str, function: str) -> list[object]:
    """The `function` attribute of every `<app>.<name>` module that defines it."""
    return [getattr(module, function) for module in app_modules(name) if hasattr(module, function)]
