"""Words, not codes: the audit pages name actions and object types in Chinese and show local times."""

import ast
import datetime as dt
import re
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from fugong.audit import labels
from fugong.audit.models import AuditEntry
from fugong.audit.services import describe, record
from fugong.operations.models import EmployeeEntry
from fugong.workforce.models import Employee

SRC = Path(__file__).resolve().parents[2] / "src" / "fugong"
CODE = re.compile(r"\b[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b")


def _local_text(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _gate_refusal_at_0604():
    """A gate refusal at 06:04 Shanghai, which is 22:04 the day before in UTC."""
    at = dt.datetime(2026, 12, 4, 22, 4, tzinfo=dt.UTC)
    return EmployeeEntry(employee=Employee(name="段霞艳"), at=at, temperature=37.6)


def test_object_labels_are_written_in_local_time(world):
    entry = _gate_refusal_at_0604()
    assert str(entry) == "段霞艳 2026年12月5日 06:04"  # the model's own __str__ is local too
    assert describe(entry) == "段霞艳 2026年12月5日 06:04"
    assert entry.at.hour == 22  # the object itself is untouched
    logged = record(world.users["task_force"], "operations.entry.refuse", entry, object_id="1")
    assert logged.object_repr == "段霞艳 2026年12月5日 06:04"
    assert str(logged).startswith("2026年")  # the entry's own label: local, in the one format


def test_audit_list_shows_chinese_names_and_local_times(client, world):
    u = world.users
    passed = record(u["task_force"], "resumption.pass", world.firm_a, note="材料齐全")
    record(u["task_force"], "policy.version.create", world.firm_a)
    record(u["task_force"], "operations.entry.refuse", _gate_refusal_at_0604(), object_id="1")
    record(u["task_force"], "enterprise.zone.create", world.firm_a)
    record(u["task_force"], "something.never.seen", world.firm_a)
    record(None, "enterprise.status", world.firm_a, after={"status": "resumed"})
    client.force_login(u["task_force"])
    response = client.get(reverse("audit:list"))
    html = response.content.decode()
    assert response.status_code == 200
    table = html[html.index('data-testid="audit-table"') :]
    for words in (
        "审核通过",
        "发布政策新版本",
        "门岗拒绝员工入场",
        "新增厂区分区",
        "其他操作",
        "变更企业状态",
    ):
        assert words in table, words
    for name in ("企业", "员工进厂登记"):
        assert f'<td data-label="对象类型">{name}</td>' in table, name
    assert "段霞艳 2026年12月5日 06:04" in table
    assert "22:04" not in table
    assert _local_text(passed.at) in table
    assert "系统" in table  # the system's own acts, not "system"
    # no code is left on screen: not in the table, not in the filter's visible labels
    text = re.sub(r"<[^>]+>", " ", table)
    for code in (
        "resumption.pass",
        "policy.version.create",
        "operations.entry",
        "enterprises.enterprise",
        "system",
    ):
        assert code not in text, code
    # the filter offers the actions by name, with the code as the submitted value
    assert '<option value="resumption.pass">审核通过</option>' in html
    assert '<option value="operations.employeeentry">员工进厂登记</option>' in html


def test_audit_filter_by_action_still_takes_the_code(client, world):
    record(world.users["task_force"], "resumption.pass", world.firm_a)
    record(world.users["task_force"], "enterprise.update", world.firm_a)
    client.force_login(world.users["task_force"])
    html = client.get(reverse("audit:list"), {"action": "resumption.pass"}).content.decode()
    assert '<td data-label="动作">审核通过</td>' in html and "修改企业档案</td>" not in html
    assert '<option value="resumption.pass" selected>审核通过</option>' in html


def test_audit_detail_in_words_and_local_time(client, world):
    entry = record(
        None,
        "enterprise.status",
        world.firm_a,
        before={"status": "preparing", "accepts_visitors": False},
        after={"status": "resumed", "accepts_visitors": True},
    )
    client.force_login(world.users["task_force"])
    html = client.get(reverse("audit:detail", args=[entry.pk])).content.decode()
    assert "变更企业状态" in html and "enterprise.status" not in html
    local = timezone.localtime(entry.at)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M:%S}" in html
    diff = html[html.index('data-testid="audit-diff"') :]
    assert "<small>status</small>" not in diff
    firm_status = dict(world.firm_a._meta.get_field("status").flatchoices)
    assert str(firm_status["resumed"]) in diff


def test_diff_values_read_as_words(world):
    from fugong.audit.views import _show

    assert _show(True) == "是" and _show(None) == "—" and _show([1, 2]) == "1、2"
    assert _show("2026-12-04T22:04:00Z") == "2026年12月5日 06:04"
    assert _show("2026-12-05") == "2026年12月5日"


def _action_codes_in_src() -> set[str]:
    """Every literal action the code writes (record / pending calls), conditional ones included."""
    found = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "action" for t in node.targets):
                args = [node.value]  # action = "a" if … else "b"; record(actor, action, …)
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
                if name in ("record", "pending", "record_export"):
                    args = node.args[1:2] + [k.value for k in node.keywords if k.arg == "action"]
                elif name.endswith("_area"):  # policy's _create_area / _end_area pass the action on
                    args = node.args
                else:
                    continue
            else:
                continue
            for arg in args:
                for const in ast.walk(arg):
                    if (
                        isinstance(const, ast.Constant)
                        and isinstance(const.value, str)
                        and CODE.fullmatch(const.value)
                    ):
                        found.add(const.value)
    return found


def test_every_action_the_code_writes_has_a_name():
    codes = _action_codes_in_src()
    assert {
        "resumption.pass",
        "operations.entry.refuse",
        "policy.version.create",
        "policy.risk_area.end",
    } <= codes
    unnamed = sorted(code for code in codes if not labels.is_known_action(code))
    assert not unnamed, f"add these to fugong.audit.labels.ACTIONS: {unnamed}"


def test_unknown_codes_read_as_chinese():
    assert labels.action_label("x.y.z") == "其他操作"
    assert labels.object_type_label("nowhere.nothing") == "其他对象"
    assert labels.action_label("operations.employeeentry.admin_change") == "后台修改员工进厂登记"
    assert labels.action_label("view_personal_data") == "查看未脱敏个人信息"


def test_audit_list_in_english_still_renders(client, world):
    record(world.users["task_force"], "resumption.pass", world.firm_a)
    client.force_login(world.users["task_force"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200 and '<html lang="en"' in response.content.decode()
    assert AuditEntry.objects.count() == 1
