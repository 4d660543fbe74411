"""停工停产 (N0, issue 13 done-when): a sealed workshop's people are refused at the gate and cannot be set
to work, other workshops' people pass, and the seal lifts only through the approved reopening permit."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import EnterpriseStatus, EnterpriseStatusChange
from fugong.incidents.models import Seal, SealKind, SealScope
from fugong.incidents.seals import services as seals
from fugong.operations.services import record_employee_entry
from fugong.resumption import selectors as resumption_selectors
from fugong.resumption.models import ApplicationKind, ApplicationStatus, ResumptionApplication
from fugong.workforce import services as workforce
from fugong.workforce.models import Employee, EmployeeStatus
from tests.enterprises_parts.factories import (
    DormRoomFactory,
    GridUnitFactory,
    ShuttleRouteFactory,
    ZoneFactory,
)
from tests.workforce.conftest import make_employee, use_preset

S = EmployeeStatus


@pytest.fixture
def plant(world):
    use_preset(world, "N0")
    firm = world.firm_a
    enterprise_services.change_status(None, firm, EnterpriseStatus.RESUMED, "复工", workflow="test")
    firm.refresh_from_db()
    zone = ZoneFactory(enterprise=firm, name="生产一区")
    w1 = GridUnitFactory(enterprise=firm, level="workshop", name="一车间", zone=zone)
    team = GridUnitFactory(enterprise=firm, level="team", parent=w1, name="甲班")
    post = GridUnitFactory(enterprise=firm, level="post", parent=team, name="织机岗")
    w2 = GridUnitFactory(enterprise=firm, level="workshop", name="二车间")
    room = DormRoomFactory(enterprise=firm, building="1号楼", number="101")
    route = ShuttleRouteFactory(enterprise=firm, name="店口线")

    def person(name, **parts):
        p = make_employee(firm, name=name, residence_region=world.town_a.code)
        Employee.objects.filter(pk=p.pk).update(**parts)
        return Employee.objects.get(pk=p.pk)

    return {
        "firm": firm,
        "zone": zone,
        "w1": w1,
        "w2": w2,
        "post": post,
        "a": person("王一", grid_unit=post),  # a post under workshop 1
        "b": person("李二", grid_unit=w1),
        "c": person("赵三", grid_unit=w2, dorm_room=room, shuttle_route=route),
        "room": room,
        "route": route,
    }


def _approved(
    firm, user, *, status=ApplicationStatus.APPROVED, kind=ApplicationKind.REOPENING_AFTER_INCIDENT
):
    return ResumptionApplication.objects.create(
        enterprise=firm,
        kind=kind,
        status=status,
        created_by=user,
        decided_at=timezone.now() if status == ApplicationStatus.APPROVED else None,
    )


def _gate(world, person):
    return record_employee_entry(world.users["gate_a"], person, temperature="36.5", health_code="green")


def test_sealed_workshop_is_refused_at_the_gate_and_at_work_until_the_approved_permit(world, plant):
    town = world.users["town_a"]
    row = seals.seal(
        town,
        plant["firm"],
        kind=SealKind.SEAL,
        scope_kind=SealScope.GRID_UNIT,
        grid_unit=plant["w1"],
        reason="发现疑似病例",
    )
    assert seals.people_under_seal(plant["firm"]) == {plant["a"].pk, plant["b"].pk}

    for sealed in (plant["a"], plant["b"]):
        entry = _gate(world, sealed)
        assert not entry.allowed
        assert "车间/班组「一车间」" in entry.refusal_reason and "封闭" in entry.refusal_reason
        with pytest.raises(ValidationError, match="一车间.*启封前不得进厂或上岗"):
            workforce.change_status(world.users["ent_a"], sealed, S.AT_WORK, "安排上岗")
        assert Employee.objects.get(pk=sealed.pk).status != S.AT_WORK
    # The other workshop works and passes.
    assert _gate(world, plant["c"]).allowed
    assert workforce.change_status(world.users["ent_a"], plant["c"], S.AT_WORK, "上岗").status == S.AT_WORK

    # Neither a draft nor one in review lifts it; nor another kind of application.
    for status in (ApplicationStatus.DRAFT, ApplicationStatus.IN_REVIEW):
        application = _approved(plant["firm"], world.users["ent_a"], status=status)
        with pytest.raises(ValidationError, match="须经审核批准后方可启封"):
            seals.lift(town, row, application)
        application.delete()
    other = _approved(plant["firm"], world.users["ent_a"], kind=ApplicationKind.BACKFILL)
    with pytest.raises(ValidationError, match="涉疫停工后启封复工"):
        seals.lift(town, row, other)
    with pytest.raises(ValidationError, match="请选择"):
        seals.lift(town, row, None)
    row.refresh_from_db()
    assert row.lifted_at is None and seals.people_under_seal(plant["firm"])

    permit = _approved(plant["firm"], world.users["ent_a"])
    lifted = seals.lift(town, row, permit)
    assert lifted.lifted_at is not None and lifted.reopening == permit and lifted.lifted_by == town
    assert seals.people_under_seal(plant["firm"]) == set()
    assert _gate(world, plant["a"]).allowed
    assert workforce.change_status(world.users["ent_a"], plant["a"], S.AT_WORK, "上岗").status == S.AT_WORK
    with pytest.raises(ValidationError, match="已于"):
        seals.lift(town, row, permit)


def test_a_permit_approved_before_the_seal_does_not_lift_it(world, plant):
    town = world.users["town_a"]
    old = _approved(plant["firm"], world.users["ent_a"])
    old.decided_at = timezone.now() - timezone.timedelta(days=3)
    old.save()
    row = seals.seal(
        town,
        plant["firm"],
        kind=SealKind.SUSPEND,
        scope_kind=SealScope.GRID_UNIT,
        grid_unit=plant["w2"],
        reason="密接",
    )
    with pytest.raises(ValidationError, match="停工或封闭之后批准"):
        seals.lift(town, row, old)
    assert list(seals.approved_reopenings(row)) == []


def test_zone_dorm_building_and_route_seals_cover_their_people(world, plant):
    town, firm = world.users["town_a"], plant["firm"]
    zone = seals.seal(
        town, firm, kind=SealKind.SEAL, scope_kind=SealScope.ZONE, zone=plant["zone"], reason="r"
    )
    assert seals.people_under_seal(firm) == {plant["a"].pk, plant["b"].pk}
    assert seals.seal_reason_for(plant["a"]).startswith("厂区分区「生产一区」自")
    assert seals.seal_reason_for(plant["c"]) is None
    Seal.objects.filter(pk=zone.pk).update(lifted_at=timezone.now())
    seals.seal(
        town, firm, kind=SealKind.SEAL, scope_kind=SealScope.DORM_BUILDING, dorm_building="1号楼", reason="r"
    )
    assert seals.people_under_seal(firm) == {plant["c"].pk}
    seals.seal(
        town,
        firm,
        kind=SealKind.SUSPEND,
        scope_kind=SealScope.SHUTTLE_ROUTE,
        shuttle_route=plant["route"],
        reason="r",
    )
    assert seals.people_under_seal(firm) == {plant["c"].pk}
    assert "宿舍楼「1号楼」" in seals.seal_reason_for(plant["c"]) or "通勤线路" in seals.seal_reason_for(
        plant["c"]
    )


def test_the_part_must_belong_to_the_firm_and_be_named(world, plant):
    town = world.users["town_a"]
    foreign = GridUnitFactory(enterprise=world.firm_b, level="workshop", name="外厂车间")
    with pytest.raises(ValidationError) as bad:
        seals.seal(
            town,
            plant["firm"],
            kind=SealKind.SEAL,
            scope_kind=SealScope.GRID_UNIT,
            grid_unit=foreign,
            reason="",
        )
    assert "车间/班组：不属于该企业" in str(bad.value) and "原因：不能为空" in str(bad.value)
    with pytest.raises(ValidationError, match="没有名为「9号楼」"):
        seals.seal(
            town, plant["firm"], kind="seal", scope_kind="dorm_building", dorm_building="9号楼", reason="r"
        )
    seals.seal(town, plant["firm"], kind="seal", scope_kind="grid_unit", grid_unit=plant["w1"], reason="r")
    with pytest.raises(ValidationError, match="已在停工或封闭中"):
        seals.seal(
            town, plant["firm"], kind="seal", scope_kind="grid_unit", grid_unit=plant["w1"], reason="r"
        )
    assert Seal.objects.count() == 1


def test_firm_cannot_seal_and_outsiders_do_not_see_the_firm(world, plant):
    args = {"kind": SealKind.SEAL, "scope_kind": SealScope.FIRM, "reason": "r"}
    for name in ("ent_a", "inspector", "dept_health", "grid_a"):
        with pytest.raises(PermissionDenied):
            seals.seal(world.users[name], plant["firm"], **args)
    with pytest.raises(PermissionDenied):
        seals.seal(world.users["outsider"], plant["firm"], **args)
    with pytest.raises(PermissionDenied):
        seals.seal(world.users["town_b"], plant["firm"], **args)
    row = seals.seal(world.users["task_force"], plant["firm"], **args)
    permit = _approved(plant["firm"], world.users["ent_a"])
    for name in ("ent_a", "outsider", "town_b"):
        with pytest.raises(PermissionDenied):
            seals.lift(world.users[name], row, permit)
    assert Seal.objects.get(pk=row.pk).lifted_at is None


def test_firm_wide_seal_moves_the_firm_status_and_the_lift_moves_it_back(world, plant):
    town, firm = world.users["town_a"], plant["firm"]
    row = seals.seal(town, firm, kind=SealKind.SEAL, scope_kind=SealScope.FIRM, reason="确诊病例")
    firm.refresh_from_db()
    assert firm.status == EnterpriseStatus.SEALED
    change = EnterpriseStatusChange.objects.filter(enterprise=firm).latest("at")
    assert (change.to_status, change.source) == (EnterpriseStatus.SEALED, "incidents.seal")
    assert seals.people_under_seal(firm) == {plant["a"].pk, plant["b"].pk, plant["c"].pk}
    assert not _gate(world, plant["c"]).allowed
    # The reopening kind opens from "sealed" (and its approval would itself move the firm back).
    assert resumption_selectors.kind_status_message(ApplicationKind.REOPENING_AFTER_INCIDENT, firm) is None
    seals.lift(town, row, _approved(firm, world.users["ent_a"]))
    firm.refresh_from_db()
    assert firm.status == EnterpriseStatus.RESUMED
    assert (
        EnterpriseStatusChange.objects.filter(enterprise=firm).latest("at").source.startswith("resumption:")
    )


def test_firm_wide_suspend_of_a_firm_not_yet_resumed_is_refused_and_partial_too(world):
    firm = world.firm_b
    with pytest.raises(ValidationError, match="不能变更为「封闭」"):
        seals.seal(world.users["town_b"], firm, kind="seal", scope_kind="firm", reason="r")
    unit = GridUnitFactory(enterprise=firm, level="workshop", name="车间")
    with pytest.raises(ValidationError, match="尚未复工"):
        seals.seal(
            world.users["town_b"], firm, kind="seal", scope_kind="grid_unit", grid_unit=unit, reason="r"
        )
    firm.refresh_from_db()
    assert firm.status == EnterpriseStatus.NOT_RESUMED and not Seal.objects.exists()


def test_a_working_firm_with_a_sealed_part_may_apply_for_reopening(world, plant):
    firm = plant["firm"]
    kind = ApplicationKind.REOPENING_AFTER_INCIDENT
    assert resumption_selectors.kind_status_message(kind, firm) is not None
    seals.seal(
        world.users["town_a"], firm, kind="seal", scope_kind="grid_unit", grid_unit=plant["w1"], reason="r"
    )
    assert resumption_selectors.kind_status_message(kind, firm) is None


def test_seal_and_lift_are_audited(world, plant):
    from fugong.audit.models import AuditEntry

    town = world.users["town_a"]
    row = seals.seal(
        town, plant["firm"], kind="seal", scope_kind="grid_unit", grid_unit=plant["w1"], reason="r"
    )
    seals.lift(town, row, _approved(plant["firm"], world.users["ent_a"]))
    actions = set(AuditEntry.objects.filter(object_id=str(row.pk)).values_list("action", flat=True))
    assert {"incidents.seal.create", "incidents.seal.lift"} <= actions


def test_a_seal_names_its_incident_in_the_firm_status_history(world, plant, client):
    from django.urls import reverse

    from fugong.incidents.models import Incident

    firm = plant["firm"]
    incident = Incident.objects.create(
        enterprise=firm, town=firm.town, source="report", reference_at=timezone.now()
    )
    foreign = Incident.objects.create(
        enterprise=world.firm_b, town=world.firm_b.town, source="report", reference_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="处置事件：不属于该企业"):
        seals.seal(world.users["town_a"], firm, kind="seal", scope_kind="firm", reason="r", incident=foreign)
    row = seals.seal(
        world.users["town_a"], firm, kind="seal", scope_kind="firm", reason="确诊", incident=incident
    )
    assert row.incident == incident
    change = EnterpriseStatusChange.objects.filter(enterprise=firm).latest("at")
    assert change.source == f"incident:{incident.pk}"
    client.force_login(world.users["town_a"])
    body = client.get(reverse("incidents:seal_lift", args=[row.pk])).content.decode()
    assert "外部报告" in body
