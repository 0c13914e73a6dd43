"""The RO e-Factura XML: building it (document, parties, elements), its code lists (codes) and
validating it as ANAF does (validation)."""
