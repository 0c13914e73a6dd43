"""EU distance sales against the €10,000 threshold (issue 11, item 12).

Electronically supplied services to consumers in other EU states are taxed in Romania only while
the seller's such sales in all EU states together stay within €10,000 in the current calendar
year and stayed so in the previous one (art. 278(9^1) Codul fiscal, art. 59c of Directive
2006/112/EC). Past that, the customer's state's VAT is due, declared under the One Stop Shop.

What counts: the taxed (S) amounts, net of VAT, of issued invoices less their credit notes whose
buyer is in another EU state; businesses with a VAT number VIES confirmed are reverse charged
(AE), so what is taxed there is what consumers bought. Amounts are counted in EUR: EUR as is,
RON and USD through BNR's rates of the issue date (EUR per RON is BNR's EUR rate; a USD amount
goes to RON and then to EUR).

PRAHO does not change the seller's VAT scheme by itself: registering for OSS is the company's
declaration to ANAF. It warns instead, on the seller's page and whenever an invoice to an EU
consumer is issued, from BILLING_OSS_WARNING_SHARE of the threshold (80%) and once it is crossed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _

from praho.billing.models import (
    Document,
    DocumentStatus,
    DocumentType,
    ExchangeRate,
    VatCategory,
    VatSubtotal,
)
from praho.billing.rules.issue_checks import IssueWarning
from praho.core.countries import EU_MEMBER_STATES
from praho.core.money import Currency, round_money

THRESHOLD_EUR = Decimal("10000.00")
ROMANIA = "RO"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DistanceSales:
    year: int
    total_eur: Decimal
    previous_year_eur: Decimal

    @property
    def threshold(self) -> Decimal:
        return THRESHOLD_EUR

    @property
    def share(self) -> Decimal:
        """This year's sales as a share of the threshold (1 = the threshold)."""
        return self.total_eur / THRESHOLD_EUR

    @property
    def crossed(self) -> bool:
        """Past the threshold this year or last year: the customer's state's VAT is due."""
        return self.total_eur > THRESHOLD_EUR or self.previous_year_eur > THRESHOLD_EUR

    @property
    def near(self) -> bool:
        return not self.crossed and self.share >= Decimal(str(settings.BILLING_OSS_WARNING_SHARE))


def distance_sales(year: int) -> DistanceSales:
    """EU distance sales of `year` and of the year before, in EUR (three queries)."""
    by_day = _taxed_amounts(year - 1, year)
    rates = _Rates(date(year, 12, 31))
    totals = {year - 1: ZERO, year: ZERO}
    for (day, currency), amount in by_day.items():
        totals[day.year] += rates.in_eur(amount, currency, day)
    return DistanceSales(year, round_money(totals[year]), round_money(totals[year - 1]))


def _taxed_amounts(first_year: int, last_year: int) -> dict[tuple[date, str], Decimal]:
    """Taxed net amounts to buyers in other EU states, per (issue date, currency); credit notes less."""
    rows = (
        VatSubtotal.objects.filter(
            category=VatCategory.STANDARD,
            document__status=DocumentStatus.ISSUED,
            document__document_type__in=(DocumentType.INVOICE, DocumentType.CREDIT_NOTE),
            document__issue_date__year__gte=first_year,
            document__issue_date__year__lte=last_year,
            document__buyer__country__in=sorted(EU_MEMBER_STATES - {ROMANIA}),
        )
        .values("document__issue_date", "document__currency", "document__document_type")
        .annotate(amount=Sum("taxable_amount"))
        .order_by()
    )
    amounts: dict[tuple[date, str], Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        sign = -1 if row["document__document_type"] == DocumentType.CREDIT_NOTE else 1
        amounts[row["document__issue_date"], row["document__currency"]] += sign * row["amount"]
    return amounts


class _Rates:
    """BNR's EUR and USD rates up to a day, each day's being the last one on or before it."""

    def __init__(self, until: date) -> None:
        self._days: dict[str, list[date]] = defaultdict(list)
        self._rates: dict[str, list[Decimal]] = defaultdict(list)
        for currency, day, rate in (
            ExchangeRate.objects.filter(date__lte=until)
            .order_by("currency", "date")
            .values_list("currency", "date", "rate")
        ):
            self._days[currency].append(day)
            self._rates[currency].append(rate)

    def _on(self, currency: str, day: date) -> Decimal | None:
        index = bisect_right(self._days[currency], day) - 1
        return self._rates[currency][index] if index >= 0 else None

    def in_eur(self, amount: Decimal, currency: str, day: date) -> Decimal:
        if currency == Currency.EUR:
            return amount
        eur = self._on(Currency.EUR, day)
        if eur is None:  # no EUR rate before that day: the amount cannot be counted in EUR
            return ZERO
        in_ron = amount if currency == Currency.RON else amount * (self._on(currency, day) or ZERO)
        return in_ron / eur


def is_distance_sale(document: Document, breakdown: Sequence[VatSubtotal]) -> bool:
    """An invoice taxed (S) for a buyer in another EU state: a sale to a consumer there."""
    country = str((document.buyer or {}).get("country") or "").upper()
    return (
        document.document_type == DocumentType.INVOICE
        and country in EU_MEMBER_STATES
        and country != ROMANIA
        and any(row.category == VatCategory.STANDARD for row in breakdown)
    )


def threshold_warnings(document: Document, sales: DistanceSales) -> list[IssueWarning]:
    """What issuing `document`, a distance sale counted in `sales`, says about the threshold."""
    registered = document.seller is not None and document.seller.oss_registered
    values = {"year": sales.year, "total": f"{sales.total_eur:.2f}", "threshold": f"{THRESHOLD_EUR:.2f}"}
    if sales.crossed and not registered:
        return [
            IssueWarning(
                "oss_threshold_crossed",
                _(
                    "EU distance sales are past the €%(threshold)s threshold (€%(total)s in %(year)s "
                    "so far): the VAT of the customer's state is due. Register for OSS and record it in the "
                    "seller settings; until then PRAHO charges Romanian VAT."
                )
                % values,
            )
        ]
    if sales.near and not registered:
        return [
            IssueWarning(
                "oss_threshold_near",
                _(
                    "EU distance sales reach €%(total)s of the €%(threshold)s threshold in %(year)s; "
                    "past it, the VAT of the customer's state is due (OSS)."
                )
                % values,
            )
        ]
    return []
