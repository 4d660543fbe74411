"""Writing and verifying the audit chain."""

import copy
import datetime
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.forms.models import model_to_dict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.audit import anchors, hashing
from fugong.audit.anchors import Anchor
from fugong.audit.models import GENESIS_HASH, AuditEntry
from fugong.core import dates
from fugong.core.masking import mask_phone, mask_phones_in

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
    # Phones are kept masked (138****0000): the log outlives the files and is read by the task force.
    before = mask_phones_in(_json_safe(before))
    after = mask_phones_in(_json_safe(after))
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
    legacy: int = 0  # entries chained with plain SHA-256 before the key existed (hash_version 1)
    anchors: int = 0  # anchors in the file, every one checked against the rows
    anchor_file: str = ""

    @property
    def ok(self) -> bool:
        # Not ``broken_at is None``: an unreadable anchor file fails without naming an entry.
        return not self.reason


def _when(anchor: Anchor) -> str:
    return dates.format_datetime(anchor.at, seconds=True)


class _ChainBroken(Exception):
    def __init__(self, broken_at: int | None, reason: str):
        super().__init__(reason)
        self.broken_at, self.reason = broken_at, reason


class _Walk:
    """The rows in id order against the chain's rules and the anchors, failing at the first that does not hold."""

    def __init__(self, anchor_list: list[Anchor]):
        self.pending = sorted(anchor_list, key=lambda a: (a.id, a.line))
        self.next_anchor = 0
        self.expected_prev = GENESIS_HASH
        self.checked = 0
        self.legacy = 0
        self.keyed = False
        self.last_id = 0

    def _anchors_up_to(self, entry_id: int):
        """The anchors whose head is below ``entry_id``, or is it; each is dealt with once."""
        while self.next_anchor < len(self.pending) and self.pending[self.next_anchor].id <= entry_id:
            yield self.pending[self.next_anchor]
            self.next_anchor += 1

    def row(self, entry: AuditEntry) -> None:
        for anchor in self._anchors_up_to(entry.pk - 1):
            # Every row up to the anchor's head has been seen, and the head was not among them.
            if anchor.id:
                raise _ChainBroken(
                    anchor.id, f"{_when(anchor)} 的锚点记下的第 {anchor.id} 条记录已不存在（记录被删除）"
                )
        if entry.prev_hash != self.expected_prev:
            raise _ChainBroken(entry.pk, "上一条记录的哈希不符（记录被删除或插入，或被改动后重算）")
        if entry.hash_version not in hashing.VERSIONS:
            raise _ChainBroken(entry.pk, f"哈希版本 {entry.hash_version} 未知（记录被篡改）")
        if entry.hash_version == hashing.LEGACY_SHA256 and self.keyed:
            raise _ChainBroken(entry.pk, "以密钥链接的记录之后出现无密钥的旧算法记录（链被降级后重算）")
        if entry.compute_hash() != entry.entry_hash:
            first_keyed = entry.hash_version != hashing.LEGACY_SHA256 and not self.keyed
            hint = "记录被篡改，或 AUDIT_HMAC_KEY 与写入时不同" if first_keyed else "记录被篡改"
            raise _ChainBroken(entry.pk, f"记录内容与哈希不符（{hint}）")
        if entry.hash_version == hashing.LEGACY_SHA256:
            self.legacy += 1
        elif not self.keyed:
            self.keyed = True
            seal = {"legacy_rows": self.legacy, "legacy_head": self.expected_prev}
            if self.legacy and (entry.action != hashing.SEAL_ACTION or entry.after != seal):
                raise _ChainBroken(
                    entry.pk,
                    f"前 {self.legacy} 条无密钥旧记录之后不是启用密钥时写入的封存记录（旧记录被改动、插入或删除）",
                )
        for anchor in self._anchors_up_to(entry.pk):
            if anchor.hash != entry.entry_hash:
                raise _ChainBroken(
                    entry.pk, f"哈希与 {_when(anchor)} 的锚点记下的不符（链被重算，或记录被整条替换）"
                )
            if anchor.count != self.checked + 1:
                raise _ChainBroken(
                    entry.pk,
                    f"{_when(anchor)} 的锚点记下截至本条共 {anchor.count} 条记录，现有 {self.checked + 1} 条"
                    "（记录被删除或插入）",
                )
        self.checked += 1
        self.expected_prev = entry.entry_hash
        self.last_id = entry.pk

    def end(self) -> None:
        beyond = [anchor for anchor in self._anchors_up_to(float("inf")) if anchor.id]
        if beyond:
            # The latest anchor shows how much is missing.
            anchor = max(beyond, key=lambda a: (a.id, a.count))
            if not self.checked:
                raise _ChainBroken(
                    anchor.id,
                    f"审计表已无任何记录，而 {_when(anchor)} 的锚点记有 {anchor.count} 条、"
                    f"最后一条为第 {anchor.id} 条（审计表被清空或截断）",
                )
            raise _ChainBroken(
                anchor.id,
                f"{_when(anchor)} 的锚点记有 {anchor.count} 条、最后一条为第 {anchor.id} 条，"
                f"现仅余 {self.checked} 条、最后一条为第 {self.last_id} 条（末尾记录被删除）",
            )
        # After the anchors: a cut tail that took the seal with it is better named as a cut tail.
        if self.legacy and not self.keyed:
            raise _ChainBroken(
                self.last_id,
                f"全部 {self.legacy} 条记录都标为无密钥的旧算法，缺少启用密钥时写入的封存记录（链被降级后重算）",
            )


def verify_chain(batch: int = 5000, anchor_file=None) -> ChainReport:
    """Recompute every hash in order and hold the rows to every anchor; report the first thing that fails.

    ``anchor_file`` defaults to AUDIT_ANCHOR_PATH; pass a copy kept elsewhere to check against that.
    """
    path = Path(anchor_file) if anchor_file is not None else anchors.anchor_path()
    try:
        anchor_list, file_error = anchors.read_anchors(path), None
    except anchors.AnchorFileError as exc:
        # The chain is still checked on its own; the file's fault is reported if the chain holds.
        anchor_list, file_error = [], exc
    walk = _Walk(anchor_list)

    def report(broken_at=None, reason=""):
        return ChainReport(walk.checked, broken_at, reason, walk.legacy, len(anchor_list), str(path))

    try:
        last_id = 0
        while rows := list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch]):
            for entry in rows:
                walk.row(entry)
            last_id = rows[-1].pk
        walk.end()
    except _ChainBroken as broken:
        return report(broken.broken_at, broken.reason)
    if file_error is not None:
        return report(None, str(file_error))
    return report()


VIEW_PERSONAL_DATA = "view_personal_data"


def record_view(actor, obj, fields) -> AuditEntry:
    """Log that ``actor`` was shown the unmasked ``fields`` of ``obj`` (SPEC §11); values are never logged."""
    fields = sorted({str(f) for f in fields})
    return record(
        actor, VIEW_PERSONAL_DATA, obj, after={"fields": fields}, note="查看未脱敏信息：" + "、".join(fields)
    )


# Exports (issue 11): every file of people's or firms' data handed out is one entry -------------------------

# A run of seven or more digits typed into a filter may be a phone or a resident ID number (the roster's
# search finds people by phone): it is masked like a phone before it reaches the log.
_LONG_NUMBER = re.compile(r"\d{7,}[\dXx]?")
NO_FILTER = gettext_lazy("无（可见范围内全部）")


def _no_numbers(value):
    if isinstance(value, str):
        return _LONG_NUMBER.sub(lambda match: mask_phone(match.group()), value)
    if isinstance(value, list):
        return [_no_numbers(item) for item in value]
    return value


def _readable(value, field) -> object:
    """A filter's cleaned value as people read it: a choice by its name, a firm or town by its name."""
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set, models.QuerySet)):
        return [_readable(item, field) for item in value]
    if isinstance(value, datetime.datetime):
        return dates.format_datetime(value)
    if isinstance(value, datetime.date):
        return dates.format_date(value)
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        flat = {}
        for key, label in choices:
            if isinstance(label, (list, tuple)):  # an optgroup
                flat.update({str(k): v for k, v in label})
            else:
                flat[str(key)] = label
        if str(value) in flat:
            return str(flat[str(value)])
    return str(value).strip()


def readable_filters(form, values=None) -> dict:
    """The filters a bound filter form applied, as ``{label: value}`` in the words of the page.

    ``values`` are the cleaned values the query actually used (default: the form's cleaned data, which
    holds the fields that validated — what a django-filter set applies). Empty ones are left out; the
    labels and choices are read in Chinese whatever the page's language, since the log is one text.
    """
    if values is None:
        form.errors  # noqa: B018 - runs the validation that fills cleaned_data
        values = getattr(form, "cleaned_data", {}) or {}
    used = {}
    with translation.override("zh-hans"):
        for name, field in form.fields.items():
            value = values.get(name)
            if value is None or value == "" or (hasattr(value, "__len__") and not len(value)):
                continue
            used[str(field.label or name)] = _readable(value, field)
    return used


class Counted:
    """Rows as a file writer consumes them, counted as written: an export streams its rows, and the
    audit entry must say how many went into the file, not how many a second query finds."""

    def __init__(self, rows):
        self._rows = rows
        self.count = 0

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            yield row


def record_export(
    actor,
    action: str,
    what,
    filters: dict | None,
    rows: int,
    *,
    target=None,
    object_type: str = "",
    extra: dict | None = None,
) -> AuditEntry:
    """Log that ``actor`` downloaded a file of ``what`` (e.g. 员工名册) holding ``rows`` data rows, selected
    by ``filters`` (``{label: value}`` as people read them; see ``readable_filters``) within the actor's
    scope. ``target`` is the one firm (or town) the file is about, if it is about one; otherwise
    ``object_type`` names the kind of record the file lists. Call it from the export's service once the
    file is written, so that the page and the API are both logged.

    No person's record id, ID number or phone goes in: filters name firms and towns, not people, and a long
    number typed into a search (a phone, an ID number) is masked.
    """
    with translation.override("zh-hans"):
        what = str(what)
        shown = {str(key): _no_numbers(value) for key, value in (filters or {}).items()}
        scope = str(getattr(actor, "scope_label", "") or "")
        described = "；".join(
            f"{key}：{'、'.join(value) if isinstance(value, list) else value}" for key, value in shown.items()
        )
        note = _("导出%(what)s，共%(rows)d行；筛选条件：%(filters)s") % {
            "what": what,
            "rows": rows,
            "filters": described or str(NO_FILTER),
        }
        if scope:
            note += _("；范围：%(scope)s") % {"scope": scope}
    after = {"what": what, "rows": rows, "filters": shown, "scope": scope, **(extra or {})}
    return record(
        actor,
        action,
        target,
        after=after,
        note=note,
        # The object is the target when there is one, else the kind of record the file lists.
        object_type="" if target is not None else object_type,
        object_repr="" if target is not None else what,
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
        before=mask_phones_in(_json_safe(before)),
        after=mask_phones_in(_json_safe(after)),
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
