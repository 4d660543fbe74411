"""policy_for: inheritance down the tree, overrides, dates, and dated risk areas by code prefix."""

import datetime as dt
from decimal import Decimal

import pytest

from fugong.policy.models import RiskLevel
from fugong.policy.selectors import NoPolicyError, PolicyResolver, find_policy_for, policy_for
from fugong.policy.services import (
    add_no_return_area,
    add_risk_area,
    apply_preset,
    create_version,
    end_risk_area,
)
from tests.policy.conftest import N0_START

D = dt.date


def test_county_policy_applies_to_its_towns(world, county_policy):
    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.policy_id == county_policy.pk
    assert resolved.source_region_code == "330681" and resolved.inherited
    assert resolved.parameters.isolation_days_out_of_region == 14
    assert resolved.version_id == county_policy.versions.get(number=1).pk
    assert policy_for("330681104", D(2020, 2, 15)).policy_id == county_policy.pk  # by code too


def test_no_policy_above_or_before(world, county_policy):
    with pytest.raises(NoPolicyError) as info:
        policy_for(world.other_town, D(2020, 2, 15))
    assert "府山街道" in str(info.value)
    # Before the county's first version nothing was in force.
    assert find_policy_for(world.town_a, N0_START - dt.timedelta(days=1)) is None


def test_town_override_wins_from_its_date_only(world, county_policy):
    apply_preset(world.town_b, "N2", effective_from=D(2020, 3, 1))
    assert policy_for(world.town_b, D(2020, 2, 20)).source_region_code == "330681"
    on_march = policy_for(world.town_b, D(2020, 3, 1))
    assert on_march.source_region_code == "330681104" and not on_march.inherited
    assert on_march.parameters.term_keys("disinfection_rounds") == ("before_work", "after_work")
    # The sibling town keeps the county's rules.
    assert policy_for(world.town_a, D(2020, 3, 1)).source_region_code == "330681"


def test_province_policy_reaches_down_until_a_nearer_one(world, county_policy):
    apply_preset(world.province, "N3", effective_from=D(2020, 1, 1))
    assert policy_for(world.town_a, D(2020, 1, 15)).source_region_code == "33"
    assert policy_for(world.town_a, D(2020, 2, 15)).source_region_code == "330681"
    assert policy_for(world.other_town, D(2020, 2, 15)).source_region_code == "33"


def test_new_version_changes_answers_from_its_date_and_not_before(world, county_policy, today):
    later = today + dt.timedelta(days=10)
    before = policy_for(world.town_a, today)
    data = {**before.parameters.to_json(), "isolation_days_out_of_region": 7}
    version = create_version(county_policy, data, effective_from=later, based_on=1, note="缩短隔离期")
    assert policy_for(world.town_a, today).version_id == before.version_id
    assert policy_for(world.town_a, today).parameters.isolation_days_out_of_region == 14
    assert (
        policy_for(world.town_a, later - dt.timedelta(days=1)).parameters.isolation_days_out_of_region == 14
    )
    on_later = policy_for(world.town_a, later)
    assert on_later.version_id == version.pk and on_later.version_number == 2
    assert on_later.parameters.isolation_days_out_of_region == 7
    # Historical dates are untouched.
    assert policy_for(world.town_a, D(2020, 2, 15)).version_number == 1


