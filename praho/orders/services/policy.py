"""What staff set about ordering: customers flagged for review, the approval threshold per
currency and the feature flags. Every change is checked whole (errors keyed by field, nothing
half-saved) and audited.

Feature flags are django-waffle's flags (orders.FeatureFlag), which waffle caches: they are saved
through waffle's model save() and delete(), which flush the flag's cache entries once the
transaction commits, so the next request reads the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.catalog.models import Plan
from praho.core.money import Currency
from praho.core.numbers import column_max, plain_decimal
from praho.core.transactions import service_transaction
from praho.core.validation import FieldErrors, check_text
from praho.customers.models import Customer
from praho.orders.models import FeatureFlag, OrderPolicy, ReviewFlag

REASON_MAX = 200
NOTE_MAX = 1000
FLAG_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
FLAG_NAME_MAX = 100
PERCENT_MAX = Decimal("99.9")  # waffle's percent column holds 0.0 to 99.9
MAX_TARGETS = 500  # users or customers named on one flag


# --- customers flagged for review -----------------------------------------------------------------


def _reason(value: str) -> str:
    errors = FieldErrors()
    reason = check_text(errors, "reason", value or "", max_length=REASON_MAX)
    if not reason and not errors.by_field:
        errors.add("reason", _("Say why."), "required")
    errors.raise_if_any()
    return reason


@service_transaction
def flag_for_review(*, actor: Any, customer: Customer, reason: str) -> ReviewFlag:
    """The customer's orders wait for staff approval whatever their amount; flagging a customer
    already flagged replaces the reason."""
    reason = _reason(reason)
    flag, created = ReviewFlag.objects.update_or_create(
        customer=customer, defaults={"reason": reason, "created_by": actor}
    )
    record_event(
        "orders.review_flag_added" if created else "orders.review_flag_changed",
        actor=actor,
        target=customer,
        data={"reason": reason},
    )
    return flag


@service_transaction
def remove_review_flag(*, actor: Any, customer: Customer, reason: str) -> None:
    reason = _reason(reason)
    flag = ReviewFlag.objects.filter(customer=customer).first()
    if flag is None:
        raise ValidationError(_("This customer is not flagged for review."), code="not_flagged")
    flag.delete()
    record_event(
        "orders.review_flag_removed",
        actor=actor,
        target=customer,
        data={"reason": reason, "flagged_for": flag.reason},
    )


# --- approval thresholds ------------------------------------------------------------------------------


def _threshold(errors: FieldErrors, currency: str, text: str) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    amount = plain_decimal(text, comma=True)
    largest = column_max(OrderPolicy._meta.get_field("approval_threshold"))
    if amount is None or amount < 0 or amount > largest or amount != round(amount, 2):
        errors.add(
            currency,
            _("Type an amount from 0 to %(max)s with at most two decimals, such as 5000 or 1250,50.")
            % {"max": largest},
            "invalid",
        )
    return amount


@service_transaction
def set_approval_thresholds(*, actor: Any, thresholds: Mapping[str, str]) -> list[OrderPolicy]:
    """Orders in a currency whose total (VAT included) reaches its threshold wait for approval.
    `thresholds`: currency → amount as typed (a comma may stand for the decimal point); an empty
    amount removes the currency's threshold, a currency left out keeps it. All or nothing."""
    errors = FieldErrors()
    wanted: dict[str, Decimal | None] = {}
    for currency, text in thresholds.items():
        if currency not in Currency.values:
            errors.add(currency, _("Choose RON, EUR or USD."), "invalid_choice")
            continue
        wanted[currency] = _threshold(errors, currency, str(text or ""))
    errors.raise_if_any()
    current = {row.currency: row for row in OrderPolicy.objects.filter(currency__in=list(wanted))}
    for currency, amount in wanted.items():
        row = current.get(currency)
        before = str(row.approval_threshold) if row else ""
        if amount is None and row is not None:
            row.delete()
            record_event(
                "orders.approval_threshold_removed",
                actor=actor,
                object_type="orders.orderpolicy",
                object_id=currency,
                object_repr=currency,
                data={"currency": currency, "before": before},
            )
        elif amount is not None and (row is None or row.approval_threshold != amount):
            policy, _created = OrderPolicy.objects.update_or_create(
                currency=currency, defaults={"approval_threshold": amount}
            )
            record_event(
                "orders.approval_threshold_set",
                actor=actor,
                target=policy,
                data={"currency": currency, "before": before, "after": str(policy.approval_threshold)},
            )
    return list(OrderPolicy.objects.order_by("currency"))


# --- feature flags -------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return [token for token in re.split(r"[\s,;]+", text or "") if token]


def _flag_name(errors: FieldErrors, name: str, flag: FeatureFlag | None) -> str:
    name = (name or "").strip()
    if not name:
        errors.add("name", _("Give the flag a name."), "required")
    elif len(name) > FLAG_NAME_MAX or not FLAG_NAME.fullmatch(name):
        errors.add(
            "name",
            _(
                "Use at most %(max)d lower-case letters, digits, dashes and underscores, starting "
                "with a letter or digit, such as new-panel."
            )
            % {"max": FLAG_NAME_MAX},
            "invalid",
        )
    elif FeatureFlag.objects.filter(name=name).exclude(pk=flag.pk if flag else None).exists():
        errors.add("name", _("Another flag has this name."), "unique")
    return name


