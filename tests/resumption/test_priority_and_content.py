"""Queue order from the policy's weights; what a submission must contain; attachments and commitments."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fugong.accounts.models import Department
from fugong.resumption import services
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachments
from fugong.resumption.models import ApplicationRevision, ApplicationStatus, Attachment, Commitment
from fugong.resumption.selectors import queue_for
from tests.factories import EnterpriseFactory, UserFactory
from tests.resumption.conftest import complete_content, fill, pdf, submitted

pytestmark = pytest.mark.django_db


def firm_with(world, name, **tags):
    firm = EnterpriseFactory(
        name=name,
        town=world.town_a,
        department=Department.objects.get(code="industry"),
        normal_headcount=200,
        **tags,
    )
    user = UserFactory(username=f"ent_{firm.pk}", role="enterprise", enterprise=firm)
    return firm, user


def test_queue_order_follows_the_policy_weights_with_reasons(world, n0):
    # N0 preset weights: preparedness 20, headcount 10, local share 10 × share, exporter 10, listed 10,
    # key manufacturing 10, above size 10, efficiency A 10 / B 6 / C 3.
    plain, plain_user = firm_with(world, "普通织造厂")
    exporter, exporter_user = firm_with(
        world, "出口织造厂", is_key_exporter=True, is_above_size=True, efficiency_class="B"
    )
    listed, listed_user = firm_with(
        world,
        "上市织造厂",
        is_listed=True,
        is_key_manufacturing=True,
        efficiency_class="A",
        local_employee_share=Decimal("80"),
    )
    a_plain = submitted(plain_user, plain)
    a_exporter = submitted(exporter_user, exporter)
    a_listed = submitted(listed_user, listed)
    # Fully prepared (20) with a clear headcount (10) is every firm's base.
    assert a_plain.priority_score == Decimal("30.00")
    assert a_exporter.priority_score == Decimal("56.00")  # + 10 + 10 + 6
    assert a_listed.priority_score == Decimal("68.00")  # + 10 + 10 + 10 + 0.8 × 10
    assert list(queue_for(world.users["town_a"])) == [a_listed, a_exporter, a_plain]
    reasons = {r["factor"]: r for r in a_listed.priority_reasons}
    assert reasons["local_share"]["points"] == "8.00" and "80%" in reasons["local_share"]["detail"]
    assert reasons["listed"]["label"] == "上市公司" and reasons["efficiency_a"]["points"] == "10.00"
    assert sum(Decimal(r["points"]) for r in a_listed.priority_reasons) == a_listed.priority_score
    assert "efficiency_b" not in reasons


def test_preparedness_and_headcount_count_in_the_score(world, n0):
    firm, user = firm_with(world, "人数不清织造厂")
    app = fill(user, firm)
    # Staff above the firm's normal headcount is not a clear headcount.
    app = services.update_draft(
        user, app, {"staff_summary": {"total": 300, "by_district": {"诸暨市": 300}}}, app.version
    )
    app = approval.submit(user, app, app.version)
    assert app.priority_score == Decimal("20.00")
    assert [r["factor"] for r in app.priority_reasons] == ["preparedness"]


def test_submission_names_everything_missing_and_saves_nothing(world, n0):
    u = world.users
    app = services.create_draft(u["ent_a"], world.firm_a, {"kind": "first_resumption"})
    attachments.add_attachment(u["ent_a"], app, "prevention_plan", pdf())
    with pytest.raises(ValidationError) as exc:
        approval.submit(u["ent_a"], app, app.version)
    errors = exc.value.message_dict
    assert set(errors) >= {
        "planned_start",
        "reason",
        "scope_lines",
        "resumption_mode",
        "staff_summary",
        "plan_sections",
        "attachments",
        "commitments",
    }
    assert any("领导体系" in m for m in errors["plan_sections"])
    assert any("承诺书" in m for m in errors["attachments"])
    assert not any("疫情防控工作方案" in m for m in errors["attachments"])
    assert len(errors["commitments"]) == 10  # 四必须 + 六个一律
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and not ApplicationRevision.objects.exists()


def test_staff_summary_must_add_up_and_buses_must_seat_the_commuters(world, n0):
    u = world.users
    app = fill(
        u["ent_a"],
        world.firm_a,
        resumption_mode="closed_in_plant",
        staff_summary={
            "total": 100,
            "by_district": {"诸暨市": 90},
            "by_commute": {"closed_in_plant": 60, "point_to_point": 40},
            "buses": {"count": 1, "seats_per_bus": 30},
        },
    )
    with pytest.raises(ValidationError) as exc:
        approval.submit(u["ent_a"], app, app.version)
    messages = exc.value.message_dict["staff_summary"]
    assert any("按所在区县合计90人，与返岗总人数100人不符" in m for m in messages)
    assert any("点对点通勤40人，班车座位合计30个" in m for m in messages)
    with pytest.raises(ValidationError) as exc:
        services.update_draft(
            u["ent_a"], app, {"staff_summary": {"total": -1, "by_control_status": {"red": 3}}}, app.version
        )
    text = " ".join(exc.value.message_dict["staff_summary"])
    assert "返岗总人数须为不小于0的整数" in text and "「red」无效" in text


def test_policy_limits_the_resumption_mode(world, n0):
    u = world.users
    app = fill(u["ent_a"], world.firm_a, resumption_mode="orderly_travel")
    with pytest.raises(ValidationError) as exc:
        approval.submit(u["ent_a"], app, app.version)
    assert "封闭驻厂" in exc.value.message_dict["resumption_mode"][0]


def test_submit_retry_does_not_submit_twice(world, n0):
    u = world.users
    app = fill(u["ent_a"], world.firm_a)
    version = app.version
    first = approval.submit(u["ent_a"], app, version)
    again = approval.submit(u["ent_a"], app, version)
    assert again.revision == first.revision == 1
    assert ApplicationRevision.objects.count() == 1
    with pytest.raises(ValidationError):
        services.create_draft(u["ent_a"], world.firm_a, {"kind": "backfill"})


def test_version_conflict_on_draft(world, n0):
    u = world.users
    app = services.create_draft(u["ent_a"], world.firm_a, {"kind": "first_resumption"})
    services.update_draft(u["ent_a"], app, {"reason": "甲"}, app.version)
    # The same save retried is not a conflict; a different one from the old version is.
    services.update_draft(u["ent_a"], app, {"reason": "甲"}, app.version)
    with pytest.raises(services.ResumptionConflict):
        services.update_draft(u["ent_a"], app, {"reason": "乙"}, app.version)


def test_only_the_firm_files(world, n0):
    for who in ("ent_c", "town_a", "task_force", "gate_a"):
        with pytest.raises(PermissionDenied):
            services.create_draft(world.users[who], world.firm_a, {"kind": "first_resumption"})


@pytest.mark.parametrize(
    "name,content,rule",
    [
        ("plan.exe", b"MZ...", "只接受"),
        ("plan.pdf", b"", "空文件"),
        ("plan.pdf", b"MZ not a pdf", "内容与扩展名.pdf不符"),
        ("photo.png", b"\xff\xd8\xff jpeg bytes", "内容与扩展名.png不符"),
    ],
)
def test_attachment_type_checks(world, n0, name, content, rule):
    u = world.users
    app = services.create_draft(u["ent_a"], world.firm_a, {"kind": "first_resumption"})
    with pytest.raises(ValidationError) as exc:
        attachments.add_attachment(u["ent_a"], app, "prevention_plan", SimpleUploadedFile(name, content))
    assert rule in exc.value.message_dict["file"][0]
    assert not Attachment.objects.exists()


def test_attachment_size_limit_and_storage(world, n0, monkeypatch, media_root):
    u = world.users
    app = services.create_draft(u["ent_a"], world.firm_a, {"kind": "first_resumption"})
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 1024)
    with pytest.raises(ValidationError) as exc:
        attachments.add_attachment(u["ent_a"], app, "prevention_plan", pdf(body=b"x" * 2048))
    assert "超过" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as exc:
        attachments.add_attachment(u["ent_a"], app, "no_such_type", pdf())
    assert "材料类型无效" in exc.value.message_dict["doc_type"][0]
    stored = attachments.add_attachment(u["ent_a"], app, "prevention_plan", pdf("防控方案.pdf"))
    assert stored.file.name.startswith(f"applications/{app.pk}/") and stored.original_name == "防控方案.pdf"
    # The same file retried is the same attachment.
    assert attachments.add_attachment(u["ent_a"], app, "prevention_plan", pdf("防控方案.pdf")).pk == stored.pk
    attachments.remove_attachment(u["ent_a"], stored)
    stored.refresh_from_db()
    assert stored.removed_at is not None and stored.file.storage.exists(stored.file.name)


def test_commitments_need_the_legal_representatives_name(world, n0):
    u = world.users
    app = services.create_draft(u["ent_a"], world.firm_a, {"kind": "first_resumption"})
    with pytest.raises(ValidationError) as exc:
        services.affirm_commitments(u["ent_a"], app, ["N0-4M-1"], "李四")
    assert "不是本企业登记的法定代表人" in exc.value.message_dict["affirmed_by_name"][0]
    with pytest.raises(ValidationError):
        services.affirm_commitments(u["ent_a"], app, ["N9-1"], "张伟")
    assert not Commitment.objects.exists()
    (item,) = services.affirm_commitments(u["ent_a"], app, ["N0-4M-1"], " 张 伟 ")
    assert item.affirmed_by_name == "张伟" and item.affirmed_by == u["ent_a"] and item.group == "四必须"
    assert item.text.startswith("必须成立由企业法人代表牵头")


def test_kind_must_fit_the_firm_status(world, n0):
    with pytest.raises(ValidationError) as exc:
        services.create_draft(
            world.users["ent_a"],
            world.firm_a,
            complete_content(world.firm_a, kind="reopening_after_incident"),
        )
    assert "未复工" in exc.value.message_dict["kind"][0]
