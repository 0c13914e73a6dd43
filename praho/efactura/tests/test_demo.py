"""`manage.py demo` validates the demo's invoices and credit notes offline with the staged
artifacts, and the development settings find those artifacts beside the repository."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command

from praho.efactura.models import Submission, SubmissionState
from praho.efactura.tests.ubl_builders import require_validation_artifacts

State = SubmissionState
STAGED = Path(django_settings.BASE_DIR).parent / "shared" / "efactura"
# The demo seller's documents of 2026-03-02 (praho/efactura/tests/test_ubl.py checks their XML).
DEMO_DAY = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def run_demo() -> str:
    output = StringIO()
    with time_machine.travel(DEMO_DAY, tick=False):
        call_command("demo", stdout=output)
    return output.getvalue()


@pytest.mark.django_db
def test_the_demo_validates_its_invoices_and_credit_notes_with_the_staged_artifacts(settings):
    require_validation_artifacts()

    output = run_demo()

    assert (
        "e-Factura: 14 invoices and credit notes validated with CIUS-RO 1.0.9: 14 valid, 0 invalid, "
        "0 not validated." in output
    )
    # The 14 of billing's demo, then the invoice of the demo's paid order (orders.demo, which runs
    # after e-Factura's demo and validates what it issued the same way) and the two of
    # provisioning's demo (a VPS and a HestiaCP plan, paid to be created on the fake panels).
    submissions = Submission.objects.all()
    assert [(s.state, s.validation["state"], s.validation["validator"]) for s in submissions] == [
        (State.VALIDATED, "valid", "CIUS-RO 1.0.9")
    ] * 17
    assert {s.last_error for s in submissions} == {""}


@pytest.mark.django_db
def test_running_the_demo_again_validates_nothing_twice(settings):
    require_validation_artifacts()
    run_demo()
    validated_at = dict(Submission.objects.values_list("pk", "validated_at"))

    output = run_demo()

    assert "17 invoices and credit notes validated with CIUS-RO 1.0.9: 17 valid" in output
    assert dict(Submission.objects.values_list("pk", "validated_at")) == validated_at


@pytest.mark.django_db
def test_without_artifacts_the_demo_asks_nobody_and_says_so(settings):
    settings.EFACTURA_VALIDATION_DIR = ""

    output = run_demo()

    assert "e-Factura: the demo's documents were not validated: EFACTURA_VALIDATION_DIR is not set" in output
    assert not Submission.objects.exists()


def dev_setting(**environment: str) -> str:
    """EFACTURA_VALIDATION_DIR as praho.settings.dev sets it in a fresh interpreter."""
    env = {key: value for key, value in os.environ.items() if key != "EFACTURA_VALIDATION_DIR"}
    loaded = subprocess.run(
        [sys.executable, "-c", "import praho.settings.dev as s; print(s.EFACTURA_VALIDATION_DIR)"],
        env={**env, **environment},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return loaded.stdout.strip()


def test_the_development_settings_use_the_artifacts_staged_beside_the_repository():
    if not STAGED.is_dir():
        pytest.skip(f"no artifacts staged at {STAGED} on this machine")

    assert dev_setting() == str(STAGED)


def test_a_validation_directory_set_in_the_environment_wins_over_the_staged_one(tmp_path):
    assert dev_setting(EFACTURA_VALIDATION_DIR=str(tmp_path)) == str(tmp_path)
    assert dev_setting(EFACTURA_VALIDATION_DIR="") == ""  # set empty: ANAF's service, on purpose
