"""praho.efactura.ubl.document: what the e-Factura XML of an invoice or credit note says, field by field,
for each case; the demo's documents; the efactura_xml command; the county and text rules.

Each document is checked with praho.efactura.ubl.validation against ANAF's artifacts; tests that do
so skip without EFACTURA_VALIDATION_DIR and fail then under PRAHO_REQUIRE_SERVICES=1 (as in CI).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from praho.billing.models import Document
from praho.billing.services import seller
from praho.billing.services.corrections import convert_proforma
from praho.billing.services.drafts import create_document
from praho.billing.services.issuing import issue_document
from praho.customers.models import Customer
from praho.customers.services.customers import change_customer, create_customer
from praho.efactura.selectors import documents_numbered
from praho.efactura.tests.ubl_builders import (
    DOMAIN,
    EBOOK,
    HOSTING,
    NS,
    TRAINING,
    credited,
    issued_invoice,
    line,
    parse,
    ready,
    require_validation_artifacts,
    start_billing,
    text,
    texts,
)
from praho.efactura.ubl.document import document_xml
from praho.efactura.ubl.validation import validate_xml

D = Decimal
pytestmark = pytest.mark.django_db
SELLER = "cac:AccountingSupplierParty/cac:Party/"
BUYER = "cac:AccountingCustomerParty/cac:Party/"
SUBTOTAL = "cac:TaxTotal/cac:TaxSubtotal/"


@pytest.fixture
def billing():
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        yield start_billing()


def valid_xml(document: Document) -> bytes:
    """The document's XML, checked against ANAF's artifacts when they are here."""
    xml = document_xml(ready(document))
    require_validation_artifacts()
    result = validate_xml(xml)
    assert [(f.rule_id, f.text, f.location) for f in result.errors()] == []
    assert result.state == "valid"
    return xml


def subtotals(root) -> list[tuple[str | None, ...]]:
    """(category, percent, taxable, VAT, exemption code, exemption reason) per VAT breakdown row."""
    return [
        tuple(
            subtotal.findtext(path, namespaces=NS)
            for path in (
                "cac:TaxCategory/cbc:ID",
                "cac:TaxCategory/cbc:Percent",
                "cbc:TaxableAmount",
                "cbc:TaxAmount",
                "cac:TaxCategory/cbc:TaxExemptionReasonCode",
                "cac:TaxCategory/cbc:TaxExemptionReason",
            )
        )
        for subtotal in root.findall(SUBTOTAL.rstrip("/"), namespaces=NS)
    ]


def test_an_invoice_in_euros_carries_parties_dates_payment_and_its_vat_in_ron(billing):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN), "EUR")

    root = parse(valid_xml(invoice))

    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
    assert [
        text(root, path)
        for path in ("cbc:CustomizationID", "cbc:ID", "cbc:IssueDate", "cbc:DueDate", "cbc:InvoiceTypeCode")
    ] == [
        "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1",
        "PRH-2026-000001",
        "2026-03-10",
        "2026-03-24",
        "380",
    ]
    assert (text(root, "cbc:DocumentCurrencyCode"), text(root, "cbc:TaxCurrencyCode")) == ("EUR", "RON")
    # 584.89 EUR at 21% = 122.83 EUR; at the BNR rate of 5.0912 RON, 625.35 RON (BT-111).
    assert (invoice.net_total, invoice.vat_total, invoice.vat_total_ron) == (
        D("584.89"),
        D("122.83"),
        D("625.35"),
    )
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["122.83", "625.35"]
    assert [e.get("currencyID") for e in root.findall("cac:TaxTotal/cbc:TaxAmount", NS)] == [
        "EUR",
        "RON",
    ]
    assert subtotals(root) == [("S", "21.00", "584.89", "122.83", None, None)]
    assert [
        text(root, "cac:LegalMonetaryTotal/cbc:" + name)
        for name in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount")
    ] == ["584.89", "584.89", "707.72", "707.72"]
    assert [
        text(root, SELLER + path)
        for path in (
            "cac:PostalAddress/cbc:CityName",
            "cac:PostalAddress/cbc:CountrySubentity",
            "cac:PartyTaxScheme/cbc:CompanyID",
            "cac:PartyLegalEntity/cbc:RegistrationName",
            "cac:PartyLegalEntity/cbc:CompanyID",
            "cac:PartyLegalEntity/cbc:CompanyLegalForm",
        )
    ] == ["SECTOR3", "RO-B", "RO18547290", "PRAHO Hosting SRL", "18547290", "Nr. Reg. Com. J40/1234/2020"]
    assert [
        text(root, BUYER + path)
        for path in (
            "cac:PostalAddress/cbc:StreetName",
            "cac:PostalAddress/cbc:CityName",
            "cac:PostalAddress/cbc:PostalZone",
            "cac:PostalAddress/cbc:CountrySubentity",
            "cac:PostalAddress/cac:Country/cbc:IdentificationCode",
            "cac:PartyTaxScheme/cbc:CompanyID",
            "cac:PartyLegalEntity/cbc:CompanyID",
            "cac:Contact/cbc:ElectronicMail",
        )
    ] == [
        "Str. Memorandumului nr. 28",
        "Cluj-Napoca",
        "400114",
        "RO-CJ",
        "RO",
        "RO14399840",
        "14399840",
        "contabilitate@transilvania-soft.test",
    ]
    assert [
        text(root, "cac:PaymentMeans/" + path)
        for path in ("cbc:PaymentMeansCode", "cbc:PaymentID", "cac:PayeeFinancialAccount/cbc:ID")
    ] == ["30", "PRH-2026-000001", "RO16BTRLRONCRT0123456701"]
    assert root.find("cac:BillingReference", NS) is None


def test_a_credit_note_refers_to_the_invoice_it_corrects_with_positive_amounts(billing):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN), "RON")
    first = invoice.lines.order_by("position").first()
    note = credited(billing, invoice, [{"line": first.pk, "quantity": "2"}])

    root = parse(valid_xml(note))

    assert root.tag == "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
    assert [text(root, path) for path in ("cbc:ID", "cbc:IssueDate", "cbc:CreditNoteTypeCode")] == [
        "PRC-2026-000001",
        "2026-03-10",
        "381",
    ]
    assert [
        text(root, "cac:BillingReference/cac:InvoiceDocumentReference/" + path)
        for path in ("cbc:ID", "cbc:IssueDate")
    ] == ["PRH-2026-000001", "2026-03-10"]
    # Two of twelve months: 99.98 less the discount's share (59.99 x 2/12 = 10.00) = 89.98, VAT 18.90.
    line_path = "cac:CreditNoteLine/"
    assert [
        text(root, line_path + path)
        for path in (
            "cbc:CreditedQuantity",
            "cbc:LineExtensionAmount",
            "cac:AllowanceCharge/cbc:Amount",
            "cac:AllowanceCharge/cbc:BaseAmount",
            "cac:Price/cbc:PriceAmount",
        )
    ] == ["2", "89.98", "10.00", "99.98", "49.99"]
    assert root.find(line_path + "cbc:CreditedQuantity", NS).get("unitCode") == "MON"
    assert (note.net_total, note.vat_total, note.total) == (D("89.98"), D("18.90"), D("108.88"))
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "108.88"
    assert root.find("cbc:DueDate", NS) is None  # a CreditNote has none; its payment terms say how
    assert root.find("cac:PaymentMeans", NS) is None
    assert (
        text(root, "cac:PaymentTerms/cbc:Note")
        == "Se compensează cu sumele datorate de client sau se restituie."
    )


def test_people_are_identified_by_their_cnp_or_by_thirteen_zeros(billing):
    with_cnp = issued_invoice(billing, "ro_person_cnp", (HOSTING,))
    without = issued_invoice(billing, "ro_person", (HOSTING,))

    with_root, without_root = parse(valid_xml(with_cnp)), parse(valid_xml(without))

    assert text(with_root, BUYER + "cac:PartyLegalEntity/cbc:CompanyID") == "2850312123459"
    assert text(without_root, BUYER + "cac:PartyLegalEntity/cbc:CompanyID") == "0000000000000"
    assert [root.find(BUYER + "cac:PartyTaxScheme", NS) for root in (with_root, without_root)] == [None, None]
    assert [
        text(with_root, BUYER + "cac:PostalAddress/" + path)
        for path in ("cbc:CityName", "cbc:CountrySubentity")
    ] == ["SECTOR4", "RO-B"]
    assert text(without_root, BUYER + "cac:PostalAddress/cbc:CountrySubentity") == "RO-IS"


def test_vat_on_a_cash_basis_is_due_when_paid_where_romanian_vat_is_charged(billing):
    seller.update_seller_profile(actor=billing.admin, vat_on_cash_basis=True)
    taxed = issued_invoice(billing, "ro_company", (HOSTING,))
    reverse_charge = issued_invoice(billing, "eu_company", (HOSTING,), "EUR")

    taxed_root, reverse_charge_root = parse(valid_xml(taxed)), parse(valid_xml(reverse_charge))

    assert texts(taxed_root, "cbc:Note") == ["TVA la încasare"]
    assert text(taxed_root, "cac:InvoicePeriod/cbc:DescriptionCode") == "432"
    assert reverse_charge_root.find("cac:InvoicePeriod", NS) is None


def test_a_romanian_company_that_pays_no_vat_is_identified_by_its_cui_alone(billing):
    customer = create_customer(
        actor=billing.admin,
        kind="company",
        name="Mica Afacere SRL",
        country="RO",
        tax_id="18547290",
        vat_payer=False,
        address={"street": "Str. Mare 1", "city": "Brașov", "county": "RO-BV", "country": "RO"},
    )
    billing.customers["small"] = customer

    root = parse(valid_xml(issued_invoice(billing, "small", (DOMAIN,))))

    assert root.find(BUYER + "cac:PartyTaxScheme", NS) is None
    assert text(root, BUYER + "cac:PartyLegalEntity/cbc:CompanyID") == "18547290"


def test_reverse_charge_names_both_vat_numbers_and_why_no_vat_is_charged(billing):
    invoice = issued_invoice(billing, "eu_company", (HOSTING, DOMAIN), "EUR")

    root = parse(valid_xml(invoice))

    assert subtotals(root) == [
        ("AE", "0.00", "584.89", "0.00", "VATEX-EU-AE", "Taxare inversă / Reverse charge"),
    ]
    assert text(root, SELLER + "cac:PartyTaxScheme/cbc:CompanyID") == "RO18547290"
    assert text(root, BUYER + "cac:PartyTaxScheme/cbc:CompanyID") == "DE136695976"
    assert text(root, BUYER + "cac:PartyTaxScheme/cac:TaxScheme/cbc:ID") == "VAT"
    assert root.find(BUYER + "cac:PartyLegalEntity/cbc:CompanyID", NS) is None
    assert texts(root, "cbc:Note") == [str(mention) for mention in invoice.mentions]
    assert texts(root, "cbc:Note")[0].startswith("Taxare inversă / Reverse charge (art. 278(2)")
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["0.00", "0.00"]


def test_outside_the_scope_of_vat_names_no_vat_identifier_and_no_rate(billing):
    invoice = issued_invoice(billing, "non_eu_company", (HOSTING, DOMAIN), "USD")

    root = parse(valid_xml(invoice))

    assert subtotals(root) == [
        ("O", None, "584.89", "0.00", "VATEX-EU-O", "Outside the scope of Romanian VAT"),
    ]
    assert root.findall(".//cac:PartyTaxScheme", NS) == []  # BR-O-02
    assert root.findall(".//cac:ClassifiedTaxCategory/cbc:Percent", NS) == []  # BR-O-05
    assert text(root, SELLER + "cac:PartyLegalEntity/cbc:CompanyID") == "18547290"
    assert text(root, BUYER + "cac:PartyLegalEntity/cbc:CompanyID") == "12-3456789"
    assert [
        text(root, BUYER + "cac:PostalAddress/" + path)
        for path in ("cbc:CityName", "cbc:CountrySubentity", "cac:Country/cbc:IdentificationCode")
    ] == ["New York", "NY", "US"]


def test_an_exempt_line_states_its_legal_basis_and_only_codes_of_the_vatex_list(billing):
    typed_code = TRAINING | {"description": "Curs de prim ajutor", "vat_exemption_reason_code": "art292-1f"}
    invoice = issued_invoice(billing, "ro_company", (TRAINING,))
    other = issued_invoice(billing, "ro_company", (typed_code,))

    root, other_root = parse(valid_xml(invoice)), parse(valid_xml(other))

    reason = "Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal"
    assert subtotals(root) == [("E", "0.00", "800.00", "0.00", "VATEX-EU-132-1I", reason)]
    assert subtotals(other_root) == [
        ("E", "0.00", "800.00", "0.00", None, reason)
    ]  # BR-CL-22: not a VATEX code
    assert texts(root, "cbc:Note") == [reason]


def test_a_three_rate_invoice_with_discounts_adds_up_by_rate(billing):
    discounted_domain = DOMAIN | {"quantity": "3", "discount": "15.00"}
    invoice = issued_invoice(billing, "ro_company", (HOSTING, EBOOK, TRAINING, discounted_domain), "USD")

    root = parse(valid_xml(invoice))

    # 21%: 539.89 + 120.00 = 659.89 -> 138.58; 11%: 100.00 -> 11.00; exempt: 800.00.
    assert subtotals(root) == [
        (
            "E",
            "0.00",
            "800.00",
            "0.00",
            "VATEX-EU-132-1I",
            "Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal",
        ),
        ("S", "21.00", "659.89", "138.58", None, None),
        ("S", "11.00", "100.00", "11.00", None, None),
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (D("1559.89"), D("149.58"), D("1709.47"))
    # The VAT in RON is declared per rate (art. 319(20)) and BT-111 is their sum, as BT-110 is in USD:
    # 138.58 x 4.3521 = 603.11 and 11.00 x 4.3521 = 47.87 (149.58 x 4.3521 in one go would be 650.99).
    assert texts(root, "cac:TaxTotal/cbc:TaxAmount") == ["149.58", "650.98"]
    assert invoice.vat_total_ron == D("650.98")
    assert list(invoice.vat_subtotals.values_list("rate", "vat_amount", "vat_amount_ron")) == [
        (D("0.00"), D("0.00"), D("0.00")),
        (D("21.00"), D("138.58"), D("603.11")),
        (D("11.00"), D("11.00"), D("47.87")),
    ]
    assert [
        (allowance.findtext("cbc:Amount", namespaces=NS), allowance.findtext("cbc:BaseAmount", namespaces=NS))
        for allowance in root.findall("cac:InvoiceLine/cac:AllowanceCharge", NS)
    ] == [("59.99", "599.88"), ("15.00", "135.00")]
    assert texts(root, "cac:InvoiceLine/cac:AllowanceCharge/cbc:AllowanceChargeReasonCode") == ["95", "95"]
    assert texts(root, "cac:InvoiceLine/cbc:LineExtensionAmount") == ["539.89", "100.00", "800.00", "120.00"]
    assert text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == "1709.47"


def overridden(category: str) -> dict[str, str]:
    return DOMAIN | {"vat_category": category, "vat_rate": "0", "vat_override_reason": "Accountant's call"}


@pytest.mark.parametrize(
    ("category", "buyer", "exemption"),
    [
        ("Z", "ro_company", (None, None)),
        (
            "G",
            "non_eu_company",
            ("VATEX-EU-G", "Export, exempt (art. 294(1)(a) of the Romanian Fiscal Code)"),
        ),
    ],
)
def test_zero_rated_and_export_lines_chosen_by_staff_are_valid(billing, category, buyer, exemption):
    root = parse(valid_xml(issued_invoice(billing, buyer, (overridden(category),), "EUR")))

    assert subtotals(root) == [(category, "0.00", "45.00", "0.00", *exemption)]


def test_an_intra_community_supply_says_when_and_where_it_was_delivered(billing):
    billing.customers["paris"] = create_customer(
        actor=billing.admin,
        kind="company",
        name="Paris Données SAS",
        country="FR",
        tax_id="FR40303265045",
        address={"street": "12 rue de Rivoli", "city": "Paris", "county": "Île-de-France", "country": "FR"},
    )
    invoice = issued_invoice(billing, "paris", (overridden("K"),), "EUR")

    root = parse(valid_xml(invoice))

    assert [
        text(root, "cac:Delivery/" + path)
        for path in (
            "cbc:ActualDeliveryDate",
            "cac:DeliveryLocation/cac:Address/cbc:CountrySubentity",
            "cac:DeliveryLocation/cac:Address/cac:Country/cbc:IdentificationCode",
        )
    ] == ["2026-03-10", "Île-de-France", "FR"]
    assert subtotals(root)[0][4] == "VATEX-EU-IC"
    assert text(root, BUYER + "cac:PartyTaxScheme/cbc:CompanyID") == "FR40303265045"


def test_an_intra_community_supply_to_an_address_without_a_region_is_refused_naming_the_field(billing):
    invoice = issued_invoice(billing, "eu_company", (overridden("K"),), "EUR")

    with pytest.raises(ValidationError) as refused:
        document_xml(ready(invoice))

    assert refused.value.message_dict == {
        "buyer.county": [
            "An intra-community supply (K) names the delivery address with its region (county) for "
            "e-Factura (BR-RO-211); the buyer's address has none."
        ]
    }


def test_texts_longer_than_ciusro_allows_are_cut_between_words(billing):
    words = "foarte lung " * 50
    customer = create_customer(
        actor=billing.admin,
        kind="company",
        name="Societatea Comercială",
        country="FR",
        address={
            "street": "Rue de la République",
            "city": "Saint-Rémy",
            "postal_code": "51290",
            "country": "FR",
        },
    )
    # Longer than input takes now (customers.services.MAX_NAME, MAX_CITY): stored before the limits.
    Customer.objects.filter(pk=customer.pk).update(
        name=("Societatea Comercială cu Nume Foarte Lung " * 7)[:255]
    )
    customer.addresses.update(
        street=("Rue de la République prolongée " * 9)[:255],
        city="Saint-Rémy-en-Bouzemont-Saint-Genest-et-Isson-sur-Marne",
    )
    customer.refresh_from_db()
    billing.customers["long"] = customer
    # The longest description billing takes (300 characters, issue 11): its whole text is the note.
    described = line(("Serviciu " + words)[:300], "1", "H87", "10.00")

    root = parse(valid_xml(issued_invoice(billing, "long", (described,), "EUR")))

    lengths = {
        path: len(text(root, path))
        for path in (
            BUYER + "cac:PartyLegalEntity/cbc:RegistrationName",
            BUYER + "cac:PostalAddress/cbc:StreetName",
            BUYER + "cac:PostalAddress/cbc:AdditionalStreetName",
            BUYER + "cac:PostalAddress/cbc:CityName",
            "cac:InvoiceLine/cac:Item/cbc:Name",
            "cac:InvoiceLine/cac:Item/cbc:Description",
            "cac:InvoiceLine/cbc:Note",
        )
    }
    # Limits: 200, 150, 100, 50 (BR-RO-L203, L152, L1007, L0502); 100, 200, 300 (L1024, L212, L303).
    assert list(lengths.values()) == [198, 144, 93, 50, 93, 196, 300]
    assert text(root, "cac:InvoiceLine/cac:Item/cbc:Name").endswith("…")
    assert text(root, BUYER + "cac:PostalAddress/cbc:StreetName").startswith("Rue de la République prolongée")
    # The buyer has no identifier at all: a document charging VAT must still name one (BR-RO-120).
    assert text(root, BUYER + "cac:PartyLegalEntity/cbc:CompanyID") == "0000000000000"


def test_the_xml_shows_the_document_as_issued_whatever_the_customer_changes_later(billing):
    invoice = issued_invoice(billing, "ro_company", (HOSTING,))
    before = document_xml(ready(invoice))

    change_customer(
        actor=billing.admin,
        customer=billing.customers["ro_company"],
        name="Alt Nume SRL",
        vat_payer=False,
        address={"street": "Str. Nouă 2", "city": "Sector 1", "county": "RO-B"},
    )

    assert document_xml(ready(invoice)) == before
    assert b"Transilvania Soft SRL" in before


def test_drafts_and_proformas_have_no_xml(billing):
    draft = create_document(
        actor=billing.clerk, document_type="invoice", customer=billing.customers["ro_company"], lines=[DOMAIN]
    )
    proforma = issue_document(
        actor=billing.clerk,
        document=create_document(
            actor=billing.clerk,
            document_type="proforma",
            customer=billing.customers["ro_company"],
            lines=[DOMAIN],
        ),
    )

    for document in (draft, proforma):
        with pytest.raises(ValidationError) as refused:
            document_xml(ready(document))
        assert refused.value.code == "not_issued"


def test_an_invoice_converted_from_a_proforma_keeps_the_exemption_of_its_lines(billing):
    proforma = issue_document(
        actor=billing.clerk,
        document=create_document(
            actor=billing.clerk,
            document_type="proforma",
            customer=billing.customers["ro_company"],
            lines=[HOSTING, TRAINING],
        ),
    )
    invoice = convert_proforma(actor=billing.clerk, proforma=proforma)

    root = parse(valid_xml(invoice))

    assert subtotals(root)[0][4:] == (
        "VATEX-EU-132-1I",
        "Scutit de TVA conform art. 292 alin. (1) lit. f) din Codul fiscal",
    )


def test_fetching_a_document_by_number_and_generating_its_xml_takes_three_queries(
    billing, django_assert_num_queries
):
    invoice = issued_invoice(billing, "ro_company", (HOSTING, DOMAIN, EBOOK), "EUR")
    note = credited(billing, invoice)

    # 1: the document with its seller, customer profile and credited invoice; 2: its lines;
    # 3: its VAT breakdown as stored at issue.
    with django_assert_num_queries(3):
        (found,) = documents_numbered(note.number)
        xml = document_xml(found)

    assert b"<cbc:ID>PRH-2026-000001</cbc:ID>" in xml


def test_the_command_prints_the_xml_of_an_invoice_and_of_a_credit_note(billing):
    invoice = issued_invoice(billing, "eu_company", (HOSTING,), "EUR")
    note = credited(billing, invoice)

    printed = []
    for document in (invoice, note):
        output = StringIO()
        call_command("efactura_xml", document.number, stdout=output)
        printed.append(output.getvalue())

    assert printed == [document_xml(ready(document)).decode() + "\n" for document in (invoice, note)]
    assert printed[1].startswith("<?xml version='1.0' encoding='UTF-8'?>\n<CreditNote ")


def test_the_command_refuses_unknown_numbers_proformas_and_documents_it_cannot_express(billing):
    proforma = issue_document(
        actor=billing.clerk,
        document=create_document(
            actor=billing.clerk,
            document_type="proforma",
            customer=billing.customers["ro_company"],
            lines=[DOMAIN],
        ),
    )
    # An intra-community supply (K) to a buyer address without a region: CIUS-RO cannot express it.
    intra_community = DOMAIN | {"vat_category": "K", "vat_rate": "0", "vat_override_reason": "EU supply"}
    unexpressible = issued_invoice(billing, "eu_company", (intra_community,))

    messages = []
    for number in ("PRH-2026-999999", proforma.number, unexpressible.number, ""):
        with pytest.raises(CommandError) as refused:
            call_command("efactura_xml", number, stdout=StringIO())
        assert refused.value.returncode == 1
        messages.append(str(refused.value))

    assert messages == [
        'No invoice or credit note is numbered "PRH-2026-999999".',
        f"{proforma.number} is a proforma; only invoices and credit notes have an e-Factura XML.",
        f"The e-Factura XML of {unexpressible.number} cannot be generated: An intra-community supply (K) "
        "names the delivery address with its region (county) for e-Factura (BR-RO-211); the buyer's "
        "address has none.",
        'No invoice or credit note is numbered "".',
    ]
