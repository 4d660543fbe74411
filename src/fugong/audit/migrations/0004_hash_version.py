"""Entries are hashed with HMAC-SHA256 under AUDIT_HMAC_KEY from now on; the ones before keep their hash.

Why not re-chain the existing entries under the key: their hashes would then say "keyed when written",
which is untrue — anyone with database access could have rewritten them (and recomputed their plain
SHA-256) before today, and a re-chain would launder that. So each entry carries its ``hash_version``
(1 plain SHA-256, 2 HMAC), the existing ones stay at 1 and still verify as they were written, and the
rows themselves are never updated (the append-only trigger stays on).

What keeps the unkeyed entries from being rewritten later is a seal: if there are any, this migration
appends one keyed entry (``audit.hash_upgrade``) right after them, naming how many there are and the
hash of the last. ``verify_chain`` accepts version-1 entries only as an unbroken run at the start of
the chain followed by that seal; without the key nobody can write a seal for a rewritten run, nor
turn keyed entries into unkeyed ones (a downgrade) to recompute them.
"""

from django.db import migrations, models
from django.utils import timezone

from fugong.audit import hashing


def seal(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    db = schema_editor.connection.alias
    legacy = AuditEntry.objects.using(db).filter(hash_version=hashing.LEGACY_SHA256)
    last = legacy.order_by("-id").first()
    if last is None:
        return  # a new database: every entry will be keyed
    count = legacy.count()
    entry = AuditEntry(
        at=timezone.now(),
        actor=None,
        actor_label="system",
        action=hashing.SEAL_ACTION,
        object_type="audit.auditentry",
        object_id=str(last.pk),
        object_repr="",
        before=None,
        after={"legacy_rows": count, "legacy_head": last.entry_hash},
        note=f"此前 {count} 条记录以无密钥的 SHA-256 链接；自本条起以密钥 HMAC-SHA256 链接。",
        prev_hash=last.entry_hash,
        entry_hash="pending",
        hash_version=hashing.HMAC_SHA256,
    )
    # The hash covers the id: numbered first, then hashed — the one update the row trigger allows.
    entry.save(using=db)
    AuditEntry.objects.using(db).filter(pk=entry.pk, entry_hash="pending").update(
        entry_hash=hashing.entry_digest(entry)
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_truncate_trigger")]
    operations = [
        # Existing rows get 1 (plain SHA-256); new rows default to 2 (HMAC).
        migrations.AddField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=hashing.LEGACY_SHA256),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=hashing.CURRENT),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
    ]
