"""Billing's writes: each business action a function taking keyword arguments only.

Money actions (issue, record a payment, apply credit, credit note, convert a proforma) run in one
durable transaction each (praho.core.transactions.service_transaction); row locks come from
praho.billing.locks.
"""
