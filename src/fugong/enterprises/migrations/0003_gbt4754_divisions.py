"""Loads the 97 divisions (大类) of GB/T 4754-2017 from data/gbt4754_divisions.json."""

import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "gbt4754_divisions.json"


def load(apps, schema_editor):
    IndustryClass = apps.get_model("enterprises", "IndustryClass")
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for section in data["sections"]:
        for division in section["divisions"]:
            IndustryClass.objects.update_or_create(
                code=division["code"],
                defaults={
                    "section": section["code"],
                    "section_name": section["name"],
                    "name": division["name"],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_industry_section_status_history")]
    # Reversing keeps the rows: firms may already point at them (PROTECT).
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