def test_datetime_is_read_as_beijing_date(world, county_policy):
    from zoneinfo import ZoneInfo

    # 2020-01-31 17:00 UTC is already 1 February in Beijing, the first day of the policy.
    moment = dt.datetime(2020, 1, 31, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert policy_for(world.town_a, moment).version_number == 1


def test_resolver_memoises_by_region_and_date(world, county_policy, django_assert_num_queries):
    resolver = PolicyResolver()
    resolver.policy_for(world.town_a, D(2020, 2, 15))
    with django_assert_num_queries(0):
        resolver.policy_for(world.town_a, D(2020, 2, 15))
    with django_assert_num_queries(2):
        # Another date is another answer: never served from the first one.
        resolver.policy_for(world.town_a, D(2020, 2, 16))


def test_risk_level_by_code_prefix_and_date(world, county_policy):
    area = add_risk_area(
        county_policy,
        region_code="420100",
        name="武汉市",
        level=RiskLevel.HIGH,
        valid_from=D(2020, 2, 1),
        valid_to=D(2020, 3, 31),
    )
    assert area.region_code == "4201"
    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.risk_level_of("420102", D(2020, 2, 15)) == RiskLevel.HIGH  # a district of Wuhan
    assert resolved.risk_level_of("420102001", D(2020, 3, 31)) == RiskLevel.HIGH
    assert resolved.risk_level_of("420102", D(2020, 4, 1)) is None  # after valid_to
    assert resolved.risk_level_of("420102", D(2020, 1, 31)) is None  # before valid_from
    assert resolved.risk_level_of("4202", D(2020, 2, 15)) is None  # 黄石, not Wuhan
    assert resolved.risk_level_of("42", D(2020, 2, 15)) is None  # the province is not all high risk
    assert resolved.is_risk_at_least("420102", RiskLevel.MEDIUM)


def test_most_severe_level_wins_and_vocabularies_compare(world, county_policy):
    add_risk_area(
        county_policy, region_code="22", name="吉林省", level=RiskLevel.LOW, valid_from=D(2022, 4, 1)
    )
    add_risk_area(
        county_policy, region_code="220104", name="朝阳区", level=RiskLevel.SEALED, valid_from=D(2022, 4, 1)
    )
    resolved = policy_for(world.town_a, D(2022, 4, 10))
    assert resolved.risk_level_of("220104001") == RiskLevel.SEALED
    assert resolved.risk_level_of("220102") == RiskLevel.LOW
    assert resolved.is_risk_at_least("220104001", RiskLevel.HIGH)
    assert not resolved.is_risk_at_least("220102", RiskLevel.MEDIUM)


def test_ended_area_answers_by_day(world, county_policy):
    area = add_risk_area(
        county_policy, region_code="4201", name="武汉市", level=RiskLevel.HIGH, valid_from=D(2020, 2, 1)
    )
    end_risk_area(area, last_day=D(2020, 4, 7))
    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.risk_level_of("420102", D(2020, 4, 7)) == RiskLevel.HIGH
    assert resolved.risk_level_of("420102", D(2020, 4, 8)) is None


def test_areas_of_every_level_above_apply_even_under_an_override(world, county_policy):
    city = apply_preset(world.city, "N3", effective_from=D(2020, 1, 1))
    add_risk_area(city, region_code="4201", name="武汉市", level=RiskLevel.HIGH, valid_from=D(2020, 1, 1))
    town = apply_preset(world.town_a, "N4", effective_from=D(2020, 2, 10))
    add_risk_area(town, region_code="4202", name="黄石市", level=RiskLevel.MEDIUM, valid_from=D(2020, 2, 10))
    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.source_region_code == world.town_a.code
    assert resolved.risk_level_of("420102") == RiskLevel.HIGH  # from the city
    assert resolved.risk_level_of("420202") == RiskLevel.MEDIUM  # from the town itself
    # The sibling town does not see town A's registration.
    assert policy_for(world.town_b, D(2020, 2, 15)).risk_level_of("420202") is None
    # Another county's policy chain does not see Zhuji's no-return area for Hubei.
    assert policy_for(world.other_town, D(2020, 2, 15)).is_no_return_area("420102") is False


def test_no_return_area_from_preset(world, county_policy):
    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.is_no_return_area("420102001")
    assert resolved.no_return_area_of("42").name == "湖北省"
    assert not resolved.is_no_return_area("330681001")
    assert not resolved.is_no_return_area("420102", D(2020, 1, 20))  # before the policy's window


def test_no_return_area_by_region_object(world, county_policy):
    add_no_return_area(
        county_policy, region_code=world.other_county.code, name="越城区", valid_from=D(2020, 2, 1)
    )
    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.is_no_return_area(world.other_town)
    assert not resolved.is_no_return_area(world.town_b)


def test_checklists_of_the_policy_in_order(world, county_policy):
    checklists = policy_for(world.town_a, D(2020, 2, 15)).checklists()
    assert [c.key for c in checklists] == ["N0_four_musts", "N0_six_always"]
    assert len(checklists[0].items_in_force) == 4 and len(checklists[1].items_in_force) == 6


def test_rule_helpers(world):
    apply_preset(world.county, "N2", effective_from=D(2020, 2, 1))
    resolved = policy_for(world.town_a, D(2020, 2, 5))
    from zoneinfo import ZoneInfo

    sh = ZoneInfo("Asia/Shanghai")
    assert resolved.is_fever(Decimal("37.3")) and resolved.is_fever(38) and not resolved.is_fever(37.2)
    assert not resolved.may_resume_at(dt.datetime(2020, 2, 9, 23, 59, tzinfo=sh))
    assert resolved.may_resume_at(dt.datetime(2020, 2, 10, 0, 0, tzinfo=sh))
    assert resolved.may_resume_at(dt.datetime(2020, 2, 5, 8, 0, tzinfo=sh), sectors={"daily_necessities"})
    assert not resolved.gathering_needs_plan(500)  # N2 sets no gathering rule


def test_gathering_and_priority_helpers(world):
    apply_preset(world.county, "N3", effective_from=D(2021, 1, 7))
    n3 = policy_for(world.town_a, D(2021, 1, 10))
    assert n3.gathering_needs_plan(50) and not n3.gathering_needs_plan(49)
    apply_preset(world.other_county, "N0", effective_from=D(2020, 2, 1))
    n0 = policy_for(world.other_town, D(2020, 2, 10))
    assert n0.priority_score({"listed": True, "local_share": 0.5, "above_size": False}) == Decimal("15")


def test_cached_copy_asks_about_areas_afresh(world, county_policy):
    import pickle

    resolved = policy_for(world.town_a, D(2020, 2, 15))
    assert resolved.risk_level_of("420102") is None
    add_risk_area(
        county_policy, region_code="4201", name="武汉市", level=RiskLevel.HIGH, valid_from=D(2020, 2, 1)
    )
    copy = pickle.loads(pickle.dumps(resolved))
    assert copy == resolved and copy.version_id == resolved.version_id
    assert copy.risk_level_of("420102") == RiskLevel.HIGH
    assert policy_for(world.town_a, D(2020, 2, 15)).risk_level_of("420102") == RiskLevel.HIGH
