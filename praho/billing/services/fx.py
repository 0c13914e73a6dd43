"""Exchange rates: storing BNR's, entering one by hand, and converting to RON.

An EUR or USD invoice also shows its VAT in RON at the rate of its issue date,
or, for a day without one (weekend, public holiday, before 13:00), the last
rate before it.

Which rate counts, as a Romanian accountant expects it:

- BNR's published rate is authoritative. Nobody can overwrite it by hand.
- A rate entered by hand is only for a day BNR has not published (yet): the
  feed could not be reached, or the company uses its bank's rate on a holiday.
  Staff may correct their own manual rate until BNR publishes that day.
- When BNR later publishes a day that has a manual rate, BNR's rate replaces it
  and the replacement is recorded in the audit trail with both rates and who
  had entered the manual one.

A replaced rate does not change documents already issued: an issued invoice
keeps the rate and the RON amounts it was issued with (it copies them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from praho.audit.services import record_event
from praho.billing.gateways import bnr
from praho.billing.locks import locked_exchange_rate, locked_exchange_rates
from praho.billing.models.fx import FOREIGN_CURRENCIES, ExchangeRate, RateSource, rate_text
from praho.core.formatting import format_date
from praho.core.money import Currency, round_money
from praho.core.validation import EARLIEST_DATE, date_error, fiscal_today

TEN_BANKING_DAYS = 10  # what BNR's ten-day file holds
MANUAL_MAX_DECIMAL_PLACES = 4
# Rates are stored with 12 digits, 6 of them decimals.
MANUAL_MAX_RATE = Decimal("999999.9999")
_MANUAL_QUANTUM = Decimal(1).scaleb(-MANUAL_MAX_DECIMAL_PLACES)


def fetch_bnr_rates(*, ten_days: bool = True) -> int:
    """Store BNR's rates for the currencies we invoice in; returns how many rows were added or changed.

    Reads BNR's ten-day file by default, so a run that failed (BNR down, worker
    stopped) is filled in by the next one; ``ten_days=False`` reads only the last
    banking day. Idempotent: running it again with the same feed changes nothing
    and returns 0. Raises bnr.UnavailableError, having stored nothing, when the
    feed cannot be fetched or read.
    """
    feed = bnr.fetch_last_10_days() if ten_days else bnr.fetch_daily()
    return store_bnr_rates(rate for rate in feed.rates if rate.currency in FOREIGN_CURRENCIES)


@dataclass(frozen=True)
class Fetched:
    """What one fetch from BNR stored: the banking days it took, the rows added or changed."""

    days: tuple[date, ...]
    changed: int


def fetch_bnr_days(*, days: int = 1) -> Fetched:
    """BNR's rates of the last `days` banking days it published (1 to 10): the daily file for
    one, the ten-day file for more; stored as store_bnr_rates stores them (manage.py bnr_fetch).

    Raises ValidationError ("days") for a number out of range, bnr.UnavailableError (having
    stored nothing) when BNR cannot be read.
    """
    if not 1 <= days <= TEN_BANKING_DAYS:
        raise ValidationError(
            {
                "days": ValidationError(
                    _("Enter a number of banking days from 1 to %(max)s."),
                    code="out_of_range",
                    params={"max": TEN_BANKING_DAYS},
                )
            }
        )
    feed = bnr.fetch_daily() if days == 1 else bnr.fetch_last_10_days()
    return _store_days(feed, feed.days[-days:])


def fetch_bnr_rates_on(on: date) -> Fetched:
    """BNR's rates that apply on the day `on` as billing uses them (see rate_for): that day's, or
    for a day BNR did not publish, the last day's before it (manage.py bnr_fetch --date).

    Read from the ten-day file when it reaches back to `on`, else from BNR's archive of that
    year (of the year before, for the first days of January). Raises ValidationError ("date")
    for a day outside 2000..2099 or in the future, or with nothing published on or before it;
    bnr.UnavailableError (having stored nothing) when BNR cannot be read.
    """
    _check_fetch_day(on)
    feed = bnr.fetch_last_10_days()
    if not feed.days or on < feed.days[0]:
        feed = bnr.fetch_year(on.year)
    published = [day for day in feed.days if day <= on]
    if not published and on.year > EARLIEST_DATE.year:
        feed = bnr.fetch_year(on.year - 1)
        published = feed.days
    if not published:
        raise ValidationError(
            {
                "date": ValidationError(
                    _("BNR published no exchange rates on or before %(date)s."),
                    code="no_exchange_rate",
                    params={"date": format_date(on)},
                )
            }
        )
    return _store_days(feed, published[-1:])


def _check_fetch_day(on: date) -> None:
    problem = date_error(on)
    if problem is None and on > fiscal_today():
        problem = ValidationError(_("BNR publishes no rates for a day in the future."), code="future")
    if problem is not None:
        raise ValidationError({"date": problem})


def _store_days(feed: bnr.BnrFeed, days: Iterable[date]) -> Fetched:
    chosen = frozenset(days)
    published = (rate for rate in feed.rates if rate.currency in FOREIGN_CURRENCIES and rate.day in chosen)
    return Fetched(days=tuple(sorted(chosen)), changed=store_bnr_rates(published))


def store_bnr_rates(published: Iterable[bnr.BnrRate]) -> int:
    """Store rates read from BNR (see fetch_bnr_rates): new days are added, a manual
    rate for a published day is replaced (audited), a BNR rate that BNR corrected
    is updated (audited), an unchanged one is left alone. Returns the rows added or changed."""
    wanted = {(rate.currency, rate.day): rate for rate in published}
    if not wanted:
        return 0
    changed = 0
    with transaction.atomic():
        existing = {
            (row.currency, row.date): row
            for row in locked_exchange_rates({c for c, _day in wanted}, {d for _c, d in wanted})
        }
        for key, rate in sorted(wanted.items()):
            row = existing.get(key)
            if row is None:
                _row, created = ExchangeRate.objects.get_or_create(
                    currency=rate.currency,
                    date=rate.day,
                    defaults={"rate": rate.per_unit, "source": RateSource.BNR},
                )
                # Not created: someone stored that day since we looked; the next run reconciles it.
                changed += created
            elif row.source != RateSource.BNR or row.rate != rate.per_unit:
                _replace_with_bnr(row, rate.per_unit)
                changed += 1
    return changed


def _replace_with_bnr(row: ExchangeRate, rate: Decimal) -> None:
    before: dict[str, Any] = {"rate": rate_text(row.rate), "source": row.source}
    if row.source == RateSource.MANUAL:
        before["entered_by"] = str(row.entered_by) if row.entered_by else ""
    row.rate, row.source, row.entered_by = rate, RateSource.BNR, None
    row.save(update_fields=["rate", "source", "entered_by", "updated_at"])
    record_event(
        "billing.exchange_rate_replaced",
        target=row,
        data={
            "currency": row.currency,
            "date": row.date.isoformat(),
            "before": before,
            "after": {"rate": rate_text(rate), "source": RateSource.BNR.value},
        },
    )


def set_manual_rate(*, actor: Any, currency: str, on: date, rate: Decimal | str) -> ExchangeRate:
    """Enter (or correct) by hand the rate of `currency` for the day `on`.

    Only for a day BNR has not published: BNR's rate is authoritative and a
    later BNR publication replaces this one (see the module docstring). The
    rate is RON per unit, positive, with at most four decimals like BNR's; the
    day cannot be in the future. Audited.
    """
    clean_rate = _clean_manual(currency=currency, on=on, rate=rate)
    with transaction.atomic():
        row = locked_exchange_rate(currency, on)
        if row is not None and row.source == RateSource.BNR:
            raise ValidationError(
                {
                    "on": ValidationError(
                        _(
                            "BNR has published the %(currency)s rate for %(date)s (%(rate)s RON); "
                            "a rate BNR published cannot be replaced by hand."
                        ),
                        code="bnr_published",
                        params={"currency": currency, "date": format_date(on), "rate": rate_text(row.rate)},
                    )
                }
            )
        if row is None:
            row = ExchangeRate.objects.create(
                currency=currency, date=on, rate=clean_rate, source=RateSource.MANUAL, entered_by=actor
            )
            record_event(
                "billing.exchange_rate_set",
                actor=actor,
                target=row,
                data={"currency": currency, "date": on.isoformat(), "rate": rate_text(clean_rate)},
            )
        elif row.rate != clean_rate:
            before = rate_text(row.rate)
            row.rate, row.entered_by = clean_rate, actor
            row.save(update_fields=["rate", "entered_by", "updated_at"])
            record_event(
                "billing.exchange_rate_changed",
                actor=actor,
                target=row,
                data={
                    "currency": currency,
                    "date": on.isoformat(),
                    "before": {"rate": before},
                    "after": {"rate": rate_text(clean_rate)},
                },
            )
    return row


def _clean_manual(*, currency: str, on: date, rate: Decimal | str) -> Decimal:
    errors: dict[str, ValidationError] = {}
    if currency not in FOREIGN_CURRENCIES:
        errors["currency"] = ValidationError(
            _("Choose one of %(choices)s."),
            code="invalid_choice",
            params={"choices": ", ".join(FOREIGN_CURRENCIES)},
        )
    if on > fiscal_today():
        errors["on"] = ValidationError(_("A rate cannot be entered for a day in the future."), code="future")
    clean_rate, rate_error = _clean_rate(rate)
    if rate_error is not None:
        errors["rate"] = rate_error
    if errors:
        raise ValidationError(errors)
    assert clean_rate is not None  # no error means a rate
    return clean_rate


def _clean_rate(rate: Decimal | str) -> tuple[Decimal | None, ValidationError | None]:
    try:
        value = rate if isinstance(rate, Decimal) else Decimal(str(rate).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        return None, ValidationError(_("Enter a number, such as 5.0915."), code="invalid")
    if value <= 0:
        return None, ValidationError(_("The rate must be greater than zero."), code="min_value")
    if value > MANUAL_MAX_RATE:
        return None, ValidationError(
            _("The rate can be at most %(max)s RON."), code="max_value", params={"max": MANUAL_MAX_RATE}
        )
    # Numerically, so "5.09150" (four decimals and a trailing zero) is accepted.
    if value.quantize(_MANUAL_QUANTUM) != value:
        return None, ValidationError(
            _("Enter at most %(places)s decimals, as BNR publishes."),
            code="max_decimal_places",
            params={"places": MANUAL_MAX_DECIMAL_PLACES},
        )
    return value, None


def rate_for(currency: str, on: date) -> ExchangeRate:
    """The rate of `currency` for the day `on`, or for a day without one, the last rate before it.

    Raises ValidationError (on "currency") when there is none.
    """
    if currency not in FOREIGN_CURRENCIES:
        raise ValidationError(
            {
                "currency": ValidationError(
                    _("There is no exchange rate for %(currency)s; choose one of %(choices)s."),
                    code="invalid_choice",
                    params={"currency": currency, "choices": ", ".join(FOREIGN_CURRENCIES)},
                )
            }
        )
    found = ExchangeRate.objects.filter(currency=currency, date__lte=on).order_by("-date").first()
    if found is None:
        raise ValidationError(
            {
                "currency": ValidationError(
                    _(
                        "There is no BNR exchange rate for %(currency)s on or before %(date)s; "
                        "fetch BNR's rates or enter the rate by hand."
                    ),
                    code="no_exchange_rate",
                    params={"currency": currency, "date": format_date(on)},
                )
            }
        )
    return found


def rates_in_force(on: date) -> QuerySet[ExchangeRate]:
    """For each currency, the rate that applies on the day `on` by rate_for's rule (that day's,
    or the last before it); a currency with none before `on` has no row. One query."""
    same_currency = ExchangeRate.objects.filter(currency=OuterRef("currency"), date__lte=on)
    latest = same_currency.order_by("-date").values("date")
    return ExchangeRate.objects.filter(date=Subquery(latest[:1]))


def ron_value(amount: Decimal, rate: Decimal) -> Decimal:
    """`amount` times `rate`, rounded once to 2 decimals half-up (praho.core.money.round_money)."""
    return round_money(amount * rate)


def to_ron(amount: Decimal, currency: str, on: date) -> Decimal:
    """`amount` of `currency` in RON at the rate for the day `on` (see rate_for), rounded half-up
    to 2 decimals. A RON amount is only rounded."""
    if currency == Currency.RON:
        return round_money(amount)
    return ron_value(amount, rate_for(currency, on).rate)
