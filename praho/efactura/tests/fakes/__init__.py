"""Local stand-ins for the ANAF services the efactura app calls, on the shared base in
praho.testing.fakes."""
