"""Writing and verifying the audit chain."""

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from fugong.audit.models import GENESIS_HASH, AuditEntry

_PG_LOCK_KEY = 7_330_681  # any constant: serialises appends so that each entry sees its predecessor


def snapshot(instance, fields: list[str] | None = None) -> dict:
    """A JSON-safe picture of a model instance for before/after."""
    data = model_to_dict(instance, fields=fields)
    for key, value in list(data.items()):
        if isinstance(value, list):
            data[key] = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "pk"):
            data[key] = value.pk
        elif hasattr(value, "name") and hasattr(value, "url"):
            data[key] = value.name or None
    return _json_safe(data)


def _json_safe(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the keys that changed, so that entries stay readable."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    actor,
    action: str,
    obj=None,
    *,
    before=None,
    after=None,
    note: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry. Call inside the transaction of the change it records."""
    before = _json_safe(before)
    after = _json_safe(after)
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").only("entry_hash").first()
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=(getattr(actor, "username", "") or "system")[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            before=before,
            after=after,
            note=note[:500],
            prev_hash=last.entry_hash if last else GENESIS_HASH,
            entry_hash="pending",
        )
        # The hash covers the id, so it is written right after the row is numbered.
        entry.save()
        entry.entry_hash = entry.compute_hash()
        AuditEntry.objects.filter(pk=entry.pk, entry_hash="pending").update(entry_hash=entry.entry_hash)
    return entry


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry that does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return ChainReport(checked)
        for entry in rows:
            if entry.prev_hash != expected_prev:
                return ChainReport(checked, entry.pk, "上一条记录的哈希不符（记录被删除或插入）")
            # JSON round-trip so the hash is computed over exactly what was stored.
            if entry.compute_hash() != entry.entry_hash:
                return ChainReport(checked, entry.pk, "记录内容与哈希不符（记录被篡改）")
            expected_prev = entry.entry_hash
            checked += 1
            last_id = entry.pk


VIEW_PERSONAL_DATA = "view_personal_data"


def record_view(actor, obj, fields) -> AuditEntry:
    """Log that ``actor`` was shown the unmasked ``fields`` of ``obj`` (SPEC §11); values are never logged."""
    fields = sorted({str(f) for f in fields})
    return record(
        actor, VIEW_PERSONAL_DATA, obj, after={"fields": fields}, note="查看未脱敏信息：" + "、".join(fields)
    )
