"""Billing's server-rendered pages: staff/ under /staff/billing/, area/ (the customer area) under
/app/billing/, and http.py (what they read of a request).
"""
