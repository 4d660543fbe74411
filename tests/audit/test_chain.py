import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from fugong.audit.models import AppendOnlyError, AuditEntry
from fugong.audit.services import record, record_view, verify_chain


def _three_entries(world):
    actor = world.users["task_force"]
    return [
        record(
            actor, "enterprises.enterprise.update", world.firm_a, before={"name": "旧"}, after={"name": "新"}
        )
        for _ in range(3)
    ]


def _as_dba(sql: str, params: list):
    """What someone with database access could do: change a row behind the application's back."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return
        # ALTER TABLE refuses to run while the test transaction still holds deferred FK checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _dba_edit(entry_id: int, note: str):
    _as_dba("UPDATE audit_auditentry SET note = %s WHERE id = %s", [note, entry_id])


def test_intact_chain_verifies(world):
    _three_entries(world)
    report = verify_chain()
    assert report.ok and report.checked == 3
    call_command("verify_audit")


def test_hand_edited_entry_is_caught(world):
    entries = _three_entries(world)
    _dba_edit(entries[1].pk, "改过了")
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == entries[1].pk
    assert report.checked == 1
    assert "篡改" in report.reason
    with pytest.raises(CommandError, match=f"第 {entries[1].pk} 条"):
        call_command("verify_audit")


def test_deleted_entry_is_caught(world):
    entries = _three_entries(world)
    _as_dba("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    report = verify_chain()
    assert report.broken_at == entries[2].pk
    assert "删除" in report.reason


def test_orm_refuses_changes(world):
    entry = _three_entries(world)[0]
    entry.note = "x"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
def test_postgresql_trigger_refuses_plain_update_and_delete(world):
    entry = _three_entries(world)[0]
    for sql in (
        "UPDATE audit_auditentry SET note = 'x' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).note == ""
    assert verify_chain().ok


def test_record_view_logs_fields_not_values(world):
    viewer = world.users["task_force"]
    entry = record_view(viewer, world.users["employee_a"], ["id_number", "phone", "id_number"])
    assert entry.action == "view_personal_data"
    assert entry.actor == viewer
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(world.users["employee_a"].pk)
    assert entry.after == {"fields": ["id_number", "phone"]}
    assert entry.before is None
    assert "id_number" in entry.note
    assert verify_chain().ok


def test_verify_button_shows_result(client, world):
    entries = _three_entries(world)
    client.force_login(world.users["task_force"])
    page = client.get(reverse("audit:list")).content.decode()
    assert 'data-testid="verify-chain"' in page
    ok = client.post(reverse("audit:verify"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="verify-ok"' in ok and "已核对 3 条" in ok and "<html" not in ok
    _dba_edit(entries[0].pk, "改过了")
    broken = client.post(reverse("audit:verify")).content.decode()
    assert (
        'data-testid="verify-broken"' in broken and f"第 {entries[0].pk} 条" in broken and "<html" in broken
    )
    assert client.get(reverse("audit:verify")).status_code == 405


def test_verify_api(api_client, world):
    entries = _three_entries(world)
    api_client.force_authenticate(world.users["task_force"])
    assert api_client.post("/api/v1/audit-entries/verify/").json() == {
        "ok": True,
        "checked": 3,
        "broken_at": None,
        "reason": "",
    }
    _dba_edit(entries[2].pk, "改过了")
    body = api_client.post("/api/v1/audit-entries/verify/").json()
    assert body["ok"] is False and body["broken_at"] == entries[2].pk
    api_client.force_authenticate(world.users["town_a"])
    assert api_client.post("/api/v1/audit-entries/verify/").status_code == 403
