"""Account pages: profile and preferences, staff members and roles, accepting a staff
invitation; their forms and URLs."""
