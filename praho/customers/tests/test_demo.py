from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from stdnum.ch import uid as ch_uid
from stdnum.gb import vat as gb_vat
from stdnum.md import idno as md_idno
from stdnum.no import mva as no_mva
from stdnum.ro import cnp as ro_cnp
from stdnum.us import ein as us_ein

from praho.audit.models import AuditEvent
from praho.customers.demo import demo_customers
from praho.customers.models import Address, Customer, Membership, TaxProfile, searchable_text
from praho.customers.rules import identifiers
from praho.customers.selectors import memberships_for_user
from praho.customers.services.customers import current_profile

NON_EU_TAX_IDS = {"US": us_ein, "GB": gb_vat, "CH": ch_uid, "NO": no_mva, "MD": md_idno}


@pytest.fixture
def demo(db):
    output = StringIO()
    call_command("demo", stdout=output)
    return output.getvalue()


def _snapshot():
    return {
        "customers": Customer.objects.count(),
        "profiles": TaxProfile.objects.count(),
        "addresses": Address.objects.count(),
        "memberships": Membership.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "tax ids": sorted(Customer.objects.values_list("tax_id", flat=True)),
    }


def test_demo_creates_the_designed_customers_by_kind_and_country(demo):
    assert Counter(Customer.objects.values_list("kind", "country")) == {
        ("company", "RO"): 120,
        ("individual", "RO"): 28,
        ("company", "DE"): 8,
        ("company", "FR"): 8,
        ("company", "BG"): 8,
        ("company", "IT"): 8,
        ("company", "AT"): 8,
        ("company", "US"): 2,
        ("company", "GB"): 2,
        ("company", "CH"): 2,
        ("company", "NO"): 2,
        ("company", "MD"): 2,
        ("individual", "DE"): 1,
        ("individual", "FR"): 1,
    }
    assert Customer.objects.count() == 200


def test_romanian_individuals_come_with_and_without_cnp(demo):
    people = Customer.objects.filter(kind="individual", country="RO")

    assert people.exclude(tax_id="").count() == 18
    assert people.filter(tax_id="").count() == 10


def test_romanian_companies_are_in_every_county_and_every_bucharest_sector(demo):
    addresses = Address.objects.filter(customer__kind="company", customer__country="RO", is_billing=True)

    by_county = Counter(addresses.values_list("county", flat=True))
    assert by_county == dict.fromkeys(identifiers.ROMANIAN_COUNTIES, 2) | {
        "RO-B": 36,
        "RO-CJ": 3,
        "RO-TM": 3,
    }
    sectors = Counter(addresses.filter(county="RO-B").values_list("city", flat=True))
    assert sectors == {f"Sector {n}": 6 for n in range(1, 7)}


def test_every_customer_has_one_billing_address_that_passes_the_address_rules(demo):
    assert Address.objects.count() == 200
    assert Address.objects.filter(is_billing=True).values("customer").distinct().count() == 200
    for address in Address.objects.all():
        identifiers.check_romanian_address(country=address.country, county=address.county, city=address.city)
        assert all((address.street, address.city, address.postal_code)), address


def test_every_identifier_is_valid(demo):
    for customer in Customer.objects.all():
        assert (
            identifiers.normalize_tax_id(kind=customer.kind, country=customer.country, value=customer.tax_id)
            == customer.tax_id
        )
        if customer.kind == "company" and customer.country in NON_EU_TAX_IDS:
            assert NON_EU_TAX_IDS[customer.country].is_valid(customer.tax_id), customer.tax_id
        assert identifiers.normalize_iban(customer.iban) == customer.iban
        assert identifiers.normalize_phone(customer.phone) == customer.phone
        if customer.country == "RO":
            register = customer.trade_register_number
            assert identifiers.normalize_trade_register(register) == register

    romanian_companies = Customer.objects.filter(kind="company", country="RO")
    assert romanian_companies.filter(tax_id__startswith="RO").count() == 120
    assert romanian_companies.exclude(iban="").count() == 120
    assert romanian_companies.exclude(trade_register_number="").count() == 120
    assert Customer.objects.exclude(phone="").count() == 198  # the two individuals abroad gave none
    assert (
        Customer.objects.exclude(tax_id="").values("tax_id").distinct().count() == 188
    )  # all but the 12 people without one


