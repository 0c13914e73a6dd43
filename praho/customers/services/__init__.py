"""Write operations on customers: customers and addresses (customers), members and
invitations (memberships), change requests, ANAF and VIES lookups (lookups)."""
