from django.db import migrations

from praho.accounts.roles import sync_role_permissions

# As they were when this migration was written (roles.py grows; a migration must not).
_READ = ["payments.view_checkoutsession", "payments.view_cardrefund", "payments.view_dispute"]
_REFUND = ["payments.refund_card_payment"]
STAFF_PERMISSIONS = {
    "admin": [*_READ, *_REFUND],
    "manager": [*_READ, *_REFUND],
    "billing": [*_READ, *_REFUND],
    "support": list(_READ),
}


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
