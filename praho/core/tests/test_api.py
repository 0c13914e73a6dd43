"""Every API error leaves in one shape, with the request ID of its response."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from praho.core.api.errors import _django_validation_to_drf

pytestmark = pytest.mark.django_db

TEST_URLS = "praho.core.tests.api_error_urls"


def error_of(response) -> dict:
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_a_serializer_error_lists_messages_per_field_and_keeps_nesting(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.post("/api/test/customers/", {"address": {"county": "Ilfov"}}, format="json")

    assert response.status_code == 400
    assert error_of(response) == {
        "status": 400,
        "code": "invalid",
        "message": "Some fields are not valid.",
        "fields": {
            "name": ["This field is required."],
            "address": {"county": ["Ensure this field has no more than 2 characters."]},
        },
        "request_id": response["X-Request-ID"],
    }


def test_a_django_validation_error_of_a_field_becomes_a_400_with_that_field(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.post("/api/test/service-field-error/", {}, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {"vat_number": ["Not a Romanian VAT number."]}


def test_a_django_validation_error_without_a_field_becomes_non_field_errors(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.post("/api/test/service-error/", {}, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"non_field_errors": ["The invoice is already issued."]}


def test_malformed_json_is_a_400_without_fields(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.post("/api/test/customers/", "{not json", content_type="application/json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parse_error"
    assert error["message"].startswith("JSON parse error")
    assert "fields" not in error


def test_an_object_that_does_not_exist_is_a_404_that_does_not_name_the_model(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.get("/api/test/users/999999/")

    assert response.status_code == 404
    assert error_of(response) == {
        "status": 404,
        "code": "not_found",
        "message": "Not found.",
        "request_id": response["X-Request-ID"],
    }


def test_a_django_permission_denied_is_a_403_in_the_error_shape(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.get("/api/test/denied/")

    assert response.status_code == 403
    assert error_of(response) == {
        "status": 403,
        "code": "permission_denied",
        "message": "You do not have permission to perform this action.",
        "request_id": response["X-Request-ID"],
    }


def test_a_wrong_method_is_a_405_in_the_error_shape(api, settings):
    settings.ROOT_URLCONF = TEST_URLS

    response = api.delete("/api/test/customers/")

    assert response.status_code == 405
    assert error_of(response) == {
        "status": 405,
        "code": "method_not_allowed",
        "message": 'Method "DELETE" not allowed.',
        "request_id": response["X-Request-ID"],
    }


def test_a_wrong_method_on_a_real_endpoint_is_a_405(api):
    response = api.get("/api/v1/auth/token/")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_an_unknown_api_route_is_a_404_in_the_error_shape(api):
    response = api.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert error_of(response) == {
        "status": 404,
        "code": "not_found",
        "message": "Not found.",
        "request_id": response["X-Request-ID"],
    }


def test_an_unknown_page_outside_the_api_stays_an_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_a_crash_in_the_api_is_a_500_in_the_error_shape(settings, caplog):
    settings.ROOT_URLCONF = TEST_URLS
    client = Client(raise_request_exception=False, HTTP_X_REQUEST_ID="crash-request-0001")

    response = client.get("/api/test/crash/")

    assert response.status_code == 500
    assert error_of(response) == {
        "status": 500,
        "code": "server_error",
        "message": "A server error occurred.",
        "request_id": "crash-request-0001",
    }
    # The crash is still logged for operators, with its traceback.
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "ERROR"
    assert record.exc_info[0] is RuntimeError


def test_a_crash_outside_the_api_stays_an_html_500(settings):
    settings.ROOT_URLCONF = TEST_URLS
    client = Client(raise_request_exception=False)

    response = client.get("/page-crash/")

    assert response.status_code == 500
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_unauthenticated_is_a_401_with_the_authenticate_header(api):
    response = api.patch("/api/v1/me/", {"language": "ro"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "not_authenticated"


def test_the_request_id_in_the_error_is_the_one_the_client_sent(db):
    api = APIClient(HTTP_X_REQUEST_ID="client-chosen-id-42")

    response = api.get("/api/v1/me/")

    assert response["X-Request-ID"] == "client-chosen-id-42"
    assert error_of(response)["request_id"] == "client-chosen-id-42"


def test_dotted_service_keys_nest_and_keep_their_codes():
    error = ValidationError(
        {
            "address.county": [ValidationError("bad county", code="county")],
            "tax_id": [ValidationError("bad cui", code="checksum")],
        }
    )

    detail = _django_validation_to_drf(error).detail

    assert detail == {"address": {"county": ["bad county"]}, "tax_id": ["bad cui"]}
    assert (detail["address"]["county"][0].code, detail["tax_id"][0].code) == ("county", "checksum")


def test_a_service_error_without_a_field_becomes_non_field_errors():
    detail = _django_validation_to_drf(
        ValidationError("The billing address cannot be removed.", code="billing_address")
    ).detail

    assert detail == {"non_field_errors": ["The billing address cannot be removed."]}
    assert detail["non_field_errors"][0].code == "billing_address"
