"""Clients for the external systems the billing app reads: BNR's exchange rates (bnr.py).

They follow the customers app's gateways (praho/customers/gateways/): httpx with
short timeouts read from settings, dataclasses out, and one error type that
says plainly, in words fit to show staff, that the service did not answer.
"""
