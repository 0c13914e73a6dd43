from django.db import migrations

from praho.accounts.roles import sync_role_permissions

# As they were when this migration was written (roles.py grows; a migration must not).
STAFF_PERMISSIONS = {
    "admin": [
        "provisioning.view_server",
        "provisioning.view_operation",
        "provisioning.view_usagesample",
        "provisioning.add_server",
        "provisioning.change_server",
        "provisioning.manage_service",
    ],
    "manager": [
        "provisioning.view_server",
        "provisioning.view_operation",
        "provisioning.view_usagesample",
        "provisioning.add_server",
        "provisioning.change_server",
        "provisioning.manage_service",
    ],
    "support": [
        "provisioning.view_server",
        "provisioning.view_operation",
        "provisioning.view_usagesample",
        "provisioning.manage_service",
    ],
    "billing": [
        "provisioning.view_server",
        "provisioning.view_operation",
        "provisioning.view_usagesample",
        "provisioning.manage_service",
    ],
    "sales": [
        "provisioning.view_server",
        "provisioning.view_operation",
        "provisioning.view_usagesample",
    ],
}


def add_role_permissions(apps, schema_editor):
    sync_role_permissions(apps, STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("provisioning", "0001_initial"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_role_permissions, migrations.RunPython.noop),
    ]
