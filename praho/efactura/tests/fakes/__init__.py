"""Local stand-ins for the ANAF services the efactura app calls (see praho/customers/tests/fakes)."""
