"""Staff billing pages under /staff/billing/: lists, a document's page, drafts, credit notes, money."""
