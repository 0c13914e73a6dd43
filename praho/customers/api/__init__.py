"""The customers REST API: customer endpoints (customers), change requests, their URLs."""
