"""The e-Factura REST API (views) and its URLs (urls, included at /api/v1/)."""
