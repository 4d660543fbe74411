import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.arrangements import selectors, services
from fugong.arrangements.models import Assignment, AssignmentKind, Carpool
from fugong.audit.models import AuditEntry
from fugong.workforce.models import Employee
from tests.arrangements.conftest import grid, room, route, sitting, staff, today

D = dt.timedelta


def _car(world, seats=5, plate="浙D66666", driver=None):
    return services.create_carpool(
        world.users["ent_a"], world.firm_a, {"plate": plate, "seats": seats, "driver": driver}
    )


def test_a_fourth_person_in_a_car_is_refused_under_n1_with_the_rule_cited(n1):
    ent = n1.users["ent_a"]
    driver, *riders = staff(n1.firm_a, 4)
    car = _car(n1, seats=5, driver=driver)
    services.assign_many(ent, riders[:2], AssignmentKind.CARPOOL, car, starts_on=today())
    with pytest.raises(ValidationError) as caught:
        services.assign(ent, riders[2], AssignmentKind.CARPOOL, car, starts_on=today())
    message = caught.value.message_dict["target"][0]
    assert message.startswith("《") and "不超过3人（包括驾驶员）" in message and "4人" in message
    assert not Assignment.objects.filter(employee=riders[2]).exists()


def test_without_a_car_limit_only_the_cars_own_seats_apply(world):
    ent = world.users["ent_a"]
    people = staff(world.firm_a, 6)
    car = _car(world, seats=5)
    services.assign_many(ent, people[:5], AssignmentKind.CARPOOL, car, starts_on=today())
    with pytest.raises(ValidationError) as caught:
        services.assign(ent, people[5], AssignmentKind.CARPOOL, car, starts_on=today())
    assert caught.value.message_dict["target"][0].startswith("本企业登记的核定座位数")


def test_a_batch_over_the_limit_saves_nobody(n1):
    car = _car(n1, seats=7)
    people = staff(n1.firm_a, 4)
    with pytest.raises(ValidationError):
        services.assign_many(n1.users["ent_a"], people, AssignmentKind.CARPOOL, car, starts_on=today())
    assert not Assignment.objects.exists()


def test_a_seventh_in_a_dorm_room_is_allowed_but_flagged_under_n4(n4):
    ent = n4.users["ent_a"]
    people = staff(n4.firm_a, 7)
    r = room(n4.firm_a, capacity=8, area="40")
    first = services.assign_many(ent, people[:6], AssignmentKind.DORM, r, starts_on=today())
    assert all(a.flags == [] for a in first)
    seventh = services.assign(ent, people[6], AssignmentKind.DORM, r, starts_on=today(), seat="7")
    [flag] = seventh.flags
    assert flag.startswith("《") and "不超过6人" in flag
    assert Employee.objects.get(pk=people[6].pk).dorm_room_id == r.pk
    assert [f["rule"] for f in services.flags_for_firm(n4.firm_a, today())] == ["dorm_max_per_room"]


def test_the_same_room_without_the_policy_is_not_flagged(world):
    people = staff(world.firm_a, 7)
    r = room(world.firm_a, capacity=8, area="12")
    done = services.assign_many(world.users["ent_a"], people, AssignmentKind.DORM, r, starts_on=today())
    assert done[0].flags == []
    assert services.flags_for_firm(world.firm_a, today()) == []


def test_a_canteen_sitting_is_not_filled_past_its_seats(world):
    s = sitting(world.firm_a, seats=2)
    people = staff(world.firm_a, 3)
    services.assign_many(world.users["ent_a"], people[:2], AssignmentKind.CANTEEN, s, starts_on=today())
    with pytest.raises(ValidationError) as caught:
        services.assign(world.users["ent_a"], people[2], AssignmentKind.CANTEEN, s, starts_on=today())
    assert caught.value.message_dict["target"][0].startswith("本企业登记的座位数")


