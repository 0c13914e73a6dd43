import pytest
from django.core.exceptions import ValidationError

from praho.audit.models import AuditEvent
from praho.customers.models import Address, Customer, TaxProfile
from praho.customers.services.customers import (
    change_tax_profile,
    create_customer,
    current_profile,
    delete_address,
    delete_customer,
    restore_customer,
    save_address,
    update_customer,
)

ROMANIAN_COMPANY = {
    "kind": "company",
    "name": "Exemplu Hosting SRL",
    "country": "ro",
    "tax_id": "RO 18547290",
    "trade_register_number": "j40/123/2020",
    "iban": "RO49 AAAA 1B31 0075 9384 0000",
    "email": "Contabilitate@Exemplu.test",
    "phone": "0721 234 567",
    "vat_payer": True,
    "address": {
        "street": "Str. Exemplu 1",
        "city": "Sector 3",
        "county": "RO-B",
        "postal_code": "030000",
        "country": "RO",
    },
}


def _errors(**kwargs):
    with pytest.raises(ValidationError) as failure:
        create_customer(**kwargs)
    return failure.value.message_dict


def test_creating_a_romanian_company_normalises_every_identifier(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    assert (customer.country, customer.tax_id, customer.trade_register_number) == (
        "RO",
        "RO18547290",
        "J40/123/2020",
    )
    assert (customer.iban, customer.phone, customer.email) == (
        "RO49AAAA1B31007593840000",
        "+40721234567",
        "contabilitate@exemplu.test",
    )
    profile = current_profile(customer)
    assert (profile.version, profile.vat_payer, profile.currency, profile.document_language) == (
        1,
        True,
        "RON",
        "ro",
    )
    address = Address.objects.get(customer=customer)
    assert (address.city, address.county, address.is_billing) == ("Sector 3", "RO-B", True)
    event = AuditEvent.objects.get(action="customers.created")
    assert (event.actor_id, event.object_id, event.data) == (
        alice_admin.pk,
        str(customer.pk),
        {"kind": "company", "country": "RO", "tax_id": "RO18547290"},
    )


def test_an_individual_abroad_needs_no_tax_id_and_gets_foreign_defaults(alice_admin):
    customer = create_customer(actor=alice_admin, kind="individual", name="Jane Smith", country="DE")

    assert customer.tax_id == ""
    assert (current_profile(customer).currency, current_profile(customer).document_language) == ("EUR", "en")


def test_every_invalid_field_is_reported_at_once_and_nothing_is_saved(alice_admin):
    errors = _errors(
        actor=alice_admin,
        **ROMANIAN_COMPANY
        | {
            "tax_id": "18547291",
            "iban": "RO48AAAA1B31007593840000",
            "phone": "12",
            "address": {"street": "Str. Exemplu 1", "city": "Bucuresti", "county": "RO-B", "country": "RO"},
        },
    )

    assert errors == {
        "tax_id": ["CUI is not valid: the check digit is wrong."],
        "iban": ["IBAN is not valid: the check digit is wrong."],
        "phone": ["Enter a valid phone number, e.g. +40 721 234 567."],
        "address.city": ["In Bucharest the city is a sector: Sector 1 to Sector 6."],
    }
    assert (Customer.objects.count(), TaxProfile.objects.count(), Address.objects.count()) == (0, 0, 0)


def test_missing_name_kind_and_country_are_named(alice_admin):
    errors = _errors(actor=alice_admin, kind="robot", name=" ", country="Romania")

    assert errors == {
        "kind": ["Choose company or individual."],
        "name": ["This field is required."],
        "country": ["Enter a two-letter ISO 3166-1 country code, e.g. RO."],
    }


def test_a_tax_id_already_used_is_refused_with_or_without_the_prefix_with_a_link(alice_admin):
    first = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    errors = _errors(actor=alice_admin, **ROMANIAN_COMPANY | {"name": "Other SRL", "tax_id": "18547290"})

    assert errors == {
        "tax_id": [
            f'This tax identifier already belongs to customer "Exemplu Hosting SRL" '
            f"(/staff/customers/{first.pk}/)."
        ]
    }
    assert Customer.objects.count() == 1


def test_a_deleted_customers_tax_id_still_blocks_a_duplicate_so_restoring_never_clashes(alice_admin):
    first = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)
    delete_customer(actor=alice_admin, customer=first)

    with pytest.raises(ValidationError):
        create_customer(actor=alice_admin, **ROMANIAN_COMPANY)


