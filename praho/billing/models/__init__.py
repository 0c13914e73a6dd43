"""Billing data, one module per concept; everything is importable from here."""

from praho.billing.models.breakdown import VatSubtotal
from praho.billing.models.delivery import DeliveryStatus, DocumentDelivery
from praho.billing.models.documents import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.models.fx import ExchangeRate, RateSource
from praho.billing.models.ledger import AccountKind, LedgerEntry, LedgerTransaction, TransactionKind
from praho.billing.models.numbering import DocumentSeries, SeriesCounter
from praho.billing.models.payments import Payment, PaymentMethod, Refund
from praho.billing.models.pdfs import DocumentPdf, StoredPdfImmutableError
from praho.billing.models.seller import SellerProfile
from praho.billing.models.vat import VatCategory, VatRate, VatRateKind
