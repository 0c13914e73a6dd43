"""RO e-Factura: UBL 2.1 CIUS-RO documents, their validation, submission to ANAF and tracking."""
