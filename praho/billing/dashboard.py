"""Billing's panels on the dashboards (praho.core.dashboards): the money, first.

Staff (each panel only for the roles whose permission it needs):
- receivables and overdue per currency (billing.view_document), one query;
- invoiced this month against the months before, per currency, as a chart (billing.view_document),
  one query;
- the latest payments received (billing.view_payment), one query.

A customer's user (whose role sees billing, for the customer they act for): what is still to pay
and what is overdue per currency, the invoices still owing with how to pay them, and the
customer's credit; two queries. Nothing here writes or takes a payment: the customer pays by bank
transfer, quoting the invoice's number, as the invoice's page says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_format_date
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest

from praho.billing import ledger_queries
from praho.billing.models import Document, DocumentStatus, DocumentType, Payment
from praho.billing.selectors import documents_visible_to, payments_visible_to
from praho.billing.services.delivery import grouped_iban
from praho.core.dashboards import MONEY, WORK, Panel
from praho.core.formatting import babel_locale, format_money
from praho.core.money import round_money
from praho.core.validation import fiscal_today
from praho.customers.current import current_area
from praho.customers.roles import Capability

TEMPLATES = "billing/dashboard/"
MONTHS_CHARTED = 6
RECENT_PAYMENTS = 5
OPEN_INVOICES_SHOWN = 10
ZERO = Decimal("0.00")


def _issued_invoices() -> Any:
    return Document.objects.filter(document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED)


# --- staff: receivables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Receivable:
    currency: str
    receivable: Decimal  # what issued invoices still owe
    invoices: int
    overdue: Decimal  # the part past its due date
    overdue_invoices: int


def receivables(today: date) -> list[Receivable]:
    """Per currency, one query on the invoices that still owe something (the index billing_doc_owing)."""
    past_due = Q(due_date__lt=today)
    rows = (
        _issued_invoices()
        .filter(outstanding_amount__gt=0)
        .order_by()
        .values("currency")
        .annotate(
            receivable=Sum("outstanding_amount"),
            invoices=Count("id"),
            overdue=Sum("outstanding_amount", filter=past_due),
            overdue_invoices=Count("id", filter=past_due),
        )
        .order_by("currency")
    )
    return [
        Receivable(
            row["currency"],
            round_money(row["receivable"]),
            row["invoices"],
            round_money(row["overdue"] or ZERO),
            row["overdue_invoices"],
        )
        for row in rows
    ]


# --- staff: invoiced per month --------------------------------------------------------------------


@dataclass(frozen=True)
class MonthBar:
    month: date
    label: str  # "mar." — the short month in the viewer's language
    title: str  # "martie 2026: 1.234,00 RON"
    amount: Decimal
    x: int
    center: int  # where the month's name goes
    y: int
    height: int
    current: bool  # this month (to date)


@dataclass(frozen=True)
class InvoicedChart:
    currency: str
    bars: list[MonthBar]
    this_month: Decimal
    last_month: Decimal

    @property
    def change_percent(self) -> int | None:
        """This month against last month, in whole percent; None without invoices last month."""
        if not self.last_month:
            return None
        return round(100 * (self.this_month - self.last_month) / self.last_month)


# The chart's geometry in SVG user units: bars grow up from the baseline, month names below it.
CHART_WIDTH, CHART_HEIGHT, BAR_WIDTH, BAR_GAP = 288, 120, 36, 12
BASELINE = CHART_HEIGHT - 20


def _months(today: date) -> list[date]:
    """The first day of this month and of the MONTHS_CHARTED - 1 months before, oldest first."""
    months, year, month = [], today.year, today.month
    for _ in range(MONTHS_CHARTED):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _bars(months: list[date], amounts: dict[date, Decimal], currency: str) -> list[MonthBar]:
    locale = babel_locale()
    largest = max(amounts.values(), default=ZERO) or Decimal(1)
    bars = []
    for index, month in enumerate(months):
        amount = amounts.get(month, ZERO)
        money = format_money(amount, currency)
        height = round(BASELINE * amount / largest)
        x = index * (BAR_WIDTH + BAR_GAP) + BAR_GAP // 2
        bars.append(
            MonthBar(
                month=month,
                label=babel_format_date(month, "LLL", locale=locale),
                title=f"{babel_format_date(month, 'LLLL yyyy', locale=locale)}: {money}",
                amount=amount,
                x=x,
                center=x + BAR_WIDTH // 2,
                y=BASELINE - height,
                height=height,
                current=index == len(months) - 1,
            )
        )
    return bars


def invoiced_per_month(today: date) -> list[InvoicedChart]:
    """Invoice totals (VAT included) issued per month and currency, the last MONTHS_CHARTED months
    up to `today`: one query. Credit notes are not subtracted: this is what was invoiced."""
    months = _months(today)
    rows = (
        _issued_invoices()
        .filter(issue_date__gte=months[0], issue_date__lte=today)
        .annotate(month=TruncMonth("issue_date"))
        .order_by()
        .values("currency", "month")
        .annotate(amount=Sum("total"))
    )
    per_currency: dict[str, dict[date, Decimal]] = {}
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        per_currency.setdefault(row["currency"], {})[month] = round_money(row["amount"])
    return [
        InvoicedChart(
            currency,
            _bars(months, amounts, currency),
            amounts.get(months[-1], ZERO),
            amounts.get(months[-2], ZERO),
        )
        for currency, amounts in sorted(per_currency.items())
    ]


# --- staff: panels ---------------------------------------------------------------------------------


def recent_payments(user: Any) -> list[Payment]:
    """The latest payments received, with their customer and invoice: one query."""
    return list(payments_visible_to(user).order_by("-received_on", "-id")[:RECENT_PAYMENTS])


def staff_panels(request: HttpRequest) -> list[Panel]:
    user, today = request.user, fiscal_today()
    panels = []
    if user.has_perm("billing.view_document"):
        owed = {"rows": receivables(today), "today": today}
        panels.append(Panel(TEMPLATES + "_receivables.html", owed, MONEY))
        chart = {"charts": invoiced_per_month(today), "width": CHART_WIDTH, "height": CHART_HEIGHT}
        chart |= {"bar_width": BAR_WIDTH, "baseline": BASELINE, "label_y": CHART_HEIGHT - 5}
        panels.append(Panel(TEMPLATES + "_invoiced.html", chart, MONEY + 1))
    if user.has_perm("billing.view_payment"):
        received = {"payments": recent_payments(user)}
        panels.append(Panel(TEMPLATES + "_recent_payments.html", received, WORK + 1))
    return panels


# --- the customer's money ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenInvoice:
    document: Document
    outstanding: Decimal
    days_overdue: int  # 0: not due yet (or due today)


@dataclass(frozen=True)
class CurrencyPosition:
    currency: str
    to_pay: Decimal
    overdue: Decimal
    credit: Decimal

    @property
    def credit_covers(self) -> Decimal:
        """How much of what is to pay the credit in the same currency can settle."""
        return min(self.credit, self.to_pay)


def open_invoices_of(user: Any, customer: Any, today: date) -> list[OpenInvoice]:
    """The customer's invoices that still owe something, the oldest due first, as the user may
    see them (billing.selectors): one query, with each invoice's seller (where to pay)."""
    invoices = (
        documents_visible_to(user)
        .filter(customer=customer, document_type=DocumentType.INVOICE, status=DocumentStatus.ISSUED)
        .filter(outstanding_amount__gt=0)
        .select_related("seller")
        .order_by("due_date", "pk")[:OPEN_INVOICES_SHOWN]
    )
    return [
        OpenInvoice(invoice, invoice.outstanding_amount, max((today - invoice.due_date).days, 0))
        for invoice in invoices
    ]


