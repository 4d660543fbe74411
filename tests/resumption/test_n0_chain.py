"""N0 复工核准 through the services: town check → industry department and health bureau jointly (both,
either order) → task-force approval → filed; the firm resumes and gets a certificate."""

import pytest
from django.core.exceptions import PermissionDenied

from fugong.audit.models import AuditEntry
from fugong.enterprises.models import EnterpriseStatus
from fugong.resumption import services
from fugong.resumption.approval import services as approval
from fugong.resumption.models import (
    ApplicationStatus,
    Certificate,
    Notification,
    ReviewDecision,
    ReviewStep,
    StepStatus,
)
from fugong.resumption.selectors import queue_for
from tests.resumption.conftest import submitted

pytestmark = pytest.mark.django_db


def pass_step(user, app, key, on_commit=None):
    app.refresh_from_db()
    if on_commit:
        return on_commit(approval.decide, user, app, "pass", "", key)
    return approval.decide(user, app, "pass", "", key)


@pytest.mark.parametrize("joint_order", [("dept_industry", "dept_health"), ("dept_health", "dept_industry")])
def test_whole_n0_chain(world, n0, on_commit, joint_order):
    u = world.users
    app = on_commit(submitted, u["ent_a"], world.firm_a)
    assert app.status == ApplicationStatus.IN_REVIEW
    assert app.current_step_key == "town_check"
    assert [s.key for s in ReviewStep.objects.filter(application=app).order_by("order")] == [
        "town_check",
        "joint_review",
        "task_force_approval",
        "filed",
    ]
    joint = ReviewStep.objects.get(application=app, key="joint_review")
    # The firm's own industry department is resolved when the chain is built (N0 块抓条保).
    assert joint.participants == ["dept:industry", "dept:health"]
    # The town of the firm is told it is its turn; the firm is told it was submitted.
    assert Notification.objects.filter(recipient=u["town_a"], application=app, event="turn").exists()
    assert Notification.objects.filter(recipient=u["ent_a"], application=app, event="submitted").exists()
    assert not Notification.objects.filter(recipient=u["town_b"]).exists()
    assert list(queue_for(u["town_a"])) == [app]
    assert list(queue_for(u["dept_health"])) == []

    pass_step(u["town_a"], app, "town_check", on_commit)
    app.refresh_from_db()
    assert app.current_step_key == "joint_review"
    assert set(
        Notification.objects.filter(application=app, event="turn").values_list(
            "recipient__username", flat=True
        )
    ) >= {
        "dept_industry",
        "dept_health",
    }

    first, second = joint_order
    pass_step(u[first], app, "joint_review", on_commit)
    app.refresh_from_db()
    # One department is not enough: the joint step waits for the other.
    assert app.current_step_key == "joint_review"
    assert app in queue_for(u[second]) and app not in queue_for(u[first])
    with pytest.raises(services.ResumptionConflict, match="已由"):
        pass_step(u[first], app, "joint_review")
    pass_step(u[second], app, "joint_review", on_commit)
    app.refresh_from_db()
    assert app.current_step_key == "task_force_approval"

    pass_step(u["task_force"], app, "task_force_approval", on_commit)
    pass_step(u["task_force"], app, "filed", on_commit)
    app.refresh_from_db()
    world.firm_a.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert app.decided_at is not None
    assert world.firm_a.status == EnterpriseStatus.RESUMED
    assert world.firm_a.status_changes.filter(source="resumption").exists()
    certificate = Certificate.objects.get(application=app)
    assert certificate.enterprise == world.firm_a
    assert certificate.number.startswith("诸暨复工〔") and certificate.number.endswith("00001号")
    assert len(certificate.verify_token) >= 22
    assert certificate.kind == "first_resumption" and certificate.status == "valid"
    assert Notification.objects.filter(recipient=u["ent_a"], event="approved").exists()

    # Every step is in the audit log with its actor.
    entries = AuditEntry.objects.filter(object_type="resumption.resumptionapplication", object_id=str(app.pk))
    actions = [(e.action, e.actor.username if e.actor else None) for e in entries.order_by("id")]
    assert ("resumption.submit", "ent_a") in actions
    assert ("resumption.pass", "town_a") in actions
    assert ("resumption.pass", first) in actions and ("resumption.pass", second) in actions
    assert actions.count(("resumption.pass", "tf_zhuji")) == 2
    assert ("resumption.approve", "tf_zhuji") in actions
    assert (
        AuditEntry.objects.filter(action="enterprise.status", object_id=str(world.firm_a.pk)).get().actor
        == u["task_force"]
    )
    assert ReviewDecision.objects.filter(step__application=app).count() == 5


def test_wrong_reviewers_cannot_act(world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    # Another town, a department not in the step, the firm itself, and an outsider.
    for who in ("town_b", "dept_health", "ent_a", "dept_commerce"):
        with pytest.raises(PermissionDenied):
            approval.decide(u[who], app, "pass", "", "town_check")
    with pytest.raises(PermissionDenied):
        approval.decide(u["outsider"], app, "pass", "", "town_check")
    assert ReviewDecision.objects.count() == 0
    step = ReviewStep.objects.get(application=app, key="town_check")
    assert step.status == StepStatus.ACTIVE
