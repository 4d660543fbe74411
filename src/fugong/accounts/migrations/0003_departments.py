from django.db import migrations

from fugong.accounts.departments import ensure_default_departments


def seed(apps, schema_editor):
    ensure_default_departments(apps.get_model("accounts", "Department"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
