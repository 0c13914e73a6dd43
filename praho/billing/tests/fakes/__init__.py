"""Local stand-ins for the services the billing app calls (see praho/customers/tests/fakes/
for the FakeService base: a real HTTP server on 127.0.0.1, a free port, in a thread)."""
