"""The billing REST API under /api/v1/: views (documents, payments, exchange_rates), serializers,
urls and what the schema says (schema).
"""
