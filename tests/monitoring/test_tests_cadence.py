"""The nucleic / antigen cadence from policy data (issue 5 item 3; N1 七、（二）"每3天组织1次全员核酸检测",
"每天企业自行组织1次抗原试剂检测"); N0 sets no cadence."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fugong.monitoring.models import TestKind as Kind
from fugong.monitoring.models import TestResult
from fugong.monitoring.testing import selectors as sel
from fugong.workforce.models import Employee, EmployeeStatus
from tests.workforce.conftest import make_employee, use_preset

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def on_site(firm, status=EmployeeStatus.AT_WORK, **data):
    """Set-up only: the cadence reads statuses, the return workflow that reaches them is tested elsewhere."""
    person = make_employee(firm, **data)
    Employee.objects.filter(pk=person.pk).update(status=status)
    person.refresh_from_db()
    return person


def sample(person, kind, days_ago, result="negative", hour=9):
    day = TODAY - dt.timedelta(days=days_ago)
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
    return TestResult.objects.create(
        employee=person,
        enterprise_id=person.enterprise_id,
        kind=kind,
        sampled_at=moment,
        sample_day=day,
        result=result,
        source="enterprise",
    )


def _pairs(rows):
    return {(r.employee.pk, r.kind): r for r in rows}


def test_n1_nucleic_every_three_days_antigen_daily(world):
    use_preset(world, "N1")
    three = on_site(world.firm_a, name="三天前")
    four = on_site(world.firm_a, name="四天前")
    two = on_site(world.firm_a, name="两天前")
    never = on_site(world.firm_a, name="从未检测", status=EmployeeStatus.BUFFER)
    home = on_site(world.firm_a, name="在家", status=EmployeeStatus.REGISTERED)
    for person, days in ((three, 3), (four, 4), (two, 2)):
        sample(person, Kind.NUCLEIC, days)
        sample(person, Kind.ANTIGEN, 1)
    sample(home, Kind.NUCLEIC, 10)

    rows = _pairs(sel.tests_due(world.firm_a, TODAY))
    due3 = rows[(three.pk, Kind.NUCLEIC)]
    assert due3.next_due == TODAY and not due3.overdue
    assert due3.last_day == TODAY - dt.timedelta(days=3)
    due4 = rows[(four.pk, Kind.NUCLEIC)]
    assert due4.overdue and due4.next_due == TODAY - dt.timedelta(days=1)
    assert (two.pk, Kind.NUCLEIC) not in rows  # next due tomorrow
    first = rows[(never.pk, Kind.NUCLEIC)]
    assert first.last_day is None and first.next_due == TODAY and not first.overdue
    # Antigen every day: yesterday's test makes today due, for everyone on site.
    for person in (three, four, two, never):
        assert (person.pk, Kind.ANTIGEN) in rows
    assert not any(r.employee.pk == home.pk for r in rows.values())
    assert sel.tests_due(world.firm_a, TODAY)[0].overdue  # overdue first

    # Sampled today: no longer listed, counted as done.
    sample(three, Kind.NUCLEIC, 0)
    sample(four, Kind.ANTIGEN, 0, result="positive")
    rows = _pairs(sel.tests_due(world.firm_a, TODAY))
    assert (three.pk, Kind.NUCLEIC) not in rows
    assert (four.pk, Kind.ANTIGEN) not in rows
    counts = sel.tests_due_done_by_firm([world.firm_a.pk, world.firm_b.pk], TODAY)
    # due: nucleic three, four, never (3) + antigen for the four on site (4) = 7; done: 2; positive: 1
    assert counts[world.firm_a.pk] == (7, 2, 1)
    assert counts[world.firm_b.pk] == (0, 0, 0)


def test_n0_has_no_cadence(world):
    use_preset(world, "N0")
    person = on_site(world.firm_a)
    sample(person, Kind.NUCLEIC, 9)
    assert sel.tests_due(world.firm_a, TODAY) == []
    assert sel.tests_due_done_by_firm([world.firm_a.pk], TODAY) == {world.firm_a.pk: (0, 0, 0)}


def test_no_policy_no_cadence(world):
    person = on_site(world.firm_c)
    assert sel.tests_due(world.firm_c, TODAY) == []
    assert sel.tests_due_done_by_firm([world.firm_c.pk], TODAY) == {world.firm_c.pk: (0, 0, 0)}
    assert person.status == EmployeeStatus.AT_WORK


def test_due_list_is_scoped(world):
    use_preset(world, "N1")
    a = on_site(world.firm_a, name="甲")
    b = on_site(world.firm_b, name="乙")
    ids = lambda user: {r.employee.pk for r in sel.tests_due(world.users[user], TODAY)}  # noqa: E731
    assert ids("ent_a") == {a.pk}
    assert ids("town_b") == {b.pk}
    assert ids("task_force") == {a.pk, b.pk}
    assert ids("outsider") == set()
    groups = sel.tests_due_by_firm(world.users["task_force"], TODAY)
    expected = sorted([world.firm_a, world.firm_b], key=lambda f: f.name)
    assert [g["enterprise"].pk for g in groups] == [f.pk for f in expected]
    assert all(len(g["rows"]) == 2 for g in groups)  # nucleic (never tested) and antigen


def test_officer_summary_counts_per_firm(world):
    use_preset(world, "N1")
    a = on_site(world.firm_a, name="甲")
    on_site(world.firm_b, name="乙")
    sample(a, Kind.NUCLEIC, 0, result="positive")
    rows = sel.due_summary(world.users["task_force"], TODAY)
    by_firm = {r["enterprise"].pk: (r["due"], r["done"], r["pending"], r["positive"]) for r in rows}
    assert by_firm == {world.firm_a.pk: (2, 1, 1, 1), world.firm_b.pk: (2, 0, 2, 0)}
    assert rows[0]["enterprise"] == world.firm_a  # positives first
    assert [r["enterprise"].pk for r in sel.due_summary(world.users["town_b"], TODAY)] == [world.firm_b.pk]
    assert sel.due_summary(world.users["outsider"], TODAY) == []


def test_counts_take_a_handful_of_queries(world):
    use_preset(world, "N1")
    for firm in (world.firm_a, world.firm_b):
        for n in range(3):
            person = on_site(firm, name=f"员工{n}")
            sample(person, Kind.NUCLEIC, n + 1)
    with CaptureQueriesContext(connection) as ctx:
        counts = sel.tests_due_done_by_firm([world.firm_a.pk, world.firm_b.pk, world.firm_c.pk], TODAY)
    # nucleic due for those tested 3 days ago (1 per firm) + antigen for all 3
    assert counts[world.firm_a.pk] == (4, 0, 0) and counts[world.firm_b.pk] == (4, 0, 0)
    assert len(ctx.captured_queries) <= 10
