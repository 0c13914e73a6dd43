"""Write operations on users: roles, lockouts and preferences (users), API token revocation
(tokens), staff invitations."""
