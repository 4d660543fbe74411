"""Helpers for the pre-report and checkpoint tests: valid resident ID numbers, employees on a roster,
and the N0 policy (pre-reports due 2 days ahead) for the fixture county."""

import datetime as dt
import itertools

from stdnum.cn import ric

from fugong.policy.services import apply_preset
from fugong.workforce.models import Employee
from fugong.workforce.services import register_employee

_serial = itertools.count(100)


def id_number(area: str = "330681", birth: str = "19900101") -> str:
    """A valid 18-character resident ID number, different on every call."""
    body = f"{area}{birth}{next(_serial) % 1000:03d}"
    # python-stdnum expects a placeholder where the check character goes.
    return body + ric.calc_check_digit(body + "0")


def make_employee(
    firm, name: str = "张三", number: str | None = None, *, decision_reason="", **fields
) -> Employee:
    """An employee registered on ``firm``'s roster through the core service (encrypted, indexed, masked,
    decided). ``decision_reason`` is written straight onto the file, for tests that then bar the person."""
    data = {"name": name, "id_number": number or id_number(), "phone": "13800138000", **fields}
    employee = register_employee(None, firm, data)
    if decision_reason:
        Employee.objects.filter(pk=employee.pk).update(decision_reason=decision_reason)
        employee.refresh_from_db()
    return employee


def use_n0(world):
    return apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
