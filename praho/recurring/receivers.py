"""What recurring billing hears from billing (which does not know it exists)."""
