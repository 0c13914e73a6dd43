"""The seller's data (praho.billing.services.seller): every change is a new version, checked
like a Romanian company customer's identifiers, audited, and documents issued before
keep the version they were issued with."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from praho.audit.models import AuditEvent
from praho.billing.models import SellerProfile
from praho.billing.services.drafts import create_document, current_seller
from praho.billing.services.issuing import issue_document
from praho.billing.services.seller import newest_version, update_seller_profile, version_history

pytestmark = pytest.mark.django_db

HOSTING = {"description": "Web hosting", "quantity": "1", "unit_code": "MON", "unit_price": "100.00"}

FIRST = {
    "name": "PRAHO Hosting SRL",
    "tax_id": "ro 18547290",
    "trade_register_number": "j40/123/2020",
    "street": "Str. Exemplu 1",
    "city": "Sector 3",
    "county": "RO-B",
    "postal_code": "030000",
    "iban": "RO49 AAAA 1B31 0075 9384 0000",
    "bank_name": "Banca Exemplu",
    "email": "Facturare@Praho.test",
    "phone": "021 123 4567",
    "vat_payer": True,
    "vat_on_cash_basis": False,
    "oss_registered": False,
}


def _errors(**fields) -> dict[str, list[tuple[str, str]]]:
    with pytest.raises(ValidationError) as refusal:
        update_seller_profile(**fields)
    return {
        field: [
            (str(error.code), message)
            for error, message in zip(errors, ValidationError(errors).messages, strict=True)
        ]
        for field, errors in refusal.value.error_dict.items()
    }


def _stored() -> list[tuple]:
    return list(SellerProfile.objects.order_by("version").values_list("version", "name", "tax_id", "iban"))


def test_the_first_version_is_normalised_and_audited(alice_admin):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        seller = update_seller_profile(actor=alice_admin, **FIRST)

    seller.refresh_from_db()
    assert (seller.version, seller.created_by, seller.valid_from) == (
        1,
        alice_admin,
        datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC),
    )
    assert (seller.tax_id, seller.trade_register_number, seller.iban) == (
        "RO18547290",
        "J40/123/2020",
        "RO49AAAA1B31007593840000",
    )
    assert (seller.email, seller.phone, seller.country, seller.county, seller.city) == (
        "facturare@praho.test",
        "+40211234567",
        "RO",
        "RO-B",
        "Sector 3",
    )
    event = AuditEvent.objects.get(action="billing.seller_profile_changed")
    assert (event.actor, event.object_type, event.object_id) == (
        alice_admin,
        "billing.sellerprofile",
        str(seller.pk),
    )
    assert event.data["version"] == 1
    assert event.data["changes"]["tax_id"] == {"old": None, "new": "RO18547290"}
    assert event.data["changes"]["vat_payer"] == {"old": None, "new": True}
    assert sorted(event.data["changes"]) == sorted([*FIRST, "country"])


def test_a_change_adds_a_version_and_issued_documents_keep_theirs(
    billing_ready, alice_admin, bill_billing, carol_customer
):
    invoice = create_document(
        actor=bill_billing, document_type="invoice", customer=carol_customer, lines=[HOSTING]
    )
    issued = issue_document(actor=bill_billing, document=invoice)
    version_1 = SellerProfile.objects.values().get(pk=billing_ready.pk)

    version_2 = update_seller_profile(
        actor=alice_admin, iban="RO09 BCYP 0000 0012 3456 7890", bank_name="Alta Banca"
    )

    assert (version_2.version, version_2.iban, version_2.bank_name, version_2.name) == (
        2,
        "RO09BCYP0000001234567890",
        "Alta Banca",
        "PRAHO Hosting SRL",
    )
    assert SellerProfile.objects.values().get(pk=billing_ready.pk) == version_1
    issued.refresh_from_db()
    assert issued.seller_id == billing_ready.pk
    assert current_seller() == version_2
    assert newest_version() == version_2
    event = AuditEvent.objects.get(action="billing.seller_profile_changed")
    assert event.data == {
        "version": 2,
        "changes": {
            "iban": {"old": "RO49AAAA1B31007593840000", "new": "RO09BCYP0000001234567890"},
            "bank_name": {"old": "Banca Exemplu", "new": "Alta Banca"},
        },
    }


def test_saving_the_same_data_adds_no_version(billing_ready, alice_admin):
    same = update_seller_profile(actor=alice_admin, iban="RO49 AAAA 1B31 0075 9384 0000", vat_payer=True)

    assert same == billing_ready
    assert SellerProfile.objects.count() == 1
    assert AuditEvent.objects.filter(action="billing.seller_profile_changed").count() == 0


def test_an_invalid_cui_and_iban_are_refused_by_field_and_nothing_is_saved(billing_ready, alice_admin):
    errors = _errors(actor=alice_admin, tax_id="RO18547291", iban="RO49AAAA1B31007593840001")

    assert errors == {
        "tax_id": [("checksum", "CUI is not valid: the check digit is wrong.")],
        "iban": [("checksum", "IBAN is not valid: the check digit is wrong.")],
    }
    assert _stored() == [(1, "PRAHO Hosting SRL", "RO18547290", "RO49AAAA1B31007593840000")]
    assert AuditEvent.objects.count() == 0


def test_an_address_needs_a_romanian_county_and_a_bucharest_sector(billing_ready, alice_admin):
    assert _errors(actor=alice_admin, county="B") == {
        "county": [
            (
                "county",
                "Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest).",
            )
        ]
    }
    assert _errors(actor=alice_admin, city="București") == {
        "city": [("sector", "In Bucharest the city is a sector: Sector 1 to Sector 6.")]
    }
    assert SellerProfile.objects.count() == 1


def test_the_first_version_needs_every_field_the_law_prints(alice_admin):
    errors = _errors(actor=alice_admin, name="PRAHO Hosting SRL", county="RO-CJ")

    required = [("required", "This field is required.")]
    assert errors == {
        "tax_id": required,
        "trade_register_number": required,
        "street": required,
        "city": required,
        "iban": required,
        "bank_name": required,
    }
    assert SellerProfile.objects.count() == 0


def test_cash_basis_vat_is_for_vat_payers_only(billing_ready, alice_admin):
    errors = _errors(actor=alice_admin, vat_payer=False, vat_on_cash_basis=True)

    assert errors == {
        "vat_on_cash_basis": [("not_vat_payer", "Only a VAT payer can apply VAT on cash basis.")]
    }


def test_the_seller_is_a_romanian_company(billing_ready, alice_admin):
    errors = _errors(actor=alice_admin, country="BG", tax_id="BG175074752")

    assert errors == {
        "country": [("country", "The seller is a company registered in Romania.")],
        "tax_id": [("format", "CUI is not valid: it is not in the expected format.")],
    }


def test_a_bad_trade_register_number_email_and_phone_are_refused(billing_ready, alice_admin):
    errors = _errors(actor=alice_admin, trade_register_number="X99", email="not-an-email", phone="12")

    assert sorted(errors) == ["email", "phone", "trade_register_number"]
    assert errors["email"] == [("invalid", "Enter a valid email address.")]
    assert errors["phone"] == [("invalid", "Enter a valid phone number, e.g. +40 721 234 567.")]


def test_an_unknown_field_is_a_programming_error(billing_ready, alice_admin):
    with pytest.raises(TypeError, match="version"):
        update_seller_profile(actor=alice_admin, version=7)


def test_the_history_lists_each_version_with_what_it_changed(billing_ready, alice_admin):
    update_seller_profile(actor=alice_admin, bank_name="Alta Banca")
    update_seller_profile(actor=alice_admin, vat_on_cash_basis=True, phone="0721 234 567")

    history = version_history()

    assert [(entry.seller.version, entry.first) for entry in history] == [(3, False), (2, False), (1, True)]
    assert [[(c.field, c.before, c.after) for c in entry.changes] for entry in history] == [
        [("phone", "", "+40721234567"), ("vat_on_cash_basis", False, True)],
        [("bank_name", "Banca Exemplu", "Alta Banca")],
        [],
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_admins_saving_at_once_get_consecutive_versions(billing_ready, alice_admin):
    first_saved, release = threading.Event(), threading.Event()
    versions: list[int] = []

    def first() -> None:
        try:
            with transaction.atomic():
                versions.append(update_seller_profile(actor=alice_admin, bank_name="Banca A").version)
                first_saved.set()
                release.wait(5)
        finally:
            connection.close()

    def second() -> None:
        try:
            first_saved.wait(5)
            versions.append(update_seller_profile(actor=alice_admin, phone="0721 234 567").version)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_saved.wait(5)
    time.sleep(0.3)
    waiting = list(versions)  # the second save waits for the first one's lock
    release.set()
    for thread in threads:
        thread.join(10)

    assert (waiting, versions) == ([2], [2, 3])
    newest = newest_version()
    # The second save started from the first one's version, so it keeps its bank.
    assert (newest.version, newest.bank_name, newest.phone) == (3, "Banca A", "+40721234567")
