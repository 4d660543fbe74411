"""Changing the risk-area list re-evaluates the people it touches (SPEC §5), and only them."""

from fugong.policy.services import end_risk_area
from fugong.workforce import selectors
from fugong.workforce.models import EmployeeStatus, ReturnDecision
from tests.workforce.conftest import days_ago, make_employee, no_return_area, returner, risk_area


def _local_who_visited(world, code, place, days):
    from fugong.workforce import travel

    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    travel.set_travel(
        None,
        person,
        [{"region_code": code, "place": place, "from_date": days_ago(days), "to_date": days_ago(days)}],
        [],
    )
    person.refresh_from_db()
    return person


def test_adding_and_ending_a_risk_area_re_decides_the_people_who_were_there(world, n0, committed):
    visitor = _local_who_visited(world, "330681104001", "店口镇某村", 4)
    bystander = _local_who_visited(world, "330681001", "暨阳街道", 4)
    assert visitor.decision == bystander.decision == ReturnDecision.MAY_RETURN
    bystander_decided = bystander.decided_at

    area = committed(risk_area, n0, "330681104", "店口镇", "medium", valid_from=days_ago(10))
    visitor.refresh_from_db()
    bystander.refresh_from_db()
    assert visitor.decision == ReturnDecision.ISOLATE
    assert "店口镇" in visitor.decision_reason
    assert bystander.decision == ReturnDecision.MAY_RETURN and bystander.decided_at == bystander_decided

    # Lifted before the visit: the visit no longer counts.
    committed(end_risk_area, area, last_day=days_ago(5))
    visitor.refresh_from_db()
    assert visitor.decision == ReturnDecision.MAY_RETURN


def test_a_new_no_return_area_bars_an_arrived_returner_and_lifting_it_brings_them_back(world, n0, committed):
    # Came back yesterday from Yuecheng (same city: no isolation under N0).
    person = make_employee(
        world.firm_a, return_from="越城区", return_from_code="330602", return_date=days_ago(1)
    )
    assert person.decision == ReturnDecision.MAY_RETURN
    area = committed(no_return_area, n0, "3306", "绍兴市（测试）", valid_from=days_ago(3))
    person.refresh_from_db()
    assert (person.decision, person.status) == (ReturnDecision.BARRED, EmployeeStatus.BARRED)

    from fugong.policy.services import end_no_return_area

    # Lifted the day before they left: the day they set out no longer falls under it.
    committed(end_no_return_area, area, last_day=days_ago(2))
    person.refresh_from_db()
    assert person.decision == ReturnDecision.MAY_RETURN
    assert person.status == EmployeeStatus.REGISTERED


def test_a_rolled_back_change_re_decides_nobody(world, n0):
    """Without a commit the signal is never sent (on_commit), so nothing is re-decided."""
    visitor = _local_who_visited(world, "330681104001", "店口镇某村", 4)
    risk_area(n0, "330681104", "店口镇", "medium", valid_from=days_ago(10))
    visitor.refresh_from_db()
    assert visitor.decision == ReturnDecision.MAY_RETURN


def test_touched_people_are_found_by_code_prefix_within_the_policy_region(world, n0):
    inside = returner(world.firm_a, "3303", "温州市")
    stop = _local_who_visited(world, "330304", "瓯海区", 3)
    other_county = returner(world.firm_c, "3303", "温州市")  # firm_c is in Yuecheng, outside Zhuji's policy
    elsewhere = returner(world.firm_a, "3201", "南京市")
    touched = set(selectors.employees_touched_by(world.county, ["3303"]).values_list("pk", flat=True))
    assert touched == {inside.pk, stop.pk}
    assert other_county.pk not in touched and elsewhere.pk not in touched
