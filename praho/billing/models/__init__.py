"""Billing data, one module per concept; everything is importable from here."""

from praho.billing.models.documents import Document, DocumentLine, DocumentStatus, DocumentType
from praho.billing.models.seller import SellerProfile
