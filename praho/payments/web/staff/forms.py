"""The refund form: it only shapes input; the service checks the rest (services.card_refunds)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from praho.payments.services.card_refunds import REASON_MAX


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to refund"), max_digits=14, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX + 1000, strip=True)
    with_credit_note = forms.BooleanField(
        label=_("Issue a credit note for the invoice"),
        required=False,
        help_text=_(
            "Credits what is left of the invoice: what the customer paid becomes their credit, the refund "
            "pays it out, and whatever is not refunded stays as credit. Without it the invoice owes the "
            "refunded amount again."
        ),
    )