def _percent(errors: FieldErrors, value: Any) -> Decimal | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    percent = plain_decimal(text, comma=True)
    if percent is None or not 0 <= percent <= PERCENT_MAX or percent != round(percent, 1):
        errors.add(
            "percent",
            _("Type a share from 0 to 99.9 with at most one decimal; for everyone, turn it on for everyone."),
            "invalid",
        )
        return None
    return percent


def _users(errors: FieldErrors, text: str) -> list[Any]:
    emails = list(dict.fromkeys(token.lower() for token in _tokens(text)))
    if len(emails) > MAX_TARGETS:
        errors.add("users", _("Name at most %(max)d users.") % {"max": MAX_TARGETS}, "too_many")
        return []
    found = list(get_user_model().objects.filter(email__in=emails))
    missing = sorted(set(emails) - {user.email.lower() for user in found})
    if missing:
        errors.add(
            "users", _("No user has these emails: %(emails)s.") % {"emails": ", ".join(missing)}, "unknown"
        )
    return found


def _customers(errors: FieldErrors, text: str) -> list[Customer]:
    """Customers named by "#id", tax identification number or email."""
    tokens = list(dict.fromkeys(_tokens(text)))
    if len(tokens) > MAX_TARGETS:
        errors.add("customers", _("Name at most %(max)d customers.") % {"max": MAX_TARGETS}, "too_many")
        return []
    ids = {int(token[1:]) for token in tokens if re.fullmatch(r"#[0-9]{1,18}", token)}
    others = [token.upper() for token in tokens if not re.fullmatch(r"#[0-9]{1,18}", token)]
    if not tokens:
        return []
    found = list(
        Customer.objects.active().filter(
            Q(pk__in=ids) | Q(tax_id__in=others) | Q(email__in=[token.lower() for token in others])
        )
    )
    known = {f"#{c.pk}" for c in found} | {c.tax_id.upper() for c in found if c.tax_id}
    known |= {c.email.lower() for c in found if c.email}
    missing = [t for t in tokens if t not in known and t.upper() not in known and t.lower() not in known]
    if missing:
        errors.add(
            "customers",
            _("No customer has these numbers, tax IDs or emails: %(names)s.") % {"names": ", ".join(missing)},
            "unknown",
        )
    return found


def _plans(errors: FieldErrors, ids: Any) -> list[Plan]:
    try:
        wanted = {int(value) for value in ids or []}
    except (TypeError, ValueError):
        errors.add("plans", _("Choose plans from the list."), "invalid_choice")
        return []
    found = list(Plan.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        errors.add("plans", _("Choose plans from the list."), "invalid_choice")
    return found


def _described(
    flag: FeatureFlag, users: list[Any], customers: list[Customer], plans: list[Plan]
) -> dict[str, Any]:
    return {
        "name": flag.name,
        "note": flag.note,
        "everyone": flag.everyone,
        "percent": None if flag.percent is None else str(flag.percent),
        "users": sorted(user.email for user in users),
        "customers": sorted(customer.pk for customer in customers),
        "plans": sorted(plan.code for plan in plans),
    }


@service_transaction
def save_feature_flag(
    *,
    actor: Any,
    flag: FeatureFlag | None = None,
    name: str,
    note: str = "",
    everyone: bool | None = None,
    percent: Any = None,
    users: str = "",
    customers: str = "",
    plans: Any = (),
) -> FeatureFlag:
    """Create a flag (`flag` None) or change one. `users`: emails; `customers`: "#id", tax IDs
    or emails; both separated by spaces, commas or lines. `plans`: plan ids."""
    errors = FieldErrors()
    name = _flag_name(errors, name, flag)
    note = check_text(errors, "note", note or "", max_length=NOTE_MAX, multiline=True)
    share = _percent(errors, percent)
    chosen_users = _users(errors, users)
    chosen_customers = _customers(errors, customers)
    chosen_plans = _plans(errors, plans)
    errors.raise_if_any()
    created = flag is None
    if flag is None:
        # Only the rules staff set here: not waffle's default of "on for every superuser".
        flag = FeatureFlag(superusers=False)
    else:
        old_name = FeatureFlag.objects.get(pk=flag.pk).name
        if old_name != name:  # the cache holds the flag under its old name too
            stale = FeatureFlag(name=old_name)
            transaction.on_commit(stale.flush)
    flag.name, flag.note, flag.everyone, flag.percent = name, note, everyone, share
    flag.save()  # waffle's save: flushes the flag's cache once the transaction commits
    flag.users.set(chosen_users)
    flag.customers.set(chosen_customers)
    flag.plans.set(chosen_plans)
    record_event(
        "orders.feature_flag_created" if created else "orders.feature_flag_changed",
        actor=actor,
        target=flag,
        data=_described(flag, chosen_users, chosen_customers, chosen_plans),
    )
    return flag


@service_transaction
def delete_feature_flag(*, actor: Any, flag: FeatureFlag) -> None:
    described = _described(flag, list(flag.users.all()), list(flag.customers.all()), list(flag.plans.all()))
    record_event(
        "orders.feature_flag_deleted",
        actor=actor,
        object_type="orders.featureflag",
        object_id=flag.pk,
        object_repr=flag.name,
        data=described,
    )
    flag.delete()  # waffle's delete: flushes the cache once the transaction commits
