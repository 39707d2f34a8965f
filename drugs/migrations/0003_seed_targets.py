"""The receptors HER2-targeted drugs bind, so curators can pick them from the first login."""

from django.db import migrations

TARGETS = [
    ("HER2", "ERBB2 / HER2 receptor tyrosine kinase"),
    ("HER3", "ERBB3 / HER3 receptor"),
    ("HER4", "ERBB4 / HER4 receptor tyrosine kinase"),
    ("EGFR", "Epidermal growth factor receptor (ERBB1 / HER1)"),
]


def add_targets(apps, schema_editor):
    Target = apps.get_model("drugs", "Target")
    for symbol, name in TARGETS:
        Target.objects.get_or_create(symbol=symbol, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("drugs", "0002_initial")]

    operations = [migrations.RunPython(add_targets, migrations.RunPython.noop)]
