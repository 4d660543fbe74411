"""Steps by hand: who may do which, the closing rule, skipping with a reason, late marking."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.incidents import selectors, services
from fugong.incidents.models import IncidentStatus, IncidentStep, StepKind
from tests.incidents.furnish import incident_policy, open_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(world, pinned_clock):
    incident_policy(world)
    return open_report(world.firm_a)


def test_who_may_do_which_step_is_the_policys(world, incident):
    owners = {s.kind: s.owner for s in IncidentStep.objects.filter(incident=incident)}
    assert owners["report"] == "enterprise" and owners["transfer"] == "dept:health"
    assert owners["close"] == "town"
    expected = {
        "ent_a": {"isolate", "report"},
        "town_a": {"seal_disinfect", "notify_contacts", "observe", "close"},
        "dept_health": {"transfer", "find_contacts", "investigate"},
        "task_force": set(StepKind.values),
        "dept_industry": set(),
        "inspector": set(),
        "grid_a": set(),
    }
    for who, kinds in expected.items():
        assert {k for k, o in owners.items() if services.owns(world.users[who], o)} == kinds, who
    with pytest.raises(PermissionDenied) as exc:
        services.handle_step(world.users["ent_a"], incident, "transfer")
    assert "卫生健康部门" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.handle_step(world.users["dept_health"], incident, "report")
    with pytest.raises(PermissionDenied):
        services.handle_step(world.users["dept_industry"], incident, "transfer")
    for who in ("outsider", "town_b", "ent_c", "task_force_outside"):
        with pytest.raises(PermissionDenied):
            services.handle_step(world.users[who], incident, "transfer")
    step = services.handle_step(world.users["ent_a"], incident, "report", note="已电话报告镇街")
    assert step.done_at and step.done_by == world.users["ent_a"] and step.note == "已电话报告镇街"
    assert AuditEntry.objects.filter(action="incidents.step.complete").count() == 1


def test_the_steps_are_those_the_policy_lists(world, pinned_clock):
    from fugong.policy.parameters import INCIDENT_STEP_CHOICES

    assert [k for k, _label in INCIDENT_STEP_CHOICES] == StepKind.values
    incident_policy(world, incident_steps={"report": "enterprise", "transfer": "enterprise"})
    incident = open_report(world.firm_a)
    steps = list(IncidentStep.objects.filter(incident=incident).order_by("id").values_list("kind", "owner"))
    # Closing is always a step; nobody named for it: the task force closes.
    assert steps == [("report", "enterprise"), ("transfer", "enterprise"), ("close", "")]
    assert services.complete_step(world.users["town_a"], incident, "find_contacts") is None
    with pytest.raises(ValidationError) as exc:
        services.handle_step(world.users["task_force"], incident, "investigate")
    assert "没有此步骤" in str(exc.value)
    with pytest.raises(PermissionDenied):
        services.handle_step(world.users["town_a"], incident, "close")


def test_without_incident_steps_only_closing_remains(world, pinned_clock):
    incident_policy(world, drop=("incident_steps",))
    incident = open_report(world.firm_a)
    assert list(IncidentStep.objects.filter(incident=incident).values_list("kind", flat=True)) == ["close"]
    services.handle_step(world.users["task_force"], incident, "close", note="外部报告核实无误")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED


def test_complete_step_counts_the_first_completion(world, incident):
    first = services.complete_step(world.users["town_a"], incident, "find_contacts", note="a")
    again = services.complete_step(world.users["town_a"], incident, "find_contacts", note="b")
    assert again.done_at == first.done_at and again.note == "a"
    at = timezone.now() - dt.timedelta(minutes=5)
    step = services.complete_step(None, incident, "notify_contacts", at=at)
    assert step.done_at == at and step.done_by is None
    with pytest.raises(PermissionDenied):
        services.complete_step(world.users["outsider"], incident, "transfer")


def test_closing_needs_every_earlier_step_done_or_skipped(world, incident):
    town, health = world.users["town_a"], world.users["dept_health"]
    with pytest.raises(ValidationError) as exc:
        services.handle_step(town, incident, "close", note="结案")
    assert "就地隔离" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.handle_step(health, incident, "transfer", skip=True)
    assert "note" in exc.value.message_dict
    for kind in ("transfer", "find_contacts", "investigate"):
        services.handle_step(health, incident, kind, note="已办")
    for kind in ("seal_disinfect", "notify_contacts", "observe"):
        services.handle_step(town, incident, kind, note="已办")
    services.handle_step(world.users["ent_a"], incident, "isolate", note="已隔离")
    with pytest.raises(ValidationError):
        services.handle_step(town, incident, "close")  # the report is still open
    services.handle_step(
        world.users["task_force"], incident, "report", skip=True, note="卫健局通报，无需企业报告"
    )
    skipped = IncidentStep.objects.get(incident=incident, kind="report")
    assert skipped.skipped and skipped.done_at is None
    services.handle_step(town, incident, "close", note="已解除")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_by == town
    with pytest.raises(ValidationError):
        services.handle_step(health, incident, "investigate", note="again")


def test_late_steps_are_marked_and_listed_first(world, pinned_clock):
    incident_policy(world)
    past = timezone.now() - dt.timedelta(minutes=90)
    incident = open_report(world.firm_a, opened_at=past, minutes_ago=10)
    services.handle_step(world.users["ent_a"], incident, "isolate")
    steps = selectors.timeline(incident)
    late = [s.kind for s in steps if s.is_late]
    # Isolated (done, though after its 30 minutes), the 60-minute report is late; transfer (120) is not.
    assert late == ["report"]
    assert steps[0].kind == "report"
    assert next(s for s in steps if s.kind == "isolate").was_late
    row = selectors.board(world.users["town_a"]).get(pk=incident.pk)
    assert row.late == 1
    fresh = open_report(world.firm_a, name="新")
    assert list(selectors.board(world.users["town_a"]).values_list("pk", flat=True)) == [
        incident.pk,
        fresh.pk,
    ]


def test_without_limits_nothing_is_late(world, pinned_clock):
    incident_policy(world, drop=list(services.DUE_PARAMETER.values()))
    incident = open_report(world.firm_a, opened_at=timezone.now() - dt.timedelta(days=3))
    assert not any(s.is_late for s in selectors.timeline(incident))
    assert selectors.board(world.users["town_a"]).get().late == 0
