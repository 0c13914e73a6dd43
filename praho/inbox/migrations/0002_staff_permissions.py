from django.db import migrations

from praho.accounts.roles import sync_role_permissions

# As they were when this migration was written (roles.py grows; a migration must not).
STAFF_PERMISSIONS = {
    "admin": [
        "inbox.view_inboundevent",
        "inbox.replay_event",
    ],
    "manager": [
        "inbox.view_inboundevent",
        "inbox.replay_event",
    ],
    "billing": [
        "inbox.view_inboundevent",
        "inbox.replay_event",
    ],
    "support": [
        "inbox.view_inboundevent",
    ],
}


def add_role_permissions(apps, schema_editor):
    sync_role_permissions(apps, STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0001_initial"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_role_permissions, migrations.RunPython.noop),
    ]
