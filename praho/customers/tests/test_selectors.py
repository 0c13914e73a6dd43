import pytest

from praho.customers.selectors import (
    customer_for,
    customer_list,
    customers_visible_to,
    search_customers,
)
from praho.customers.services.customers import create_customer, delete_customer

ADDRESS = {"street": "Bd. Tomis 1", "city": "Constanța", "county": "RO-CT", "country": "RO"}


@pytest.fixture
def constanta(alice_admin):
    return create_customer(
        actor=alice_admin,
        kind="company",
        name="Știință Mării SRL",
        trade_name="MareHost",
        country="RO",
        tax_id="14399840",
        email="office@marehost.test",
        phone="+40 721 234 567",
        address=ADDRESS,
    )


@pytest.mark.parametrize(
    "query",
    [
        "stiinta",  # no diacritics typed
        "ȘTIINȚĂ mării",  # diacritics and case
        "marehost",  # trade name
        "RO 14399840",  # CUI with the prefix, spaced
        "14399840",  # CUI digits
        "office@marehost",  # email fragment
        "0721 234 567",  # national phone, digit groups
        "721234567",
        "+40721234567",  # E.164 as stored
    ],
)
def test_search_finds_by_each_identifying_field(alice_admin, constanta, query):
    assert search_customers(alice_admin, query) == [constanta]


def test_a_percent_sign_in_the_other_customers_name_does_not_break_the_duplicate_error(alice_admin):
    from django.core.exceptions import ValidationError

    first = create_customer(
        actor=alice_admin,
        kind="company",
        name="100% Hosting SRL",
        country="RO",
        tax_id="14399840",
        address=ADDRESS,
    )

    with pytest.raises(ValidationError) as failure:
        create_customer(
            actor=alice_admin,
            kind="company",
            name="Other SRL",
            country="RO",
            tax_id="RO14399840",
            address=ADDRESS,
        )

    assert failure.value.message_dict == {
        "tax_id": [
            f'This tax identifier already belongs to customer "100% Hosting SRL" '
            f"(/staff/customers/{first.pk}/)."
        ]
    }


def test_search_needs_every_word_and_ignores_empty_queries(alice_admin, constanta):
    assert search_customers(alice_admin, "stiinta nowhere") == []
    assert search_customers(alice_admin, "   ") == []


def test_a_customer_user_searches_only_their_own_customers(carol, carol_customer, dave_customer):
    assert search_customers(carol, "SRL") == [carol_customer]


def test_staff_without_the_view_permission_see_no_customers(db, carol_customer):
    from praho.accounts.tests.factories import UserFactory

    bare_staff = UserFactory(is_staff=True)

    assert list(customers_visible_to(bare_staff)) == []


def test_deleted_customers_are_hidden_but_admins_can_ask_for_them(
    alice_admin, mike_manager, carol, carol_customer
):
    delete_customer(actor=alice_admin, customer=carol_customer)

    assert list(customers_visible_to(carol)) == []
    assert list(customers_visible_to(alice_admin)) == []
    assert list(customers_visible_to(alice_admin, include_deleted=True)) == [carol_customer]
    # Managers may delete but not restore, so they never see the deleted ones.
    assert list(customers_visible_to(mike_manager, include_deleted=True)) == []


@pytest.mark.parametrize("customer_id", ["999999", "abc", None])
def test_customer_for_answers_404_for_unknown_ids(alice_admin, customer_id):
    from django.http import Http404

    with pytest.raises(Http404):
        customer_for(alice_admin, customer_id)


def test_customer_for_answers_404_for_another_customers_user(dave, carol_customer):
    from django.http import Http404

    with pytest.raises(Http404):
        customer_for(dave, carol_customer.pk)


def test_customer_list_prefetches_the_newest_profile_and_the_billing_address(
    alice_admin, carol_customer, django_assert_num_queries
):
    from praho.customers.services.customers import change_tax_profile

    change_tax_profile(actor=alice_admin, customer=carol_customer, payment_terms_days=30)

    # 1-2 the user's and their groups' permissions (cached on the user afterwards),
    # 3 customers, 4 newest profiles, 5 billing addresses
    with django_assert_num_queries(5):
        [customer] = list(customer_list(alice_admin, country="ro", kind="company"))
        assert [p.version for p in customer.current_profiles] == [2]
        assert [a.city for a in customer.billing_addresses] == ["Cluj-Napoca"]


def test_a_query_without_a_word_of_three_characters_finds_nothing(alice_admin, constanta):
    assert search_customers(alice_admin, "st") == []
    assert search_customers(alice_admin, "st mar") == [constanta]


def test_names_starting_with_the_first_word_come_first(alice_admin):
    later = create_customer(actor=alice_admin, kind="individual", name="Ana Popescu", country="DE")
    first = create_customer(actor=alice_admin, kind="individual", name="Popescu Ion", country="DE")

    assert search_customers(alice_admin, "popescu") == [first, later]


def test_the_search_box_asks_for_three_characters(alice_admin, staff_client):
    response = staff_client(alice_admin).get("/staff/customers/search/?q=ab", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Type at least 3 characters." in response.content.decode()


def test_current_profiles_is_each_customers_newest_version(
    alice_admin, carol_customer, constanta, django_assert_num_queries
):
    from praho.customers.selectors import current_profile, current_profiles
    from praho.customers.services.customers import change_tax_profile

    change_tax_profile(actor=alice_admin, customer=carol_customer, payment_terms_days=30)
    change_tax_profile(actor=alice_admin, customer=carol_customer, payment_terms_days=45)

    newest = {p.customer_id: (p.version, p.payment_terms_days) for p in current_profiles()}
    assert newest == {carol_customer.pk: (3, 45), constanta.pk: (1, 14)}
    with django_assert_num_queries(1):
        assert current_profile(carol_customer).version == 3
