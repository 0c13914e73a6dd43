"""The recovery codes page after setting up TOTP (issue 12, item 11): allauth's page put the codes'
label apart from them, ran its buttons together and offered no way on. PRAHO's own template
(praho/templates/mfa/recovery_codes/index.html) labels the codes, groups the actions and ends with
"Continue"."""

from __future__ import annotations

import re

import pytest

from praho.accounts.tests import html_audit
from praho.accounts.tests.steps import activate_totp, log_in, new_browser

pytestmark = pytest.mark.django_db


def test_after_setting_up_totp_the_codes_are_labelled_and_the_page_leads_on(carol):
    browser = new_browser()
    log_in(browser, carol.email)
    activated = activate_totp(browser)

    page = browser.get(activated["Location"])

    assert activated["Location"] == "/accounts/2fa/recovery-codes/"
    html = page.content.decode()
    labelled = (
        r'<div class="field recovery-codes">\s*<label for="recovery_codes">Unused codes</label>\s*'
        r'<textarea id="recovery_codes"[^>]*>([^<]*)</textarea>'
    )
    field = re.search(labelled, html)
    assert field
    assert len(field.group(1).split()) == 10
    actions = re.search(r'<p class="page-actions">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r'<a class="(button[^"]*)" href="([^"]+)">([^<]+)</a>', actions) == [
        ("button secondary", "/accounts/2fa/recovery-codes/download/", "Download codes"),
        ("button secondary", "/accounts/2fa/recovery-codes/generate/", "Generate new codes"),
        ("button", "/", "Continue"),
    ]
    audit = html_audit.read(page.content)
    assert (audit.inline_scripts, audit.h1_count, audit.unlabelled_controls()) == ([], 1, [])
