"""Events are linked into the chain at the end of the transaction that wrote them.

`seq` is an event's place in the chain: events written before are numbered in id order, the
order their chain followed. On PostgreSQL the append-only trigger now lets exactly one UPDATE
through: the one that links a new event (from no hash to its hash), changing nothing else
but its time, place and links. Linked events stay immutable.
"""

from django.conf import settings
from django.db import migrations, models

NUMBER_EXISTING = "UPDATE audit_auditevent SET seq = id WHERE seq IS NULL"

LINKING_ALLOWED = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL AND NEW.seq IS NOT NULL
       AND (NEW.id, NEW.actor_id, NEW.actor_repr, NEW.action, NEW.object_type, NEW.object_id,
            NEW.object_repr, NEW.data, NEW.ip_address, NEW.user_agent, NEW.request_id)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.actor_id, OLD.actor_repr, OLD.action, OLD.object_type, OLD.object_id,
            OLD.object_repr, OLD.data, OLD.ip_address, OLD.user_agent, OLD.request_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def number_existing(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # The trigger refuses every UPDATE of a linked event; the owner running migrations lifts it
        # for this one statement, inside the migration's transaction.
        schema_editor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        schema_editor.execute(NUMBER_EXISTING)
        schema_editor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
    else:
        schema_editor.execute(NUMBER_EXISTING)


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No params: psycopg would read the "%" in RAISE as a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only_trigger'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True, verbose_name='position'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(condition=models.Q(('hash__isnull', True)), fields=['id'], name='audit_unlinked_idx'),
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
        migrations.RunPython(_on_postgresql(LINKING_ALLOWED), _on_postgresql(APPEND_ONLY)),
    ]
