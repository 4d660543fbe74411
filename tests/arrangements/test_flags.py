import pytest
from django.core.exceptions import ValidationError

from fugong.arrangements import services
from fugong.arrangements.flags import flags_by_firm
from fugong.arrangements.models import AssignmentKind
from fugong.enterprises.models import IsolationKind, IsolationRoom, ResumptionMode, Zone
from fugong.policy.selectors import find_policy_for
from fugong.workforce import services as workforce
from fugong.workforce.models import EmployeeStatus, ReturnDecision
from tests.arrangements.conftest import grid, sitting, staff, today, use_preset
from tests.workforce.conftest import returner, risk_area


def _rules(firm):
    return sorted(f["rule"] for f in services.flags_for_firm(firm, today()))


def test_overlapping_sittings_in_one_canteen_are_flagged_only_when_meals_must_be_staggered(world):
    sitting(world.firm_a, "第一批", starts="11:00", ends="11:30")
    sitting(world.firm_a, "第二批", starts="11:20", ends="11:50")
    sitting(world.firm_a, "二食堂", starts="11:00", ends="11:30", canteen="二食堂")
    assert _rules(world.firm_a) == []
    use_preset(world, "N4")
    [flag] = services.flags_for_firm(world.firm_a, today())
    assert flag["rule"] == "canteen_staggered_meals"
    assert flag["reason"].startswith(find_policy_for(world.town_a, today()).cite("canteen_staggered_meals"))
    assert "第一批" in flag["reason"] and "第二批" in flag["reason"]


def test_a_closed_in_plant_firm_must_have_the_four_zones_under_n1(world):
    world.firm_a.resumption_mode = ResumptionMode.CLOSED_IN_PLANT
    world.firm_a.save()
    Zone.objects.create(enterprise=world.firm_a, kind="production", name="生产区")
    Zone.objects.create(enterprise=world.firm_a, kind="living", name="生活区")
    assert "closed_in_plant_zones" not in _rules(world.firm_a)
    use_preset(world, "N1")
    [flag] = [
        f for f in services.flags_for_firm(world.firm_a, today()) if f["rule"] == "closed_in_plant_zones"
    ]
    assert flag["reason"].startswith("《") and "物流区、废弃物处置区" in flag["reason"]
    Zone.objects.create(enterprise=world.firm_a, kind="logistics", name="物流区")
    Zone.objects.create(enterprise=world.firm_a, kind="waste", name="垃圾区")
    assert "closed_in_plant_zones" not in _rules(world.firm_a)
    # A firm commuting point to point is not asked for zones.
    world.firm_b.resumption_mode = ResumptionMode.POINT_TO_POINT
    world.firm_b.save()
    assert flags_by_firm(today(), [world.firm_b.pk]).get(world.firm_b.pk, []) == []


def test_staff_without_grid_unit_are_flagged_when_a_checklist_asks_for_grids(world):
    people = staff(world.firm_a, 2)
    services.assign(
        world.users["ent_a"], people[0], AssignmentKind.GRID, grid(world.firm_a), starts_on=today()
    )
    assert _rules(world.firm_a) == []
    use_preset(world, "N3")
    [flag] = services.flags_for_firm(world.firm_a, today())
    assert flag["rule"] == "all_staff_in_grid_units"
    assert (
        flag["reason"].startswith("《")
        and "五有一网格" in flag["reason"]
        and "1名在岗人员未纳入网格单元" in flag["reason"]
    )


def test_n2_a_firm_without_an_observation_point_cannot_accept_a_hard_hit_returner(world):
    policy = use_preset(world, "N2")
    risk_area(policy, "4201", "武汉市", "high")
    ent = world.users["ent_a"]
    person = returner(world.firm_a, "4201", "武汉市", back_days_ago=2)
    assert person.decision == ReturnDecision.BARRED
    [flag] = [f for f in services.flags_for_firm(world.firm_a, today()) if f["kind"] == "isolation"]
    cite = find_policy_for(world.town_a, today()).cite("observation_point_required_for_hard_hit_returners")
    assert flag["reason"].startswith(cite)
    with pytest.raises(ValidationError):
        workforce.record_arrival_at_plant(ent, person)
    person.refresh_from_db()
    assert person.status != EmployeeStatus.ARRIVED

    IsolationRoom.objects.create(
        enterprise=world.firm_a, kind=IsolationKind.OBSERVATION_POINT, name="固定观察点", capacity=4
    )
    assert not [f for f in services.flags_for_firm(world.firm_a, today()) if f["kind"] == "isolation"]
    person = workforce.apply_evaluation(ent, person)
    assert person.decision == ReturnDecision.ISOLATE
    person = workforce.record_arrival_at_plant(ent, person)
    assert person.status in (EmployeeStatus.ARRIVED, EmployeeStatus.ISOLATING)


def test_an_observation_point_is_not_asked_for_without_the_rule(world):
    use_preset(world, "N4")
    assert not [f for f in services.flags_for_firm(world.firm_a, today()) if f["kind"] == "isolation"]
