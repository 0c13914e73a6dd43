"""What the API refuses before any view looks at it (issue 11, items 16 and 19): bodies nested too
deep or too large, malformed page numbers; and what it tells caches (Cache-Control: no-store)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from praho.core.parsers import MAX_JSON_DEPTH
from praho.testing.api import bearer

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"].pop("request_id") == response["X-Request-ID"]
    return body["error"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- JSON nesting (item 16) ------------------------------------------------------------------


def test_json_nested_deeper_than_python_can_parse_is_a_400_parse_error_not_a_500():
    response = APIClient().post(TOKEN_URL, nested(100_000), content_type="application/json")

    assert response.status_code == 400
    assert error_of(response) == {
        "status": 400,
        "code": "parse_error",
        "message": f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.",
    }


def test_json_nested_just_beyond_the_bound_is_refused_in_objects_too():
    body = '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)

    response = APIClient().post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_json_nested_up_to_the_bound_is_parsed_and_answered_by_the_view():
    body = '{"email": "x@example.test", "password": "p", "otp": ' + nested(MAX_JSON_DEPTH - 1) + "}"

    response = APIClient().post(TOKEN_URL, body, content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"otp": ["Not a valid string."]}


# --- Bodies over Django's size limits (item 19) ---------------------------------------------


def test_a_body_over_the_size_limit_is_a_413_in_the_error_shape(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = APIClient().post(TOKEN_URL, {"email": "x@example.test", "password": "p" * 2000}, format="json")

    assert response.status_code == 413
    assert error_of(response) == {
        "status": 413,
        "code": "request_too_large",
        "message": "The request body is larger than the 1000 bytes allowed.",
    }


def test_a_form_with_too_many_fields_is_a_400_in_the_error_shape(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    form = "&".join(f"f{index}=1" for index in range(20))

    response = APIClient().post(TOKEN_URL, form, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert error_of(response) == {
        "status": 400,
        "code": "too_many_fields",
        "message": "The request has more than the 10 fields allowed.",
    }


def test_a_query_string_with_too_many_parameters_is_a_400_in_the_error_shape(settings, bill_billing):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    query = "&".join(f"f{index}=1" for index in range(20))

    response = bearer(bill_billing).get(f"/api/v1/invoices/?{query}")

    assert response.status_code == 400
    assert error_of(response)["code"] == "too_many_fields"


# --- Page numbers (item 19) ------------------------------------------------------------------


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "\uff11", "\u0663", "1_0"])
def test_a_page_that_is_not_a_positive_integer_is_a_400_invalid_page(bill_billing, page):
    response = bearer(bill_billing).get("/api/v1/invoices/", {"page": page})

    assert response.status_code == 400
    assert error_of(response) == {
        "status": 400,
        "code": "invalid_page",
        "message": "Some fields are not valid.",
        "fields": {"page": ["Enter a page number: 1, 2, 3..."]},
    }


@pytest.mark.parametrize("size", ["0", "-5", "abc", "\uff12"])
def test_a_page_size_that_is_not_a_positive_integer_is_a_400(bill_billing, size):
    response = bearer(bill_billing).get("/api/v1/invoices/", {"page_size": size})

    assert response.status_code == 400
    assert error_of(response) == {
        "status": 400,
        "code": "invalid_page",
        "message": "Some fields are not valid.",
        "fields": {"page_size": ["Enter a page size between 1 and 200."]},
    }


def test_a_page_past_the_last_stays_a_404_as_documented(bill_billing):
    response = bearer(bill_billing).get("/api/v1/invoices/", {"page": "2"})

    assert response.status_code == 404
    assert error_of(response) == {"status": 404, "code": "not_found", "message": "Invalid page."}


def test_the_first_page_and_the_last_page_are_answered(bill_billing):
    client = bearer(bill_billing)

    assert client.get("/api/v1/invoices/", {"page": "1", "page_size": "5"}).status_code == 200
    assert client.get("/api/v1/invoices/", {"page": "last"}).status_code == 200


def test_the_schema_documents_the_page_parameters(alice_admin):
    client = APIClient()
    client.force_login(alice_admin)
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()

    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/invoices/"]["get"]["parameters"]}
    assert parameters["page"]["description"] == (
        "A page number (1, 2, 3...) or last. Anything else is a 400 (invalid_page); "
        "a page past the last is a 404 (not_found)."
    )
    assert parameters["page_size"]["description"] == (
        "Results per page, 1 to 200 (default 50). Anything else is a 400 (invalid_page)."
    )


# --- Cache-Control (item 19) -----------------------------------------------------------------


def test_an_authenticated_api_response_is_not_stored_by_caches(carol):
    response = bearer(carol).get("/api/v1/me/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_an_authenticated_api_error_is_not_stored_either(carol):
    response = bearer(carol).get("/api/v1/invoices/999999/")

    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_tokens_are_not_stored_by_caches(carol, password):
    response = APIClient().post(TOKEN_URL, {"email": carol.email, "password": password}, format="json")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_page_of_a_logged_in_user_is_not_stored_by_caches(client, carol):
    client.force_login(carol)

    response = client.get("/app/profile/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_page_keeps_the_cache_control_its_view_set(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
