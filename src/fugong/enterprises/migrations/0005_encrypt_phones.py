"""The firm's contact phones encrypted at rest (issue 11): legal representative, prevention lead,
prevention team members and shuttle drivers.

The columns are widened to text first (a token is ~100 characters), then every clear number is
encrypted in place; reversible: backwards the tokens are decrypted before the columns are narrowed
again (fugong.core.encrypted_migrations). Takes about 35 µs a number.
"""

import fugong.core.fields
from fugong.core.encrypted_migrations import decrypt_phones, encrypt_phones
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0004_enterprise_local_tags"),
    ]

    operations = [
        migrations.AlterField(
            model_name="enterprise",
            name="legal_representative_phone",
            field=fugong.core.fields.EncryptedCharField(
                blank=True, max_length=20, verbose_name="法定代表人电话"
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="prevention_lead_phone",
            field=fugong.core.fields.EncryptedCharField(
                blank=True, max_length=20, verbose_name="防疫负责人电话"
            ),
        ),
        migrations.AlterField(
            model_name="preventionteammember",
            name="phone",
            field=fugong.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name="电话"),
        ),
        migrations.AlterField(
            model_name="shuttleroute",
            name="driver_phone",
            field=fugong.core.fields.EncryptedCharField(blank=True, max_length=20, verbose_name="司机电话"),
        ),
        migrations.RunPython(
            encrypt_phones(
                "enterprises", "enterprise", ["legal_representative_phone", "prevention_lead_phone"]
            ),
            decrypt_phones(
                "enterprises", "enterprise", ["legal_representative_phone", "prevention_lead_phone"]
            ),
        ),
        migrations.RunPython(
            encrypt_phones("enterprises", "preventionteammember", ["phone"]),
            decrypt_phones("enterprises", "preventionteammember", ["phone"]),
        ),
        migrations.RunPython(
            encrypt_phones("enterprises", "shuttleroute", ["driver_phone"]),
            decrypt_phones("enterprises", "shuttleroute", ["driver_phone"]),
        ),
    ]
