"""Opening an incident: automatically from a fever check-in or a positive test (DONE-WHEN), by hand from
an outside report; the steps' due times come from the policy (unset ⇒ no time limit)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.incidents import services
from fugong.incidents.models import Incident, IncidentSource, IncidentStep, StepKind
from fugong.monitoring import services as monitoring
from fugong.monitoring.testing import services as testing
from fugong.resumption.models import Notification
from fugong.workforce import services as wf
from fugong.workforce.models import EmployeeStatus
from tests.incidents.furnish import incident_policy, isolation_room, open_report
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(world, pinned_clock):
    incident_policy(world)
    person = make_employee(world.firm_a, name="王五")
    return wf.change_status(world.users["ent_a"], person, EmployeeStatus.AT_WORK, "安排上岗")


def _steps(incident):
    return {s.kind: s for s in IncidentStep.objects.filter(incident=incident)}


def test_a_fever_checkin_opens_an_incident_and_isolates_in_the_room(
    world, worker, django_capture_on_commit_callbacks
):
    room = isolation_room(world.firm_a)
    with django_capture_on_commit_callbacks(execute=True):
        row, created = monitoring.record_checkin(
            world.users["ent_a"], worker, temperature="37.6", source="bulk"
        )
    incident = Incident.objects.get(enterprise=world.firm_a)
    assert incident.source == IncidentSource.ALERT and incident.alert.checkin == row
    assert incident.reference_at == row.measured_at and incident.town == world.town_a
    assert list(incident.index_people.values_list("employee", flat=True)) == [worker.pk]
    steps = _steps(incident)
    assert len(steps) == len(StepKind)
    assert steps["isolate"].due_at == incident.opened_at + dt.timedelta(minutes=30)
    assert steps["report"].due_at == incident.opened_at + dt.timedelta(minutes=60)
    assert steps["notify_contacts"].due_at == incident.opened_at + dt.timedelta(minutes=480)
    assert steps["investigate"].due_at is None and steps["close"].due_at is None
    # The person is in the firm's isolation room, and the isolate step is done by the system.
    worker.refresh_from_db()
    assert worker.status == EmployeeStatus.ISOLATING
    assert worker.episodes.get(released_at__isnull=True).place == room
    assert steps["isolate"].done_at is not None and steps["isolate"].done_by is None
    assert room.name in steps["isolate"].note
    assert steps["report"].done_at is None
    assert incident.policy_version is not None
    assert AuditEntry.objects.filter(action="incidents.incident.open").count() == 1
    recipients = set(Notification.objects.filter(event="incidents.open").values_list("recipient", flat=True))
    assert {world.users["ent_a"].pk, world.users["town_a"].pk, world.users["dept_health"].pk} <= recipients
    assert world.users["town_b"].pk not in recipients


def test_a_normal_checkin_opens_nothing(world, worker):
    monitoring.record_checkin(world.users["ent_a"], worker, temperature="36.5", source="bulk")
    assert not Incident.objects.exists()


def test_a_positive_test_opens_an_incident_and_isolates(world, worker):
    room = isolation_room(world.firm_a)
    sampled = timezone.now().replace(microsecond=0) - dt.timedelta(hours=5)
    row, _ = testing.record_test(
        world.users["ent_a"],
        worker,
        kind="nucleic",
        sampled_at=sampled,
        result="positive",
        lab="诸暨市人民医院",
        source="enterprise",
    )
    incident = Incident.objects.get(enterprise=world.firm_a)
    assert incident.source == IncidentSource.TEST and incident.reference_at == sampled
    assert incident.alert.test == row
    worker.refresh_from_db()
    assert worker.episodes.get(released_at__isnull=True).place == room
    steps = _steps(incident)
    assert steps["isolate"].done_at is not None
    assert steps["transfer"].due_at == incident.opened_at + dt.timedelta(minutes=120)


def test_without_a_room_isolation_still_counts_and_the_retry_is_idempotent(world, worker):
    monitoring.record_checkin(world.users["ent_a"], worker, temperature="38.0", source="bulk")
    incident = Incident.objects.get()
    assert "未登记" in _steps(incident)["isolate"].note
    assert services.open_for_alert(incident.alert) == incident
    assert Incident.objects.count() == 1


def test_unset_limits_mean_no_due_time(world, pinned_clock):
    incident_policy(world, drop=["incident_report_minutes"])
    incident = open_report(world.firm_a)
    steps = _steps(incident)
    assert steps["report"].due_at is None and steps["isolate"].due_at is not None


def test_manual_opening_checks_capability_scope_and_fields(world, pinned_clock):
    incident_policy(world)
    person = make_employee(world.firm_a)
    now = timezone.now()
    for who in ("outsider", "ent_c", "inspector", "grid_a", "dept_industry"):
        with pytest.raises(PermissionDenied):
            services.open_incident(
                world.users[who],
                world.firm_a,
                source="report",
                employees=[person],
                reference_at=now,
                report="x",
            )
    with pytest.raises(ValidationError) as exc:
        services.open_incident(
            world.users["town_a"], world.firm_a, source="report", employees=[], reference_at=None, report=""
        )
    assert {"employees", "reference_at", "report"} <= set(exc.value.message_dict)
    other = make_employee(world.firm_b)
    with pytest.raises(ValidationError):
        services.open_incident(
            world.users["task_force"],
            world.firm_a,
            source="report",
            employees=[other],
            reference_at=now,
            report="x",
        )
    for who in ("town_a", "dept_health", "task_force", "ent_a"):
        incident = services.open_incident(
            world.users[who],
            world.firm_a,
            source="report",
            employees=[person],
            reference_at=now,
            report="热线",
        )
        assert incident.opened_by == world.users[who]


def test_a_fever_at_the_gate_opens_an_incident(world, worker):
    from fugong.operations import services as operations

    entry = operations.record_employee_entry(
        world.users["gate_a"], worker, temperature="37.6", health_code="green"
    )
    assert not entry.allowed
    incident = Incident.objects.get(enterprise=world.firm_a)
    assert incident.source == IncidentSource.ALERT and incident.alert.kind == "gate_fever"
    assert incident.reference_at == incident.alert.raised_at
    assert list(incident.index_people.values_list("employee", flat=True)) == [worker.pk]
    # A retried hook answers the same incident.
    assert services.open_for_alert(incident.alert) == incident
    assert Incident.objects.count() == 1


def _positive(world, worker, hours_ago=5):
    sampled = timezone.now().replace(microsecond=0) - dt.timedelta(hours=hours_ago)
    testing.record_test(
        world.users["ent_a"],
        worker,
        kind="nucleic",
        sampled_at=sampled,
        result="positive",
        lab="市人民医院",
        source="enterprise",
    )
    return Incident.objects.get(enterprise=world.firm_a)


def test_a_positive_outside_isolation_opens_the_responsibility_review(world, worker):
    incident = _positive(world, worker)
    review = incident.reviews.get()
    assert review.opened_by is None and world.firm_a.name in review.subjects
    assert "责任倒查" in review.grounds and worker.name in review.grounds
    assert AuditEntry.objects.filter(action="incidents.review.open").count() == 1
    # A retried hook opens no second review.
    services.open_for_alert(incident.alert)
    assert incident.reviews.count() == 1


def test_a_positive_already_in_isolation_opens_no_review(world, worker):
    from fugong.workforce.models import EpisodeKind, IsolationEpisode

    IsolationEpisode.objects.create(
        employee=worker,
        kind=EpisodeKind.ISOLATION,
        started_on=timezone.localdate() - dt.timedelta(days=3),
        reason="密切接触者",
    )
    incident = _positive(world, worker)
    assert not incident.reviews.exists()


def test_without_the_rule_a_positive_opens_no_review(world, worker):
    incident_policy(world, drop=("review_cases_outside_isolation",))
    incident = _positive(world, worker)
    assert not incident.reviews.exists()
