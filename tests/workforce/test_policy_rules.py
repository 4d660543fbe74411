"""Return rules read only the policy (issue 9): no default isolation, "out of region" at the policy's level,
a local edit cited with its basis, and the pre-exit test rule for controlled residences."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.monitoring import models as monitoring
from fugong.workforce import rules, services, travel
from fugong.workforce.models import EmployeeStatus, ReturnDecision
from tests.workforce.conftest import (
    days_ago,
    edit_policy,
    make_employee,
    policy_now,
    returner,
    risk_area,
    use_preset,
)

S = EmployeeStatus


def test_a_city_edited_isolation_cites_its_own_version_and_basis(world, n0):
    edit_policy(n0, note="诸防控〔2026〕3号", isolation_days_out_of_region=7)
    policy = policy_now(world)
    person = returner(world.firm_a, "3201", "南京市", back_days_ago=1)
    assert person.decision == ReturnDecision.ISOLATE
    assert person.release_date == days_ago(1) + dt.timedelta(days=7)
    cite = policy.cite("isolation_days_out_of_region")
    assert "第2版" in cite and "依据：诸防控〔2026〕3号" in cite
    assert person.decision_reason.startswith(f"{cite}：自南京市返岗")
    assert "须厂内隔离观察7天" in person.decision_reason
    # The notice said 14 days; it is not cited for a value it never set.
    assert "分类管理" not in person.decision_reason and "14天" not in person.decision_reason


def _everyone(world, policy):
    risk_area(policy, "3303", "温州市", "high")
    firm = world.firm_a
    people = [
        returner(firm, "3303", "温州市", back_days_ago=2),
        returner(firm, "3201", "南京市", back_days_ago=2),
        make_employee(firm, left_locality=True, return_date=days_ago(1)),
        make_employee(firm, has_fever=True),
        make_employee(firm, health_code="yellow"),
        make_employee(firm, residence_control="controlled"),
        make_employee(firm, residence_control="precaution"),
    ]
    contact = make_employee(firm, residence_region=world.town_a.code)
    travel.set_travel(
        None, contact, [], [{"contact_date": days_ago(3), "description": "同车", "with_case": True}]
    )
    contact.refresh_from_db()
    return [*people, contact]


@pytest.mark.parametrize("preset", ["N1", "N4"])
def test_n1_and_n4_never_isolate_anyone_for_14_days(world, preset):
    policy = use_preset(world, preset)
    for person in _everyone(world, policy):
        assert person.decision != ReturnDecision.ISOLATE, person.decision_reason
        assert person.release_date is None
        assert "隔离观察14天" not in person.decision_reason
        assert rules.evaluate_return(person).isolation_days is None


@pytest.mark.parametrize(
    ("level", "isolated", "free"),
    [
        ("county", ["330602", "3301", "3201"], ["330681104"]),
        ("prefecture", ["3301", "3201"], ["330602", "330681104"]),
        ("province", ["3201"], ["330602", "3301", "330681104"]),
    ],
)
def test_out_of_region_is_measured_at_the_policy_level(world, n0, level, isolated, free):
    if level != "prefecture":  # what the preset sets
        edit_policy(n0, note="本地规定", out_of_region_level=level)
    for code in isolated:
        person = returner(world.firm_a, code, f"地区{code}", back_days_ago=1)
        assert person.decision == ReturnDecision.ISOLATE, (level, code)
        assert "属外地返岗人员" in person.decision_reason
    for code in free:
        person = returner(world.firm_a, code, f"地区{code}", back_days_ago=1)
        assert person.decision == ReturnDecision.MAY_RETURN, (level, code, person.decision_reason)


def test_without_an_out_of_region_level_the_rule_does_not_apply(world, n0):
    edit_policy(n0, note="本地规定", out_of_region_level=None)
    person = returner(world.firm_a, "3201", "南京市", back_days_ago=1)
    assert person.decision == ReturnDecision.MAY_RETURN
    assert "外地" not in person.decision_reason


def test_an_isolate_outcome_without_days_has_no_release_date_and_says_so(world):
    n1 = use_preset(world, "N1")
    edit_policy(n1, note="本地规定", health_code_outcomes={"red": "barred", "yellow": "isolate"})
    policy = policy_now(world)
    person = make_employee(world.firm_a, health_code="yellow", return_date=days_ago(1))
    assert person.decision == ReturnDecision.ISOLATE
    assert person.release_date is None
    assert person.decision_reason.startswith(
        policy.cite("health_code_outcomes") + "：健康码为黄码，须隔离观察"
    )
    assert "未规定隔离观察天数" in person.decision_reason
    ent = world.users["ent_a"]
    with pytest.raises(ValidationError, match="解除隔离后方可上岗"):
        services.change_status(ent, person, S.AT_WORK, "上岗")
    person = services.change_status(ent, person, S.ARRIVED, "到厂")
    assert person.status == S.ISOLATING
    episode = person.episodes.get()
    assert episode.planned_end is None  # lasts until released, never a made-up 14 days


# -- the pre-exit test rule ------------------------------------------------------------------------------


def _result(person, kind, sampled_at, result="negative"):
    return monitoring.TestResult.objects.create(
        employee=person,
        enterprise=person.enterprise,
        kind=kind,
        sampled_at=sampled_at,
        sample_day=timezone.localtime(sampled_at).date(),
        result=result,
        source=monitoring.TestSource.ENTERPRISE,
    )


def _at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize("control", ["controlled", "precaution"])
def test_leaving_a_controlled_residence_needs_the_tests_the_policy_names(world, n1, control):
    ent = world.users["ent_a"]
    arrival = days_ago(1)
    person = make_employee(world.firm_a, residence_control=control, return_date=arrival)
    policy = policy_now(world)
    nucleic_cite = policy.cite("pre_exit_nucleic_valid_hours")
    antigen_cite = policy.cite("pre_exit_antigen_required")
    assert person.decision == ReturnDecision.BARRED
    assert f"{nucleic_cite}：未见抵达前48小时内" in person.decision_reason
    assert f"{antigen_cite}：未见抵达当日" in person.decision_reason

    # A negative nucleic test too old for the 48 hours (counted back from the end of the arrival day).
    _result(person, monitoring.TestKind.NUCLEIC, _at(arrival - dt.timedelta(days=2), 9))
    person = services.apply_evaluation(ent, person)
    assert person.decision == ReturnDecision.BARRED
    assert "未见抵达前48小时内" in person.decision_reason

    # A recent one: only the antigen test on the day of arrival is still missing.
    _result(person, monitoring.TestKind.NUCLEIC, _at(arrival - dt.timedelta(days=1), 9))
    person = services.apply_evaluation(ent, person)
    assert person.decision == ReturnDecision.BARRED
    assert "核酸" not in person.decision_reason.split("；")[0]
    assert person.decision_reason.startswith(f"{antigen_cite}：未见抵达当日")

    _result(person, monitoring.TestKind.ANTIGEN, _at(arrival, 7))
    person = services.apply_evaluation(ent, person)
    assert person.decision == ReturnDecision.BUFFER  # through, and into the buffer zone as N1 asks
    assert person.decision_reason.startswith(policy.cite("residence_control_outcomes"))


def test_a_positive_result_holds_the_person_and_antigen_only_when_required(world, n1):
    ent = world.users["ent_a"]
    arrival = days_ago(1)
    person = make_employee(world.firm_a, residence_control="controlled", return_date=arrival)
    _result(person, monitoring.TestKind.NUCLEIC, _at(arrival, 6), monitoring.TestOutcome.POSITIVE)
    _result(person, monitoring.TestKind.ANTIGEN, _at(arrival, 7))
    person = services.apply_evaluation(ent, person)
    assert person.decision == ReturnDecision.BARRED
    assert "核酸检测结果为阳性" in person.decision_reason

    edit_policy(n1, note="本地规定", pre_exit_antigen_required=None)
    other = make_employee(world.firm_a, residence_control="controlled", return_date=arrival)
    _result(other, monitoring.TestKind.NUCLEIC, _at(arrival, 6))
    other = services.apply_evaluation(ent, other)
    assert other.decision == ReturnDecision.BUFFER, other.decision_reason


def test_without_a_validity_period_there_is_no_pre_exit_rule(world, n1):
    edit_policy(n1, note="本地规定", pre_exit_nucleic_valid_hours=None)
    person = make_employee(world.firm_a, residence_control="controlled", return_date=days_ago(1))
    assert person.decision == ReturnDecision.BUFFER
    assert "核酸阴性结果" not in person.decision_reason


def test_the_awaited_test_result_releases_the_held_person_on_its_own(
    world, n1, django_capture_on_commit_callbacks
):
    arrival = days_ago(1)
    person = make_employee(world.firm_a, residence_control="controlled", return_date=arrival)
    assert person.decision == ReturnDecision.BARRED
    with django_capture_on_commit_callbacks(execute=True):
        _result(person, monitoring.TestKind.NUCLEIC, _at(arrival - dt.timedelta(days=1), 9))
        _result(person, monitoring.TestKind.ANTIGEN, _at(arrival, 7))
    person.refresh_from_db()
    assert person.decision == ReturnDecision.BUFFER, person.decision_reason