def _single_bank_account(invoices: list[OpenInvoice]) -> dict[str, str] | None:
    """The bank account to pay into when every invoice shown names the same one (else each
    invoice's page says where)."""
    sellers = {row.document.seller for row in invoices}
    accounts = {(seller.iban, seller.bank_name, seller.name) for seller in sellers if seller is not None}
    if None in sellers or len(accounts) != 1:
        return None
    iban, bank, beneficiary = accounts.pop()
    return {"iban": grouped_iban(iban), "bank": bank, "beneficiary": beneficiary}


def customer_money(user: Any, customer: Any, today: date) -> dict[str, Any]:
    """What the customer dashboard shows first: two queries."""
    positions = [
        CurrencyPosition(currency, balance.receivable, balance.overdue, balance.credit)
        for currency, balance in sorted(ledger_queries.customer_balance(customer, today).items())
    ]
    invoices = open_invoices_of(user, customer, today)
    return {
        "customer": customer,
        "positions": [p for p in positions if p.to_pay or p.credit],
        "open_invoices": invoices,
        "more_invoices": len(invoices) == OPEN_INVOICES_SHOWN,
        "overdue_count": sum(1 for row in invoices if row.days_overdue),
        "bank_account": _single_bank_account(invoices),
    }


def customer_panels(request: HttpRequest) -> list[Panel]:
    area = current_area(request)
    if area.customer is None or not area.can(Capability.BILLING):
        return []
    money = customer_money(request.user, area.customer, fiscal_today())
    return [Panel(TEMPLATES + "_customer_money.html", money, MONEY)]
