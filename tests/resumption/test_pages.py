"""The resumption pages: the firm files through forms, each reviewer decides on the review page, the
task force releases batches and manages certificates; foreign applications are 404, other roles 403."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fugong.enterprises.models import EnterpriseStatus
from fugong.policy.selectors import policy_for
from fugong.resumption import services
from fugong.resumption.approval import services as approval
from fugong.resumption.models import (
    ApplicationRevision,
    ApplicationStatus,
    Attachment,
    Certificate,
    Commitment,
    Notification,
    ResumptionApplication,
    ReviewDecision,
)
from fugong.resumption.selectors import required_documents, required_sections
from tests.resumption.conftest import PDF, fill, submitted

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"resumption:{name}", args=args)


def as_user(client, user):
    client.force_login(user)
    return client


def future_start(days=30) -> str:
    """A planned start still to come, as the datetime-local input sends it."""
    return (timezone.localdate() + dt.timedelta(days=days)).strftime("%Y-%m-%dT08:00")


def form_data(firm, **overrides):
    """What the enterprise officer types into the application form for a complete N0 application."""
    params = policy_for(firm.town).parameters
    data = {
        "kind": "first_resumption",
        "planned_start": future_start(),
        "reason": "订单交付，防控措施已落实",
        "scope_lines": "织造一车间\n整经车间",
        "resumption_mode": "closed_in_plant",
        "commuting_arrangements": "",
        "staff_total": "100",
        "staff_by_district": "诸暨市: 90\n越城区：10",
        "control_precaution": "10",
        "control_none": "90",
        "commute_closed_in_plant": "100",
    }
    for section in required_sections(params):
        data[f"section_{section}"] = f"{section}：落实到车间班组和责任人"
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def decide(client, app, decision, step_key, reasons="", confirm=True):
    """A reviewer's decision, confirmed on the confirmation the review page asks for first."""
    data = {"decision": decision, "reasons": reasons, "expected_step_key": step_key}
    if confirm:
        data["confirm"] = "1"
    return client.post(url("decide", app.pk), data)


# -- the whole N0 chain ------------------------------------------------------------------------------------


