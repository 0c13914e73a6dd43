from praho.payments.models.stripe import (
    CardRefund,
    CheckoutSession,
    CheckoutStatus,
    Dispute,
    RefundStatus,
    StripeCustomer,
)

__all__ = ["CardRefund", "CheckoutSession", "CheckoutStatus", "Dispute", "RefundStatus", "StripeCustomer"]
