"""Local stand-ins for the services the customers app calls (ANAF's company lookup, VIES), on
the shared base in praho.testing.fakes."""