def test_whole_n0_chain_through_the_pages(client, world, n0):
    u, firm = world.users, world.firm_a
    params = policy_for(firm.town).parameters
    as_user(client, u["ent_a"])
    index = client.get(url("index"))
    assert index.status_code == 200 and "新建复工申请" in index.content.decode()

    response = client.post(url("create"), form_data(firm))
    app = ResumptionApplication.objects.get(enterprise=firm)
    assert response.status_code == 302 and response["Location"] == url("attachments", app.pk)
    assert app.staff_summary == {
        "total": 100,
        "by_district": {"诸暨市": 90, "越城区": 10},
        "by_control_status": {"precaution": 10, "none": 90},
        "by_commute": {"closed_in_plant": 100},
    }
    assert app.scope_lines == ["织造一车间", "整经车间"]

    # The attachments page names the policy's documents and says which are missing.
    page = client.get(url("attachments", app.pk)).content.decode()
    assert "疫情防控工作小组名单" in page and "还缺6份材料" in page
    for doc in required_documents(params):
        upload = SimpleUploadedFile(f"{doc}.pdf", PDF + doc.encode(), content_type="application/pdf")
        assert client.post(url("attachments", app.pk), {f"file_{doc}": upload}).status_code == 302
    assert "要求的材料已齐全" in client.get(url("attachments", app.pk)).content.decode()

    # Commitments: every N0 item is its own checkbox; the legal representative signs by name.
    page = client.get(url("commitments", app.pk)).content.decode()
    assert page.count('name="codes"') == 10 and "四必须" in page and "六个一律" in page
    codes = [c.code for c in params.commitments]
    response = client.post(url("commitments", app.pk), {"codes": codes, "affirmed_by_name": "张伟"})
    assert response.status_code == 302
    assert Commitment.objects.filter(application=app).count() == 10

    detail = client.get(url("detail", app.pk)).content.decode()
    assert "现行政策要求的内容已齐全" in detail
    app.refresh_from_db()
    response = client.post(url("submit", app.pk), {"version": app.version}, follow=True)
    assert "进入「属地镇乡核查」环节" in " ".join(messages_of(response))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW and app.current_step_key == "town_check"

    # The town sees it first in its queue, with the score and why.
    as_user(client, u["town_a"])
    index = client.get(url("index"))
    assert [a.pk for a in index.context["queue"]] == [app.pk]
    assert "疫情防控到位" in index.content.decode()
    review = client.get(url("review", app.pk))
    assert review.context["decision_form"]["expected_step_key"].value() == "town_check"
    assert url("attachment", app.pk, app.attachments.first().pk) in review.content.decode()
    assert decide(client, app, "pass", "town_check").status_code == 302

    # The joint step needs both departments, in any order.
    as_user(client, u["dept_health"])
    assert decide(client, app, "pass", "joint_review").status_code == 302
    app.refresh_from_db()
    assert app.current_step_key == "joint_review"
    # Having passed, the health bureau no longer gets the decision form.
    assert client.get(url("review", app.pk)).context["decision_form"] is None
    as_user(client, u["dept_industry"])
    assert decide(client, app, "pass", "joint_review").status_code == 302
    app.refresh_from_db()
    assert app.current_step_key == "task_force_approval"

    as_user(client, u["task_force"])
    assert decide(client, app, "pass", "task_force_approval").status_code == 302
    assert decide(client, app, "pass", "filed").status_code == 302
    app.refresh_from_db()
    firm.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert firm.status == EnterpriseStatus.RESUMED
    assert ReviewDecision.objects.filter(step__application=app).count() == 5

    # The firm sees the chain with every decision, and downloads its certificate.
    as_user(client, u["ent_a"])
    detail = client.get(url("detail", app.pk)).content.decode()
    for who in ("town_a", "dept_health", "dept_industry", "tf_zhuji"):
        assert who in detail
    certificate = Certificate.objects.get(application=app)
    assert certificate.number in detail
    pdf = client.get(url("certificate_pdf", certificate.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


# -- the firm's forms -------------------------------------------------------------------------------------


def test_form_reports_service_errors_in_chinese_and_saves_nothing(client, world, n0):
    as_user(client, world.users["ent_a"])
    response = client.post(
        url("create"),
        form_data(world.firm_a, staff_by_district="诸暨市九十人", kind="reopening_after_incident"),
    )
    assert response.status_code == 400
    # Every problem at once: the district lines and the kind the firm's state does not allow.
    assert "格式不正确" in str(response.context["form"].errors["staff_by_district"])
    assert "不能办理「涉疫停工后启封复工」" in str(response.context["form"].errors["kind"])
    assert 'role="alert"' in response.content.decode()
    assert not ResumptionApplication.objects.exists()
    # A firm that has not stopped cannot ask to reopen after an incident: the service says why.
    response = client.post(url("create"), form_data(world.firm_a, kind="reopening_after_incident"))
    assert "不能办理「涉疫停工后启封复工」" in str(response.context["form"].errors["kind"])
    assert not ResumptionApplication.objects.exists()


def test_missing_items_are_listed_and_submit_refused(client, world, n0):
    as_user(client, world.users["ent_a"])
    client.post(url("create"), form_data(world.firm_a))
    app = ResumptionApplication.objects.get()
    detail = client.get(url("detail", app.pk)).content.decode()
    assert "缺少申请材料「承诺书」" in detail and "尚未由法定代表人确认" in detail
    response = client.post(url("submit", app.pk), {"version": app.version}, follow=True)
    assert "尚不能提交" in " ".join(messages_of(response))
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.revision == 0


def test_stale_edit_is_a_conflict_and_changes_nothing(client, world, n0):
    u = world.users
    as_user(client, u["ent_a"])
    client.post(url("create"), form_data(world.firm_a))
    app = ResumptionApplication.objects.get()
    stale = app.version
    services.update_draft(u["ent_a"], app, {"reason": "另一人改过"}, stale)
    response = client.post(url("edit", app.pk), form_data(world.firm_a, reason="我的修改", version=stale))
    assert response.status_code == 400 and response.context["conflict"]
    assert "已被他人修改" in response.content.decode()
    app.refresh_from_db()
    assert app.reason == "另一人改过"


def test_bad_upload_and_wrong_signatory_are_field_errors(client, world, n0):
    as_user(client, world.users["ent_a"])
    client.post(url("create"), form_data(world.firm_a))
    app = ResumptionApplication.objects.get()
    fake = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(url("attachments", app.pk), {"file_prevention_plan": fake})
    assert response.status_code == 400
    assert "内容与扩展名" in str(response.context["form"].errors["file_prevention_plan"])
    assert not Attachment.objects.exists()
    response = client.post(url("commitments", app.pk), {"codes": ["N0-4M-1"], "affirmed_by_name": "李四"})
    assert response.status_code == 400
    assert "不是本企业登记的法定代表人" in str(response.context["form"].errors["affirmed_by_name"])
    assert not Commitment.objects.exists()


def test_attachment_download_and_removal(client, world, n0):
    u = world.users
    app = fill(u["ent_a"], world.firm_a)
    attachment = app.attachments.get(doc_type="commitment_letter")
    as_user(client, u["ent_a"])
    response = client.get(url("attachment", app.pk, attachment.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.post(url("remove_attachment", app.pk, attachment.pk)).status_code == 302
    attachment.refresh_from_db()
    assert attachment.removed_at is not None
    assert "缺少申请材料「承诺书」" in client.get(url("detail", app.pk)).content.decode()


# -- review ----------------------------------------------------------------------------------------------


def test_return_shows_reasons_and_resubmission_keeps_both_revisions(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    as_user(client, u["town_a"])
    # Returning needs reasons: the page says so and nothing is decided.
    response = decide(client, app, "return", "town_check")
    assert response.status_code == 400
    assert "必须写明理由" in str(response.context["decision_form"].errors["reasons"])
    assert not ReviewDecision.objects.exists()
    assert decide(client, app, "return", "town_check", "隔离观察点未落实").status_code == 302

    as_user(client, u["ent_a"])
    detail = client.get(url("detail", app.pk)).content.decode()
    assert "隔离观察点未落实" in detail and "重新提交" in detail
    app.refresh_from_db()
    response = client.post(
        url("edit", app.pk), form_data(world.firm_a, reason="订单交付，已设隔离观察点", version=app.version)
    )
    assert response.status_code == 302
    app.refresh_from_db()
    client.post(url("submit", app.pk), {"version": app.version})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW and app.revision == 2
    assert ApplicationRevision.objects.filter(application=app).count() == 2

    as_user(client, u["town_a"])
    review = client.get(url("review", app.pk))
    assert review.context["diff_pair"] == (1, 2)
    rows = {row["field"]: row for row in review.context["diff_rows"]}
    assert rows["reason"]["before"] == "订单交付，防控措施已落实"
    assert rows["reason"]["after"] == "订单交付，已设隔离观察点"
    html = review.content.decode()
    assert "第1次提交" in html and "第2次提交" in html and "隔离观察点未落实" in html


def test_second_reviewer_on_a_moved_step_gets_a_conflict(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    approval.decide(u["town_a"], app, "pass", "", "town_check")
    # Another officer of the same town still has the town_check page open.
    as_user(client, u["town_a"])
    response = decide(client, app, "pass", "town_check", "")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "已由town_a" in " ".join(messages_of(follow))
    assert ReviewDecision.objects.filter(step__key="town_check").count() == 1


def test_reviewer_whose_turn_it_is_not_sees_no_decision_form_and_cannot_act(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    as_user(client, u["dept_health"])
    review = client.get(url("review", app.pk))
    assert review.status_code == 200 and review.context["decision_form"] is None
    assert 'data-testid="decide"' not in review.content.decode()
    assert decide(client, app, "pass", "town_check").status_code == 403
    assert not ReviewDecision.objects.exists()


def test_list_filters_by_status_kind_and_town(client, world, n0):
    u = world.users
    submitted(u["ent_a"], world.firm_a)
    draft = services.create_draft(
        world.users["task_force"].__class__.objects.create(
            username="ent_b", role="enterprise", enterprise=world.firm_b
        ),
        world.firm_b,
        {"kind": "backfill"},
    )
    as_user(client, u["task_force"])
    names = lambda r: {a.enterprise.name for a in r.context["page_obj"]}  # noqa: E731
    assert names(client.get(url("index"))) == {world.firm_a.name, world.firm_b.name}
    assert names(client.get(url("index"), {"status": "draft"})) == {world.firm_b.name}
    assert names(client.get(url("index"), {"kind": "first_resumption"})) == {world.firm_a.name}
    assert names(client.get(url("index"), {"region": world.town_b.code})) == {draft.enterprise.name}
    # The town sees only its own firm, whatever it asks for.
    as_user(client, u["town_a"])
    assert names(client.get(url("index"), {"region": world.town_b.code})) == set()


# -- task force ------------------------------------------------------------------------------------------


def at_task_force_step(world):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    for who, key in (
        ("town_a", "town_check"),
        ("dept_industry", "joint_review"),
        ("dept_health", "joint_review"),
    ):
        app.refresh_from_db()
        approval.decide(u[who], app, "pass", "", key)
    app.refresh_from_db()
    return app


def test_batch_is_made_and_released_through_the_pages(client, world, n0):
    app = at_task_force_step(world)
    as_user(client, world.users["task_force"])
    page = client.get(url("batches"))
    assert [a.pk for a in page.context["form"].candidates] == [app.pk]
    response = client.post(url("batches"), {"applications": [app.pk], "name": "首批"})
    app.refresh_from_db()
    batch = app.batch
    assert response.status_code == 302 and response["Location"] == url("batch", batch.pk)
    page = client.get(url("batch", batch.pk))
    assert world.firm_a.name in page.content.decode() and "放行本批次" in page.content.decode()
    client.post(url("batch", batch.pk))
    app.refresh_from_db()
    batch.refresh_from_db()
    assert batch.released_at is not None and app.current_step_key == "filed"
    page = client.get(url("batch", batch.pk)).content.decode()
    assert world.firm_a.name in page and 'data-testid="batch-released"' in page
    # Other roles have no batch pages.
    as_user(client, world.users["town_a"])
    assert client.get(url("batches")).status_code == 403


def test_revoke_certificate_needs_a_reason(client, world, n0):
    app = at_task_force_step(world)
    u = world.users
    approval.decide(u["task_force"], app, "pass", "", "task_force_approval")
    app.refresh_from_db()
    approval.decide(u["task_force"], app, "pass", "", "filed")
    certificate = Certificate.objects.get(application=app)
    as_user(client, u["task_force"])
    response = client.post(url("revoke_certificate", certificate.pk), {"reason": ""})
    assert response.status_code == 400
    certificate.refresh_from_db()
    assert certificate.is_valid
    client.post(url("revoke_certificate", certificate.pk), {"reason": "发现确诊病例，停工整改"})
    certificate.refresh_from_db()
    assert certificate.status == "revoked" and certificate.revoke_reason == "发现确诊病例，停工整改"
    # Only the task force may revoke.
    as_user(client, u["town_a"])
    assert client.post(url("revoke_certificate", certificate.pk), {"reason": "x"}).status_code == 403


def test_task_force_grants_early_start_under_n2(client, world, n2):
    u = world.users
    app = services.create_draft(
        u["ent_a"], world.firm_a, {"kind": "first_resumption", "planned_start": "2020-02-05"}
    )
    as_user(client, u["task_force"])
    page = client.get(url("detail", app.pk))
    assert page.context["can_early_start"]
    assert client.post(url("early_start", app.pk), {"reason": ""}).status_code == 400
    response = client.post(url("early_start", app.pk), {"reason": "承担口罩生产紧急任务"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.early_start_granted and app.early_start_reason == "承担口罩生产紧急任务"
    assert not client.get(url("detail", app.pk)).context["can_early_start"]
    as_user(client, u["town_a"])
    assert client.post(url("early_start", app.pk), {"reason": "x"}).status_code == 403


# -- notifications ------------------------------------------------------------------------------------------


def test_notifications_list_and_mark_read(client, world, n0, on_commit):
    u = world.users
    on_commit(submitted, u["ent_a"], world.firm_a)
    as_user(client, u["town_a"])
    page = client.get(url("notifications"))
    assert "待您办理" in page.content.decode()
    mine = Notification.objects.get(recipient=u["town_a"])
    client.post(url("notifications"), {"ids": [mine.pk]})
    mine.refresh_from_db()
    assert mine.read_at is not None
    # Marking all read touches only the user's own messages.
    client.post(url("notifications"))
    assert Notification.objects.filter(recipient=u["ent_a"], read_at__isnull=True).exists()


# -- who may see what ------------------------------------------------------------------------------------


def foreign_pages(app, certificate):
    attachment = app.attachments.first()
    return [
        ("get", url("detail", app.pk)),
        ("get", url("review", app.pk)),
        ("get", url("edit", app.pk)),
        ("get", url("attachments", app.pk)),
        ("get", url("attachment", app.pk, attachment.pk)),
        ("post", url("remove_attachment", app.pk, attachment.pk)),
        ("get", url("commitments", app.pk)),
        ("post", url("submit", app.pk)),
        ("post", url("decide", app.pk)),
        ("get", url("certificate_pdf", certificate.pk)),
    ]


@pytest.mark.parametrize("who", ["outsider", "ent_c", "task_force_outside", "dept_commerce", "town_b"])
def test_foreign_application_is_404_on_every_page(client, world, n0, who):
    u = world.users
    app = fill(u["ent_a"], world.firm_a)
    certificate = Certificate.objects.create(
        application=app,
        enterprise=world.firm_a,
        number="测试001",
        kind=app.kind,
        valid_from=app.created_at,
        verify_token="t" * 24,
    )
    as_user(client, u[who])
    for method, address in foreign_pages(app, certificate):
        response = getattr(client, method)(
            address, {"decision": "pass", "expected_step_key": "x", "reason": "x"}
        )
        assert response.status_code == 404, (method, address, response.status_code)
    if who == "task_force_outside":
        for name in ("early_start",):
            assert client.post(url(name, app.pk), {"reason": "x"}).status_code == 404
        assert client.post(url("revoke_certificate", certificate.pk), {"reason": "x"}).status_code == 404
    assert (
        not ReviewDecision.objects.exists() and app.attachments.filter(removed_at__isnull=False).count() == 0
    )


@pytest.mark.parametrize("who", ["gate_a", "employee_a"])
def test_gate_keeper_and_employee_get_403(client, world, n0, who):
    u = world.users
    app = fill(u["ent_a"], world.firm_a)
    as_user(client, u[who])
    for address in (
        url("index"),
        url("create"),
        url("detail", app.pk),
        url("attachments", app.pk),
        url("commitments", app.pk),
        url("batches"),
    ):
        assert client.get(address).status_code == 403, address
    assert client.post(url("submit", app.pk)).status_code == 403
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT
    # No menu entry leads them to a page they cannot open.
    assert url("index") not in client.get("/").content.decode()


def test_reviewers_cannot_change_the_firms_application(client, world, n0):
    u = world.users
    app = fill(u["ent_a"], world.firm_a)
    as_user(client, u["town_a"])
    assert client.get(url("detail", app.pk)).status_code == 200
    assert client.get(url("edit", app.pk)).status_code == 403
    assert client.post(url("submit", app.pk)).status_code == 403
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert client.post(url("attachments", app.pk), {"file_other": upload}).status_code == 403
    assert client.get(url("create")).status_code == 403
