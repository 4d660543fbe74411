"""Parts of a firm for tests; ``firm_with_parts`` gives one of each, wired the way the rules want."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    GatePoint,
    GridLevel,
    GridUnit,
    IsolationKind,
    IsolationRoom,
    PreventionTeamMember,
    ShuttleRoute,
    TeamRole,
    Zone,
    ZoneKind,
)


class TeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = PreventionTeamMember

    name = factory.Sequence(lambda n: f"成员{n}")
    team_role = TeamRole.MEMBER
    position = "车间主任"
    phone = "13800000000"


class ZoneFactory(DjangoModelFactory):
    class Meta:
        model = Zone

    kind = ZoneKind.PRODUCTION
    name = factory.Sequence(lambda n: f"分区{n}")


class GridUnitFactory(DjangoModelFactory):
    class Meta:
        model = GridUnit

    level = GridLevel.WORKSHOP
    name = factory.Sequence(lambda n: f"单元{n}")


class DormRoomFactory(DjangoModelFactory):
    class Meta:
        model = DormRoom

    building = "1号楼"
    number = factory.Sequence(lambda n: f"{101 + n}")
    capacity = 4
    area_m2 = Decimal("20.00")


class CanteenSittingFactory(DjangoModelFactory):
    class Meta:
        model = CanteenSitting

    canteen = "一号食堂"
    name = factory.Sequence(lambda n: f"第{n}批")
    starts_at = dt.time(11, 0)
    ends_at = dt.time(11, 30)
    seats = 40


class ShuttleRouteFactory(DjangoModelFactory):
    class Meta:
        model = ShuttleRoute

    name = factory.Sequence(lambda n: f"线路{n}")
    vehicle_plate = "浙D12345"
    driver_name = "王师傅"
    seats = 30


class IsolationRoomFactory(DjangoModelFactory):
    class Meta:
        model = IsolationRoom

    kind = IsolationKind.ISOLATION_ROOM
    name = factory.Sequence(lambda n: f"隔离室{n}")
    capacity = 2


class GateFactory(DjangoModelFactory):
    class Meta:
        model = GatePoint

    name = factory.Sequence(lambda n: f"门岗{n}")


def firm_with_parts(firm) -> dict:
    """One of each kind for ``firm``, with a workshop → team → post chain; keyed by page slug."""
    workshop = GridUnitFactory(enterprise=firm, level=GridLevel.WORKSHOP, name="一车间")
    team = GridUnitFactory(enterprise=firm, level=GridLevel.TEAM, parent=workshop, name="甲班")
    post = GridUnitFactory(enterprise=firm, level=GridLevel.POST, parent=team, name="织机岗")
    return {
        "prevention-team": TeamMemberFactory(
            enterprise=firm, name=firm.legal_representative, team_role=TeamRole.LEADER
        ),
        "zones": ZoneFactory(enterprise=firm, name="生产一区"),
        "grid-units": post,
        "grid": (workshop, team, post),
        "dorm-rooms": DormRoomFactory(enterprise=firm, number="101"),
        "canteen-sittings": CanteenSittingFactory(enterprise=firm, name="第一批"),
        "shuttle-routes": ShuttleRouteFactory(enterprise=firm, name="店口线"),
        "isolation-rooms": IsolationRoomFactory(enterprise=firm, name="临时隔离室"),
        "gates": GateFactory(enterprise=firm, name="东门"),
    }