def test_moving_a_person_closes_the_old_assignment_and_the_past_stays_answerable(world):
    ent = world.users["ent_a"]
    [p, q] = staff(world.firm_a, 2)
    r1, r2 = room(world.firm_a, "101"), room(world.firm_a, "102")
    start = today() - D(days=20)
    services.assign(ent, p, AssignmentKind.DORM, r1, starts_on=start)
    services.assign(ent, q, AssignmentKind.DORM, r1, starts_on=start)
    services.assign(ent, p, AssignmentKind.DORM, r2, starts_on=today() - D(days=5))
    old = Assignment.objects.get(employee=p, dorm_room=r1)
    assert old.ends_on == today() - D(days=6)
    assert Employee.objects.get(pk=p.pk).dorm_room_id == r2.pk
    assert [e.pk for e in selectors.occupants_on(r1, today() - D(days=10))] == [p.pk, q.pk]
    assert [e.pk for e in selectors.occupants_on(r1, today())] == [q.pk]
    assert [e.pk for e in selectors.occupants_on(r2, today() - D(days=10))] == []
    shared = selectors.shared_with(Employee.objects.get(pk=q.pk), today() - D(days=10))
    assert [e.pk for e in shared[AssignmentKind.DORM]] == [p.pk]
    assert selectors.shared_with(Employee.objects.get(pk=q.pk), today())[AssignmentKind.DORM] == []
    assert AuditEntry.objects.filter(action="arrangements.assignment.end").count() == 1


def test_a_move_on_the_same_day_corrects_in_place(world):
    ent = world.users["ent_a"]
    [p] = staff(world.firm_a, 1)
    r1, r2 = route(world.firm_a, "一号线"), route(world.firm_a, "二号线")
    services.assign(ent, p, AssignmentKind.SHUTTLE, r1, starts_on=today(), seat="3")
    services.assign(ent, p, AssignmentKind.SHUTTLE, r2, starts_on=today(), seat="5")
    [a] = Assignment.objects.filter(employee=p)
    assert a.shuttle_route_id == r2.pk and a.ends_on is None
    p.refresh_from_db()
    assert (p.shuttle_route_id, p.shuttle_seat) == (r2.pk, "5")


def test_ending_an_assignment_clears_the_current_field(world):
    ent = world.users["ent_a"]
    [p] = staff(world.firm_a, 1)
    g = grid(world.firm_a)
    a = services.assign(ent, p, AssignmentKind.GRID, g, starts_on=today() - D(days=3))
    services.end_assignment(ent, a, today() - D(days=1))
    p.refresh_from_db()
    assert p.grid_unit_id is None
    assert selectors.without_grid_unit(today()) == {world.firm_a.pk: 1}
    assert selectors.without_grid_unit(today() - D(days=2)) == {}
    with pytest.raises(ValidationError):
        services.end_assignment(ent, a, today())


def test_staff_without_grid_unit_are_counted_per_firm(world):
    people = staff(world.firm_a, 3)
    staff(world.firm_b, 2)
    staff(world.firm_a, 1, prefix="离职", status="left")
    services.assign(
        world.users["ent_a"], people[0], AssignmentKind.GRID, grid(world.firm_a), starts_on=today()
    )
    assert selectors.without_grid_unit(today()) == {world.firm_a.pk: 2, world.firm_b.pk: 2}
    assert selectors.without_grid_unit(today(), [world.firm_b.pk]) == {world.firm_b.pk: 2}


def test_outsiders_and_other_firms_cannot_assign(world):
    [p] = staff(world.firm_a, 1)
    [other] = staff(world.firm_c, 1)
    g_a, g_c = grid(world.firm_a), grid(world.firm_c)
    for who in ("outsider", "town_a", "ent_c"):
        with pytest.raises(PermissionDenied):
            services.assign(world.users[who], p, AssignmentKind.GRID, g_a, starts_on=today())
    with pytest.raises(PermissionDenied):
        services.assign(world.users["ent_a"], p, AssignmentKind.GRID, g_c, starts_on=today())
    with pytest.raises(PermissionDenied):
        services.assign(world.users["ent_a"], other, AssignmentKind.GRID, g_c, starts_on=today())
    assert not Assignment.objects.exists()


