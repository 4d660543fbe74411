"""Returns and resubmission, rejection, N1's filing chain, N2's date gate, one decision per step."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fugong.audit.models import AuditEntry
from fugong.enterprises.models import EnterpriseStatus
from fugong.resumption import services
from fugong.resumption.approval import services as approval
from fugong.resumption.models import (
    ApplicationRevision,
    ApplicationStatus,
    Certificate,
    Notification,
    ReviewDecision,
    ReviewStep,
    StepStatus,
)
from fugong.resumption.selectors import queue_for, revision_diff
from tests.resumption.conftest import fill, submitted

pytestmark = pytest.mark.django_db


def act(user, app, decision, key, reasons=""):
    app.refresh_from_db()
    return approval.decide(user, app, decision, reasons, key)


def test_return_and_resubmission_keep_both_versions(world, n0, on_commit):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    act(u["town_a"], app, "pass", "town_check")
    on_commit(act, u["dept_health"], app, "return", "joint_review", "隔离观察点未落实")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED and app.current_step_key == ""
    assert (
        ReviewStep.objects.get(application=app, revision=1, key="joint_review").status == StepStatus.RETURNED
    )
    assert ReviewStep.objects.get(application=app, revision=1, key="filed").status == StepStatus.CANCELLED
    note = Notification.objects.get(recipient=u["ent_a"], event="returned")
    assert "隔离观察点未落实" in note.message and "卫生健康局" in note.message
    assert app not in queue_for(u["dept_industry"])

    with pytest.raises(ValidationError) as exc:
        act(u["dept_industry"], app, "return", "joint_review")
    assert "理由" in str(exc.value)  # no reasons: refused before anything else

    app = services.update_draft(
        u["ent_a"],
        app,
        {
            "plan_sections": {**app.plan_sections, "logistics": "设固定隔离观察点两处，专人值守"},
            "reason": "订单交付",
        },
        app.version,
    )
    app = approval.resubmit(u["ent_a"], app, app.version)
    assert app.status == ApplicationStatus.IN_REVIEW and app.revision == 2
    # The chain restarts from the first step for the changed plan.
    assert app.current_step_key == "town_check"
    assert ApplicationRevision.objects.filter(application=app).count() == 2
    rows = {r["field"]: r for r in revision_diff(app, 1, 2)}
    assert set(rows) == {"reason", "plan_sections.logistics"}
    assert rows["plan_sections.logistics"]["after"] == "设固定隔离观察点两处，专人值守"
    assert rows["plan_sections.logistics"]["label"] == "复工方案·后勤保障"
    # The first revision's review is still there to read.
    assert ReviewDecision.objects.filter(step__application=app, step__revision=1).count() == 2
    assert app in queue_for(u["town_a"])


def test_rejection_ends_the_application(world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    act(u["town_a"], app, "reject", "town_check", "企业不具备复工条件")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED and app.decided_at
    with pytest.raises(ValidationError):
        approval.resubmit(u["ent_a"], app, app.version)
    # A new application may be started after a rejection.
    services.create_draft(u["ent_a"], world.firm_a, {"kind": "first_resumption"})


def test_n1_filing_chain(world, n1, on_commit):
    u = world.users
    from tests.factories import UserFactory

    development = UserFactory(
        username="dept_dev", role="department", region=world.county, department_id=_dept("development")
    )
    emergency = UserFactory(
        username="dept_emg", role="department", region=world.county, department_id=_dept("emergency")
    )
    fire = UserFactory(
        username="dept_fire", role="department", region=world.county, department_id=_dept("fire")
    )
    app = submitted(u["ent_a"], world.firm_a)
    assert [s.key for s in ReviewStep.objects.filter(application=app).order_by("order")] == [
        "development_filing",
        "onsite_guidance",
        "reported_to_city",
        "commitment_signed",
    ]
    act(development, app, "pass", "development_filing")
    for who in (fire, u["town_a"], emergency):
        act(who, app, "pass", "onsite_guidance")
        app.refresh_from_db()
        assert app.current_step_key == "onsite_guidance"
    act(u["dept_health"], app, "pass", "onsite_guidance")
    act(u["task_force"], app, "pass", "reported_to_city")
    app.refresh_from_db()
    assert app.current_step_key == "commitment_signed"
    assert list(queue_for(u["ent_a"])) == [app]
    # The firm's own step is signing; it cannot return its own application.
    with pytest.raises(ValidationError):
        act(u["ent_a"], app, "return", "commitment_signed", "x")
    with pytest.raises(PermissionDenied):
        act(u["ent_c"], app, "pass", "commitment_signed")
    on_commit(act, u["ent_a"], app, "pass", "commitment_signed")
    app.refresh_from_db()
    world.firm_a.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert world.firm_a.status == EnterpriseStatus.RESUMED
    assert Certificate.objects.filter(application=app).exists()
    assert AuditEntry.objects.filter(action="resumption.approve", actor=u["ent_a"]).exists()


def _dept(code):
    from fugong.accounts.models import Department

    return Department.objects.get(code=code).pk


EARLY = "2020-02-05 08:00"


def test_n2_date_gate_refuses_an_early_start(world, n2):
    u = world.users
    app = fill(u["ent_a"], world.firm_a, planned_start=EARLY)
    with pytest.raises(ValidationError) as exc:
        approval.submit(u["ent_a"], app, app.version)
    message = " ".join(exc.value.message_dict["planned_start"])
    assert "2020年2月10日 00:00" in message and "指挥部批准" in message
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.revision == 0
    assert not ApplicationRevision.objects.exists()


def test_n2_essential_firm_may_start_early_and_is_filed_at_once(world, n2):
    u = world.users
    world.firm_a.is_epidemic_supplies = True
    world.firm_a.save()
    app = submitted(u["ent_a"], world.firm_a, planned_start=EARLY)
    # N2 has no review chain: a complete filing is the approval.
    assert app.status == ApplicationStatus.APPROVED
    assert not ReviewStep.objects.filter(application=app).exists()
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.RESUMED
    assert Certificate.objects.get(application=app).valid_from >= app.submitted_at


def test_n2_early_start_granted_by_the_task_force(world, n2):
    u = world.users
    app = fill(u["ent_a"], world.firm_a, kind="key_staff_preparation", planned_start=EARLY)
    for who in ("town_a", "ent_a", "task_force_outside"):
        with pytest.raises(PermissionDenied):
            approval.grant_early_start(u[who], app, "承担防疫物资原料生产任务")
    with pytest.raises(ValidationError):
        approval.grant_early_start(u["task_force"], app, " ")
    approval.grant_early_start(u["task_force"], app, "承担防疫物资原料生产任务")
    assert AuditEntry.objects.filter(action="resumption.early_start", actor=u["task_force"]).exists()
    app.refresh_from_db()
    app = approval.submit(u["ent_a"], app, app.version)
    assert app.status == ApplicationStatus.APPROVED
    world.firm_a.refresh_from_db()
    # Key-staff preparation moves the firm to preparing, not resumed (N0).
    assert world.firm_a.status == EnterpriseStatus.PREPARING


def test_date_gate_is_checked_again_at_final_approval(world, n0):
    """A chain policy with a date: an application submitted while allowed is refused at approval if
    the start date has become too early under the policy in force then."""
    from fugong.policy.models import Policy
    from fugong.policy.services import create_version

    u = world.users
    app = submitted(u["ent_a"], world.firm_a, planned_start="2026-03-02 08:00")
    for who, key in (
        ("town_a", "town_check"),
        ("dept_health", "joint_review"),
        ("dept_industry", "joint_review"),
    ):
        act(u[who], app, "pass", key)
    act(u["task_force"], app, "pass", "task_force_approval")
    policy = Policy.objects.get(region=world.county)
    params = policy.latest_version().parameters | {
        "earliest_resumption_at": "2026-04-01T00:00:00+08:00",
        "early_resumption_needs_approval": True,
    }
    create_version(
        policy,
        params,
        effective_from=policy.latest_version().effective_from,
        based_on=policy.latest_number,
        allow_past=True,
        note="指挥部通知〔2026〕1号",
    )
    with pytest.raises(ValidationError) as exc:
        act(u["task_force"], app, "pass", "filed")
    message = " ".join(exc.value.messages)
    assert "2026年4月1日 00:00" in message
    # The gate cites the local version that set the date and its basis, not a notice.
    assert message.startswith(f"{policy.name}第2版") and "依据：指挥部通知〔2026〕1号" in message
    app.refresh_from_db()
    assert app.status == ApplicationStatus.IN_REVIEW and app.current_step_key == "filed"
    assert not Certificate.objects.exists()


def test_two_reviewers_on_one_step_make_one_decision(world, n0):
    u = world.users
    from tests.factories import UserFactory

    second_town_officer = UserFactory(username="town_a2", role="town", region=world.town_a)
    app = submitted(u["ent_a"], world.firm_a)
    stale = type(app).objects.get(pk=app.pk)  # what the second officer had open
    approval.decide(u["town_a"], app, "pass", "", "town_check")
    with pytest.raises(services.ResumptionConflict, match="已由town_a"):
        approval.decide(second_town_officer, stale, "return", "材料不全", "town_check")
    assert ReviewDecision.objects.filter(step__key="town_check").count() == 1
    app.refresh_from_db()
    assert app.current_step_key == "joint_review" and app.status == ApplicationStatus.IN_REVIEW


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_reviewers_at_the_same_moment_on_postgresql(world):
    from fugong.policy.services import apply_preset
    from tests.factories import UserFactory

    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    officers = [world.users["town_a"], UserFactory(username="town_a2", role="town", region=world.town_a)]
    app = submitted(world.users["ent_a"], world.firm_a)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(officer):
        try:
            barrier.wait()
            approval.decide(officer, app, "pass", "", "town_check")
            outcomes.append("ok")
        except services.ResumptionConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert ReviewDecision.objects.filter(step__application=app, step__key="town_check").count() == 1
