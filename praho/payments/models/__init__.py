from praho.payments.models.bank import (
    BankAllocation,
    BankStatement,
    BankTransaction,
    MatchRule,
    TransactionStatus,
)
from praho.payments.models.stripe import (
    CardRefund,
    CheckoutSession,
    CheckoutStatus,
    Dispute,
    RefundStatus,
    StripeCustomer,
)

__all__ = [
    "BankAllocation",
    "BankStatement",
    "BankTransaction",
    "CardRefund",
    "CheckoutSession",
    "CheckoutStatus",
    "Dispute",
    "MatchRule",
    "RefundStatus",
    "StripeCustomer",
    "TransactionStatus",
]
