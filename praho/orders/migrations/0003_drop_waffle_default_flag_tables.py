"""waffle's first migration creates its own Flag tables even when WAFFLE_FLAG_MODEL swaps the model
for orders.FeatureFlag (django-waffle#317). Nothing uses them, but their foreign keys to the user
and group tables make PostgreSQL refuse to empty those tables (a test database's flush). Drop them."""

from django.db import migrations

DROP = [f"DROP TABLE IF EXISTS {table}" for table in ("waffle_flag_users", "waffle_flag_groups", "waffle_flag")]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_role_permissions"),
        ("waffle", "0004_update_everyone_nullbooleanfield"),
    ]

    operations = [migrations.RunSQL(DROP, reverse_sql=migrations.RunSQL.noop)]
