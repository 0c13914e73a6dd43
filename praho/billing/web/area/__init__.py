"""The customer area's billing pages under /app/billing/."""
