"""A hand-built day at firm_a and firm_b, with every figure known in advance."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.monitoring.models import Alert, HealthCheckin, TestResult
from fugong.operations.models import EmployeeEntry, VehicleEntry, Visitor
from fugong.reports import services
from fugong.workforce.models import Employee, EmployeeStatus
from tests.workforce.conftest import make_employee, n0, n1  # noqa: F401 - fixtures


def local_moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.localtime(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute))))


@pytest.fixture(autouse=True)
def clock(monkeypatch, pinned_clock):
    """Pins "now" — the reports' and the rest of the system's (``pinned_clock``) — to today 19:00
    local: after the 00:30 cut-off and after the last round of the presets is due (18:00), so that
    which days are live and which rounds count do not depend on when the suite runs. ``clock(moment)``
    moves it (to a moment of today)."""

    def set_now(moment: dt.datetime) -> None:
        moment = timezone.localtime(moment)
        pinned_clock(moment.hour, moment.minute)
        monkeypatch.setattr(services, "_local_now", lambda: moment)

    set_now(local_moment(timezone.localdate(), 19))
    return set_now


def set_status(firm, status=EnterpriseStatus.RESUMED):
    Enterprise.objects.filter(pk=firm.pk).update(status=status)


def person(firm, status=EmployeeStatus.AT_WORK, **data) -> Employee:
    employee = make_employee(firm, **data)
    Employee.objects.filter(pk=employee.pk).update(status=status)
    employee.status = status
    return employee


def reading(employee, day, number, temperature="36.5", abnormal=False) -> HealthCheckin:
    return HealthCheckin.objects.create(
        employee=employee,
        enterprise_id=employee.enterprise_id,
        day=day,
        round=number,
        temperature=Decimal(temperature),
        source="self",
        abnormal=abnormal,
        measured_at=timezone.make_aware(dt.datetime.combine(day, dt.time(8 + 4 * number, 0))),
    )


def at(day, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@dataclass
class Day:
    day: dt.date
    full: list
    partial: Employee
    none: Employee
    isolating: Employee
    home: Employee
    b_worker: Employee


@pytest.fixture
def day(world, n0):  # noqa: F811
    return build_day(world)


@pytest.fixture
def day_n1(world, n1):  # noqa: F811
    """The same day under N1: nucleic every three days, antigen daily."""
    return build_day(world)


def build_day(world) -> Day:
    """firm_a (resumed, two rounds a day under N0): two people with both rounds, one with only the
    first, one with none, one isolating with both rounds and an abnormal second; someone at home who
    checked in (not on site, so not counted); gate records; a test. firm_b (resumed) with one worker
    and nothing else; firm_c not resumed and nobody on site."""
    today = timezone.localdate()
    a, b = world.firm_a, world.firm_b
    set_status(a)
    set_status(b)
    full = [person(a, name="全勤一"), person(a, name="全勤二")]
    partial = person(a, name="半勤")
    none = person(a, name="未测")
    isolating = person(a, status=EmployeeStatus.ISOLATING, name="隔离")
    home = person(a, status=EmployeeStatus.REGISTERED, name="在家")
    b_worker = person(b, name="店口")
    for p in full:
        reading(p, today, 1)
        reading(p, today, 2)
    reading(partial, today, 1)
    reading(isolating, today, 1, "37.6", abnormal=True)
    reading(isolating, today, 2, "37.8", abnormal=True)
    reading(home, today, 1)
    # Yesterday's readings of ``none`` count for nothing today.
    reading(none, today - dt.timedelta(days=1), 1)
    reading(none, today - dt.timedelta(days=1), 2)
    Alert.objects.create(
        employee=isolating, enterprise=a, town=a.town, kind="fever", value="37.6℃", raised_at=at(today, 12)
    )
    Alert.objects.create(
        employee=isolating,
        enterprise=a,
        town=a.town,
        kind="fever",
        value="37.9℃",
        raised_at=at(today - dt.timedelta(days=1), 12),
    )
    common = {"enterprise": a, "temperature": Decimal("36.5")}
    EmployeeEntry.objects.create(employee=full[0], at=at(today, 7), **common)
    EmployeeEntry.objects.create(employee=full[1], at=at(today, 7), **common)
    EmployeeEntry.objects.create(
        employee=partial, at=at(today, 7), allowed=False, refusal_reason="红码", **common
    )
    EmployeeEntry.objects.create(employee=full[0], at=at(today - dt.timedelta(days=1), 7), **common)
    visitor = {
        "id_number_encrypted": "x",
        "id_number_index": "x",
        "id_number_masked": "3306**",
        "phone": "13800001111",
        "host": "接待",
        "purpose": "洽谈",
        **common,
    }
    Visitor.objects.create(name="访客甲", time_in=at(today, 10), **visitor)
    Visitor.objects.create(
        name="访客乙", time_in=at(today, 11), allowed=False, refusal_reason="发热", **visitor
    )
    VehicleEntry.objects.create(
        enterprise=a, plate="浙D12345", driver_name="司机", driver_phone="1", origin="杭州", at=at(today, 8)
    )
    VehicleEntry.objects.create(
        enterprise=a,
        plate="浙D54321",
        driver_name="司机",
        driver_phone="1",
        origin="杭州",
        at=at(today, 9),
        allowed=False,
    )
    TestResult.objects.create(
        employee=full[0],
        enterprise=a,
        kind="nucleic",
        sampled_at=at(today, 8),
        sample_day=today,
        result="negative",
        source="enterprise",
    )
    return Day(today, full, partial, none, isolating, home, b_worker)
