"""Card payments under /staff/payments/: the list with what was refunded of each, and refunding
one (all or part, optionally with a credit note) through Stripe."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from praho.core.http import AuthenticatedHttpRequest
from praho.core.paginator import DeferredJoinPaginator
from praho.core.validation import add_service_errors
from praho.payments import selectors
from praho.payments.models import RefundStatus
from praho.payments.services.card_refunds import refund_card_payment, refundable_now
from praho.payments.web.staff.forms import RefundForm

PAGE_SIZE = 50
TEMPLATES = "payments/staff/"


@permission_required("payments.view_cardrefund", raise_exception=True)
def card_payments(request: AuthenticatedHttpRequest) -> HttpResponse:
    page_obj = DeferredJoinPaginator(selectors.card_payments(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, TEMPLATES + "card_payments.html", {"page_obj": page_obj, "payments": list(page_obj)}
    )


@permission_required("payments.refund_card_payment", raise_exception=True)
def refund(request: AuthenticatedHttpRequest, payment_id: int) -> HttpResponse:
    payment = get_object_or_404(selectors.card_payments(), pk=payment_id)
    left = refundable_now(payment)
    form = RefundForm(request.POST if request.method == "POST" else None, initial={"amount": left})
    if request.method == "POST" and form.is_valid():
        try:
            made = refund_card_payment(actor=request.user, payment=payment, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if made.status == RefundStatus.SUCCEEDED:
                messages.success(
                    request,
                    _("Refunded %(amount)s %(currency)s.")
                    % {"amount": made.amount, "currency": made.currency},
                )
            else:
                messages.warning(
                    request,
                    _("Stripe did not answer yet; PRAHO asks again and records the refund once it is made."),
                )
            return redirect("payments:staff-refund", payment_id=payment.pk)
    context: dict[str, Any] = {
        "payment": payment,
        "left": left,
        "form": form,
        "refunds": selectors.refunds_of(payment),
    }
    return render(request, TEMPLATES + "refund.html", context)
