from django.db import migrations

from praho.accounts.roles import sync_role_permissions

# As they were when this migration was written (roles.py grows; a migration must not).
_READ = ["payments.view_bankstatement", "payments.view_banktransaction"]
_BANK = ["payments.add_bankstatement", "payments.book_bank_transaction"]
STAFF_PERMISSIONS = {
    "admin": [*_READ, *_BANK],
    "manager": [*_READ, *_BANK],
    "billing": [*_READ, *_BANK],
    "support": list(_READ),
}


def add_role_permissions(apps, schema_editor):
    sync_role_permissions(apps, STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_bank_statements"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_role_permissions, migrations.RunPython.noop),
    ]
