from django.db import migrations

from praho.accounts.roles import sync_role_permissions
from praho.payments.roles import STAFF_PERMISSIONS


def add_role_permissions(apps, schema_editor):
    sync_role_permissions(apps, STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_role_permissions, migrations.RunPython.noop),
    ]
