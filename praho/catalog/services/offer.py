"""Product groups, features, plans (with their provisioning module's parameters) and the
features a plan has, with their limits."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Feature, GroupKind, Module, Plan, PlanFeature, ProductGroup, Visibility
from praho.catalog.services.checks import (
    changes,
    check_amount,
    check_choice,
    check_code,
    check_json_size,
    check_texts,
    check_unique,
)
from praho.catalog.tree import bump_version
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text

POSITION_MAX = 32767
FLAG_MAX = 100
PACKAGE_MAX = 64
# What each provisioning module takes: parameter -> (kind, lowest, highest); "text" is a package
# name on the panel (one line, at most 64 characters).
MODULE_PARAMETERS: dict[str, dict[str, tuple[str, int, int]]] = {
    Module.VIRTUALMIN: {"package": ("text", 1, PACKAGE_MAX)},
    Module.HESTIACP: {"package": ("text", 1, PACKAGE_MAX)},
    Module.PROXMOX: {
        "template": ("int", 100, 999_999_999),  # the template's VM id
        "cores": ("int", 1, 256),
        "memory_mb": ("int", 128, 4_194_304),
        "disk_gb": ("int", 1, 65_536),
    },
}


def _check_position(errors: FieldErrors, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= POSITION_MAX:
        errors.add(
            "position", _("Enter a whole number from 0 to %(max)d.") % {"max": POSITION_MAX}, "invalid"
        )
        return 0
    return value


def _save(row: Any, values: dict[str, Any], *, actor: Any, action: str) -> Any:
    created = row.pk is None
    changed = {} if created else changes(row, values)
    for name, value in values.items():
        setattr(row, name, value)
    if created or changed:
        row.save()
        data = {"created": True} if created else {"changes": changed}
        record_event(action, actor=actor, target=row, data=data)
        bump_version()
    return row


@service_transaction
def save_group(
    *,
    actor: Any,
    group: ProductGroup | None = None,
    code: str,
    kind: str,
    position: int = 0,
    visible: bool = True,
    **texts: str,
) -> ProductGroup:
    """Create a product group (`group` None) or change one. `texts`: name_en (required),
    name_ro, name_bg, description_en, description_ro, description_bg."""
    errors = FieldErrors()
    _unknown(errors, texts)
    code = check_code(errors, "code", code)
    if "code" not in errors.by_field:
        check_unique(errors, "code", ProductGroup.objects.filter(code=code), group)
    values = {
        "code": code,
        "kind": check_choice(errors, "kind", kind, GroupKind),
        "position": _check_position(errors, position),
        "visible": bool(visible),
        **check_texts(errors, texts),
    }
    errors.raise_if_any()
    return _save(group or ProductGroup(), values, actor=actor, action="catalog.group_saved")


@service_transaction
def save_feature(
    *, actor: Any, feature: Feature | None = None, code: str, unit: str = "", position: int = 0, **texts: str
) -> Feature:
    """Create or change a feature plans limit (disk GB, mailboxes, ...)."""
    errors = FieldErrors()
    _unknown(errors, texts)
    code = check_code(errors, "code", code)
    if "code" not in errors.by_field:
        check_unique(errors, "code", Feature.objects.filter(code=code), feature)
    values = {
        "code": code,
        "unit": check_text(errors, "unit", unit or "", max_length=16),
        "position": _check_position(errors, position),
        **check_texts(errors, texts),
    }
    errors.raise_if_any()
    return _save(feature or Feature(), values, actor=actor, action="catalog.feature_saved")


def _unknown(errors: FieldErrors, texts: Mapping[str, Any]) -> None:
    known = {f"{field}_{language}" for field in ("name", "description") for language in ("en", "ro", "bg")}
    for name in texts:
        if name not in known:
            errors.add(str(name)[:40], _("Unknown field."), "unknown_field")


def check_module_params(errors: FieldErrors, module: str, params: Any) -> dict[str, Any]:
    """The module's parameters: those it takes, each of its kind and range, all of them given;
    none when there is no module. Errors keyed "module_params.<name>"."""
    if not isinstance(params, dict):
        errors.add("module_params", _("Give the module's parameters as named values."), "invalid")
        return {}
    check_json_size(errors, "module_params", params)
    if not module:
        if params:
            errors.add(
                "module_params", _("A plan without a provisioning module takes no parameters."), "invalid"
            )
        return {}
    expected = MODULE_PARAMETERS.get(module, {})
    clean: dict[str, Any] = {}
    for name in params:
        if name not in expected:
            errors.add(
                f"module_params.{str(name)[:40]}",
                _("%(module)s does not take this parameter.") % {"module": Module(module).label},
                "unknown_field",
            )
    for name, (kind, lowest, highest) in expected.items():
        field = f"module_params.{name}"
        value = params.get(name)
        if value is None or value == "":
            errors.add(
                field, _("%(module)s needs this parameter.") % {"module": Module(module).label}, "required"
            )
        elif kind == "text":
            if not isinstance(value, str):
                errors.add(field, _("Enter the panel's package name."), "invalid")
                continue
            clean[name] = check_text(errors, field, value, max_length=highest)
        else:
            number = value if isinstance(value, int) and not isinstance(value, bool) else None
            if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
                number = int(value.strip())
            if number is None or not lowest <= number <= highest:
                errors.add(
                    field,
                    _("Enter a whole number from %(lowest)d to %(highest)d.")
                    % {"lowest": lowest, "highest": highest},
                    "invalid",
                )
                continue
            clean[name] = number
    return clean


@service_transaction
def save_plan(
    *,
    actor: Any,
    plan: Plan | None = None,
    group: ProductGroup,
    code: str,
    visibility: str = Visibility.PUBLIC,
    module: str = "",
    module_params: Any = None,
    position: int = 0,
    max_quantity: int = 1,
    requires_domain: bool = False,
    flag: str = "",
    **texts: str,
) -> Plan:
    """Create a plan (`plan` None) or change one. Retiring a plan (visibility "retired") keeps
    the services sold; it can no longer be ordered."""
    errors = FieldErrors()
    _unknown(errors, texts)
    code = check_code(errors, "code", code)
    if "code" not in errors.by_field:
        check_unique(errors, "code", Plan.objects.filter(code=code), plan)
    module = module or ""
    if module and module not in Module.values:
        errors.add("module", _("Choose one of the offered values."), "invalid_choice")
    params = check_module_params(errors, module if module in Module.values else "", module_params or {})
    if isinstance(max_quantity, bool) or not isinstance(max_quantity, int) or not 1 <= max_quantity <= 100:
        errors.add("max_quantity", _("Enter a whole number from 1 to 100."), "invalid")
    flag = check_text(errors, "flag", flag or "", max_length=FLAG_MAX)
    values = {
        "group": group,
        "code": code,
        "visibility": check_choice(errors, "visibility", visibility, Visibility),
        "module": module,
        "module_params": params,
        "position": _check_position(errors, position),
        "max_quantity": max_quantity,
        "requires_domain": bool(requires_domain),
        "flag": flag,
        **check_texts(errors, texts),
    }
    errors.raise_if_any()
    return _save(plan or Plan(), values, actor=actor, action="catalog.plan_saved")


@service_transaction
def set_plan_features(*, actor: Any, plan: Plan, limits: Mapping[str, Any]) -> list[PlanFeature]:
    """The plan's features become exactly these: feature code -> limit (a number of zero or
    more, at most two decimals; None for unlimited). Features left out are removed."""
    errors = FieldErrors()
    features = {feature.code: feature for feature in Feature.objects.filter(code__in=list(limits))}
    clean: dict[str, Decimal | None] = {}
    for code, limit in limits.items():
        field = f"features.{str(code)[:40]}"
        if code not in features:
            errors.add(field, _("There is no such feature."), "unknown_feature")
        elif limit is None or limit == "":
            clean[code] = None
        else:
            clean[code] = check_amount(errors, field, limit)
    errors.raise_if_any()
    existing = {row.feature.code: row for row in plan.features.select_related("feature")}
    before = {code: row.limit for code, row in existing.items()}
    removed = [row.pk for code, row in existing.items() if code not in clean]
    PlanFeature.objects.filter(pk__in=removed).delete()
    for code, limit in clean.items():
        row = existing.get(code)
        if row is None:
            PlanFeature.objects.create(plan=plan, feature=features[code], limit=limit)
        elif row.limit != limit:
            row.limit = limit
            row.save(update_fields=["limit"])
    if before != clean:
        record_event(
            "catalog.plan_features_set",
            actor=actor,
            target=plan,
            data={"before": before, "after": clean},
        )
        bump_version()
    return list(plan.features.select_related("feature").order_by("feature__position", "feature_id"))
