"""Staff pages under /staff/efactura/: views, urls, and panels (what the pages show)."""
