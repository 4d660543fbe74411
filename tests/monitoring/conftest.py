import datetime as dt

import pytest
from django.utils import timezone

from fugong.workforce import services as wf
from fugong.workforce.models import EmployeeStatus
from tests.workforce.conftest import make_employee, n0  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The QR page counts failed attempts in the cache: one test's failures must not lock another out."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    """Today (the pinned clock's day) at ``hour``:``minute`` local time."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute)))


@pytest.fixture(autouse=True)
def clock(pinned_clock):
    """Check-ins go to the round whose window holds the time they are taken: "now" is today 09:00."""
    return pinned_clock


def new_version(policy, *, drop=(), effective_from=None, **changes):
    """Publish a version of ``policy`` in force from today (or ``effective_from``): the latest version's
    parameters with ``changes`` set and the keys in ``drop`` removed (the policy then does not set them)."""
    from fugong.policy.models import PolicyVersion
    from fugong.policy.services import create_version

    policy.refresh_from_db()
    latest = PolicyVersion.objects.get(policy=policy, number=policy.latest_number)
    params = {k: v for k, v in latest.parameters.items() if k not in drop} | changes
    return create_version(
        policy,
        params,
        effective_from=effective_from or timezone.localdate(),
        based_on=policy.latest_number,
        note="test basis",
        allow_past=True,
    )


THREE_ROUNDS = [
    {"name": "早班", "opens": "06:00", "due": "09:00"},
    {"name": "午间", "opens": "11:00", "due": "13:30"},
    {"name": "晚班", "opens": "17:00", "due": "20:00"},
]


def at_work(firm, actor, **data):
    person = make_employee(firm, **data)
    return wf.change_status(actor, person, EmployeeStatus.AT_WORK, "安排上岗")


@pytest.fixture
def worker(world, n0):  # noqa: F811
    """An employee of firm_a at work, with the employee_a account linked."""
    person = at_work(world.firm_a, world.users["ent_a"], name="王五")
    wf.link_account(world.users["ent_a"], person, world.users["employee_a"])
    person.refresh_from_db()
    return person
