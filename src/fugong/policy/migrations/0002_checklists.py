"""Formerly loaded the checklists from a Python module; since 0003 they come with the preset files
(``seeding.seed_shipped_presets``), so this step does nothing on a new database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = []
