"""What someone with database access could do to the log, and how ``verify_audit`` catches each: a cut
tail, an emptied table, an edit with the chain recomputed (plain SHA-256, or even with the key) — and the
PostgreSQL triggers that refuse most of it in the first place.

Tampering runs as raw SQL behind the application's back; on PostgreSQL it first disables the table's
triggers, as the table's owner could. SQLite has no triggers, so the same SQL runs there as it is.
"""

import hashlib
import importlib
import json
from io import StringIO
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from fugong.audit import anchors, hashing
from fugong.audit.models import GENESIS_HASH, AuditEntry
from fugong.audit.services import record, verify_chain

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit table's triggers exist on PostgreSQL only"
)


def _entries(world, n=5):
    actor = world.users["task_force"]
    return [record(actor, "enterprise.update", world.firm_a, after={"n": i}) for i in range(n)]


def _as_dba(*statements):
    """Run ``(sql, params)`` statements as the table's owner would, with its triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses to run while the test transaction still holds deferred FK checks.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _truncate():
    sql = "TRUNCATE audit_auditentry" if connection.vendor == "postgresql" else "DELETE FROM audit_auditentry"
    _as_dba((sql, []))


def _delete_from(entry_id):
    _as_dba(("DELETE FROM audit_auditentry WHERE id >= %s", [entry_id]))


def _rewrite_statements(edited_id, note, digest, version=None, last_id=None):
    """Edit one entry's note, then recompute the hashes from it on with ``digest``, as a forger would:
    every link matches again. ``version`` relabels the recomputed entries (a downgrade)."""
    statements, prev = [], None
    rows = AuditEntry.objects.filter(id__gte=edited_id).order_by("id")
    if last_id is not None:
        rows = rows.filter(id__lte=last_id)
    for entry in rows:
        if entry.pk == edited_id:
            entry.note = note
        if prev is not None:
            entry.prev_hash = prev
        if version is not None:
            entry.hash_version = version
        entry.entry_hash = prev = digest(entry)
        statements.append(
            (
                "UPDATE audit_auditentry SET note = %s, prev_hash = %s, entry_hash = %s, hash_version = %s "
                "WHERE id = %s",
                [entry.note, entry.prev_hash, entry.entry_hash, entry.hash_version, entry.pk],
            )
        )
    return statements


def _rewrite(edited_id, note, digest, version=None):
    _as_dba(*_rewrite_statements(edited_id, note, digest, version))


def _plain_sha256(entry):
    return hashlib.sha256(hashing.canonical(entry)).hexdigest()


def _fails(match):
    report = verify_chain()
    assert not report.ok
    assert match in report.reason, report.reason
    with pytest.raises(CommandError, match=match):
        call_command("verify_audit")
    return report


# Cut tail ------------------------------------------------------------------------------------


def test_cut_tail_without_an_anchor_still_looks_whole(world):
    """Why anchors: a shorter chain is still a chain (verify_audit warns that it cannot tell)."""
    entries = _entries(world)
    _delete_from(entries[3].pk)
    assert verify_chain().ok
    assert "尚无锚点" in _call_verify()


def test_cut_tail_is_caught_by_the_anchor(world):
    entries = _entries(world)
    call_command("anchor_audit")
    _delete_from(entries[3].pk)
    report = _fails("末尾记录被删除")
    assert report.broken_at == entries[-1].pk
    assert report.checked == 3
    assert f"最后一条为第 {entries[-1].pk} 条" in report.reason and f"第 {entries[2].pk} 条" in report.reason


def test_cut_tail_hidden_under_new_entries_is_caught(world):
    entries = _entries(world)
    call_command("anchor_audit")
    _delete_from(entries[3].pk)
    later = _entries(world, 2)  # chained onto entry 3 again, with new ids
    report = _fails(f"第 {entries[-1].pk} 条记录已不存在")
    assert report.broken_at == entries[-1].pk and report.checked == 3
    assert later[0].prev_hash == entries[2].entry_hash


# Emptied table -------------------------------------------------------------------------------


def test_emptied_table_is_caught(world):
    entries = _entries(world)
    call_command("anchor_audit")
    _truncate()
    assert not AuditEntry.objects.exists()
    report = _fails("审计表被清空")
    assert report.checked == 0
    assert report.broken_at == entries[-1].pk
    assert "记有 5 条" in report.reason


def test_empty_log_with_an_anchor_of_the_empty_log_verifies(world):
    call_command("anchor_audit")
    report = verify_chain()
    assert report.ok and report.checked == 0 and report.anchors == 1
    _entries(world, 2)
    assert verify_chain().ok


@postgresql_only
def test_postgresql_refuses_truncate(world):
    _entries(world, 2)
    with (
        pytest.raises(DatabaseError, match="TRUNCATE"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.count() == 2
    assert verify_chain().ok


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database_and_keeps_the_trigger(world):
    _entries(world, 2)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_entry_no_truncate' "
            "AND tgrelid = 'audit_auditentry'::regclass"
        )
        assert cursor.fetchone() == ("O",)  # enabled again


# Edited and recomputed -----------------------------------------------------------------------


def test_edit_with_recomputed_plain_sha256_chain_is_caught_without_an_anchor(world):
    entries = _entries(world)
    _rewrite(entries[2].pk, "改过了", _plain_sha256)
    report = _fails("记录内容与哈希不符")
    assert report.broken_at == entries[2].pk and report.checked == 2


def test_recomputed_chain_relabelled_as_unkeyed_is_caught(world):
    entries = _entries(world)
    _rewrite(entries[2].pk, "改过了", _plain_sha256, version=hashing.LEGACY_SHA256)
    report = _fails("降级")
    assert report.broken_at == entries[2].pk


def test_whole_chain_relabelled_as_unkeyed_is_caught(world):
    entries = _entries(world)
    _rewrite(entries[0].pk, "改过了", _plain_sha256, version=hashing.LEGACY_SHA256)
    report = _fails("缺少启用密钥时写入的封存记录")
    assert report.checked == 5


def test_recomputed_with_the_key_itself_is_caught_by_the_anchor(world):
    """Even a forger who has the key cannot change what the anchor file already holds."""
    entries = _entries(world)
    call_command("anchor_audit")
    _rewrite(entries[1].pk, "改过了", hashing.entry_digest)
    report = _fails("锚点记下的不符")
    assert report.broken_at == entries[-1].pk
    assert report.checked == 4  # every link and hash held up to the anchored head


def test_another_key_fails_at_the_first_keyed_entry(world, settings):
    entries = _entries(world, 2)
    assert entries[0].entry_hash != _plain_sha256(entries[0])  # keyed, not plain SHA-256
    settings.AUDIT_HMAC_KEY = "another key entirely, 32+ characters long"
    report = _fails("AUDIT_HMAC_KEY 与写入时不同")
    assert report.broken_at == entries[0].pk


# Anchors -------------------------------------------------------------------------------------


def test_every_anchor_is_held_to_the_rows(world, anchor_file):
    entries = _entries(world, 3)
    call_command("anchor_audit")
    _entries(world, 2)
    call_command("anchor_audit")
    report = verify_chain()
    assert report.ok and report.anchors == 2
    # A signed anchor that no longer fits the rows (here: one entry fewer up to the head than there are).
    payload = {
        "at": timezone.now().isoformat(),
        "id": entries[2].pk,
        "hash": entries[2].entry_hash,
        "count": 2,
        "hash_version": hashing.HMAC_SHA256,
    }
    with anchor_file.open("a") as handle:
        handle.write(json.dumps({**payload, "mac": anchors._mac(payload)}) + "\n")
    report = _fails("共 2 条记录，现有 3 条")
    assert report.broken_at == entries[2].pk


def test_edited_or_broken_anchor_line_fails(world, anchor_file):
    _entries(world, 3)
    call_command("anchor_audit")
    call_command("anchor_audit")
    lines = anchor_file.read_text().splitlines()
    first = json.loads(lines[0])
    first["count"] = 2  # the earlier of two lines: every line is checked, not just the last
    anchor_file.write_text(json.dumps(first) + "\n" + lines[1] + "\n")
    report = _fails("锚点文件第 1 行的校验码不符")
    assert report.broken_at is None and report.checked == 3
    with pytest.raises(CommandError, match="审计链校验未通过"):
        call_command("verify_audit")

    anchor_file.write_text(lines[0] + "\n" + lines[1][:40] + "\n")  # a line cut short
    _fails("锚点文件第 2 行无法解析")


def test_verify_audit_against_another_anchor_file(world, tmp_path):
    entries = _entries(world, 3)
    offsite = tmp_path / "offsite.jsonl"
    call_command("anchor_audit", path=str(offsite))
    assert verify_chain().anchors == 0
    _delete_from(entries[2].pk)
    call_command("verify_audit")  # no anchor at AUDIT_ANCHOR_PATH
    with pytest.raises(CommandError, match="末尾记录被删除"):
        call_command("verify_audit", anchors=str(offsite))


# Entries from before the key -----------------------------------------------------------------


def _legacy_entries(world, n):
    """Entries as the code before HMAC wrote them: hash_version 1, plain SHA-256 over the old body."""
    entries = []
    prev = GENESIS_HASH
    for i in range(n):
        entry = AuditEntry(
            at=timezone.now(),
            actor=world.users["task_force"],
            actor_label="tf_zhuji",
            action="enterprise.update",
            object_type="enterprises.enterprise",
            object_id=str(world.firm_a.pk),
            object_repr="旧记录",
            after={"n": i},
            prev_hash=prev,
            entry_hash="pending",
            hash_version=hashing.LEGACY_SHA256,
        )
        entry.save()
        entry.entry_hash = prev = entry.compute_hash()
        AuditEntry.objects.filter(pk=entry.pk, entry_hash="pending").update(entry_hash=prev)
        entries.append(entry)
    return entries


def _run_seal_migration():
    migration = importlib.import_module("fugong.audit.migrations.0004_hash_version")
    migration.seal(apps, SimpleNamespace(connection=connection))


def test_old_entries_stay_verifiable_behind_the_seal(world):
    old = _legacy_entries(world, 3)
    assert old[0].entry_hash == _plain_sha256(old[0])
    assert "封存记录" in verify_chain().reason  # unkeyed entries alone could be anybody's
    _run_seal_migration()
    seal = AuditEntry.objects.order_by("-id").first()
    assert seal.action == hashing.SEAL_ACTION and seal.hash_version == hashing.HMAC_SHA256
    assert seal.prev_hash == old[-1].entry_hash
    assert seal.after == {"legacy_rows": 3, "legacy_head": old[-1].entry_hash}
    new = _entries(world, 2)
    report = verify_chain()
    assert report.ok and report.checked == 6 and report.legacy == 3
    out = _call_verify()
    assert "前 3 条写于启用密钥之前" in out
    assert new[0].prev_hash == seal.entry_hash


def test_old_entries_rewritten_behind_the_seal_are_caught(world):
    old = _legacy_entries(world, 3)
    _run_seal_migration()
    _entries(world, 1)
    # The unkeyed part can be recomputed by anyone — up to the keyed seal, whose link then breaks.
    _as_dba(*_rewrite_statements(old[1].pk, "改过了", _plain_sha256, last_id=old[-1].pk))
    seal = AuditEntry.objects.get(action=hashing.SEAL_ACTION)
    report = _fails("上一条记录的哈希不符")
    assert report.broken_at == seal.pk


def test_no_seal_is_written_for_a_new_database(world):
    _run_seal_migration()
    assert not AuditEntry.objects.exists()


def _call_verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()
