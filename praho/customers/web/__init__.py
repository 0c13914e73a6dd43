"""Customer pages: staff/ (the staff customer pages and their forms), area/ (the customer
area and self sign-up), the change request pages and member forms of both."""
