"""Demo billing: documents that show every VAT case in RON, EUR and USD, with payments.

Built on the demo customers (praho.customers.demo) by the demo billing clerk, through
the billing services only (create_document, issue_document, record_payment,
apply_customer_credit, credit_note, cancel_proforma, the seller and exchange rate
services), so every document is numbered, posted to the ledger and audited as in real use:

- Romanian company (S 21%): an overdue invoice; an invoice paid in full and later
  credited in part (credit note), which leaves the customer credit; a proforma that
  the customer paid, which the payment converted into an invoice.
- a line exempt from VAT (E, with its legal reason) beside a standard one, partly paid;
  a reduced-rate line (11% from 2025-08-01) beside a standard one;
- an invoice of 2025-07-15 at the 19% in force then;
- Romanian individual: an overpaid invoice (customer credit) whose credit pays the next
  one; a cancelled proforma;
- EU business with a VAT number (reverse charge, AE), in EUR: an overpaid invoice and an
  open proforma. Offline no VIES check has run: the engine treats a number with a valid
  checksum that VIES has not reported invalid as valid (praho.billing.rules.vat), as the
  demo customers are (their VIES status is "unchecked");
- EU consumers in EUR: Romanian VAT while the seller is not registered for OSS, then
  the consumer's own state's VAT once it is (the demo seller registers for OSS in the
  middle of the story; a seller configured by an admin is never changed);
- customers outside the EU (O): a partly paid, overdue EUR invoice and a paid USD one.

Dates count back from today, so states such as "overdue" hold whenever the demo runs.
Numbers follow the issue dates: documents are issued oldest first, and what is dated
today (the credit note, the converted proforma's invoice) comes last. A document that
would be numbered after a later-dated one of its series (data entered before the demo)
is skipped and reported, since that would break the series' date order. Exchange rates
are entered by hand for the days used (no network in the demo) unless a rate is there.

Each scenario writes its name into the note of the document it starts with; a scenario
already present is left alone, so running the demo again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from praho.accounts.demo import STAFF
from praho.accounts.models import User
from praho.accounts.roles import Role
from praho.billing.models import Document, DocumentStatus, DocumentType, ExchangeRate
from praho.billing.models.vat import VatRateKind
from praho.billing.rules import vat
from praho.billing.services import fx, numbering, seller
from praho.billing.services.corrections import cancel_proforma, convert_proforma, credit_note
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.billing.services.payments import apply_customer_credit, record_payment
from praho.core.money import Currency
from praho.core.validation import fiscal_today
from praho.customers.demo import ACME, ANDREI, EU_INDIVIDUALS, EXAMPLE_SHOP, SOFIA_WEB
from praho.customers.models import Customer, ViesStatus

D = Decimal
NOTE = "Demo data:"  # + the scenario's name, in the note of the document it starts with
BEFORE_RATE_CHANGE = date(2025, 7, 15)  # Romania's 19% standard rate ended on 2025-07-31

DEMO_SELLER = {
    "name": "PRAHO Hosting SRL",
    "tax_id": "RO18547290",
    "trade_register_number": "J40/1234/2020",
    "street": "Bd. Unirii nr. 64, et. 3",
    "city": "Sector 3",
    "county": "RO-B",
    "postal_code": "030833",
    "country": "RO",
    "iban": "RO16BTRLRONCRT0123456701",
    "bank_name": "Banca Transilvania",
    "email": "facturare@praho.test",
    "phone": "+40213001234",
    "vat_payer": True,
    "vat_on_cash_basis": False,
    "oss_registered": False,
}
# RON per unit, entered by hand for the days the demo uses; varied a little from day to day.
BASE_RATES = {Currency.EUR: D("5.0800"), Currency.USD: D("4.3500")}
RATE_STEP = D("0.0021")

KLAUS, CAMILLE = (name for _country, name in EU_INDIVIDUALS)


def _line(description: str, quantity: str, unit_code: str, unit_price: str, **vat: str) -> dict[str, str]:
    return {
        "description": description,
        "quantity": quantity,
        "unit_code": unit_code,
        "unit_price": unit_price,
        **vat,
    }


def _exempt_line() -> dict[str, str]:
    return _line(
        "Curs administrare servere Linux (2 zile)",
        "1",
        "H87",
        "800.00",
        vat_category="E",
        vat_rate="0",
        vat_override_reason="Vocational training, exempt from VAT",
        vat_exemption_reason="Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal",
        vat_exemption_reason_code="VATEX-EU-132-1I",
    )


def _reduced_line(on: date) -> dict[str, str]:
    # Books, e-books included, are taxed at Romania's first reduced rate (11% from 2025-08-01).
    rate = vat.rate_on("RO", VatRateKind.REDUCED, on)
    return _line(
        "E-book: Ghidul administratorului Linux",
        "1",
        "H87",
        "50.00",
        vat_rate=str(rate),
        vat_override_reason="Book (e-book): reduced VAT rate, art. 291 of the Romanian Fiscal Code",
    )


@dataclass
class Context:
    clerk: User  # issues documents and records payments
    admin: User  # configures the seller
    today: date
    created_seller: bool
    lines: list[str] = field(default_factory=list)


# What happens to a document once issued, or on the last day (today).
Step = Callable[[Context, Document], None]


@dataclass(frozen=True)
class Scenario:
    name: str
    customer: str
    document_type: str
    currency: str
    issue_date: date
    due_date: date
    lines: tuple[dict[str, str], ...]
    after_issue: tuple[Step, ...] = ()
    today: tuple[Step, ...] = ()  # dated today: run after every document is issued
    oss: bool = False  # needs a seller registered for OSS


def _pay(amount: str, received_on: date, method: str = "bank_transfer", reference: str = "") -> Step:
    def step(context: Context, document: Document) -> None:
        record_payment(
            actor=context.clerk,
            invoice=document,
            amount=D(amount),
            currency=document.currency,
            method=method,
            reference=reference or f"OP {document.number}",
            received_on=received_on,
        )

    return step


def _pay_in_full(received_on: date, method: str = "bank_transfer") -> Step:
    def step(context: Context, document: Document) -> None:
        _pay(str(document.total), received_on, method)(context, document)

    return step


def _apply_credit(context: Context, document: Document) -> None:
    apply_customer_credit(actor=context.clerk, customer=document.customer, invoice=document)


def _cancel(context: Context, document: Document) -> None:
    cancel_proforma(actor=context.clerk, proforma=document)


def _credit_first_line(quantity: str) -> Step:
    def step(context: Context, document: Document) -> None:
        first = document.lines.order_by("position").first()
        assert first is not None  # an issued invoice has lines
        credit_note(actor=context.clerk, invoice=document, lines=[{"line": first.pk, "quantity": quantity}])

    return step


def _pay_proforma(received_on: date) -> Step:
    """The customer pays the proforma: the payment converts it into an invoice issued today."""

    def step(context: Context, document: Document) -> None:
        if not settings.BILLING_CONVERT_PAID_PROFORMAS:  # staff convert it first
            document = convert_proforma(actor=context.clerk, proforma=document)
        _pay(str(document.total), received_on, "bank_transfer", f"Proforma {document.number}")(
            context, document
        )

    return step


def scenarios(today: date) -> list[Scenario]:
    """The demo's documents, oldest first."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    hosting = _line("Găzduire web Business", "12", "MON", "49.99")
    planned = [
        Scenario(
            "Romanian company, overdue invoice",
            ACME,
            DocumentType.INVOICE,
            Currency.RON,
            ago(45),
            ago(31),
            (
                _line("Găzduire web Business", "3", "MON", "49.99"),
                _line("Domeniu acme-hosting.ro", "1", "ANN", "45.00"),
            ),
        ),
        Scenario(
            "Romanian company, paid, credited in part",
            ACME,
            DocumentType.INVOICE,
            Currency.RON,
            ago(40),
            ago(26),
            (
                _line("VPS Pro 4 vCPU", "12", "MON", "120.00"),
                _line("Backup administrat", "12", "MON", "15.00"),
            ),
            after_issue=(_pay_in_full(ago(35)),),
            today=(_credit_first_line("2"),),  # two months of the VPS; paid, so they become credit
        ),
        Scenario(
            "Romanian individual, overpaid",
            ANDREI,
            DocumentType.INVOICE,
            Currency.RON,
            ago(30),
            ago(16),
            (_line("Găzduire web Starter", "12", "MON", "10.00"),),
            after_issue=(_pay("250.00", ago(25), "card"),),
        ),
        Scenario(
            "Romanian individual, cancelled proforma",
            ANDREI,
            DocumentType.PROFORMA,
            Currency.RON,
            ago(14),
            ago(0),
            (_line("VPS Pro 4 vCPU", "3", "MON", "120.00"),),
            after_issue=(_cancel,),
        ),
        Scenario(
            "Reduced VAT rate line",
            "RO-1",  # Romanian companies other than Acme, by name
            DocumentType.INVOICE,
            Currency.RON,
            ago(12),
            ago(2),
            (_reduced_line(ago(12)), _line("Certificat SSL", "1", "ANN", "60.00")),
            after_issue=(_pay_in_full(ago(5)),),
        ),
        Scenario(
            "VAT-exempt line, partly paid",
            "RO-2",
            DocumentType.INVOICE,
            Currency.RON,
            ago(10),
            today + timedelta(days=20),
            (hosting, _exempt_line()),
            after_issue=(_pay("300.00", ago(3)),),
        ),
        Scenario(
            "Customer credit applied",
            ANDREI,
            DocumentType.INVOICE,
            Currency.RON,
            ago(8),
            today + timedelta(days=6),
            (_line("Domeniu andreigeorgescu.ro", "1", "ANN", "45.00"),),
            after_issue=(_apply_credit,),
        ),
        Scenario(
            "Romanian company, proforma paid",
            ACME,
            DocumentType.PROFORMA,
            Currency.RON,
            ago(7),
            today + timedelta(days=7),
            (_line("Certificat SSL wildcard", "1", "ANN", "250.00"),),
            today=(_pay_proforma(ago(2)),),
        ),
        Scenario(
            "Non-EU business, partly paid, overdue",
            EXAMPLE_SHOP,
            DocumentType.INVOICE,
            Currency.EUR,
            ago(50),
            ago(36),
            (
                _line("Web hosting Business", "6", "MON", "10.00"),
                _line("Domain example-shop.com", "1", "ANN", "15.00"),
            ),
            after_issue=(_pay("40.00", ago(40)),),
        ),
        Scenario(
            "EU business, reverse charge, overpaid",
            SOFIA_WEB,
            DocumentType.INVOICE,
            Currency.EUR,
            ago(20),
            ago(6),
            (_line("VPS Pro 4 vCPU", "3", "MON", "25.00"), _line("Managed backup", "3", "MON", "3.00")),
            after_issue=(_pay("100.00", ago(15)),),
        ),
        Scenario(
            "EU consumer, Romanian VAT",
            KLAUS,
            DocumentType.INVOICE,
            Currency.EUR,
            ago(18),
            ago(4),
            (_line("Web hosting Business", "12", "MON", "10.00"),),
            after_issue=(_pay_in_full(ago(18), "card"),),
        ),
        Scenario(
            "Non-EU business, USD",
            "US",  # the first company in the United States
            DocumentType.INVOICE,
            Currency.USD,
            ago(15),
            ago(1),
            (_line("VPS Pro 4 vCPU", "6", "MON", "28.00"),),
            after_issue=(_pay_in_full(ago(10), "card"),),
        ),
        Scenario(
            "EU consumer, OSS",
            CAMILLE,
            DocumentType.INVOICE,
            Currency.EUR,
            ago(6),
            today + timedelta(days=8),
            (_line("Web hosting Business", "12", "MON", "10.00"),),
            after_issue=(_pay_in_full(ago(6), "card"),),
            oss=True,
        ),
        Scenario(
            "EU business, open proforma",
            SOFIA_WEB,
            DocumentType.PROFORMA,
            Currency.EUR,
            ago(3),
            today + timedelta(days=12),
            (_line("Dedicated server", "1", "MON", "149.00"),),
        ),
    ]
    if today > BEFORE_RATE_CHANGE:
        before = BEFORE_RATE_CHANGE
        planned.append(
            Scenario(
                "Invoice before 2025-08-01 (19%)",
                "RO-3",
                DocumentType.INVOICE,
                Currency.RON,
                before,
                before + timedelta(days=14),
                (hosting,),
                after_issue=(_pay_in_full(before + timedelta(days=10)),),
            )
        )
    return sorted(planned, key=lambda scenario: scenario.issue_date)


