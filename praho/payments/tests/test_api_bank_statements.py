"""POST /api/v1/bank-statements/ as an integrator would call it: 201 with what the statement
added, 200 with zeros for the same file again, 400 naming the problem, 403 for customers' users."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from praho.payments.models import BankTransaction
from praho.payments.tests.bank_steps import statement
from praho.testing.api import DENIED, bearer, error_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/bank-statements/"


def upload(client, data: bytes, name: str = "extras.xml", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)} | extra, format="multipart")


def test_an_upload_answers_what_it_added_and_the_same_file_again_adds_nothing(bill_billing, proforma):
    client = bearer(bill_billing)
    data = statement(
        {"amount": "121.00", "remittance": proforma.number, "reference": "A"},
        {"amount": "5.00", "remittance": "nimic", "reference": "B"},
    )
    first = upload(client, data)
    assert first.status_code == 201
    body = first.json()
    assert body == {
        "id": body["id"],
        "format": "camt.053.001.08",
        "transactions": 2,
        "matched": 1,
        "unmatched": 1,
    }
    again = upload(client, data)
    assert (again.status_code, again.json()) == (
        200,
        {"id": body["id"], "format": "camt.053.001.08", "transactions": 0, "matched": 0, "unmatched": 0},
    )
    assert BankTransaction.objects.count() == 2


def test_a_malformed_file_is_400_naming_the_problem(bill_billing, billing_ready):
    response = upload(bearer(bill_billing), b"<?xml version='1.0'?><Document><BkToCstmrStmt>", "bad.xml")
    assert response.status_code == 400
    error = error_of(response)
    assert list(error["fields"]) == ["file"]
    assert error["fields"]["file"][0].startswith("The XML is not well-formed")


def test_no_file_or_an_unknown_field_is_400(bill_billing, billing_ready):
    client = bearer(bill_billing)
    missing = client.post(URL, {}, format="multipart")
    assert (missing.status_code, list(error_of(missing)["fields"])) == (400, ["file"])
    extra = upload(client, statement({"amount": "1.00"}), note="x")
    assert (extra.status_code, list(error_of(extra)["fields"])) == (400, ["note"])
    assert not BankTransaction.objects.exists()


def test_customers_users_and_staff_without_the_permission_get_403(carol, sam_sales, billing_ready):
    for user in (carol, sam_sales):
        response = upload(bearer(user), statement({"amount": "1.00"}))
        assert (response.status_code, error_of(response)) == (403, DENIED)
    assert not BankTransaction.objects.exists()


def test_anonymous_is_401(client):
    assert client.post(URL, {}).status_code == 401


def test_an_mt940_statement_is_imported_too(bill_billing, billing_ready):
    from praho.testing.statements import mt940

    data = mt940([{"amount": Decimal("10.00"), "remittance": "avans", "bank_reference": "REF1"}])
    response = upload(bearer(bill_billing), data, "extras.sta")
    assert response.status_code == 201
    assert (response.json()["format"], response.json()["transactions"]) == ("mt940", 1)


def test_a_file_over_20_mb_is_refused_before_it_is_read(bill_billing, billing_ready, settings):
    response = upload(bearer(bill_billing), b"x" * (20 * 1024 * 1024 + 1), "huge.xml")
    assert response.status_code == 400
    assert error_of(response)["fields"] == {"file": ["The file is larger than 20 MB."]}
