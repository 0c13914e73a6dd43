"""Billing: proformas, invoices, credit notes, payments, the ledger, exchange rates and PDFs.

Layout by role (issue 12):

- models/: the tables; gateways/: BNR's rates over HTTP; migrations/, management/ as Django wants.
- rules/: what the law and arithmetic decide, with no writes: VAT (vat, vat_rates, oss), totals,
  units, the dates at issue (issue_checks), what drafts take (document_input), ledger postings.
- services/: every write; each business action takes keyword arguments only, and money
  actions run in one durable transaction (@service_transaction): drafts, issuing, issuing_batch,
  corrections, payments, ledger, numbering, delivery, seller, fx, buyer_vat, credit_amounts.
- selectors.py, ledger_queries.py: reads (who sees what; amounts and balances from the ledger).
- locks.py: every row lock billing takes, and their order.
- display.py: how billing data is shown, the same way in pages, the API and PDFs.
- pdf/: rendering, the template context, the stored archive copies and serving them.
- api/: the REST API (views, serializers, urls, schema); web/staff/ and web/area/: the staff
  pages and the customer area (views, forms, urls).
- tasks.py (Celery, thin), signals.py, roles.py, demo.py, immutability.py (PostgreSQL triggers).
"""
