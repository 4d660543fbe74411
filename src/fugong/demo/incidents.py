"""Demo incidents at several stages, made through the services: the model firm's 37.6 ℃ check-in (the
monitoring demo's, or one made here through the monitoring service) has just opened an incident with the
person in the isolation room; the second firm has a health-bureau report isolated, reported and
transferred, the rest under way; the third firm has one closed twelve days ago with every step done;
the fourth has one a day old whose contacts were searched, confirmed and partly notified (see
incidents_stages for that and the later stages: seals, the reopening, the responsibility review).

Deterministic (fixed offsets from now) and idempotent: each hand-opened incident is found again by its
firm and report text, and the model firm's check-in is made only when no alert incident is there.
"""

import contextlib
import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.incidents import services
from fugong.incidents.models import Incident, IncidentSource, StepKind
from fugong.workforce.models import Employee, EmployeeStatus

UNDER_WAY = "卫健局通报：该员工为外地确诊病例的密切接触者，请企业立即隔离并转运"
SEARCHED = "卫健局通报：该员工与一名确诊病例同乘一趟列车返诸，请企业立即隔离并转运"
CLOSED = "12345热线反映：该员工有发热、咳嗽症状仍在岗"

# Minutes after opening at which each step was done, for the incident under way and the closed one.
UNDER_WAY_STEPS = [(StepKind.ISOLATE, 18), (StepKind.REPORT, 35), (StepKind.TRANSFER, 150)]
CLOSED_STEPS = [
    (StepKind.ISOLATE, 12),
    (StepKind.REPORT, 25),
    (StepKind.TRANSFER, 95),
    (StepKind.SEAL_DISINFECT, 180),
    (StepKind.FIND_CONTACTS, 260),
    (StepKind.NOTIFY_CONTACTS, 410),
    (StepKind.OBSERVE, 420),
    (StepKind.INVESTIGATE, 2 * 24 * 60),
]


def _user(role, **scope):
    return User.objects.filter(role=role, is_active=True, **scope).order_by("pk").first()


def _people(firm, count=1):
    return list(
        Employee.objects.filter(enterprise=firm, status=EmployeeStatus.AT_WORK).order_by("pk")[:count]
    )


def _fever(firm) -> None:
    """The model firm's 37.6 ℃ check-in, through the monitoring service (it opens the incident)."""
    from fugong.monitoring.services import record_checkin

    if Incident.objects.filter(enterprise=firm, source=IncidentSource.ALERT).exists():
        return
    officer = _user(Role.ENTERPRISE, enterprise=firm)
    for person in Employee.objects.filter(enterprise=firm, status=EmployeeStatus.AT_WORK).order_by("-pk")[
        :10
    ]:
        try:
            record_checkin(
                officer, person, temperature="37.6", source="bulk", client_key=f"demo-incident-{person.pk}"
            )
        except ValidationError:
            continue  # this person's round is already taken today: the next one
        return


def _by_hand(firm, report, minutes_ago, steps, *, close=False) -> None:
    if Incident.objects.filter(enterprise=firm, source=IncidentSource.REPORT, report=report).exists():
        return
    people = _people(firm)
    officer = _user(Role.ENTERPRISE, enterprise=firm)
    # The town's officer, or the task force where the demo gives the town no account.
    town = _user(Role.TOWN, region_id=firm.town_id) or _user(Role.TASK_FORCE)
    if not people or town is None:
        return
    opened = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=minutes_ago)
    incident = services.open_incident(
        town,
        firm,
        source=IncidentSource.REPORT,
        employees=people,
        reference_at=opened - dt.timedelta(hours=20),
        report=report,
        opened_at=opened,
    )
    if not close:
        _isolate(officer or town, people[0], report)
    # Each step done by its owner under the policy (the task force where the demo has nobody there).
    actors = {
        "enterprise": officer,
        "town": town,
        "dept:health": _user(Role.DEPARTMENT, department__code="health"),
    }
    owners = dict(incident.steps.values_list("kind", "owner"))
    for kind, minutes in steps:
        if kind not in owners:
            continue
        actor = actors.get(owners[kind]) or _user(Role.TASK_FORCE)
        services.complete_step(actor, incident, kind, note="", at=opened + dt.timedelta(minutes=minutes))
    if close:
        services.handle_step(town, incident, StepKind.CLOSE, note="密切接触者均已解除观察，企业消毒完毕")


def _isolate(actor, person, reason) -> None:
    """The person under way is in the firm's isolation room (through the workforce service)."""
    from fugong.enterprises.models import IsolationKind
    from fugong.workforce.episodes import start_episode

    room = person.enterprise.isolation_rooms.filter(kind=IsolationKind.ISOLATION_ROOM).order_by("pk").first()
    # Already isolated or not on site: the incident stands either way.
    with contextlib.suppress(ValidationError):
        start_episode(actor, person, "isolation", timezone.localdate(), place=room, reason=reason[:200])


def build(city, firms) -> None:
    if not firms:
        return
    _fever(firms[0])
    if len(firms) > 1:
        _by_hand(firms[1], UNDER_WAY, 6 * 60, UNDER_WAY_STEPS)
    if len(firms) > 2:
        _by_hand(firms[2], CLOSED, 12 * 24 * 60, CLOSED_STEPS, close=True)
    if len(firms) > 3:
        # The search and the seal go to a firm the monitoring demo does not pick people from by their
        # place in the roster: confirmed contacts leave the on-site roster (the policy bars them).
        _by_hand(firms[3], SEARCHED, 26 * 60, UNDER_WAY_STEPS)
        from fugong.demo import incidents_stages

        found = Incident.objects.filter(source=IncidentSource.REPORT)
        incidents_stages.build(
            city,
            found.filter(enterprise=firms[3], report=SEARCHED).first(),
            found.filter(enterprise=firms[2], report=CLOSED).first(),
        )
