"""Writing and verifying the audit chain."""

import copy
import datetime
import json
import uuid
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
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


def describe(obj) -> str:
    """``str(obj)`` for the log, with the object's date-times in local time: a model that prints
    ``{self.at:%m-%d %H:%M}`` would otherwise label a gate refusal at 06:04 as 22:04 (UTC)."""
    local = None
    for field in obj._meta.concrete_fields:
        if not isinstance(field, models.DateTimeField) or field.attname not in obj.__dict__:
            continue  # a deferred field stays unread
        value = obj.__dict__[field.attname]
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            local = local or copy.copy(obj)
            setattr(local, field.attname, timezone.localtime(value))
    return str(local if local is not None else obj)[:200]


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
        object_repr = object_repr or describe(obj)
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


@dataclass
class PendingEntry:
    """One entry for ``record_many``: what ``record`` takes, gathered before anything is written."""

    actor: object
    action: str
    obj: object = None
    before: dict | None = None
    after: dict | None = None
    note: str = ""
    object_type: str = ""
    object_id: str = ""
    object_repr: str = ""


def pending(actor, action: str, obj=None, *, before=None, after=None, note: str = "") -> PendingEntry:
    """An entry as ``record`` would write it, with the object described now (its repr may change later)."""
    return PendingEntry(
        actor=actor,
        action=action,
        before=_json_safe(before),
        after=_json_safe(after),
        note=note,
        object_type=f"{obj._meta.app_label}.{obj._meta.model_name}" if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=describe(obj) if obj is not None else "",
    )


def record_many(items: list[PendingEntry]) -> list[AuditEntry]:
    """Append many entries in order, as the same number of ``record`` calls would, in a few statements.

    The chain needs each entry's id before its hash. On PostgreSQL the ids are drawn from the table's
    sequence under the same advisory lock ``record`` takes, so every row goes in already hashed and the
    append-only trigger is never asked to allow an update. Elsewhere (SQLite: one writer at a time, no
    trigger) the rows go in with placeholder hashes and are chained once they are numbered, the
    predecessor read only after the insert, when no other writer can slip in between.
    """
    if not items:
        return []
    now = timezone.now()
    entries = [
        AuditEntry(
            at=now,
            actor=item.actor if getattr(item.actor, "pk", None) else None,
            actor_label=(getattr(item.actor, "username", "") or "system")[:150],
            action=item.action,
            object_type=item.object_type,
            object_id=item.object_id,
            object_repr=item.object_repr[:200],
            before=item.before,
            after=item.after,
            note=item.note[:500],
        )
        for item in items
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [AuditEntry._meta.db_table, len(entries)],
                )
                ids = sorted(row[0] for row in cursor.fetchall())
            last = AuditEntry.objects.filter(id__lt=ids[0]).order_by("-id").only("entry_hash").first()
            prev = last.entry_hash if last else GENESIS_HASH
            for entry, pk in zip(entries, ids, strict=True):
                entry.pk, entry.prev_hash = pk, prev
                entry.entry_hash = prev = entry.compute_hash()
            AuditEntry.objects.bulk_create(entries, batch_size=1000)
            return entries
        token = uuid.uuid4().hex[:40]
        for index, entry in enumerate(entries):
            entry.prev_hash = ""
            entry.entry_hash = f"pending:{token}:{index}"
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        if any(entry.pk is None for entry in entries):
            ids = dict(
                AuditEntry.objects.filter(entry_hash__startswith=f"pending:{token}:").values_list(
                    "entry_hash", "id"
                )
            )
            for entry in entries:
                entry.pk = ids[entry.entry_hash]
        entries.sort(key=lambda e: e.pk)
        last = AuditEntry.objects.filter(id__lt=entries[0].pk).order_by("-id").only("entry_hash").first()
        prev = last.entry_hash if last else GENESIS_HASH
        for entry in entries:
            entry.prev_hash = prev
            entry.entry_hash = prev = entry.compute_hash()
        # One prepared statement: bulk_update's CASE per row is slow, and this table has no trigger here.
        table, quote = AuditEntry._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET prev_hash = %s, entry_hash = %s WHERE id = %s",
                [(e.prev_hash, e.entry_hash, e.pk) for e in entries],
            )
    return entries
