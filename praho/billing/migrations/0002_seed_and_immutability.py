from django.db import migrations

from praho.billing import immutability
from praho.billing.models.ledger import install_append_only_triggers, remove_append_only_triggers
from praho.billing.services.numbering import seed_default_series
from praho.billing.rules.vat_rates import seed_vat_rates


def seed_rates(apps, schema_editor):
    seed_vat_rates(apps)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunPython(seed_rates, migrations.RunPython.noop),
        migrations.RunPython(seed_default_series, migrations.RunPython.noop),
        migrations.RunPython(immutability.install, immutability.uninstall),
        migrations.RunPython(install_append_only_triggers, remove_append_only_triggers),
    ]
