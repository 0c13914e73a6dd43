"""Change request pages: the customer area's (ask, follow, cancel) and staff's (list, review,
look up ANAF or VIES, approve, reject)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from praho.accounts.tests import html_audit
from praho.customers.models import ChangeRequest, Customer
from praho.customers.services import change_requests
from praho.customers.services.customers import current_profile
from praho.customers.tests.test_area import assert_sound
from praho.testing.actors import member_of

pytestmark = pytest.mark.django_db

AREA_LIST = reverse("customers:area-change-requests")
AREA_NEW = reverse("customers:area-change-request-new")
STAFF_LIST = reverse("customers:change-requests")
HTMX = {"HTTP_HX_REQUEST": "true"}
PENDING_MESSAGE = "A change request is already waiting for our staff; cancel it first to ask for another."


def form_post(**changes: str) -> dict[str, str]:
    """The request form as carol's browser posts it untouched: the values in force, and a reason."""
    data = {
        "kind": "company",
        "country": "RO",
        "tax_id": "RO18547290",
        "vat_payer": "on",
        "currency": "RON",
        "payment_terms_days": "14",
        "address-street": "Str. Lungă 10",
        "address-city": "Cluj-Napoca",
        "address-postal_code": "",
        "address-county": "RO-CJ",
        "address-country": "RO",
        "reason": "We moved.",
    }
    data.update(changes)
    return data


TO_GERMANY = form_post(
    country="DE",
    tax_id="DE136695976",
    currency="EUR",
    **{
        "address-street": "Hauptstraße 5",
        "address-city": "Berlin",
        "address-county": "",
        "address-country": "DE",
    },
)


def ask(user, customer: Customer, **values) -> ChangeRequest:
    return change_requests.request_change(actor=user, customer=customer, reason="Because.", **values)


@pytest.fixture
def owner(client, carol):
    client.force_login(carol)
    return client


@pytest.fixture
def admin(staff_client, alice_admin):
    return staff_client(alice_admin)


# --- the customer area -----------------------------------------------------------------------------


def test_the_profile_links_owners_and_billing_users_to_change_requests(client, carol, carol_customer):
    viewer = member_of(carol_customer, role="viewer", email="vic@customer.test")
    billing_user = member_of(carol_customer, role="billing", email="ben@customer.test")
    profile = reverse("customers:area-profile")

    pages = []
    for user in (carol, billing_user, viewer):
        client.force_login(user)
        pages.append(client.get(profile).content.decode())

    assert [AREA_NEW in page for page in pages] == [True, True, False]


def test_the_form_starts_from_the_values_in_force(owner, carol_customer):
    response = owner.get(AREA_NEW)

    initial = response.context["form"].initial
    assert (initial["country"], initial["tax_id"], initial["vat_payer"], initial["payment_terms_days"]) == (
        "RO",
        "RO18547290",
        True,
        14,
    )
    assert response.context["address_form"].initial["city"] == "Cluj-Napoca"


def test_an_owner_asks_to_move_to_germany_and_follows_the_request(owner, carol, carol_customer):
    response = owner.post(AREA_NEW, TO_GERMANY)

    assert response.status_code == 302
    request = ChangeRequest.objects.get()
    assert (request.requested_by, request.reason) == (carol, "We moved.")
    assert request.changes == {
        "country": "DE",
        "tax_id": "DE136695976",
        "currency": "EUR",
        "address": {
            "street": "Hauptstraße 5",
            "city": "Berlin",
            "postal_code": "",
            "county": "",
            "country": "DE",
        },
    }
    page = owner.get(AREA_LIST).content.decode()
    assert (
        '<th scope="row">Tax identifier</th><td>RO18547290</td><td><strong>DE136695976</strong></td>' in page
    )
    assert "Cancel this request" in page
    assert AREA_NEW not in page.split("<main")[1]  # no second request while one waits
    carol_customer.refresh_from_db()
    assert carol_customer.country == "RO"


