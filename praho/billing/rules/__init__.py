"""What the law and arithmetic decide: VAT, totals, units, dates at issue, draft input, ledger postings.

No writes here; the services call these rules and write.
"""
