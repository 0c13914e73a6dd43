"""The e-Factura pages: staff/ (the only ones so far)."""
