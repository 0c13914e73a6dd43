"""Clients for ANAF's e-Factura services: the REST API (anaf.py, with the answers it parses in
anaf_answers.py), its OAuth2 server (anaf_oauth.py) and the errors they share (anaf_errors.py)."""
