"""Fixtures and helpers shared by the nucleic / antigen test files."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.workforce import episodes
from fugong.workforce import services as wf
from fugong.workforce.models import EmployeeStatus
from tests.workforce.conftest import make_employee, use_preset


def now():
    return timezone.now().replace(microsecond=0)


def at(days_ago=1, hour=9):
    """A sample time ``days_ago`` days back at ``hour`` (Beijing time); days_ago >= 1 is always past."""
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def n1(world):
    return use_preset(world, "N1")


@pytest.fixture
def buffered(world, n1):
    """A local returner under N1: arrival puts them in the buffer zone until a negative nucleic test."""
    person = make_employee(world.firm_a, name="缓冲区", residence_region=world.town_a.code)
    person = wf.change_status(world.users["ent_a"], person, EmployeeStatus.ARRIVED, "到厂")
    assert person.status == EmployeeStatus.BUFFER
    return person


@pytest.fixture
def working(world, n1, buffered):
    """Someone at work under N1 (through the buffer zone, as N1 asks)."""
    person = make_employee(world.firm_a, name="在岗", residence_region=world.town_a.code)
    person = wf.change_status(world.users["ent_a"], person, EmployeeStatus.ARRIVED, "到厂")
    episode = person.episodes.get()
    episodes.release_episode(world.users["ent_a"], episode, "", nucleic_negative_at=now())
    person.refresh_from_db()
    assert person.status == EmployeeStatus.AT_WORK
    return person
