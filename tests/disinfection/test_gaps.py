"""gaps_by_firm: the required area × round pairs of the policy in force with no record that day, less
the areas a firm has declared it does not have; overdue once the day is over or past the firm's due
time; nothing when the policy sets no areas; a fixed number of statements for any number of firms."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.disinfection import services
from fugong.disinfection.selectors import day_sheet, gap_counts, gaps_by_firm, required_pairs
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.policy.selectors import find_policy_for
from fugong.policy.services import apply_preset
from tests.disinfection.conftest import N2_AREAS, N2_ROUNDS, at, do_all, do_round, operate
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def test_required_pairs_are_the_six_areas_times_two_rounds(n2):
    pairs = required_pairs(find_policy_for(n2.town_a, timezone.localdate()))
    assert [(a.key, r.key) for a, r in pairs] == [(a, r) for a in N2_AREAS for r in N2_ROUNDS]
    assert pairs[0][0].name == "车间工作区" and pairs[0][1].name == "上班前"
    assert required_pairs(None) == []


def test_every_pair_missing_is_a_gap_with_names_and_citation(n2, pinned_clock):
    day = yesterday()
    do_round(n2.users["ent_a"], n2.firm_a, day, "workshop", "before_work")

    gaps = gaps_by_firm(day)[n2.firm_a.pk]

    assert len(gaps) == 11
    assert ("workshop", "before_work") not in {(g["area"], g["round"]) for g in gaps}
    first = gaps[0]
    assert first == {
        "area": "workshop",
        "area_name": "车间工作区",
        "round": "after_work",
        "round_name": "下班后",
        "overdue": True,  # the day is over
        "cite": find_policy_for(n2.town_a, day).cite("disinfection_areas"),
    }
    assert "六个必消" in first["cite"]
    assert n2.firm_b.pk in gaps_by_firm(day)


def test_a_complete_day_has_no_gaps(n2, pinned_clock):
    pinned_clock(20)
    do_all(n2.users["ent_a"], n2.firm_a, timezone.localdate())
    assert n2.firm_a.pk not in gaps_by_firm(timezone.localdate())
    assert n2.firm_b.pk in gaps_by_firm(timezone.localdate())


def test_policy_without_disinfection_areas_flags_nothing(world):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    operate(world.firm_a)
    assert find_policy_for(world.town_a).parameters.disinfection_areas is None
    assert gaps_by_firm(yesterday()) == {}
    assert day_sheet(world.firm_a, yesterday())["gap_count"] == 0


def test_no_policy_at_all_flags_nothing(world):
    operate(world.firm_a)
    assert gaps_by_firm(yesterday()) == {}


def test_firms_not_at_work_have_no_gaps(n2):
    Enterprise.objects.filter(pk=n2.firm_a.pk).update(status=EnterpriseStatus.SUSPENDED)
    assert n2.firm_a.pk not in gaps_by_firm(yesterday())
    Enterprise.objects.filter(pk=n2.firm_a.pk).update(status=EnterpriseStatus.PREPARING)
    assert n2.firm_a.pk in gaps_by_firm(yesterday())


def test_an_exempted_area_is_not_a_gap(n2):
    services.set_exemption(n2.users["ent_a"], n2.firm_a, "dormitory", "本厂无员工宿舍")
    services.set_exemption(n2.users["ent_a"], n2.firm_a, "commuter_vehicle", "无通勤车")

    areas = {g["area"] for g in gaps_by_firm(yesterday())[n2.firm_a.pk]}

    assert areas == {"workshop", "office", "canteen", "isolation_site"}
    assert {g["area"] for g in gaps_by_firm(yesterday())[n2.firm_b.pk]} == set(N2_AREAS)
    services.clear_exemption(n2.users["ent_a"], n2.firm_a, "dormitory")
    assert "dormitory" in {g["area"] for g in gaps_by_firm(yesterday())[n2.firm_a.pk]}


def test_today_is_overdue_only_past_the_firms_due_time(n2, pinned_clock):
    today = timezone.localdate()
    services.set_schedule(n2.users["ent_a"], n2.firm_a, "before_work", "08:00")
    services.set_schedule(n2.users["ent_a"], n2.firm_a, "after_work", "19:00")
    now = pinned_clock(9)

    gaps = gaps_by_firm(today, now=now)[n2.firm_a.pk]
    overdue = {(g["area"], g["round"]) for g in gaps if g["overdue"]}
    assert overdue == {(a, "before_work") for a in N2_AREAS}
    # firm_b has no schedule: nothing is overdue before the day ends
    assert not any(g["overdue"] for g in gaps_by_firm(today, now=now)[n2.firm_b.pk])

    early = at(today, 7, 30)
    assert not any(g["overdue"] for g in gaps_by_firm(today, now=early)[n2.firm_a.pk])
    assert gap_counts(today, now=now)[n2.firm_a.pk] == (12, 6)


def test_a_round_done_is_no_longer_overdue(n2, pinned_clock):
    today = timezone.localdate()
    services.set_schedule(n2.users["ent_a"], n2.firm_a, "before_work", "08:00")
    do_round(n2.users["ent_a"], n2.firm_a, today, "workshop", "before_work", hour=8)
    gaps = gaps_by_firm(today)[n2.firm_a.pk]
    assert ("workshop", "before_work") not in {(g["area"], g["round"]) for g in gaps}
    assert sum(g["overdue"] for g in gaps) == 5


def test_a_future_day_has_no_gaps(n2):
    assert gaps_by_firm(timezone.localdate() + dt.timedelta(days=1)) == {}


def test_enterprise_ids_limit_the_answer(n2):
    assert set(gaps_by_firm(yesterday(), enterprise_ids=[n2.firm_b.pk])) == {n2.firm_b.pk}
    assert gaps_by_firm(yesterday(), enterprise_ids=[]) == {}


def test_query_count_does_not_grow_with_firms(n2, django_assert_num_queries):
    firms = [
        EnterpriseFactory(town=town, status=EnterpriseStatus.RESUMED) for town in (n2.town_a, n2.town_b) * 15
    ]
    services.set_exemption(n2.users["ent_a"], n2.firm_a, "dormitory", "无宿舍")
    day = yesterday()
    # firms, policy versions, policies, records, exemptions
    with django_assert_num_queries(5):
        result = gaps_by_firm(day)
    assert all(len(result[f.pk]) == 12 for f in firms)
    assert len(result[n2.firm_a.pk]) == 10
    # today also reads the firms' due times
    with django_assert_num_queries(6):
        gaps_by_firm(timezone.localdate())
