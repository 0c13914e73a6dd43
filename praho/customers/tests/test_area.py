"""The customer area under /app/: profile, addresses, users, switching customers, invitations."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from praho.accounts.tests import html_audit
from praho.accounts.tests.factories import UserFactory
from praho.audit.models import AuditEvent
from praho.customers.current import SESSION_KEY
from praho.customers.models import Address, Membership, TaxProfile
from praho.customers.services import memberships
from praho.testing.actors import member_of

PROFILE = reverse("customers:area-profile")
EDIT = reverse("customers:area-edit")
BILLING = reverse("customers:area-billing")
ADDRESSES = reverse("customers:area-addresses")
ADDRESS_ADD = reverse("customers:area-address-add")
USERS = reverse("customers:area-users")
SWITCH = reverse("customers:area-switch")


def _text(response):
    return response.content.decode()


# --- who reaches the area -------------------------------------------------


def test_visitors_are_sent_to_log_in_and_back(client, db):
    response = client.get(USERS)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={USERS}"


def test_a_user_without_a_customer_sees_a_friendly_page(as_user, db):
    loner = UserFactory(email="loner@example.test")

    for url in (PROFILE, EDIT, USERS, ADDRESSES):
        response = as_user(loner).get(url)
        assert response.status_code == 200
        assert "You do not act for a customer yet" in _text(response)


def test_the_owner_sees_the_profile_with_edit_links(as_user, carol, carol_customer):
    response = as_user(carol).get(PROFILE)

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Carol Hosting SRL</h1>" in text
    assert "Your role: Owner" in text
    assert "RO 18547290" in text  # a VAT payer's CUI with its prefix
    assert EDIT in text
    assert BILLING in text
    assert "Str. Lungă 10" in text
    assert "Cluj, RO</address>" in text


@pytest.mark.parametrize("role", ["billing", "technical", "viewer"])
def test_other_roles_see_read_only_pages(as_user, carol_customer, role):
    member = member_of(carol_customer, email="member@customer.test", role=role)
    client = as_user(member)

    profile = _text(client.get(PROFILE))
    addresses = _text(client.get(ADDRESSES))
    users = _text(client.get(USERS))

    assert "Carol Hosting SRL" in profile
    assert EDIT not in profile
    assert BILLING not in profile
    assert ADDRESS_ADD not in addresses
    assert "Str. Lungă 10" in addresses
    assert "carol@customer.test" in users
    assert "Send invitation" not in users
    assert "/role/" not in users
    assert "Only owners can invite users, change roles and remove users." in users


@pytest.mark.parametrize("url", [EDIT, BILLING, ADDRESS_ADD])
def test_edit_pages_answer_403_to_members_who_may_not_edit(as_user, vic, url):
    response = as_user(vic).get(url)

    assert response.status_code == 403
    assert "Your role at Carol Hosting SRL is “Viewer”." in _text(response)


def test_a_viewer_posting_the_edit_form_changes_nothing(as_user, vic, carol_customer):
    response = as_user(vic).post(EDIT, {"name": "Hijacked SRL"})
    response_billing = as_user(vic).post(
        BILLING, {"currency": "EUR", "payment_terms_days": "30", "document_language": "en"}
    )

    assert (response.status_code, response_billing.status_code) == (403, 403)
    carol_customer.refresh_from_db()
    assert carol_customer.name == "Carol Hosting SRL"
    assert TaxProfile.objects.filter(customer=carol_customer).count() == 1


# --- company details and the tax profile ------------------------------------------------


def test_the_owner_edits_the_company_details(as_user, carol, carol_customer):
    response = as_user(carol).post(
        EDIT,
        {
            "name": "Carol Cloud SRL",
            "trade_name": "CarolCloud",
            "trade_register_number": "j12/345/2019",
            "iban": "RO49 AAAA 1B31 0075 9384 0000",
            "email": "Office@Carol.test",
            "phone": "0721 234 567",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == PROFILE
    carol_customer.refresh_from_db()
    assert (carol_customer.name, carol_customer.trade_name, carol_customer.trade_register_number) == (
        "Carol Cloud SRL",
        "CarolCloud",
        "J12/345/2019",
    )
    assert (carol_customer.iban, carol_customer.email, carol_customer.phone) == (
        "RO49AAAA1B31007593840000",
        "office@carol.test",
        "+40721234567",
    )
    # The fiscal identity is not on the form and stays as it was.
    assert (carol_customer.kind, carol_customer.country, carol_customer.tax_id) == (
        "company",
        "RO",
        "RO18547290",
    )
    event = AuditEvent.objects.get(action="customers.changed")
    assert event.actor == carol
    assert event.data["changes"]["name"] == ["Carol Hosting SRL", "Carol Cloud SRL"]


def test_bad_company_details_are_shown_next_to_their_fields_and_nothing_is_saved(
    as_user, carol, carol_customer
):
    response = as_user(carol).post(EDIT, {"name": "", "iban": "RO00 NOPE", "phone": "12"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."]
    carol_customer.refresh_from_db()
    assert carol_customer.iban == ""
    # With a name the service checks the identifiers and names each field.
    response = as_user(carol).post(EDIT, {"name": "Carol Hosting SRL", "iban": "RO00 NOPE", "phone": "12"})
    errors = response.context["form"].errors
    assert sorted(errors) == ["iban", "phone"]
    assert 'id="id_iban_error"' in _text(response)
    carol_customer.refresh_from_db()
    assert (carol_customer.iban, carol_customer.phone) == ("", "")
    assert not AuditEvent.objects.filter(action="customers.changed").exists()


def test_saving_the_tax_profile_adds_a_version(as_user, carol, carol_customer):
    response = as_user(carol).post(
        BILLING, {"invoice_email": "invoices@carol.test", "document_language": "en"}
    )

    assert response.status_code == 302
    versions = list(
        TaxProfile.objects.filter(customer=carol_customer)
        .order_by("version")
        .values_list("version", "invoice_email", "document_language", "created_by")
    )
    assert versions == [(1, "", "ro", versions[0][3]), (2, "invoices@carol.test", "en", carol.pk)]
    event = AuditEvent.objects.get(action="customers.profile_changed")
    assert event.data == {
        "version": 2,
        "changes": {"invoice_email": ["", "invoices@carol.test"], "document_language": ["ro", "en"]},
    }


def test_saving_the_same_tax_profile_adds_no_version(as_user, carol, carol_customer):
    as_user(carol).post(BILLING, {"invoice_email": "", "document_language": "ro"})

    assert TaxProfile.objects.filter(customer=carol_customer).count() == 1


def test_a_bad_tax_profile_names_the_field(as_user, carol, carol_customer):
    response = as_user(carol).post(BILLING, {"invoice_email": "nope", "document_language": "xx"})

    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["document_language", "invoice_email"]
    assert TaxProfile.objects.filter(customer=carol_customer).count() == 1


# --- addresses ------------------------------------------------------------


def test_the_owner_adds_an_address(as_user, carol, carol_customer):
    response = as_user(carol).post(
        ADDRESS_ADD,
        {
            "street": "Bd. Unirii 1",
            "city": "Sector 3",
            "postal_code": "030000",
            "county": "RO-B",
            "country": "RO",
        },
    )

    assert response.status_code == 302
    added = carol_customer.addresses.get(street="Bd. Unirii 1")
    assert (added.city, added.county, added.country, added.is_billing) == ("Sector 3", "RO-B", "RO", False)


def test_a_romanian_address_needs_a_county_code(as_user, carol, carol_customer):
    response = as_user(carol).post(
        ADDRESS_ADD, {"street": "Str. X 1", "city": "Cluj", "county": "", "country": "RO"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["county"] == [
        "Choose a Romanian county (ISO 3166-2:RO code such as RO-CJ, or RO-B for Bucharest)."
    ]
    assert carol_customer.addresses.count() == 1


def test_the_owner_edits_an_address(as_user, carol, carol_customer):
    address = carol_customer.addresses.get()
    url = reverse("customers:area-address-edit", args=[address.pk])

    form = as_user(carol).get(url)
    response = as_user(carol).post(
        url, {"street": "Str. Scurtă 2", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"}
    )

    assert form.context["form"].initial["street"] == "Str. Lungă 10"
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.street == "Str. Scurtă 2"


def test_the_only_billing_address_cannot_be_removed(as_user, carol, carol_customer):
    address = carol_customer.addresses.get()

    response = as_user(carol).post(reverse("customers:area-address-delete", args=[address.pk]), follow=True)

    assert "The billing address cannot be removed; change it instead." in _text(response)
    assert carol_customer.addresses.count() == 1


def test_removing_the_billing_address_moves_billing_to_the_next(as_user, carol, carol_customer):
    first = carol_customer.addresses.get()
    as_user(carol).post(
        ADDRESS_ADD, {"street": "Bd. Unirii 1", "city": "Sector 3", "county": "RO-B", "country": "RO"}
    )

    as_user(carol).post(reverse("customers:area-address-delete", args=[first.pk]))

    assert list(carol_customer.addresses.values_list("street", "is_billing")) == [("Bd. Unirii 1", True)]


def test_another_customers_address_is_404_and_unchanged(as_user, carol, carol_customer, dave_customer):
    daves = dave_customer.addresses.get()
    client = as_user(carol)

    edit = client.post(
        reverse("customers:area-address-edit", args=[daves.pk]),
        {"street": "Taken 1", "city": "Cluj-Napoca", "county": "RO-CJ", "country": "RO"},
    )
    delete = client.post(reverse("customers:area-address-delete", args=[daves.pk]))

    assert (edit.status_code, delete.status_code) == (404, 404)
    daves.refresh_from_db()
    assert daves.street == "Str. Lungă 10"
    assert Address.objects.filter(pk=daves.pk).exists()


# --- several customers ------------------------------------------------------------


@pytest.fixture
def carol_also_at_dave(carol, dave_customer):
    memberships.add_member(actor=None, customer=dave_customer, user=carol, role="technical")


def test_a_user_of_one_customer_sees_no_switcher(as_user, carol, carol_customer):
    text = _text(as_user(carol).get(PROFILE))

    assert SWITCH not in text
    assert "Acting for <strong>Carol Hosting SRL</strong>" in text


def test_a_user_of_two_customers_switches_between_them(
    as_user, carol, carol_customer, dave_customer, carol_also_at_dave
):
    client = as_user(carol)
    before = client.get(USERS)
    assert before.context["customer"] == carol_customer
    assert f'action="{SWITCH}"' in _text(before)
    assert f'<option value="{dave_customer.pk}" >Dave Web SRL</option>' in _text(before)

    response = client.post(SWITCH, {"customer": dave_customer.pk, "next": USERS})

    assert response["Location"] == USERS
    assert client.session[SESSION_KEY] == dave_customer.pk
    after = client.get(USERS)
    assert after.context["customer"] == dave_customer
    assert "Only owners can invite users" in _text(after)  # carol is technical at dave's


def test_switching_from_a_page_of_one_object_lands_on_the_company_page(
    as_user, carol, carol_customer, dave_customer, carol_also_at_dave
):
    address = carol_customer.addresses.get()
    next_url = reverse("customers:area-address-edit", args=[address.pk])

    response = as_user(carol).post(SWITCH, {"customer": dave_customer.pk, "next": next_url})

    assert response["Location"] == PROFILE


def test_switching_to_another_site_is_not_followed(as_user, carol, dave_customer, carol_also_at_dave):
    response = as_user(carol).post(SWITCH, {"customer": dave_customer.pk, "next": "https://evil.test/app/"})

    assert response["Location"] == PROFILE


def test_switching_to_a_customer_one_does_not_belong_to_is_404(as_user, carol, carol_customer, dave_customer):
    client = as_user(carol)

    response = client.post(SWITCH, {"customer": dave_customer.pk})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    assert client.get(USERS).context["customer"] == carol_customer


def test_a_stale_choice_falls_back_to_the_first_customer(
    as_user, carol, carol_customer, dave_customer, carol_also_at_dave
):
    client = as_user(carol)
    client.post(SWITCH, {"customer": dave_customer.pk})
    Membership.objects.filter(user=carol, customer=dave_customer).delete()

    response = client.get(USERS)

    assert response.context["customer"] == carol_customer


def test_a_deleted_customer_is_not_current(
    as_user, carol, carol_customer, dave_customer, carol_also_at_dave, alice_admin
):
    from praho.customers.services.customers import delete_customer

    client = as_user(carol)
    client.post(SWITCH, {"customer": dave_customer.pk})
    delete_customer(actor=alice_admin, customer=dave_customer)

    assert client.get(USERS).context["customer"] == carol_customer
    assert client.post(SWITCH, {"customer": dave_customer.pk}).status_code == 404


# --- accepting an invitation ------------------------------------------------------------


@pytest.fixture
def invited(carol, carol_customer, mailoutbox, django_capture_on_commit_callbacks):
    """(invitation, link) for erin@customer.test as billing, sent at 2026-03-02 09:00 UTC."""
    with (
        time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        invitation = memberships.invite_user(
            actor=carol, customer=carol_customer, email="erin@customer.test", role="billing"
        )
    link = re.search(r"http://127\.0\.0\.1:8700(/app/invitations/[^/\s]+/)", mailoutbox[-1].body).group(1)
    return invitation, link


NOW = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)


def test_opening_the_link_logged_out_asks_to_log_in_and_come_back(client, invited):
    _invitation, link = invited

    response = client.get(link)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={link}"


def test_the_invitee_sees_customer_role_and_expiry_and_accepts(as_user, erin, invited, carol_customer):
    _invitation, link = invited
    client = as_user(erin)

    with time_machine.travel(NOW, tick=False):
        page = client.get(link)
        accepted = client.post(link)
        # (The session expires relative to the frozen clock: read it inside.)
        current = client.session[SESSION_KEY]

    text = _text(page)
    assert "Join Carol Hosting SRL" in text
    assert "<dd>Billing</dd>" in text
    assert "<dd>9 Mar 2026 (in 4 days)</dd>" in text
    assert accepted["Location"] == PROFILE
    membership = Membership.objects.get(user=erin)
    assert (membership.customer, membership.role) == (carol_customer, "billing")
    assert current == carol_customer.pk


def test_a_used_link_says_so(as_user, erin, invited):
    _invitation, link = invited
    client = as_user(erin)
    with time_machine.travel(NOW, tick=False):
        client.post(link)
        response = client.get(link)

    assert response.status_code == 410
    assert "This invitation is not valid any more: it expired, was used or was withdrawn." in _text(response)
    assert Membership.objects.filter(user=erin).count() == 1


def test_an_expired_link_says_so_and_joins_nothing(as_user, erin, invited):
    _invitation, link = invited
    client = as_user(erin)

    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0, 1, tzinfo=dt.UTC), tick=False):
        page = client.get(link)
        post = client.post(link)

    assert (page.status_code, post.status_code) == (410, 410)
    assert "it expired, was used or was withdrawn" in _text(page)
    assert not Membership.objects.filter(user=erin).exists()


def test_a_withdrawn_link_says_so(as_user, carol, erin, invited):
    invitation, link = invited
    memberships.revoke_invitation(actor=carol, invitation=invitation)

    with time_machine.travel(NOW, tick=False):
        response = as_user(erin).get(link)

    assert response.status_code == 410


def test_someone_else_logged_in_is_told_which_address_was_invited(as_user, dave, invited, carol_customer):
    _invitation, link = invited
    client = as_user(dave)

    with time_machine.travel(NOW, tick=False):
        page = client.get(link)
        post = client.post(link)

    assert page.status_code == 200
    assert (
        "This invitation was sent to erin@customer.test, but you are logged in as dave@other-customer.test."
        in _text(page)
    )
    assert "Accept invitation" not in _text(page)
    assert post.status_code == 400
    assert "This invitation was sent to erin@customer.test. Log in with that address to accept it." in _text(
        post
    )
    assert not Membership.objects.filter(user=dave, customer=carol_customer).exists()


def test_an_unknown_token_says_the_link_cannot_be_used(as_user, erin):
    response = as_user(erin).get(reverse("customers:invitation-accept", args=["forged"]))

    assert response.status_code == 410


# --- the dashboard ------------------------------------------------------------


def test_the_dashboard_shows_the_current_customer_and_role(as_user, carol, carol_customer):
    text = _text(as_user(carol).get(reverse("customer-dashboard")))

    assert "Carol Hosting SRL" in text
    assert "Your role: Owner" in text
    assert PROFILE in text


# --- every page is sound ------------------------------------------------------------


def assert_sound(response, where):
    """Accessible and CSP-safe: labelled controls, errors tied to inputs, one h1, no inline scripts."""
    page = html_audit.read(response.content)
    assert page.inline_scripts == [], where
    assert page.external_urls == [], where
    assert page.h1_count == 1, where
    assert page.unlabelled_controls() == [], where
    assert page.dangling_describedby() == [], where
    assert page.duplicate_ids() == [], where
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in page.landmarks, where


def test_every_area_page_is_accessible(as_user, carol, carol_customer, carol_also_at_dave, invited):
    _invitation, link = invited
    memberships.invite_user(actor=carol, customer=carol_customer, email="fred@customer.test", role="viewer")
    address = carol_customer.addresses.get()
    client = as_user(carol)
    pages = [
        PROFILE,
        EDIT,
        BILLING,
        ADDRESSES,
        ADDRESS_ADD,
        reverse("customers:area-address-edit", args=[address.pk]),
        USERS,
        reverse("customer-dashboard"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_sound(response, url)
    for url, data in [
        (EDIT, {"name": "", "iban": "bad"}),
        (BILLING, {"invoice_email": "nope"}),
        (ADDRESS_ADD, {"country": "RO", "county": "Cluj"}),
        (USERS, {"email": "nope", "role": "viewer"}),
    ]:
        response = client.post(url, data)
        assert response.context["form"].errors, url
        assert_sound(response, f"POST {url}")
    erin = UserFactory(email="erin@customer.test")
    with time_machine.travel(NOW, tick=False):
        invitation_page = as_user(erin).get(link)
    assert invitation_page.status_code == 200
    assert_sound(invitation_page, link)
