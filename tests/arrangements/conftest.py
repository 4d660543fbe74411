"""Helpers for the arrangement tests: the inside of a firm (rooms, sittings, routes, grid units), people
registered through the workforce service, and the notice presets on the fixture county."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fugong.arrangements.models import TARGET_FIELD, Assignment
from fugong.enterprises.models import CanteenSitting, DormRoom, GridUnit, ShuttleRoute
from fugong.workforce.models import Employee, EmployeeStatus
from tests.workforce.conftest import PRESET_START, make_employee, use_preset  # noqa: F401


def today() -> dt.date:
    return timezone.localdate()


def staff(firm, n, *, prefix="员工", status=EmployeeStatus.AT_WORK) -> list[Employee]:
    """``n`` people of ``firm`` registered through the service, then set on site (the status is what
    the checks read; the return rules are not under test here)."""
    people = [make_employee(firm, name=f"{prefix}{i}") for i in range(n)]
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(status=status)
    return list(Employee.objects.filter(pk__in=[p.pk for p in people]).order_by("pk"))


def room(firm, number="101", *, capacity=8, area="30", building="1号楼") -> DormRoom:
    return DormRoom.objects.create(
        enterprise=firm, building=building, number=number, capacity=capacity, area_m2=Decimal(area)
    )


def sitting(
    firm, name="第一批", *, starts="11:00", ends="11:30", seats=20, canteen="一食堂"
) -> CanteenSitting:
    return CanteenSitting.objects.create(
        enterprise=firm, canteen=canteen, name=name, starts_at=starts, ends_at=ends, seats=seats
    )


def route(firm, name="一号线", *, seats=30) -> ShuttleRoute:
    return ShuttleRoute.objects.create(
        enterprise=firm, name=name, vehicle_plate="浙D12345", driver_name="王师傅", seats=seats
    )


def grid(firm, name="一车间", *, level="workshop", parent=None) -> GridUnit:
    return GridUnit.objects.create(enterprise=firm, name=name, level=level, parent=parent)


def place(people, target, *, starts_on, ends_on=None, kind=None):
    """Assignments written directly (the services are tested on their own)."""
    from fugong.arrangements.selectors import kind_of

    kind = kind or kind_of(target)
    return [
        Assignment.objects.create(
            enterprise=p.enterprise,
            employee=p,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            **{TARGET_FIELD[kind]: target},
        )
        for p in people
    ]


@pytest.fixture
def n4(world):
    use_preset(world, "N4")
    return world


@pytest.fixture
def n1(world):
    use_preset(world, "N1")
    return world


@pytest.fixture
def n2(world):
    use_preset(world, "N2")
    return world
