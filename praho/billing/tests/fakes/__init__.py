"""Local stand-ins for the services the billing app calls, on the shared base in
praho.testing.fakes (a real HTTP server on 127.0.0.1, a free port, in a thread)."""
