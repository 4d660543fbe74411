import pytest

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
