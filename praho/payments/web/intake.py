"""POST /webhooks/stripe/: Stripe's deliveries. The signature is checked with the stripe
library (`Stripe-Signature`: t=…,v1=HMAC-SHA256 of "{t}.{body}" keyed by STRIPE_WEBHOOK_SECRET,
within STRIPE_WEBHOOK_TOLERANCE_SECONDS); a bad or missing one is 400 and nothing is stored. A good
one is stored raw in the inbox and answered 200 at once; a worker processes it after commit."""

from __future__ import annotations

import json

import stripe
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from praho.inbox import services as inbox

SOURCE = "stripe"


def _refused(message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": "bad_webhook", "message": message}}, status=400)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    header = request.headers.get("Stripe-Signature", "")
    if not settings.STRIPE_WEBHOOK_SECRET:  # nothing can be verified: nothing is stored
        return _refused("Stripe webhooks are not set up here (no STRIPE_WEBHOOK_SECRET).")
    if not header:
        return _refused("Missing Stripe-Signature header.")
    try:
        payload = request.body.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            payload,
            header,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
        event = json.loads(payload)
        event_id, event_type = str(event["id"]), str(event["type"])
    except stripe.SignatureVerificationError:
        return _refused("The Stripe-Signature does not match the payload, or is too old.")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return _refused("The payload is not a Stripe event.")
    try:
        intake = inbox.receive(source=SOURCE, event_id=event_id, event_type=event_type, payload=payload)
    except ValidationError as error:
        return _refused("; ".join(error.messages))
    return JsonResponse({"received": True, "duplicate": not intake.created})
