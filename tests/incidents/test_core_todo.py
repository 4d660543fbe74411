"""The home page's incident to-do: each user sees the open steps the policy gives them to handle (the task
force the late ones anywhere in its scope), counted in one statement inside their scope."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.core.selectors import todo_for
from fugong.incidents import services
from fugong.incidents.selectors import my_open_steps
from tests.incidents.furnish import incident_policy, open_report

pytestmark = pytest.mark.django_db


def _todo(user):
    return next(((i["count"], i["hint"]) for i in todo_for(user) if i["key"] == "incident_steps"), None)


def test_each_owner_sees_the_steps_it_handles(world, pinned_clock):
    incident_policy(world)
    # Opened 90 minutes ago: the firm's isolate (30) and report (60) are late, transfer (120) not yet.
    incident = open_report(world.firm_a, opened_at=timezone.now() - dt.timedelta(minutes=90))
    now = timezone.now()
    assert my_open_steps(world.users["ent_a"], now) == (2, 2)
    assert my_open_steps(world.users["town_a"], now) == (4, 0)  # seal, notify, observe, close
    assert my_open_steps(world.users["dept_health"], now) == (3, 0)  # transfer, contacts, investigate
    assert my_open_steps(world.users["task_force"], now) == (2, 2)  # the late ones
    for who in ("outsider", "town_b", "ent_c", "inspector", "dept_industry", "grid_a"):
        assert my_open_steps(world.users[who], now) == (0, 0), who
    count, hint = _todo(world.users["ent_a"])
    assert count == 2 and "2 项已超时" in hint
    assert _todo(world.users["outsider"]) is None
    services.handle_step(world.users["ent_a"], incident, "isolate", note="已隔离")
    services.handle_step(world.users["ent_a"], incident, "report", note="已报告")
    assert _todo(world.users["ent_a"]) is None
    assert my_open_steps(world.users["task_force"], timezone.now()) == (0, 0)