# --- running them -------------------------------------------------------------------------


def _staff(role: str) -> User:
    email = next(email for staff_role, email, _first, _last in STAFF if staff_role == role)
    return User.objects.get(email=email)


def _ensure_seller(admin: User) -> bool:
    """The demo seller, unless an admin configured one; True when created now."""
    if seller.newest_version() is not None:
        return False
    seller.update_seller_profile(actor=admin, **DEMO_SELLER)
    return True


def _customers() -> dict[str, Customer | None]:
    """The demo customers the scenarios bill, by the names the scenarios use."""
    active = Customer.objects.active()
    named = {
        c.name: c for c in active.filter(name__in=[ACME, ANDREI, SOFIA_WEB, EXAMPLE_SHOP, KLAUS, CAMILLE])
    }
    others = active.filter(kind="company", country="RO").exclude(name=ACME).order_by("name")
    found: dict[str, Customer | None] = dict(named)
    found["US"] = active.filter(kind="company", country="US").order_by("name").first()
    for index, customer in enumerate(others[:3], start=1):
        found[f"RO-{index}"] = customer
    return found


def _confirmed_by_vies(context: Context, customer: Customer | None) -> None:
    """The demo runs offline: its EU business stands for a customer whose VAT number VIES confirmed
    earlier, which reverse charge requires (billing.buyer_vat)."""
    if customer is None or customer.vies_status != ViesStatus.UNCHECKED:
        return
    Customer.objects.filter(pk=customer.pk).update(
        vies_status=ViesStatus.VALID, vies_checked_at=timezone.now(), vies_reference="DEMO"
    )
    customer.vies_status = ViesStatus.VALID
    context.lines.append(
        f"  {customer.name}: VAT number {customer.tax_id} marked as confirmed by VIES (offline demo)."
    )


