from django.db import migrations

from praho.accounts.roles import sync_role_permissions

# As they were when this migration was written (roles.py grows; a migration must not).
_READ = [
    "recurring.view_billingrun",
    "recurring.view_renewal",
    "recurring.view_dunningnotice",
    "recurring.view_dunningstep",
]
_MANAGE = ["recurring.run_billing", "recurring.manage_dunning"]
STAFF_PERMISSIONS = {
    "admin": [*_READ, *_MANAGE],
    "manager": [*_READ, *_MANAGE],
    "billing": [*_READ, *_MANAGE],
    "support": list(_READ),
}

# The schedule a provider starts with; staff change it on the dunning page.
DEFAULT_SCHEDULE = [(-7, "remind"), (0, "remind"), (3, "remind"), (7, "remind"), (10, "suspend"), (30, "terminate")]


def add_role_permissions(apps, schema_editor):
    sync_role_permissions(apps, STAFF_PERMISSIONS)


def default_schedule(apps, schema_editor):
    DunningStep = apps.get_model("recurring", "DunningStep")
    for days, action in DEFAULT_SCHEDULE:
        DunningStep.objects.get_or_create(days=days, action=action)


class Migration(migrations.Migration):
    dependencies = [
        ("recurring", "0001_initial"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_role_permissions, migrations.RunPython.noop),
        migrations.RunPython(default_schedule, migrations.RunPython.noop),
    ]
