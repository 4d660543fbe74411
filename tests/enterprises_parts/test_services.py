"""The rules and guarantees of parts.services, independent of pages and API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from fugong.audit.models import AuditEntry
from fugong.audit.services import verify_chain
from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    GridLevel,
    GridUnit,
    PreventionTeamMember,
    ResumptionMode,
    ShuttleRoute,
    TeamRole,
    Zone,
    ZoneKind,
)
from fugong.enterprises.parts import services
from tests.enterprises_parts.factories import (
    CanteenSittingFactory,
    GridUnitFactory,
    TeamMemberFactory,
    ZoneFactory,
)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def ent(world):
    return world.users["ent_a"]


# --- grid hierarchy ---------------------------------------------------------------------------------


def test_workshop_team_post_chain_is_accepted(world, ent):
    firm = world.firm_a
    workshop = services.create_part(ent, "grid-units", firm, {"level": "workshop", "name": "一车间"}).obj
    team = services.create_part(
        ent, "grid-units", firm, {"level": "team", "parent": workshop, "name": "甲班"}
    ).obj
    post = services.create_part(
        ent, "grid-units", firm, {"level": "post", "parent": team, "name": "织机岗"}
    ).obj
    assert post.parent.parent == workshop
    roots, loose = services.grid_tree(firm)
    assert [r.unit for r in roots] == [workshop]
    assert [c.unit for c in roots[0].children] == [team]
    assert [p.unit for p in roots[0].children[0].children] == [post]
    assert loose == []


@pytest.mark.parametrize(
    ("level", "parent_level", "message"),
    [
        ("workshop", "workshop", "车间是最高一级，不能有上级单元"),
        ("team", None, "班组必须归属于一个车间"),
        ("team", "team", "班组的上级必须是车间"),
        ("team", "post", "班组的上级必须是车间"),
        ("post", None, "岗位必须归属于一个班组"),
        ("post", "workshop", "岗位的上级必须是班组"),
        ("post", "post", "岗位的上级必须是班组"),
    ],
)
def test_grid_hierarchy_is_enforced(world, parts, ent, level, parent_level, message):
    workshop, team, post = parts["a"]["grid"]
    parent = {"workshop": workshop, "team": team, "post": post, None: None}[parent_level]
    before = GridUnit.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            ent, "grid-units", world.firm_a, {"level": level, "parent": parent, "name": "新单元"}
        )
    (error,) = errors_of(excinfo)["parent"]
    assert error.startswith("上级单元：") and message in error
    assert GridUnit.objects.count() == before


def test_grid_parent_must_be_in_the_same_firm(world, parts):
    # The task force of 诸暨 sees firm_a and firm_b; a unit of one must not hang under the other's.
    tf = world.users["task_force"]
    workshop_b = GridUnitFactory(enterprise=world.firm_b, level=GridLevel.WORKSHOP, name="五金车间")
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            tf, "grid-units", world.firm_a, {"level": "team", "parent": workshop_b, "name": "甲班"}
        )
    assert errors_of(excinfo)["parent"] == ["上级单元：必须是本企业的网格单元。"]
    zone_b = ZoneFactory(enterprise=world.firm_b)
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            tf, "grid-units", world.firm_a, {"level": "workshop", "name": "三车间", "zone": zone_b}
        )
    assert errors_of(excinfo)["zone"] == ["所在分区：必须是本企业的分区。"]


def test_grid_unit_with_children_keeps_its_level_and_cannot_be_deleted(world, parts, ent):
    workshop, team, post = parts["a"]["grid"]
    with pytest.raises(ValidationError) as excinfo:
        services.update_part(ent, "grid-units", workshop, {"level": "team", "parent": None})
    assert "不能更改层级" in " ".join(errors_of(excinfo)["level"])
    with pytest.raises(ValidationError) as excinfo:
        services.delete_part(ent, "grid-units", team)
    assert "下还有 1 个下级单元" in excinfo.value.messages[0]
    assert GridUnit.objects.filter(pk=team.pk).exists()
    services.delete_part(ent, "grid-units", post)
    services.delete_part(ent, "grid-units", team)
    assert not GridUnit.objects.filter(pk__in=[team.pk, post.pk]).exists()


def test_grid_names_repeat_only_under_different_parents(world, parts, ent):
    workshop, team, post = parts["a"]["grid"]
    other_workshop = services.create_part(
        ent, "grid-units", world.firm_a, {"level": "workshop", "name": "二车间"}
    ).obj
    services.create_part(
        ent, "grid-units", world.firm_a, {"level": "team", "parent": other_workshop, "name": "甲班"}
    )
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            ent, "grid-units", world.firm_a, {"level": "team", "parent": workshop, "name": "甲班"}
        )
    assert errors_of(excinfo)["name"] == ["名称：同一上级下已有名为“甲班”的单元。"]


def test_loose_grid_units_are_listed_not_hidden(world, ent):
    stray = GridUnitFactory(enterprise=world.firm_a, level=GridLevel.TEAM, name="无主班组")
    roots, loose = services.grid_tree(world.firm_a)
    assert roots == [] and loose == [stray]


# --- dorm rooms -------------------------------------------------------------------------------------


def test_dorm_room_number_is_unique_per_building_and_firm(world, parts, ent):
    data = {"building": "1号楼", "number": "101", "capacity": 4, "area_m2": Decimal("20")}
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(ent, "dorm-rooms", world.firm_a, data)
    assert errors_of(excinfo)["number"] == ["房间号：本企业“1号楼”已有房间“101”。"]
    assert DormRoom.objects.filter(enterprise=world.firm_a).count() == 1
    # Same number in another building, or in another firm, is fine.
    services.create_part(ent, "dorm-rooms", world.firm_a, {**data, "building": "2号楼"})
    services.create_part(world.users["ent_c"], "dorm-rooms", world.firm_c, {**data, "number": "102"})


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"capacity": 0}, "capacity", "床位数：至少为 1，当前为 0。"),
        ({"area_m2": Decimal("0")}, "area_m2", "面积（㎡）：必须大于 0，当前为 0.00。"),
        ({"area_m2": Decimal("-3")}, "area_m2", "面积（㎡）：必须大于 0，当前为 -3.00。"),
    ],
)
def test_dorm_room_capacity_and_area(world, ent, data, field, message):
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            ent,
            "dorm-rooms",
            world.firm_a,
            {"building": "1号楼", "number": "301", "capacity": 4, "area_m2": Decimal("20"), **data},
        )
    assert errors_of(excinfo)[field] == [message]
    assert not DormRoom.objects.exists()


def test_area_per_bed(world, ent):
    room = services.create_part(
        ent,
        "dorm-rooms",
        world.firm_a,
        {"building": "1号楼", "number": "301", "capacity": 6, "area_m2": "15"},
    ).obj
    assert room.area_per_bed == Decimal("2.5")


# --- canteen sittings -------------------------------------------------------------------------------


@pytest.mark.parametrize("ends_at", [dt.time(11, 0), dt.time(10, 30)])
def test_canteen_sitting_must_end_after_it_starts(world, ent, ends_at):
    data = {
        "canteen": "一号食堂",
        "name": "第一批",
        "starts_at": dt.time(11, 0),
        "ends_at": ends_at,
        "seats": 30,
    }
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(ent, "canteen-sittings", world.firm_a, data)
    assert errors_of(excinfo)["ends_at"] == [f"结束时间：必须晚于开始时间 11:00，当前为 {ends_at:%H:%M}。"]
    assert not CanteenSitting.objects.exists()


def test_overlapping_sittings_are_saved_with_a_warning(world, ent):
    CanteenSittingFactory(
        enterprise=world.firm_a,
        canteen="一号食堂",
        name="第一批",
        starts_at=dt.time(11, 0),
        ends_at=dt.time(11, 30),
    )
    data = {
        "canteen": "一号食堂",
        "name": "第二批",
        "starts_at": dt.time(11, 20),
        "ends_at": dt.time(11, 50),
        "seats": 30,
    }
    saved = services.create_part(ent, "canteen-sittings", world.firm_a, data)
    assert saved.obj.pk and len(saved.warnings) == 1 and "时间重叠" in saved.warnings[0]
    separate = services.create_part(
        ent,
        "canteen-sittings",
        world.firm_a,
        {**data, "name": "第三批", "starts_at": dt.time(12, 0), "ends_at": dt.time(12, 30)},
    )
    assert separate.warnings == []


# --- shuttle routes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("浙D12345", "浙D12345"),
        ("浙d·12345", "浙D12345"),
        ("浙Ｄ１２３４５", "浙D12345"),
        ("浙DD12345", "浙DD12345"),
        ("浙D12345D", "浙D12345D"),
        ("苏E 1234挂", "苏E1234挂"),
        ("浙DF1234", "浙DF1234"),
    ],
)
def test_plate_formats_accepted(world, ent, typed, stored):
    data = {"name": "线路", "vehicle_plate": typed, "driver_name": "王师傅", "seats": 20}
    route = services.create_part(ent, "shuttle-routes", world.firm_a, data).obj
    assert ShuttleRoute.objects.get(pk=route.pk).vehicle_plate == stored


@pytest.mark.parametrize(
    "typed", ["浙12345", "ZJD12345", "浙D1234", "浙DI2345", "浙D123456", "浙DX123456", "A浙12345"]
)
def test_plate_formats_rejected(world, ent, typed):
    data = {"name": "线路", "vehicle_plate": typed, "driver_name": "王师傅", "seats": 20}
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(ent, "shuttle-routes", world.firm_a, data)
    (message,) = errors_of(excinfo)["vehicle_plate"]
    assert message.startswith("车牌号：") and "浙D12345" in message
    assert not ShuttleRoute.objects.exists()


def test_shuttle_seats_and_driver_phone(world, ent):
    data = {
        "name": "线路",
        "vehicle_plate": "浙D12345",
        "driver_name": "王师傅",
        "seats": 0,
        "driver_phone": "12345",
    }
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(ent, "shuttle-routes", world.firm_a, data)
    errors = errors_of(excinfo)
    assert errors["seats"] == ["座位数：至少为 1，当前为 0。"]
    assert errors["driver_phone"][0].startswith("司机电话：“12345”不是有效的电话号码")


# --- team -------------------------------------------------------------------------------------------


def test_one_leader_per_team(world, parts, ent):
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            ent, "prevention-team", world.firm_a, {"name": "李四", "team_role": TeamRole.LEADER}
        )
    assert errors_of(excinfo)["team_role"] == [
        "小组职务：小组只能有一名组长，已有组长“张伟”；请先把其改为副组长或成员。"
    ]
    deputy = services.create_part(
        ent, "prevention-team", world.firm_a, {"name": "李四", "team_role": "deputy"}
    ).obj
    with pytest.raises(ValidationError):
        services.update_part(ent, "prevention-team", deputy, {"team_role": TeamRole.LEADER})
    assert (
        PreventionTeamMember.objects.filter(enterprise=world.firm_a, team_role=TeamRole.LEADER).count() == 1
    )


def test_leader_other_than_legal_representative_is_a_warning_not_an_error(world, ent):
    assert world.firm_a.legal_representative == "张伟"
    assert "尚未设置组长" in services.team_notices(world.firm_a)[0]
    saved = services.create_part(
        ent, "prevention-team", world.firm_a, {"name": "李四", "team_role": TeamRole.LEADER}
    )
    assert saved.obj.pk is not None
    assert saved.warnings == ["组长“李四”与法定代表人“张伟”不一致；按要求防疫工作小组应由法定代表人牵头。"]
    assert services.team_notices(world.firm_a) == saved.warnings
    services.update_part(ent, "prevention-team", saved.obj, {"name": "张 伟"})
    assert services.team_notices(world.firm_a) == []


def test_team_member_names_do_not_repeat(world, ent):
    TeamMemberFactory(enterprise=world.firm_a, name="李四")
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(ent, "prevention-team", world.firm_a, {"name": " 李四 ", "team_role": "member"})
    assert errors_of(excinfo)["name"] == ["姓名：小组中已有“李四”，同一人只登记一次。"]


# --- others -----------------------------------------------------------------------------------------


def test_isolation_room_capacity(world, ent):
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(
            ent, "isolation-rooms", world.firm_a, {"kind": "isolation_room", "name": "隔离室", "capacity": 0}
        )
    assert errors_of(excinfo)["capacity"] == ["可容纳人数：至少为 1，当前为 0。"]


def test_model_rules_come_back_named(world, ent):
    with pytest.raises(ValidationError) as excinfo:
        services.create_part(ent, "zones", world.firm_a, {"kind": "garden", "name": ""})
    errors = errors_of(excinfo)
    assert errors["name"][0].startswith("名称：")
    assert errors["kind"][0].startswith("区域类型：")


def test_zone_in_use_cannot_be_deleted(world, ent):
    zone = ZoneFactory(enterprise=world.firm_a, name="生产一区")
    GridUnitFactory(enterprise=world.firm_a, zone=zone)
    with pytest.raises(ValidationError) as excinfo:
        services.delete_part(ent, "zones", zone)
    assert "仍是 1 个网格单元的所在分区" in excinfo.value.messages[0]
    assert Zone.objects.filter(pk=zone.pk).exists()


def test_zone_notice_follows_the_policys_zones_for_firms_closed_in_plant(world, ent):
    from fugong.policy.selectors import policy_for
    from fugong.policy.services import apply_preset

    firm = world.firm_a
    firm.resumption_mode = ResumptionMode.CLOSED_IN_PLANT
    firm.save()
    ZoneFactory(enterprise=firm, kind=ZoneKind.PRODUCTION)
    # No policy, or a policy that requires no zones: nothing to say.
    assert services.zone_notices(firm) == []
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    assert services.zone_notices(firm) == []
    # The town's own policy (from the closed-in-plant notice) overrides the county's.
    apply_preset(world.town_a, "N1", effective_from=dt.date(2020, 1, 1))
    (notice,) = services.zone_notices(firm)
    assert notice.startswith(policy_for(firm.town).cite("closed_in_plant_zones") + "：")
    assert "生活区、物流区、废弃物处置区" in notice and "生产区、生活区" not in notice.split("尚未设置")[1]
    # A firm not closed in plant is not asked for zones.
    firm.resumption_mode = ResumptionMode.POINT_TO_POINT
    firm.save()
    assert services.zone_notices(firm) == []


def test_isolation_notice_only_under_a_policy_that_sets_the_rule(world, ent):
    from fugong.enterprises.models import IsolationKind, IsolationRoom
    from fugong.policy.selectors import policy_for
    from fugong.policy.services import apply_preset

    firm = world.firm_a
    assert services.isolation_notices(firm) == []  # no policy
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    assert services.isolation_notices(firm) == []  # the policy sets no such rule
    apply_preset(world.town_a, "N2", effective_from=dt.date(2020, 1, 1))  # the town's own
    (notice,) = services.isolation_notices(firm)
    source = policy_for(firm.town).cite("observation_point_required_for_hard_hit_returners")
    assert notice.startswith(source + "：") and "尚未设置" in notice
    assert "（N2）" not in notice
    IsolationRoom.objects.create(
        enterprise=firm, kind=IsolationKind.OBSERVATION_POINT, name="一号观察点", capacity=2
    )
    assert services.isolation_notices(firm) == []


def test_retry_of_the_same_create_makes_no_duplicate(world, ent):
    data = {"name": "东门", "location": "东侧"}
    services.create_part(ent, "gates", world.firm_a, data)
    with pytest.raises(ValidationError):
        services.create_part(ent, "gates", world.firm_a, data)
    assert world.firm_a.gates.count() == 1


# --- permission and scope ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["gate_a", "inspector", "dept_industry", "grid_a", "employee_a"])
def test_roles_without_the_capability_are_refused(world, parts, who):
    user = world.users[who]
    with pytest.raises(PermissionDenied):
        services.create_part(user, "gates", world.firm_a, {"name": "北门"})
    with pytest.raises(PermissionDenied):
        services.update_part(user, "gates", parts["a"]["gates"], {"name": "北门"})
    with pytest.raises(PermissionDenied):
        services.delete_part(user, "gates", parts["a"]["gates"])
    assert not world.firm_a.gates.filter(name="北门").exists()


@pytest.mark.parametrize("who", ["outsider", "ent_c", "town_b"])
def test_firms_outside_scope_answer_404(world, parts, who):
    user = world.users[who]
    with pytest.raises(Http404):
        services.create_part(user, "gates", world.firm_a, {"name": "北门"})
    with pytest.raises(Http404):
        services.update_part(user, "gates", parts["a"]["gates"], {"name": "北门"})
    with pytest.raises(Http404):
        services.delete_part(user, "gates", parts["a"]["gates"])
    assert (
        world.firm_a.gates.filter(name="东门").exists()
        and not world.firm_a.gates.filter(name="北门").exists()
    )


# --- audit ------------------------------------------------------------------------------------------


def test_each_change_is_audited_with_before_and_after(world, ent):
    start = AuditEntry.objects.count()
    gate = services.create_part(ent, "gates", world.firm_a, {"name": "东门", "location": "东侧"}).obj
    services.update_part(ent, "gates", gate, {"location": "东侧大门"})
    services.update_part(ent, "gates", gate, {"location": "东侧大门"})  # nothing changed, nothing logged
    services.delete_part(ent, "gates", gate)
    created, updated, deleted = AuditEntry.objects.order_by("id")[start:]
    assert AuditEntry.objects.count() == start + 3
    assert (created.action, updated.action, deleted.action) == (
        "enterprise.gatepoint.create",
        "enterprise.gatepoint.update",
        "enterprise.gatepoint.delete",
    )
    assert {e.actor for e in (created, updated, deleted)} == {ent}
    assert created.object_id == updated.object_id == deleted.object_id == str(created.after["id"])
    assert created.after["name"] == "东门" and created.before is None
    assert updated.before == {"location": "东侧"} and updated.after == {"location": "东侧大门"}
    assert deleted.before["location"] == "东侧大门" and deleted.after is None
    assert world.firm_a.name in created.object_repr
    assert verify_chain().ok


def test_refused_change_leaves_no_audit_entry(world, ent):
    start = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.create_part(
            ent,
            "dorm-rooms",
            world.firm_a,
            {"building": "1号楼", "number": "1", "capacity": 0, "area_m2": "10"},
        )
    assert AuditEntry.objects.count() == start
