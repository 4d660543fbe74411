"""Per-firm reads take the reader: what a firm's lists show goes through ``visible_to(user)``."""

import pytest
from django.utils import timezone

from fugong.monitoring.selectors import on_site_people
from fugong.operations import services as gate_services
from fugong.operations.views import _today_lists
from fugong.workforce import selectors, services
from fugong.workforce.models import EmployeeStatus
from tests.operations.test_gate import visitor_data
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_work(world, n0):
    person = make_employee(world.firm_a, name="王甲", residence_region=world.town_a.code)
    return services.change_status(world.users["ent_a"], person, EmployeeStatus.AT_WORK, "上岗")


def test_on_site_people_only_for_those_who_may_see_them(world, at_work):
    assert list(on_site_people(world.users["ent_a"], world.firm_a)) == [at_work]
    assert list(on_site_people(world.users["town_a"], world.firm_a)) == [at_work]
    for key in ("outsider", "ent_c"):
        assert not on_site_people(world.users[key], world.firm_a).exists()


def test_returns_summary_counts_only_visible_people(world, at_work):
    assert selectors.returns_summary(world.users["ent_a"], world.firm_a)["total"] == 1
    assert selectors.returns_summary(world.users["outsider"], world.firm_a)["total"] == 0


def test_gate_lists_are_scoped(world, at_work):
    visitor = gate_services.record_visitor(world.users["gate_a"], world.firm_a, **visitor_data())
    today = timezone.localdate()
    mine = _today_lists(world.users["gate_a"], world.firm_a, today)
    assert list(mine["visitors"]) == [visitor] and list(mine["inside"]) == [visitor]
    theirs = _today_lists(world.users["outsider"], world.firm_a, today)
    assert not theirs["visitors"] and not theirs["inside"] and not theirs["entries"]
