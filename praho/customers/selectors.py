"""Read queries for customers. Isolation is decided here: every page and
endpoint that a user reaches gets its customers from `customers_visible_to`."""

from __future__ import annotations

from django.db.models import Case, OuterRef, Prefetch, QuerySet, Subquery, When
from django.http import Http404
from django.utils import timezone

from praho.accounts.models import User
from praho.customers.models import (
    Address,
    ChangeRequest,
    ChangeRequestStatus,
    Customer,
    Invitation,
    Membership,
    TaxProfile,
    searchable_text,
)

SEARCH_LIMIT = 20
MIN_SEARCH_LENGTH = 3


def customers_visible_to(user: User, *, include_deleted: bool = False) -> QuerySet[Customer]:
    """Staff who may view customers see all of them; anyone else only the customers they belong to.

    Deleted customers are hidden from everyone, unless an admin asks for them.
    """
    if user.is_staff and user.has_perm("customers.view_customer"):
        customers = Customer.objects.all()
        if not (include_deleted and user.has_perm("customers.restore_customer")):
            customers = customers.active()
        return customers
    if user.is_staff:
        return Customer.objects.none()
    return Customer.objects.active().filter(memberships__user=user)


def customer_for(user: User, customer_id: int | str, *, include_deleted: bool = False) -> Customer:
    """The customer if the user may see it; 404 otherwise, so ids reveal nothing."""
    try:
        return customers_visible_to(user, include_deleted=include_deleted).get(pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _search_terms(query: str) -> list[str]:
    """Words of the query, normalised like Customer.search_text.

    Consecutive digit groups are one number, so a phone typed the national way
    ("0721 234 567") becomes "721234567", which the stored E.164 form
    ("+40721234567", kept without the plus) contains; "RO 18547290" and
    "18547290" both find the CUI.
    """
    terms: list[str] = []
    digits = ""
    for word in [*searchable_text(query).split(), ""]:
        word = word.strip(".,;:()+-/")
        if word.isdigit():
            digits += word
            continue
        if digits:
            terms.append(digits.lstrip("0") or "0")
            digits = ""
        if word:
            terms.append(word)
    return terms


def searchable(query: str) -> bool:
    """Whether a query is specific enough to search: one word of MIN_SEARCH_LENGTH characters.

    PostgreSQL's trigram index needs three characters; shorter words alone
    would scan every customer.
    """
    return any(len(term) >= MIN_SEARCH_LENGTH for term in _search_terms(query))


def search_customers(user: User, query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose name, trade name, tax id, email or phone contain every word of the query.

    Names starting with the first word come first, then by name. Three
    queries: the customers, their newest profiles and billing addresses. On
    PostgreSQL the trigram index on search_text answers the LIKE '%word%'
    conditions. A query that is not `searchable` finds nothing.
    """
    if not searchable(query):
        return []
    return list(customer_list(user, query=query)[:limit])


def current_profiles() -> QuerySet[TaxProfile]:
    """The tax profile in force of every customer: its highest version.

    The one definition of "current profile": a single customer's (current_profile), a
    list's (with_current_profile), a batch's (billing) and the next version's base all
    read it from here.
    """
    newest_version = (
        TaxProfile.objects.filter(customer=OuterRef("customer")).order_by("-version").values("version")[:1]
    )
    return TaxProfile.objects.filter(version=Subquery(newest_version))


def current_profile_or_none(customer: Customer) -> TaxProfile | None:
    """The customer's current tax profile (one query); None before the first is saved."""
    return current_profiles().filter(customer=customer).first()


def current_profile(customer: Customer) -> TaxProfile:
    """The customer's current tax profile (one query); every customer has one."""
    profile = current_profile_or_none(customer)
    if profile is None:
        raise TaxProfile.DoesNotExist(f"{customer} has no tax profile")
    return profile


def with_current_profile(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Attach each customer's newest tax profile as `current_profiles` (one extra query in all)."""
    return customers.prefetch_related(
        Prefetch("tax_profiles", queryset=current_profiles(), to_attr="current_profiles")
    )


def customer_list(
    user: User,
    *,
    query: str = "",
    kind: str = "",
    country: str = "",
    vies_status: str = "",
    deleted: bool = False,
) -> QuerySet[Customer]:
    """The staff list and the API list: filters, search words, newest profile and billing address."""
    customers = customers_visible_to(user, include_deleted=deleted)
    if deleted:
        customers = customers.filter(deleted_at__isnull=False)
    if kind:
        customers = customers.filter(kind=kind)
    if country:
        customers = customers.filter(country=country.upper())
    if vies_status:
        customers = customers.filter(vies_status=vies_status)
    terms = _search_terms(query)
    for term in terms:
        customers = customers.filter(search_text__contains=term)
    if terms:
        # Ordering by an expression also keeps PostgreSQL on the trigram index
        # rather than walking the (name, id) index hoping to meet matches early.
        starts_with_first = Case(When(search_text__startswith=terms[0], then=0), default=1)
        customers = customers.order_by(starts_with_first, "name", "id")
    return with_current_profile(customers).prefetch_related(
        Prefetch("addresses", queryset=Address.objects.filter(is_billing=True), to_attr="billing_addresses")
    )


def memberships_of(customer: Customer) -> QuerySet[Membership]:
    return customer.memberships.select_related("user").order_by("user__email")


def memberships_for_user(user: User) -> QuerySet[Membership]:
    """The customers a user acts for, for the customer switcher."""
    return (
        Membership.objects.filter(user=user, customer__deleted_at__isnull=True)
        .select_related("customer")
        .order_by("customer__name", "customer_id")
    )


def pending_invitations(customer: Customer) -> QuerySet[Invitation]:
    return (
        customer.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("email", "id")
    )


def change_requests_of(customer: Customer) -> QuerySet[ChangeRequest]:
    """A customer's change requests, newest first, with who asked and who decided."""
    return customer.change_requests.select_related("requested_by", "decided_by").order_by(
        "-created_at", "-id"
    )


def change_requests_to_decide(status: str = ChangeRequestStatus.PENDING) -> QuerySet[ChangeRequest]:
    """Staff's list: requests of customers that are not deleted, in one status ("" for all);
    pending ones oldest first (first asked, first decided), the others newest first."""
    requests = ChangeRequest.objects.filter(customer__deleted_at__isnull=True)
    if status:
        requests = requests.filter(status=status)
    order = ("created_at", "id") if status == ChangeRequestStatus.PENDING else ("-created_at", "-id")
    return requests.select_related("customer", "requested_by", "decided_by").order_by(*order)
