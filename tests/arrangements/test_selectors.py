import datetime as dt

from fugong.arrangements import selectors
from tests.arrangements.conftest import place, room, staff, today


def test_a_room_of_seven_is_flagged_under_n4_with_the_rule_cited(n4):
    firm = n4.firm_a
    r = room(firm, capacity=8, area="30")
    place(staff(firm, 7), r, starts_on=today() - dt.timedelta(days=5))
    problems = selectors.dorm_problems_by_firm(today())
    assert list(problems) == [firm.pk]
    [p] = problems[firm.pk]
    assert p["rule"] == "dorm_max_per_room" and p["occupants"] == 7 and p["room_id"] == r.pk
    assert p["reason"].startswith("《") and "6人" in p["reason"]


def test_a_room_of_six_in_twelve_square_metres_is_flagged(n4):
    firm = n4.firm_a
    place(staff(firm, 6), room(firm, capacity=6, area="12"), starts_on=today())
    [p] = selectors.dorm_problems_by_firm(today())[firm.pk]
    assert p["rule"] == "dorm_min_area_per_person_m2"
    assert p["reason"].startswith("《") and "2.5" in p["reason"] and "人均2平方米" in p["reason"]


def test_without_a_policy_only_the_firms_own_bed_count_speaks(world):
    firm = world.firm_a
    place(staff(firm, 7), room(firm, capacity=8, area="12"), starts_on=today())
    assert selectors.dorm_problems_by_firm(today()) == {}
    place(staff(firm, 3, prefix="乙"), room(firm, "102", capacity=2, area="40"), starts_on=today())
    [p] = selectors.dorm_problems_by_firm(today())[firm.pk]
    assert p["rule"] == "capacity" and p["reason"].startswith("本企业登记的床位数")


def test_people_placed_only_through_the_roster_fields_still_count(world):
    """Rows from before dated assignments (current field set, no history) are taken as they stand."""
    from fugong.arrangements.models import AssignmentKind
    from fugong.workforce.models import Employee
    from tests.arrangements.conftest import grid, place

    people = staff(world.firm_a, 3)
    unit, r = grid(world.firm_a), room(world.firm_a)
    Employee.objects.filter(pk__in=[p.pk for p in people[:2]]).update(grid_unit=unit, dorm_room=r)
    assert selectors.without_grid_unit(today()) == {world.firm_a.pk: 1}
    assert [e.pk for e in selectors.occupants_on(r, today())] == [p.pk for p in people[:2]]
    place(people[2:], r, starts_on=today())
    shared = selectors.shared_with(Employee.objects.get(pk=people[2].pk), today())
    assert {e.pk for e in shared[AssignmentKind.DORM]} == {people[0].pk, people[1].pk}
    assert selectors.room_occupancy(today()) == {r.pk: 3}


def test_a_policy_that_drops_the_dorm_limits_flags_nothing(n4):
    """N4 in force, then a new version without the two dorm parameters: the same room is fine."""
    from fugong.policy.models import Policy
    from tests.monitoring.conftest import new_version

    firm = n4.firm_a
    place(staff(firm, 7), room(firm, capacity=8, area="12"), starts_on=today() - dt.timedelta(days=3))
    assert {p["rule"] for p in selectors.dorm_problems_by_firm(today())[firm.pk]} == {
        "dorm_max_per_room",
        "dorm_min_area_per_person_m2",
    }
    new_version(
        Policy.objects.get(region=n4.county), drop=("dorm_max_per_room", "dorm_min_area_per_person_m2")
    )
    assert selectors.dorm_problems_by_firm(today()) == {}
    # The day before the new version the old limits still speak.
    assert firm.pk in selectors.dorm_problems_by_firm(today() - dt.timedelta(days=1))
