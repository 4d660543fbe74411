"""Each data rule alone, with and without the policy value it rests on (unset: not applicable, nothing
flagged), and the risk score's weights."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fugong.compliance import services
from fugong.compliance.models import ComplianceDay
from fugong.compliance.rules import RULES
from fugong.policy.models import DataRule
from tests.compliance.conftest import (
    WORKPLACE,
    all_rounds,
    checkin,
    commitments,
    disinfect,
    dorm,
    entry,
    grid,
    isolation_room,
    leader,
    person,
    publish,
    resume,
    stock,
    today,
)
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def statuses(firm, day=None) -> dict:
    services.build_compliance(day or today(), [firm.pk])
    row = ComplianceDay.objects.get(enterprise=firm, day=day or today())
    return {i["code"]: (i["status"], i["reason"]) for i in row.items}


def test_every_data_rule_is_implemented():
    assert set(RULES) == set(DataRule.values)


def test_isolation_room(world, policy, pinned_clock):
    resume(world.firm_a)
    assert statuses(world.firm_a)["T-ISO"][0] == "not_met"
    isolation_room(world.firm_a)
    status, reason = statuses(world.firm_a)["T-ISO"]
    assert status == "met" and reason.startswith("《") and "1处" in reason


def test_stock_with_and_without_required_supplies(world, policy, pinned_clock):
    resume(world.firm_a)
    status, reason = statuses(world.firm_a)["T-STOCK"]
    assert status == "not_met" and "医用口罩" in reason
    stock(world.firm_a, "mask", 100)
    assert statuses(world.firm_a)["T-STOCK"][0] == "met"
    publish(world, {}, drop=["required_supplies"])
    status, reason = statuses(world.firm_a)["T-STOCK"]
    assert status == "unknown" and "政策未规定储备物资" in reason


def test_grid_units(world, policy, pinned_clock):
    resume(world.firm_a)
    worker = person(world.firm_a)
    status, reason = statuses(world.firm_a)["T-GRID"]
    assert status == "not_met" and "1名" in reason
    grid(world.firm_a, worker)
    assert statuses(world.firm_a)["T-GRID"][0] == "met"


def test_dorms_with_and_without_limits(world, policy, pinned_clock):
    resume(world.firm_a)
    dorm(world.firm_a, [person(world.firm_a, f"住{n}") for n in range(7)], area="40")
    status, reason = statuses(world.firm_a)["T-DORM"]
    assert status == "not_met" and "7人" in reason and "6人" in reason
    publish(world, {}, drop=["dorm_max_per_room", "dorm_min_area_per_person_m2"])
    status, reason = statuses(world.firm_a)["T-DORM"]
    assert status == "unknown" and "宿舍人数或人均面积限值" in reason


def test_two_checkins_with_and_without_rounds(world, policy, pinned_clock):
    resume(world.firm_a)
    worker = person(world.firm_a)
    yesterday = today() - dt.timedelta(days=1)
    checkin(worker, yesterday, 1)
    assert statuses(world.firm_a)["T-CHECK"][0] == "not_met"
    checkin(worker, yesterday, 2)
    assert statuses(world.firm_a)["T-CHECK"][0] == "met"
    publish(world, {}, drop=["temperature_rounds", "temperature_checks_per_day"])
    status, reason = statuses(world.firm_a)["T-CHECK"]
    assert status == "unknown" and "每日体温检测轮次" in reason


def test_disinfection_by_area_and_without_areas(world, policy, pinned_clock):
    resume(world.firm_a)
    yesterday = today() - dt.timedelta(days=1)
    disinfect(world.firm_a, yesterday, "workshop", "before_work")
    disinfect(world.firm_a, yesterday, "workshop", "after_work", round_name="下班后")
    picture = statuses(world.firm_a, yesterday)
    assert picture["T-DIS-W"][0] == "met"  # the workshop's rounds are all there
    assert picture["T-DIS"][0] == "not_met" and "办公室" in picture["T-DIS"][1]
    # Today before any time limit: open, not missed.
    assert statuses(world.firm_a)["T-DIS"][0] == "unknown"
    all_rounds(world.firm_a, today())
    assert statuses(world.firm_a)["T-DIS"][0] == "met"
    publish(world, {}, drop=["disinfection_areas", "disinfection_rounds"])
    status, reason = statuses(world.firm_a, yesterday)["T-DIS"]
    assert status == "unknown" and "消杀区域与轮次" in reason


def test_gate_entries(world, policy, pinned_clock):
    resume(world.firm_a)
    worker = person(world.firm_a)
    assert statuses(world.firm_a)["T-GATE"][0] == "unknown"  # nobody checked in yet
    checkin(worker, today(), 1)
    assert statuses(world.firm_a)["T-GATE"][0] == "not_met"
    entry(worker, today())
    assert statuses(world.firm_a)["T-GATE"][0] == "met"


def test_prevention_team(world, policy, pinned_clock):
    resume(world.firm_a)
    assert statuses(world.firm_a)["T-TEAM"][0] == "not_met"
    leader(world.firm_a, "赵组长")
    status, reason = statuses(world.firm_a)["T-TEAM"]
    assert status == "met" and "赵组长" in reason


def test_commitments_with_and_without_policy_commitments(world, policy, pinned_clock):
    resume(world.firm_a)
    status, reason = statuses(world.firm_a)["T-COMMIT"]
    assert status == "not_met" and "尚无复工申请" in reason
    commitments(world.firm_a, world.users["ent_a"])
    assert statuses(world.firm_a)["T-COMMIT"][0] == "met"
    publish(world, {}, drop=["commitments"])
    assert statuses(world.firm_a)["T-COMMIT"][0] == "unknown"


def test_unset_weights_give_no_score(world, policy, pinned_clock):
    resume(world.firm_a)
    checkin(person(world.firm_a), today(), 1, "38.5", abnormal=True)
    services.build_compliance(today(), [world.firm_a.pk])
    row = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    assert row.risk_score > 0 and any("38.5℃" in r for r in row.risk_reasons)
    weights = [k for k in WORKPLACE if k.startswith("risk_weight_")]
    publish(world, {}, drop=weights)
    services.build_compliance(today(), [world.firm_a.pk])
    row.refresh_from_db()
    assert row.risk_score == 0 and row.risk_reasons == []
    assert row.signals["abnormal_temperatures"]["count"] == 1  # the signal stays, unweighted


def test_overdue_tests_follow_the_cadence(world, policy, pinned_clock):
    from fugong.monitoring.models import TestResult

    publish(world, {"nucleic_test_interval_days": 3})
    resume(world.firm_a)
    late, fine = person(world.firm_a, "逾期"), person(world.firm_a, "按时")
    for who, ago in ((late, 5), (fine, 2)):
        day = today() - dt.timedelta(days=ago)
        TestResult.objects.create(
            employee=who, enterprise=world.firm_a, kind="nucleic", sampled_at=dt.datetime.now(dt.UTC),
            sample_day=day, result="negative", source="enterprise",
        )  # fmt: skip
    services.build_compliance(today(), [world.firm_a.pk])
    row = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    assert [p["name"] for p in row.signals["overdue_tests"]["people"]] == ["逾期"]
    assert any("检测逾期1人" in r for r in row.risk_reasons)


def _count(day) -> int:
    with CaptureQueriesContext(connection) as queries:
        services.build_compliance(day)
    return len(queries)


def test_build_is_set_based(world, policy, pinned_clock):
    """The same number of statements for 3 firms as for 30."""
    resume(world.firm_a, world.firm_b)
    for firm in (world.firm_a, world.firm_b):
        checkin(person(firm), today(), 1, "38.0", abnormal=True)
    small = _count(today())
    for n in range(27):
        firm = EnterpriseFactory(town=world.town_a if n % 2 else world.town_b, status="resumed")
        worker = person(firm, f"员工{n}")
        checkin(worker, today(), 1, "38.0", abnormal=n % 3 == 0)
        stock(firm, "mask", n)
        isolation_room(firm) if n % 2 else leader(firm)
    big = _count(today())
    assert ComplianceDay.objects.filter(day=today()).count() == 29
    assert big == small
