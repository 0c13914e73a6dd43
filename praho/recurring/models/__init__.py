from praho.recurring.models.dunning import (
    AutoCharge,
    BillingPreference,
    ChargeStatus,
    DunningAction,
    DunningNotice,
    DunningStep,
    NoticeStatus,
)
from praho.recurring.models.runs import BillingRun, Renewal, RenewalStatus, RunStatus, RunTrigger
from praho.recurring.models.usage import BilledSample, Measure, MeteredItem, TierMode, UsageCharge

__all__ = [
    "AutoCharge",
    "BilledSample",
    "BillingPreference",
    "BillingRun",
    "ChargeStatus",
    "DunningAction",
    "DunningNotice",
    "DunningStep",
    "Measure",
    "MeteredItem",
    "NoticeStatus",
    "Renewal",
    "RenewalStatus",
    "RunStatus",
    "RunTrigger",
    "TierMode",
    "UsageCharge",
]
