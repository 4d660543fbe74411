"""Fixed regions, firms and one user per role and scope, including outsiders, for every test.

The tree: 浙江省 › 绍兴市 › 诸暨市 (330681) with towns 暨阳街道 and 店口镇, and a second county 越城区
(330602) with 府山街道 for the outsiders. Firms: ``firm_a`` (暨阳, industry bureau), ``firm_b``
(店口, commerce bureau), ``firm_c`` (府山, industry bureau).
"""

from dataclasses import dataclass

import pytest

from fugong.accounts.departments import ensure_default_departments
from fugong.accounts.models import Department
from fugong.accounts.roles import Role
from fugong.regions.models import Region, RegionLevel
from tests.factories import EnterpriseFactory, UserFactory


def pytest_configure(config):
    from django.conf import settings

    # Hashing with PBKDF2 would make each fixture user cost ~50 ms.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


REFERENCE_DATA_MIGRATIONS = [
    ("fugong.enterprises.migrations.0003_gbt4754_divisions", "load"),
]


@pytest.fixture(autouse=True)
def reference_data(request):
    """A transactional test ends with a flush that also empties the rows data migrations loaded
    (departments, GB/T 4754 divisions, checklists); every database test starts with them back, as
    every deployment has them."""
    uses_db = request.node.get_closest_marker("django_db") is not None or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    if request.node.get_closest_marker("django_db") is None:
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
    from importlib import import_module

    from django.apps import apps

    from fugong.enterprises.models import IndustryClass
    from fugong.policy.models import ChecklistDefinition, ChecklistItem, Notice, Preset
    from fugong.policy.seeding import seed_shipped_presets

    if IndustryClass.objects.exists() and Department.objects.exists() and Preset.objects.exists():
        return
    ensure_default_departments()
    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)
    seed_shipped_presets(Notice, Preset, ChecklistDefinition, ChecklistItem)


@pytest.fixture(autouse=True)
def chinese_first():
    """Each test starts in Chinese; a request that switched to English must not leak into the next test
    (the active language is per thread, and xdist runs many tests in one thread)."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@dataclass
class World:
    province: Region
    city: Region
    county: Region
    town_a: Region
    town_b: Region
    other_county: Region
    other_town: Region
    firm_a: object
    firm_b: object
    firm_c: object
    users: dict


def _region(code, name, level, parent=None):
    region, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return region


@pytest.fixture
def world(db) -> World:
    province = _region("33", "浙江省", RegionLevel.PROVINCE)
    city = _region("3306", "绍兴市", RegionLevel.CITY, province)
    county = _region("330681", "诸暨市", RegionLevel.COUNTY, city)
    town_a = _region("330681001", "暨阳街道", RegionLevel.TOWN, county)
    town_b = _region("330681104", "店口镇", RegionLevel.TOWN, county)
    other_county = _region("330602", "越城区", RegionLevel.COUNTY, city)
    other_town = _region("330602001", "府山街道", RegionLevel.TOWN, other_county)
    ensure_default_departments()  # a transactional test's flush removes the migration's rows
    industry = Department.objects.get(code="industry")
    commerce = Department.objects.get(code="commerce")
    health = Department.objects.get(code="health")
    firm_a = EnterpriseFactory(name="诸暨暨阳织造有限公司", town=town_a, department=industry)
    firm_b = EnterpriseFactory(name="诸暨店口五金有限公司", town=town_b, department=commerce)
    firm_c = EnterpriseFactory(name="绍兴府山纺织有限公司", town=other_town, department=industry)

    def user(username, role, **scope):
        return UserFactory(username=username, role=role, full_name=username, **scope)

    grid = user("grid_a", Role.GRID_WORKER, region=town_a)
    grid.assigned_enterprises.add(firm_a)
    users = {
        "task_force": user("tf_zhuji", Role.TASK_FORCE, region=county),
        "task_force_outside": user("tf_yuecheng", Role.TASK_FORCE, region=other_county),
        "dept_industry": user("dept_industry", Role.DEPARTMENT, region=county, department=industry),
        "dept_health": user("dept_health", Role.DEPARTMENT, region=county, department=health),
        "dept_commerce": user("dept_commerce", Role.DEPARTMENT, region=county, department=commerce),
        "town_a": user("town_a", Role.TOWN, region=town_a),
        "town_b": user("town_b", Role.TOWN, region=town_b),
        "grid_a": grid,
        "inspector": user("inspector", Role.INSPECTOR, region=county),
        "ent_a": user("ent_a", Role.ENTERPRISE, enterprise=firm_a),
        "ent_c": user("ent_c", Role.ENTERPRISE, enterprise=firm_c),
        "gate_a": user("gate_a", Role.GATE_KEEPER, enterprise=firm_a),
        "employee_a": user("employee_a", Role.EMPLOYEE, enterprise=firm_a),
        "outsider": user("outsider", Role.TOWN, region=other_town),
    }
    return World(
        province, city, county, town_a, town_b, other_county, other_town, firm_a, firm_b, firm_c, users
    )


# What each role must see of the three firms (SPEC §1, §11).
EXPECTED_FIRMS = {
    "task_force": {"firm_a", "firm_b"},
    "task_force_outside": {"firm_c"},
    "dept_industry": {"firm_a"},
    "dept_health": {"firm_a", "firm_b"},
    "dept_commerce": {"firm_b"},
    "town_a": {"firm_a"},
    "town_b": {"firm_b"},
    "grid_a": {"firm_a"},
    "inspector": {"firm_a", "firm_b"},
    "ent_a": {"firm_a"},
    "ent_c": {"firm_c"},
    "gate_a": {"firm_a"},
    "employee_a": set(),
    "outsider": {"firm_c"},
}


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def pinned_clock(monkeypatch):
    """Check-ins go to the round whose window holds the time they are taken, so "now" is pinned: today
    09:00 local (inside the first round of the presets that set two rounds, 05:00–12:00), moving on with
    real time from there so that rows still get later stamps. ``pinned_clock(hour, minute)`` moves it.
    The live server of the browser tests runs in this process, so it sees the same clock."""
    import datetime as dt

    from django.utils import timezone

    real_now = timezone.now

    def set_now(hour: int, minute: int = 0) -> dt.datetime:
        started = real_now()
        day = timezone.localtime(started).date()
        base = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        monkeypatch.setattr(timezone, "now", lambda: base + (real_now() - started))
        return base

    set_now(9)
    return set_now
