"""/api/v1/schema/, /api/v1/docs/ and /api/v1/redoc/: served from our own host only."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[3]
EXTERNAL_URL = re.compile(rb"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(rb"<style\b|\sstyle=", re.IGNORECASE)
API_PATHS = {
    "/api/v1/auth/token/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/me/",
    "/api/v1/users/{user_id}/revoke-tokens/",
    "/api/v1/customers/",
    "/api/v1/customers/{customer_id}/",
    "/api/v1/customers/{customer_id}/users/",
    "/api/v1/customers/{customer_id}/users/{membership_id}/",
    "/api/v1/customers/{customer_id}/balance/",
    "/api/v1/customers/{customer_id}/change-requests/",
    "/api/v1/customers/{customer_id}/change-requests/{request_id}/",
    "/api/v1/customers/{customer_id}/change-requests/{request_id}/cancel/",
    "/api/v1/customers/{customer_id}/change-requests/{request_id}/approve/",
    "/api/v1/customers/{customer_id}/change-requests/{request_id}/reject/",
    "/api/v1/invoices/",
    "/api/v1/invoices/{invoice_id}/",
    "/api/v1/invoices/issue/",
    "/api/v1/invoices/{invoice_id}/issue/",
    "/api/v1/invoices/{invoice_id}/credit-note/",
    "/api/v1/invoices/{invoice_id}/pdf/",
    "/api/v1/invoices/{invoice_id}/efactura.xml",
    "/api/v1/proformas/",
    "/api/v1/proformas/{proforma_id}/",
    "/api/v1/proformas/{proforma_id}/issue/",
    "/api/v1/proformas/{proforma_id}/convert/",
    "/api/v1/proformas/{proforma_id}/cancel/",
    "/api/v1/proformas/{proforma_id}/pdf/",
    "/api/v1/credit-notes/",
    "/api/v1/credit-notes/{credit_note_id}/",
    "/api/v1/credit-notes/{credit_note_id}/pdf/",
    "/api/v1/credit-notes/{credit_note_id}/efactura.xml",
    "/api/v1/payments/",
    "/api/v1/payments/{payment_id}/",
    "/api/v1/exchange-rates/",
    # catalog and orders (issue 13)
    "/api/v1/catalog/",
    "/api/v1/catalog/plans/{plan}/",
    "/api/v1/orders/",
    "/api/v1/orders/{order_id}/",
    "/api/v1/orders/{order_id}/cancel/",
    "/api/v1/orders/{order_id}/approve/",
    "/api/v1/orders/{order_id}/refuse/",
    "/api/v1/services/",
    "/api/v1/services/{service_id}/",
    "/api/v1/services/{service_id}/suspend/",
    "/api/v1/services/{service_id}/unsuspend/",
    "/api/v1/services/{service_id}/terminate/",
    "/api/v1/services/{service_id}/change-plan/",
    "/api/v1/services/{service_id}/change-plan/preview/",
    "/api/v1/services/{service_id}/cancel/",
    "/api/v1/customers/{customer_id}/entitlements/",
    "/api/v1/bank-statements/",
    "/api/v1/billing-runs/",
}


def test_the_schema_is_an_openapi_3_document_as_json(client):
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi+json"
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "PRAHO API"
    assert set(schema["paths"]) == API_PATHS


def test_the_schema_is_served_as_json_for_the_accept_header(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert set(response.json()["paths"]) == API_PATHS


def test_the_schema_is_yaml_by_default(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.oai.openapi; charset=utf-8"
    assert set(yaml.safe_load(response.content)["paths"]) == API_PATHS


def test_the_schema_documents_methods_responses_and_the_error_shape(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    paths = schema["paths"]
    assert set(paths["/api/v1/auth/token/"]) == {"post"}
    assert set(paths["/api/v1/auth/token/refresh/"]) == {"post"}
    assert set(paths["/api/v1/me/"]) == {"get", "patch"}
    assert set(paths["/api/v1/auth/token/"]["post"]["responses"]) == {"200", "400", "401", "403", "429"}
    assert set(paths["/api/v1/me/"]["patch"]["responses"]) == {"200", "400", "401", "403"}
    components = schema["components"]["schemas"]
    assert set(components["TokenPair"]["properties"]) == {"access", "refresh"}
    assert set(components["TokenObtainRequest"]["properties"]) == {"email", "password", "otp"}
    assert set(components["Error"]["properties"]) == {"status", "code", "message", "fields", "request_id"}
    assert components["Me"]["properties"]["second_factor"]["type"] == "boolean"
    assert components["Me"]["properties"]["roles"] == {
        "type": "array",
        "items": {"type": "string"},
        "readOnly": True,
    }
    assert set(schema["components"]["securitySchemes"]) == {"jwtAuth", "cookieAuth"}


def test_the_swagger_page_uses_only_local_assets_and_no_inline_code(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content
    assert EXTERNAL_URL.findall(html) == []
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    scripts = re.findall(rb'<script src="([^"]+)"', html)
    assert scripts == [
        b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        b"/api/v1/docs/?script=",
    ]
    assert b'href="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css"' in html


def test_the_swagger_page_is_covered_by_the_strict_csp(client):
    response = client.get("/api/v1/docs/")

    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp + ";"
    assert "unsafe-inline" not in csp


def test_the_swagger_script_endpoint_serves_the_initialising_javascript(client):
    response = client.get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert b"SwaggerUIBundle(" in response.content
    assert b'"/api/v1/schema/"' in response.content


def test_the_redoc_page_uses_only_local_assets_and_no_inline_code(client):
    response = client.get("/api/v1/redoc/")

    assert response.status_code == 200
    html = response.content
    assert EXTERNAL_URL.findall(html) == []
    assert b"googleapis" not in html
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    assert re.findall(rb'<script src="([^"]+)"', html) == [
        b"/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
    ]


@pytest.mark.parametrize(
    "asset",
    [
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
        "core/api-docs.css",
    ],
)
def test_the_docs_assets_exist_as_static_files(asset):
    from django.contrib.staticfiles import finders

    assert finders.find(asset) is not None


def test_the_schema_generates_without_warnings():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--settings=praho.settings.test",
            "--file=/dev/null",
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")


def test_the_redoc_page_relaxes_only_styles_and_workers_not_scripts(client):
    response = client.get("/api/v1/redoc/")

    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["worker-src"] == "'self' blob:"
