"""The catalog's write operations, for staff pages, the demo and other apps' tooling.

- `offer`: product groups, features, plans (module and its parameters) and plan features;
- `pricing`: prices planned by validity date, and plan relationships;
- `promotions`: coupons.

Every operation takes keyword arguments only, runs in `@service_transaction`, checks everything
first (errors keyed by field, translated; nothing saved when any), records an audit event and
makes a new catalog version (praho.catalog.tree), so the cached public catalog follows at once.
"""