def test_a_cnp_names_the_county_or_sector_the_person_lives_in(demo):
    for person in Customer.objects.filter(kind="individual", country="RO").exclude(tax_id=""):
        address = person.addresses.get()
        county = ro_cnp.get_county(person.tax_id)
        if address.county == "RO-B":
            assert county == f"Bucuresti - {address.city}"
        else:
            assert searchable_text(county) == searchable_text(identifiers.ROMANIAN_COUNTIES[address.county])


def test_romanian_vat_status_is_as_designed(demo):
    profiles = [current_profile(c) for c in Customer.objects.filter(kind="company", country="RO")]

    assert Counter(p.vat_payer for p in profiles) == {True: 87, False: 33}
    assert [p.customer.name for p in profiles if p.vat_on_cash_basis] == ["Nova Farm SRL"]


def test_some_customers_have_a_second_profile_version(demo):
    versions = Counter(TaxProfile.objects.values_list("customer__name", flat=True))

    assert sorted(name for name, count in versions.items() if count == 2) == [
        "Basarabia Web SRL",
        "Cosmin Lazăr",
        "Dacica Trans SRL",
        "Ene Soft SRL",
        "Făgăraș Mobila SRL",
        "Hoffmann Systemhaus GmbH & Co. KG",
        "Izvorul Energy SA",
        "Mureșan Instal SRL",
        "Nova Farm SRL",
        "Pontica Consult SRL",
    ]
    assert set(versions.values()) == {1, 2}
    cash_basis = TaxProfile.objects.filter(customer__name="Nova Farm SRL").order_by("version")
    assert [(p.version, p.vat_payer, p.vat_on_cash_basis) for p in cash_basis] == [
        (1, True, False),
        (2, True, True),
    ]


def test_one_customer_is_soft_deleted(demo):
    assert list(Customer.objects.exclude(deleted_at=None).values_list("name", flat=True)) == ["Vega Web SRL"]
    assert Customer.objects.active().count() == 199


def test_customer_users_have_the_designed_memberships(demo):
    memberships = Membership.objects.values_list("customer__name", "user__email", "role")

    assert sorted(memberships) == [
        ("Acme Hosting SRL", "billing@acme-hosting.test", "billing"),
        ("Acme Hosting SRL", "ivan@sofia-web.test", "technical"),
        ("Acme Hosting SRL", "jane@example-shop.test", "viewer"),
        ("Acme Hosting SRL", "owner@acme-hosting.test", "owner"),
        ("Andrei Georgescu", "billing@acme-hosting.test", "billing"),
        ("Andrei Georgescu", "owner@acme-hosting.test", "owner"),
        ("Example Shop Ltd", "ivan@sofia-web.test", "technical"),
        ("Example Shop Ltd", "jane@example-shop.test", "owner"),
        ("Sofia Web EOOD", "ivan@sofia-web.test", "owner"),
    ]
    ivan = Membership.objects.filter(user__email="ivan@sofia-web.test").first().user
    assert [m.customer.name for m in memberships_for_user(ivan)] == [
        "Acme Hosting SRL",
        "Example Shop Ltd",
        "Sofia Web EOOD",
    ]


def test_customers_are_created_through_the_services_and_audited(demo):
    actions = Counter(
        AuditEvent.objects.filter(action__startswith="customers.").values_list("action", flat=True)
    )

    assert actions == {
        "customers.created": 200,
        "customers.profile_changed": 10,
        "customers.deleted": 1,
        "customers.member_added": 9,
    }
    assert set(
        AuditEvent.objects.filter(action="customers.created").values_list("actor__email", flat=True)
    ) == {"admin@praho.test"}


def test_the_demo_prints_who_acts_for_which_customer(demo):
    assert "Customers: 200 (200 created now). Customer users act for:" in demo
    assert "  Sofia Web EOOD: ivan@sofia-web.test (owner)" in demo


def test_running_the_demo_twice_adds_nothing(demo):
    before = _snapshot()

    output = StringIO()
    call_command("demo", stdout=output)

    assert _snapshot() == before
    assert "Customers: 200 (0 created now)." in output.getvalue()


def test_the_demo_is_the_same_on_every_run(demo):
    planned = sorted(spec.values.get("tax_id", "") for spec in demo_customers())

    assert sorted(spec.values.get("tax_id", "") for spec in demo_customers()) == planned
    assert sorted(Customer.objects.values_list("tax_id", flat=True)) == planned
    assert Customer.objects.get(name="Acme Hosting SRL").tax_id == "RO25843107"
