"""The incident core's rows for the scope walk, and the helpers the core's tests share."""

import datetime as dt

from django.utils import timezone

from fugong.enterprises.models import IsolationKind, IsolationRoom
from fugong.incidents import services
from fugong.incidents.models import IncidentSource
from fugong.policy.services import apply_preset
from tests.workforce.conftest import PRESET_START, make_employee

READ_CAPABILITY = {"incidents": "incidents.view", "incident-timing": "incidents.report"}

MINUTES = {
    "incident_isolate_minutes": 30,
    "incident_report_minutes": 60,
    "incident_transfer_minutes": 120,
    "incident_contacts_minutes": 240,
    "incident_notify_minutes": 480,
    # Every step, with the owners the tests expect.
    "incident_steps": {
        "isolate": "enterprise",
        "report": "enterprise",
        "transfer": "dept:health",
        "seal_disinfect": "town",
        "find_contacts": "dept:health",
        "notify_contacts": "town",
        "observe": "town",
        "investigate": "dept:health",
        "close": "town",
    },
}


def incident_policy(world, *, drop=(), **changes):
    """The county's N0 policy with the incident steps and time limits set (``drop``: keys left unset)."""
    from fugong.policy.models import Policy, PolicyVersion
    from fugong.policy.services import create_version

    policy = Policy.objects.filter(region=world.county).first()
    if policy is None:
        apply_preset(world.county, "N0", effective_from=PRESET_START)
        policy = Policy.objects.get(region=world.county)
    latest = PolicyVersion.objects.get(policy=policy, number=policy.latest_number)
    params = {k: v for k, v in latest.parameters.items() if k not in drop}
    params |= {k: v for k, v in MINUTES.items() if k not in drop} | changes
    if params == latest.parameters:
        return latest
    return create_version(
        policy,
        params,
        effective_from=max(latest.effective_from, PRESET_START + dt.timedelta(days=1)),
        based_on=policy.latest_number,
        note="test basis",
        allow_past=True,
    )


def isolation_room(firm, name="一号隔离室", capacity=2):
    return IsolationRoom.objects.create(
        enterprise=firm, kind=IsolationKind.ISOLATION_ROOM, name=name, capacity=capacity
    )


def open_report(firm, *, actor=None, name="李四", minutes_ago=30, opened_at=None):
    person = make_employee(firm, name=name)
    now = opened_at or timezone.now()
    return services.open_incident(
        actor,
        firm,
        source=IncidentSource.REPORT,
        employees=[person],
        reference_at=now - dt.timedelta(minutes=minutes_ago),
        report="卫健局通报：密切接触者",
        opened_at=opened_at,
    )


def furnish(world):
    for firm in (world.firm_a, world.firm_b, world.firm_c):
        open_report(firm, name=f"{firm.name[:2]}病例")
