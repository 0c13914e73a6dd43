"""Billing data, one module per concept; everything is importable from here."""
