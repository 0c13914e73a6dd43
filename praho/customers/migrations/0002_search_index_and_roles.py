from django.db import migrations

from praho.accounts.roles import sync_role_permissions
from praho.customers.roles import STAFF_PERMISSIONS


def add_trigram_index(apps, schema_editor):
    # SQLite scans; PostgreSQL answers LIKE '%word%' from a trigram index.
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS customers_search_trgm "
        "ON customers_customer USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS customers_search_trgm")


def add_role_permissions(apps, schema_editor):
    sync_role_permissions(apps, STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("accounts", "0002_staff_roles"),
    ]

    operations = [
        migrations.RunPython(add_trigram_index, drop_trigram_index),
        migrations.RunPython(add_role_permissions, migrations.RunPython.noop),
    ]
