"""The notices' checklists as rows, so that compliance and inspection can use them before any preset is
applied. Only missing rows are created: definitions edited later are left as they are."""

from django.db import migrations


def seed(apps, schema_editor):
    from fugong.policy.presets.checklists import CHECKLISTS
    from fugong.policy.seeding import sync_checklists

    sync_checklists(
        apps.get_model("policy", "ChecklistDefinition"), apps.get_model("policy", "ChecklistItem"), CHECKLISTS
    )


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