def _ensure_rate(context: Context, currency: str, on: date) -> None:
    if currency == Currency.RON or ExchangeRate.objects.filter(currency=currency, date=on).exists():
        return
    rate = BASE_RATES[Currency(currency)] + RATE_STEP * (on.toordinal() % 10)
    fx.set_manual_rate(actor=context.clerk, currency=currency, on=on, rate=rate)


def _breaks_date_order(document_type: str, on: date) -> bool:
    """Would a document of this type dated `on` be numbered after a later-dated one?"""
    series = numbering.default_series(document_type)
    later = Document.objects.filter(series=series, issue_date__gt=on).exclude(number="")
    if series.yearly_restart:
        later = later.filter(issue_date__year=on.year)
    return later.exists()


def _ensure_oss(context: Context) -> bool:
    """Register the demo seller for OSS (a new version); a seller an admin configured stays as it is."""
    current = seller.newest_version()
    assert current is not None  # _ensure_seller ran
    if current.oss_registered:
        return True
    if not context.created_seller:
        return False
    seller.update_seller_profile(actor=context.admin, oss_registered=True)
    return True


def _start(context: Context, scenario: Scenario, customer: Customer) -> Document | None:
    """Issue the scenario's document and run what follows its issue; None when skipped."""
    if _breaks_date_order(scenario.document_type, scenario.issue_date):
        context.lines.append(
            f"  Skipped {scenario.name!r}: a later-dated document is already numbered in its series."
        )
        return None
    if scenario.oss and not _ensure_oss(context):
        context.lines.append(f"  Skipped {scenario.name!r}: the seller is not registered for OSS.")
        return None
    _ensure_rate(context, scenario.currency, scenario.issue_date)
    draft = create_document(
        actor=context.clerk,
        document_type=scenario.document_type,
        customer=customer,
        lines=[dict(line) for line in scenario.lines],
        currency=scenario.currency,
        issue_date=scenario.issue_date,
        due_date=scenario.due_date,
        notes=f"{NOTE} {scenario.name}",
    )
    document = issue_document(actor=context.clerk, document=draft)
    for step in scenario.after_issue:
        step(context, document)
    return document


def _finish(context: Context, scenario: Scenario, document: Document) -> None:
    """What is dated today, once every earlier-dated document is numbered."""
    if not scenario.today:
        return
    # Today's steps number a credit note or an invoice (a proforma converted by its payment).
    if any(
        _breaks_date_order(kind, context.today) for kind in (DocumentType.INVOICE, DocumentType.CREDIT_NOTE)
    ):
        context.lines.append(f"  Skipped today's part of {scenario.name!r}: a later-dated document exists.")
        return
    _ensure_rate(context, document.currency, context.today)
    document.refresh_from_db()
    for step in scenario.today:
        step(context, document)


def load(*, with_passwords: bool) -> list[str]:
    admin, clerk = _staff(Role.ADMIN), _staff(Role.BILLING)
    created_seller = _ensure_seller(admin)
    context = Context(clerk=clerk, admin=admin, today=fiscal_today(), created_seller=created_seller)
    customers = _customers()
    _confirmed_by_vies(context, customers.get(SOFIA_WEB))
    present = set(Document.objects.filter(notes__startswith=NOTE).values_list("notes", flat=True))
    started: list[tuple[Scenario, Document]] = []
    for scenario in scenarios(context.today):
        if f"{NOTE} {scenario.name}" in present:
            continue
        customer = customers.get(scenario.customer)
        if customer is None:
            context.lines.append(f"  Skipped {scenario.name!r}: its demo customer is missing.")
            continue
        document = _start(context, scenario, customer)
        if document is not None:
            started.append((scenario, document))
    for scenario, document in started:
        _finish(context, scenario, document)
    return _summary(context, started)


def _summary(context: Context, started: list[tuple[Scenario, Document]]) -> list[str]:
    issued = Document.objects.exclude(status=DocumentStatus.DRAFT)
    counts = {kind: issued.filter(document_type=kind).count() for kind in DocumentType}
    seller_line = "demo seller created now" if context.created_seller else "seller unchanged"
    return [
        "",
        f"Billing: {len(started)} demo scenarios added now ({seller_line}). Documents: "
        f"{counts[DocumentType.PROFORMA]} proformas, {counts[DocumentType.INVOICE]} invoices, "
        f"{counts[DocumentType.CREDIT_NOTE]} credit notes.",
        *context.lines,
    ]
