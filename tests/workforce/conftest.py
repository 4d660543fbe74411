"""Helpers for the employee-file tests: valid resident ID numbers, employees registered through the core
service, the notice presets on the fixture county, and risk areas added through the policy services."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from stdnum.cn import ric

from fugong.policy.services import add_no_return_area, add_risk_area, apply_preset
from fugong.workforce.models import Employee
from fugong.workforce.services import register_employee

PRESET_START = dt.date(2020, 1, 1)
_serial = itertools.count(500)
_phones = itertools.count(13900000000)


def valid_id(area: str = "330681", birth: str = "19900101") -> str:
    """A valid 18-character ID number, different on every call: 17 digits + the ISO 7064 mod 11-2 check
    character. python-stdnum's ``calc_check_digit`` reads all but the last character, so the body goes
    in with a placeholder where the check character will stand."""
    body = f"{area}{birth}{next(_serial) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def make_employee(firm, actor=None, **data) -> Employee:
    data.setdefault("name", "张三")
    data.setdefault("id_number", valid_id())
    data.setdefault("phone", str(next(_phones)))
    return register_employee(actor, firm, data)


def returner(firm, code, place, back_days_ago=3, **data) -> Employee:
    """Someone who spent the holiday at ``place`` and came back ``back_days_ago`` days ago."""
    back = days_ago(back_days_ago)
    return make_employee(
        firm,
        left_locality=True,
        left_on=back - dt.timedelta(days=10),
        destination=place,
        destination_code=code,
        return_from=place,
        return_from_code=code,
        return_date=back,
        **data,
    )


def use_preset(world, key):
    return apply_preset(world.county, key, effective_from=PRESET_START)


def risk_area(policy, code, name, level="high", valid_from=PRESET_START, **kwargs):
    return add_risk_area(policy, region_code=code, name=name, level=level, valid_from=valid_from, **kwargs)


def no_return_area(policy, code, name, valid_from=PRESET_START, **kwargs):
    return add_no_return_area(policy, region_code=code, name=name, valid_from=valid_from, **kwargs)


@pytest.fixture
def n0(world):
    return use_preset(world, "N0")


@pytest.fixture
def n1(world):
    return use_preset(world, "N1")


@pytest.fixture
def n2(world):
    return use_preset(world, "N2")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs what waits for commit (the risk-area signal and its re-evaluation), as the test's own
    transaction never commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def policy_now(world, town=None):
    """The policy in force today for the fixture firm's town."""
    from fugong.policy.selectors import policy_for

    return policy_for(town or world.town_a, timezone.localdate())


def edit_policy(policy, note="诸防控〔2026〕3号", effective_from=dt.date(2020, 1, 2), **changes):
    """A local version of ``policy``: its latest parameters with ``changes`` (None clears a key), with
    ``note`` as the stated basis of the change."""
    from fugong.policy.services import create_version

    policy.refresh_from_db()
    latest = policy.versions.order_by("-number").first()
    data = dict(latest.parameters)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return create_version(
        policy, data, effective_from=effective_from, based_on=policy.latest_number, note=note, allow_past=True
    )
