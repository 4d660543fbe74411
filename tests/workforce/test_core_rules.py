"""The return rules (SPEC §5, issue 4 Done-when): isolate, bar, work, buffer — each with its rule cited."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from fugong.enterprises.models import IsolationKind, IsolationRoom
from fugong.workforce import episodes, rules, services, travel
from fugong.workforce.models import EmployeeStatus, EpisodeKind, ReturnDecision
from tests.workforce.conftest import days_ago, make_employee, policy_now, returner, risk_area

S = EmployeeStatus


def cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- N0: isolation, barred, straight to work -----------------------------------------------------------------


def test_returner_from_a_risk_area_isolates_until_the_release_date_and_cannot_work_before(world, n0):
    risk_area(n0, "3303", "温州市", "high")
    person = returner(world.firm_a, "3303", "温州市", back_days_ago=3)
    release = days_ago(3) + dt.timedelta(days=14)

    assert person.decision == ReturnDecision.ISOLATE
    assert person.release_date == release
    assert person.decision_policy_version_id is not None
    reasons = person.decision_reason
    assert "温州市" in reasons and "高风险" in reasons and "须厂内隔离观察14天" in reasons
    assert cn(release) in reasons
    policy = policy_now(world)
    # The area was registered without a basis: its stay cites the policy, the period its source.
    assert reasons.startswith(f"{policy.label}：")
    assert f"须隔离观察14天（{policy.cite('isolation_days_out_of_region')}）" in reasons

    with pytest.raises(ValidationError) as refused:
        services.change_status(world.users["ent_a"], person, S.AT_WORK, "安排上岗")
    assert f"须于{cn(release)}解除隔离后方可上岗" in str(refused.value)

    arrived = services.change_status(world.users["ent_a"], person, S.ARRIVED, "到厂报到")
    assert arrived.status == S.ISOLATING
    episode = arrived.episodes.get()
    assert (episode.kind, episode.started_on, episode.planned_end) == (
        EpisodeKind.ISOLATION,
        days_ago(3),
        release,
    )
    with pytest.raises(ValidationError, match=f"须于{cn(release)}解除隔离后方可上岗"):
        services.change_status(world.users["ent_a"], arrived, S.AT_WORK, "安排上岗")
    with pytest.raises(ValidationError, match="隔离观察未满"):
        episodes.release_episode(world.users["ent_a"], episode, "提前解除")


def test_isolation_served_in_full_ends_in_work(world, n0):
    risk_area(n0, "3303", "温州市", "high")
    person = returner(world.firm_a, "3303", "温州市", back_days_ago=20)
    assert person.decision == ReturnDecision.ISOLATE
    assert person.release_date == days_ago(20) + dt.timedelta(days=14)
    # Came back 20 days ago: the 14 days are over, so arrival does not start a new isolation.
    person = services.change_status(world.users["ent_a"], person, S.ARRIVED, "到厂")
    assert person.status == S.ARRIVED
    person = services.change_status(world.users["ent_a"], person, S.AT_WORK, "上岗")
    assert person.status == S.AT_WORK


def test_returner_from_a_no_return_area_is_barred_with_the_rule(world, n0):
    person = returner(world.firm_a, "4201", "武汉市", back_days_ago=2)
    assert person.decision == ReturnDecision.BARRED
    assert person.status == S.BARRED
    assert "《诸暨市企业复工和疫情防控实施方案》二、准备阶段 2．提前告知：" in person.decision_reason
    assert "武汉市（属湖北省）" in person.decision_reason
    assert "不得返岗地区，自2020年1月1日起" in person.decision_reason
    with pytest.raises(ValidationError, match="暂不得返岗"):
        services.change_status(world.users["ent_a"], person, S.AT_WORK, "上岗")
    with pytest.raises(ValidationError, match="须重新判定"):
        services.change_status(world.users["ent_a"], person, S.EXPECTED, "准备返岗")
    # Leaving is always possible.
    assert services.change_status(world.users["ent_a"], person, S.LEFT, "离职").status == S.LEFT


def test_no_return_reason_reads_like_the_notice(world, n0):
    person = returner(world.firm_a, "42", "湖北省", back_days_ago=2)
    assert "来自湖北省（不得返岗地区，自2020年1月1日起）" in person.decision_reason


def test_local_employee_goes_straight_to_work(world, n0):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    assert person.is_local
    assert person.decision == ReturnDecision.MAY_RETURN
    assert person.release_date is None
    assert person.decision_reason.startswith(f"{policy_now(world).label}：14天内无")
    assert "可直接返岗" in person.decision_reason
    person = services.change_status(world.users["ent_a"], person, S.AT_WORK, "上岗")
    assert person.status == S.AT_WORK
    assert person.status_changes.get().to_status == S.AT_WORK


def test_out_of_region_means_outside_the_city_as_the_notices_write_it(world, n0):
    """The preset measures "out of region" at the prefecture: from Nanjing yes; from Yuecheng no."""
    nanjing = returner(world.firm_a, "3201", "南京市", back_days_ago=1)
    assert nanjing.decision == ReturnDecision.ISOLATE
    assert nanjing.decision_reason.startswith(policy_now(world).cite("isolation_days_out_of_region"))
    assert "属外地返岗人员" in nanjing.decision_reason
    assert nanjing.release_date == days_ago(1) + dt.timedelta(days=14)

    yuecheng = returner(world.firm_a, "330602", "越城区", back_days_ago=1)
    assert yuecheng.decision == ReturnDecision.MAY_RETURN
    assert yuecheng.is_local  # no residence given: the ID number's county (Zhuji) decides
    left_without_codes = make_employee(world.firm_a, left_locality=True, return_date=days_ago(1))
    assert left_without_codes.decision == ReturnDecision.ISOLATE
    assert "行程地区划代码未填写" in left_without_codes.decision_reason


def test_risk_stay_counts_only_within_the_window_and_while_the_area_was_listed(world, n0):
    risk_area(n0, "330681104", "店口镇", "medium", valid_from=days_ago(30))
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    travel.set_travel(
        None,
        person,
        [{"region_code": "330681104", "place": "店口镇", "from_date": days_ago(40), "to_date": days_ago(35)}],
        [],
    )
    person.refresh_from_db()
    assert person.decision == ReturnDecision.MAY_RETURN  # left before it was listed, and > 14 days ago

    travel.set_travel(
        None,
        person,
        [
            {
                "region_code": "330681104001",
                "place": "店口镇某村",
                "from_date": days_ago(6),
                "to_date": days_ago(5),
            }
        ],
        [],
    )
    person.refresh_from_db()
    assert person.decision == ReturnDecision.ISOLATE
    assert "店口镇某村（属店口镇）" in person.decision_reason and "中风险" in person.decision_reason


def test_close_contact_and_symptoms(world, n0):
    contact = make_employee(world.firm_a, residence_region=world.town_a.code)
    travel.set_travel(
        None, contact, [], [{"contact_date": days_ago(3), "description": "同车", "with_case": True}]
    )
    contact.refresh_from_db()
    assert contact.decision == ReturnDecision.BARRED
    policy = policy_now(world)
    assert contact.decision_reason.startswith(policy.cite("case_contact_outcome") + "：")
    # The notice's own words come from the policy, not from code.
    assert policy.quote("case_contact_outcome") in contact.decision_reason

    # The preset sets no rule for fever without a history: no rule applies.
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    assert fever.decision == ReturnDecision.MAY_RETURN

    risk_area(n0, "3303", "温州市", "high")
    fever_and_risk = returner(world.firm_a, "3303", "温州市", has_fever=True)
    assert fever_and_risk.decision == ReturnDecision.BARRED
    assert "发热门诊" in fever_and_risk.decision_reason
    assert (
        policy.cite("symptomatic_with_epi_history_barred") + "：登记时发热且14天内有流行病学史"
    ) in fever_and_risk.decision_reason


def test_health_code_and_residence_control(world, n0):
    cite = policy_now(world).cite("health_code_outcomes")
    red = make_employee(world.firm_a, health_code="red")
    assert red.decision == ReturnDecision.BARRED
    assert red.decision_reason == f"{cite}：健康码为红码，暂不得返岗"
    yellow = make_employee(world.firm_a, health_code="yellow", return_date=days_ago(1))
    assert yellow.decision == ReturnDecision.ISOLATE
    assert yellow.release_date == days_ago(1) + dt.timedelta(days=14)
    assert yellow.decision_reason.startswith(f"{cite}：健康码为黄码，须隔离观察14天")
    # The preset says nothing about residence control: no rule.
    sealed = make_employee(world.firm_a, residence_control="sealed")
    assert sealed.decision == ReturnDecision.MAY_RETURN


def test_n2_hard_hit_returners_need_an_observation_point(world, n2):
    # The preset's 14-day window (its note: the notice writes "近期") brings the stay in Wuhan in.
    person = returner(world.firm_a, "4201", "武汉市", back_days_ago=2)
    risk_area(n2, "4201", "武汉市", "high")
    person = services.apply_evaluation(world.users["ent_a"], person)
    assert person.decision == ReturnDecision.BARRED
    policy = policy_now(world)
    assert person.decision_reason.startswith(
        policy.cite("observation_point_required_for_hard_hit_returners") + "："
    )
    assert "二、（四）设置固定观察点" in person.decision_reason

    IsolationRoom.objects.create(
        enterprise=world.firm_a, kind=IsolationKind.OBSERVATION_POINT, name="观察点", capacity=5
    )
    person = services.apply_evaluation(world.users["ent_a"], person)
    assert person.decision == ReturnDecision.ISOLATE
    assert person.status == S.REGISTERED  # no longer barred, not yet back at the plant
    assert "二、（二）“双隔离”" in person.decision_reason
    assert person.release_date == days_ago(2) + dt.timedelta(days=14)


# -- N1: the same people go through the buffer zone -------------------------------------------------------------


def test_same_people_under_n1_go_through_the_buffer_zone(world, n1):
    risk_area(n1, "3303", "温州市", "high")
    local = make_employee(world.firm_a, residence_region=world.town_a.code)
    risky = returner(world.firm_a, "3303", "温州市", back_days_ago=3)
    hubei = returner(world.firm_a, "4201", "武汉市", back_days_ago=3)
    cite = policy_now(world).cite("buffer_zone_requires_negative_nucleic")
    for person in (local, risky, hubei):
        assert person.decision == ReturnDecision.BUFFER, person.decision_reason
        assert person.release_date is None
        assert person.decision_reason.startswith(cite + "：")
        assert "五、（二）" in person.decision_reason
        assert "隔离观察" not in person.decision_reason  # nobody is isolated for days N1 never set
    # The stay in Wenzhou is judged over the preset's window, and leads to the buffer zone too.
    assert "温州市（高风险地区）" in risky.decision_reason

    ent = world.users["ent_a"]
    with pytest.raises(ValidationError, match="缓冲区"):
        services.change_status(ent, local, S.AT_WORK, "上岗")
    risky = services.change_status(ent, risky, S.ARRIVED, "到厂")
    assert risky.status == S.BUFFER
    episode = risky.episodes.get()
    assert episode.kind == EpisodeKind.BUFFER and episode.planned_end is None
    with pytest.raises(ValidationError, match="核酸"):
        services.change_status(ent, risky, S.AT_WORK, "上岗")
    with pytest.raises(ValidationError, match="核酸阴性时间"):
        episodes.release_episode(ent, episode, "")
    episodes.release_episode(ent, episode, "", nucleic_negative_at=dt.datetime.now())
    risky.refresh_from_db()
    assert risky.status == S.AT_WORK


def test_n1_residence_control(world, n1):
    cite = policy_now(world).cite("residence_control_outcomes")
    controlled = make_employee(world.firm_a, residence_control="controlled")
    # No test results on file: held by the pre-exit rule, and the buffer zone named as well.
    assert controlled.decision == ReturnDecision.BARRED
    assert f"{cite}：居住地位于管控区，进厂后入缓冲区" in controlled.decision_reason
    sealed = make_employee(world.firm_a, residence_control="sealed")
    assert sealed.decision == ReturnDecision.BARRED
    assert sealed.decision_reason.startswith(f"{cite}：居住地位于封控区，暂不得返岗")


def test_evaluation_is_a_pure_read(world, n0):
    risk_area(n0, "3303", "温州市", "high")
    person = returner(world.firm_a, "3303", "温州市")
    before = (person.decision, person.decided_at, person.version)
    evaluation = rules.evaluate_return(person)
    assert evaluation.decision == ReturnDecision.ISOLATE
    assert evaluation.isolation_days == 14
    policy = policy_now(world)
    assert all(reason.startswith(("《", policy.label)) for reason in evaluation.reasons)
    person.refresh_from_db()
    assert (person.decision, person.decided_at, person.version) == before


def test_without_a_policy_nothing_is_decided(world):
    person = make_employee(world.firm_a)
    assert person.decision == ""
    with pytest.raises(ValidationError, match="没有生效的防控政策"):
        services.apply_evaluation(world.users["ent_a"], person)