def test_carpool_fields_are_checked_all_at_once(world):
    [other] = staff(world.firm_b, 1)
    with pytest.raises(ValidationError) as caught:
        services.create_carpool(
            world.users["ent_a"], world.firm_a, {"plate": "x", "seats": 0, "driver": other.pk}
        )
    assert set(caught.value.message_dict) == {"plate", "seats", "driver"}
    car = _car(world, seats=4)
    people = staff(world.firm_a, 3)
    services.assign_many(world.users["ent_a"], people, AssignmentKind.CARPOOL, car, starts_on=today())
    with pytest.raises(ValidationError) as caught:
        services.update_carpool(world.users["ent_a"], car, {"seats": 2})
    assert "seats" in caught.value.message_dict
    services.update_carpool(world.users["ent_a"], car, {"seats": 3})
    assert Carpool.objects.get(pk=car.pk).seats == 3


def test_a_policy_change_flags_a_car_that_was_within_the_old_limit(world):
    car = _car(world, seats=5)
    services.assign_many(
        world.users["ent_a"], staff(world.firm_a, 4), AssignmentKind.CARPOOL, car, starts_on=today()
    )
    assert services.flags_for_firm(world.firm_a, today()) == []
    from tests.workforce.conftest import use_preset

    use_preset(world, "N1")
    rules = [f["rule"] for f in services.flags_for_firm(world.firm_a, today())]
    assert "max_people_per_car" in rules


def test_roster_edits_of_the_current_fields_keep_dated_history(world):
    from fugong.workforce import services as workforce
    from fugong.workforce.models import Employee
    from tests.workforce.conftest import make_employee

    r1, r2 = room(world.firm_a, "101"), room(world.firm_a, "102")
    ent = world.users["ent_a"]
    person = make_employee(world.firm_a, actor=ent, dorm_room=str(r1.pk))
    [a] = Assignment.objects.filter(employee=person)
    assert (a.kind, a.dorm_room_id, a.starts_on, a.ends_on) == ("dorm", r1.pk, today(), None)
    Assignment.objects.filter(pk=a.pk).update(starts_on=today() - D(days=9))
    person = Employee.objects.get(pk=person.pk)
    workforce.update_employee(ent, person, {"dorm_room": str(r2.pk)}, person.version)
    rows = list(Assignment.objects.filter(employee=person).order_by("starts_on"))
    assert [(x.dorm_room_id, x.ends_on) for x in rows] == [(r1.pk, today() - D(days=1)), (r2.pk, None)]
    person = Employee.objects.get(pk=person.pk)
    workforce.update_employee(ent, person, {"dorm_room": ""}, person.version)
    assert not Assignment.objects.filter(employee=person, ends_on__isnull=True).exists()


def test_the_roster_import_path_syncs_a_whole_firm_in_bulk(world):
    from fugong.workforce.models import Employee

    r1, r2 = room(world.firm_a, "101"), room(world.firm_a, "102")
    people = staff(world.firm_a, 3)
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(dorm_room=r1)
    assert services.bulk_sync_from_employees(world.firm_a) == 3
    assert services.bulk_sync_from_employees(world.firm_a) == 0
    Assignment.objects.update(starts_on=today() - D(days=3))
    Employee.objects.filter(pk=people[0].pk).update(dorm_room=r2)
    Employee.objects.filter(pk=people[1].pk).update(dorm_room=None)
    assert services.bulk_sync_from_employees(world.firm_a) == 1
    assert [e.pk for e in selectors.occupants_on(r1, today())] == [people[2].pk]
    assert {e.pk for e in selectors.occupants_on(r1, today() - D(days=1))} == {p.pk for p in people}
    assert [e.pk for e in selectors.occupants_on(r2, today())] == [people[0].pk]
