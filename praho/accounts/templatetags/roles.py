from django import template

from praho.accounts.roles import Role

register = template.Library()


@register.filter
def role_label(name: str) -> str:
    """The translated label of a role group name ("billing" -> "Billing")."""
    return str(Role(name).label) if name in Role.values else name
