"""The accounts REST API: token endpoints and /me/ (views), JWT authentication that honours
revocations, and the default permission (a second factor for staff)."""
