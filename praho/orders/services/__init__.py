"""Write operations of orders: checkout (checkout.py), what follows an order's payment or
approval (fulfilment.py) and the cart (cart.py)."""