def test_changing_the_profile_adds_a_version_and_keeps_the_old_one(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    profile = change_tax_profile(
        actor=alice_admin, customer=customer, vat_on_cash_basis=True, payment_terms_days=30
    )

    assert [
        (p.version, p.vat_on_cash_basis, p.payment_terms_days)
        for p in customer.tax_profiles.order_by("version")
    ] == [
        (1, False, 14),
        (2, True, 30),
    ]
    assert current_profile(customer) == profile
    event = AuditEvent.objects.get(action="customers.profile_changed")
    assert event.data == {
        "version": 2,
        "changes": {"vat_on_cash_basis": [False, True], "payment_terms_days": [14, 30]},
    }


def test_a_profile_change_that_changes_nothing_adds_no_version(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    change_tax_profile(actor=alice_admin, customer=customer, vat_payer=True)

    assert customer.tax_profiles.count() == 1
    assert not AuditEvent.objects.filter(action="customers.profile_changed").exists()


def test_an_invalid_profile_value_is_refused_and_adds_no_version(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    with pytest.raises(ValidationError) as failure:
        change_tax_profile(actor=alice_admin, customer=customer, currency="GBP")

    assert list(failure.value.message_dict) == ["currency"]
    assert customer.tax_profiles.count() == 1


def test_deleting_hides_the_customer_and_restoring_brings_it_back_both_audited(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    delete_customer(actor=alice_admin, customer=customer)
    delete_customer(actor=alice_admin, customer=customer)  # twice changes nothing more
    assert list(Customer.objects.active()) == []
    assert Customer.objects.get(pk=customer.pk).tax_profiles.count() == 1

    restore_customer(actor=alice_admin, customer=customer)
    assert list(Customer.objects.active()) == [customer]
    assert list(
        AuditEvent.objects.filter(object_type="customers.customer")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "customers.created",
        "customers.deleted",
        "customers.restored",
    ]


def test_updating_records_only_the_changed_fields_in_the_audit_event(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    update_customer(actor=alice_admin, customer=customer, trade_name="ExHost", phone="+40 721 234 567")

    customer.refresh_from_db()
    assert (customer.trade_name, customer.phone) == ("ExHost", "+40721234567")
    event = AuditEvent.objects.get(action="customers.changed")
    assert event.data == {"changes": {"trade_name": ["", "ExHost"]}}


def test_an_update_that_changes_nothing_writes_no_event(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    update_customer(actor=alice_admin, customer=customer, name="Exemplu Hosting SRL", tax_id="18547290")

    assert not AuditEvent.objects.filter(action="customers.changed").exists()


def test_a_new_vat_number_resets_the_vies_result(alice_admin):
    customer = create_customer(
        actor=alice_admin, kind="company", name="Muster GmbH", country="DE", tax_id="DE136695976"
    )
    Customer.objects.filter(pk=customer.pk).update(vies_status="valid", vies_reference="WAPIAAAAW1")

    update_customer(actor=alice_admin, customer=customer, tax_id="DE 129273398")

    customer.refresh_from_db()
    assert (customer.tax_id, customer.vies_status, customer.vies_reference) == (
        "DE129273398",
        "unchecked",
        "",
    )


def test_an_invalid_update_is_refused_whole(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    with pytest.raises(ValidationError) as failure:
        update_customer(actor=alice_admin, customer=customer, name="New name", email="not-an-email")

    assert failure.value.message_dict == {"email": ["Enter a valid email address."]}
    customer.refresh_from_db()
    assert customer.name == "Exemplu Hosting SRL"


def test_addresses_are_added_changed_and_removed_with_audit(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)
    billing = customer.addresses.get()
    office = save_address(
        actor=alice_admin,
        customer=customer,
        values={"street": "Str. Horea 2", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "ro"},
    )
    assert (office.is_billing, office.country) == (False, "RO")

    save_address(
        actor=alice_admin,
        customer=customer,
        address=office,
        values={**_address_fields(office), "postal_code": "400001"},
    )
    delete_address(actor=alice_admin, address=billing)

    office.refresh_from_db()
    assert (office.postal_code, office.is_billing) == ("400001", True)
    assert list(
        AuditEvent.objects.filter(action__startswith="customers.address")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["customers.address_added", "customers.address_changed", "customers.address_removed"]


def _address_fields(address):
    return {k: getattr(address, k) for k in ("street", "city", "postal_code", "county", "country")}


def test_the_only_address_cannot_be_removed(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    with pytest.raises(ValidationError):
        delete_address(actor=alice_admin, address=customer.addresses.get())

    assert customer.addresses.count() == 1


def test_a_bad_county_for_a_new_address_is_named(alice_admin):
    customer = create_customer(actor=alice_admin, **ROMANIAN_COMPANY)

    with pytest.raises(ValidationError) as failure:
        save_address(
            actor=alice_admin,
            customer=customer,
            values={"street": "Str. X 1", "city": "Cluj-Napoca", "county": "CJ", "country": "RO"},
        )

    assert list(failure.value.message_dict) == ["county"]
    assert customer.addresses.count() == 1