def test_bad_values_are_shown_next_to_their_fields_and_nothing_is_saved(owner, carol_customer):
    response = owner.post(
        AREA_NEW, form_post(tax_id="RO18547291", reason="", **{"address-county": "", "address-city": "Cluj"})
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    response = owner.post(AREA_NEW, form_post(tax_id="RO18547291", **{"address-county": ""}))
    assert response.context["form"].errors == {"tax_id": ["CUI is not valid: the check digit is wrong."]}
    assert response.context["address_form"].errors == {
        "county": ["Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."]
    }
    assert ChangeRequest.objects.count() == 0


def test_the_form_says_when_a_request_already_waits(owner, carol, carol_customer):
    ask(carol, carol_customer, currency="EUR")

    response = owner.post(AREA_NEW, form_post(currency="USD"))

    assert response.context["form"].non_field_errors() == [PENDING_MESSAGE]
    assert ChangeRequest.objects.count() == 1


def test_a_billing_user_cancels_a_pending_request(client, carol, carol_customer):
    request = ask(carol, carol_customer, currency="EUR")
    client.force_login(member_of(carol_customer, role="billing", email="ben@customer.test"))

    response = client.post(reverse("customers:area-change-request-cancel", args=[request.pk]), follow=True)

    assert "Your change request was cancelled." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "cancelled"


@pytest.mark.parametrize("role", ["viewer", "technical"])
def test_viewers_and_technical_users_get_403_and_change_nothing(client, carol, carol_customer, role):
    request = ask(carol, carol_customer, currency="EUR")
    client.force_login(member_of(carol_customer, role=role, email="tom@customer.test"))

    answers = [
        client.get(AREA_LIST),
        client.get(AREA_NEW),
        client.post(AREA_NEW, form_post(currency="USD")),
        client.post(reverse("customers:area-change-request-cancel", args=[request.pk])),
    ]

    assert [answer.status_code for answer in answers] == [403] * 4
    assert "This is for these roles: Owner, Billing." in answers[0].content.decode()
    assert list(ChangeRequest.objects.values_list("status", flat=True)) == ["pending"]


def test_another_customers_request_is_404_and_unchanged(client, carol, carol_customer, dave, dave_customer):
    request = ask(carol, carol_customer, currency="EUR")
    client.force_login(dave)

    response = client.post(reverse("customers:area-change-request-cancel", args=[request.pk]))
    listed = client.get(AREA_LIST)

    assert response.status_code == 404
    assert listed.context["requests"] == []
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_area_list_runs_a_fixed_number_of_queries(
    owner, carol, alice_admin, carol_customer, django_assert_num_queries
):
    for days in range(10):
        request = ask(carol, carol_customer, payment_terms_days=days + 20)
        change_requests.reject_change_request(actor=alice_admin, request=request, note="No.")

    # 1 session, 2 user, 3 the user's memberships with their customers (current customer),
    # 4 the requests with who asked and who decided
    with django_assert_num_queries(4):
        response = owner.get(AREA_LIST)

    assert len(response.context["requests"]) == 10


def test_the_area_pages_are_sound(owner, carol, carol_customer):
    ask(carol, carol_customer, currency="EUR")
    assert_sound(owner.get(AREA_LIST), AREA_LIST)
    ChangeRequest.objects.update(status="cancelled")
    assert_sound(owner.get(AREA_NEW), AREA_NEW)
    assert_sound(owner.post(AREA_NEW, form_post(tax_id="1", reason="")), f"POST {AREA_NEW}")


# --- staff -----------------------------------------------------------------------------------------


def test_staff_see_the_pending_requests_with_their_count_in_a_fixed_number_of_queries(
    admin, alice_admin, django_assert_num_queries
):
    for n in range(8):
        customer = Customer.objects.create(kind="individual", name=f"Firma {n} SRL", country="DE")
        customer.tax_profiles.create(version=1, valid_from="2025-01-01T00:00Z")
        ask(member_of(customer, role="owner", email=f"owner{n}@customer.test"), customer, currency="EUR")

    # 1 session, 2 user, 3 the second-factor check, 4-5 the user's and its groups' permissions,
    # 6 the count, 7 the page of requests with their customers, who asked and who decided
    with django_assert_num_queries(7):
        response = admin.get(STAFF_LIST, **HTMX)

    assert "8 requests wait for a decision" in response.content.decode()
    assert [row.customer.name for row in response.context["page_obj"]][:2] == ["Firma 0 SRL", "Firma 1 SRL"]
    assert response.templates[0].name == "customers/changes/_staff_results.html"


def test_the_customer_page_shows_the_pending_request(admin, carol, carol_customer):
    request = ask(carol, carol_customer, currency="EUR")

    page = admin.get(reverse("customers:detail", args=[carol_customer.pk])).content.decode()

    assert reverse("customers:change-request", args=[request.pk]) in page
    assert "carol@customer.test asked on" in page


def test_staff_approve_from_the_review_page(admin, alice_admin, carol, carol_customer):
    request = ask(carol, carol_customer, payment_terms_days=30, vat_on_cash_basis=True)
    review = reverse("customers:change-request", args=[request.pk])

    page = admin.get(review).content.decode()
    response = admin.post(
        reverse("customers:change-request-approve", args=[request.pk]), {"note": ""}, follow=True
    )

    assert '<th scope="row">Payment terms (days)</th><td>14</td><td><strong>30</strong></td>' in page
    assert "The change was applied to Carol Hosting SRL." in response.content.decode()
    profile = current_profile(carol_customer)
    assert (profile.version, profile.payment_terms_days, profile.vat_on_cash_basis, profile.created_by) == (
        2,
        30,
        True,
        alice_admin,
    )


def test_a_rejection_needs_a_reason_on_the_page(admin, carol, carol_customer):
    request = ask(carol, carol_customer, currency="EUR")
    reject = reverse("customers:change-request-reject", args=[request.pk])

    refused = admin.post(reject, {"note": ""})
    admin.post(reject, {"note": "Invoices stay in RON."})

    assert refused.context["form"].errors == {"note": ["This field is required."]}
    request.refresh_from_db()
    assert (request.status, request.decision_note) == ("rejected", "Invoices stay in RON.")


def test_staff_ask_vies_about_a_requested_vat_number(admin, carol, carol_customer, fake_vies):
    fake_vies.register("DE136695976", "Carol GmbH", "Hauptstraße 5, Berlin")
    request = ask(carol, carol_customer, country="DE", tax_id="DE136695976")

    response = admin.post(reverse("customers:change-request-lookup", args=[request.pk]), **HTMX)

    text = response.content.decode()
    assert '<span class="badge badge-ok">Valid</span>' in text
    assert "Carol GmbH" in text
    carol_customer.refresh_from_db()
    assert (carol_customer.tax_id, carol_customer.vies_status) == ("RO18547290", "unchecked")


def test_staff_ask_anaf_about_a_requested_cui(admin, carol, carol_customer, fake_anaf):
    fake_anaf.add(33034700, "EXEMPLU TECH SRL", vat_payer=True, vat_on_cash_basis=True)
    request = ask(carol, carol_customer, tax_id="RO33034700")

    response = admin.post(reverse("customers:change-request-lookup", args=[request.pk]), **HTMX)

    text = response.content.decode()
    assert "EXEMPLU TECH SRL" in text
    assert "<dt>VAT on cash basis</dt><dd>yes</dd>" in text


def test_support_staff_may_not_see_or_decide(staff_client, sue_support, carol, carol_customer):
    request = ask(carol, carol_customer, currency="EUR")
    client = staff_client(sue_support)

    answers = [
        client.get(STAFF_LIST),
        client.get(reverse("customers:change-request", args=[request.pk])),
        client.post(reverse("customers:change-request-approve", args=[request.pk])),
        client.post(reverse("customers:change-request-lookup", args=[request.pk])),
    ]

    assert [answer.status_code for answer in answers] == [403] * 4
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_staff_pages_are_sound(admin, carol, carol_customer):
    request = ask(carol, carol_customer, country="DE", tax_id="DE136695976")
    for response in (
        admin.get(STAFF_LIST),
        admin.get(STAFF_LIST + "?status="),
        admin.get(reverse("customers:change-request", args=[request.pk])),
        admin.post(reverse("customers:change-request-reject", args=[request.pk]), {"note": ""}),
    ):
        assert response.status_code == 200
        page = html_audit.read(response.content)
        assert (page.inline_scripts, page.external_urls, page.h1_count) == ([], [], 1)
        assert page.unlabelled_controls() == []
        assert page.dangling_describedby() == []
        assert page.duplicate_ids() == []
