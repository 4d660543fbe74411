"""Demo arrangements, made through the services: the demo firms' on-site people put into grid units,
dorm rooms, canteen sittings and shuttle seats from ten days ago, a carpool at the model firm, and a few
people left without a grid unit so that the list and its flag have something to show.

At the model firm two rooms break the dorm rules on purpose (N4 一、（二）5): one of 7 people (a seventh
moved in three days ago, so a day before that reads 6 — the dated history at work) and one of 6 in a
12 ㎡ room. Everything else stays within the policy's limits and the firms' own capacities.

Deterministic (each firm's own random.Random seeded by its credit code) and idempotent: a firm that
already has canteen assignments (only these pages make them; the roster never does) is skipped.
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.arrangements import services
from fugong.arrangements.models import Assignment, AssignmentKind, Carpool
from fugong.enterprises.models import CanteenSitting, DormRoom, GridLevel, GridUnit, ShuttleRoute
from fugong.enterprises.parts.services import create_part
from fugong.monitoring.selectors import ON_SITE
from fugong.workforce.models import Employee

HISTORY_DAYS = 10


def _officer(firm):
    return User.objects.filter(role=Role.ENTERPRISE, enterprise=firm, is_active=True).order_by("pk").first()


def _room(officer, firm, number, capacity, area) -> DormRoom:
    room = DormRoom.objects.filter(enterprise=firm, building="2号宿舍楼", number=number).first()
    if room is None:
        data = {"building": "2号宿舍楼", "number": number, "capacity": capacity, "area_m2": Decimal(area)}
        room = create_part(officer, "dorm-rooms", firm, data).obj
    return room


def _ensure_parts(officer, firm) -> None:
    """The model firm may have been loaded without the inside of a plant: give it a workshop with two
    teams, two staggered sittings and a shuttle route, entered as its officer would."""
    if not GridUnit.objects.filter(enterprise=firm).exists():
        workshop = create_part(
            officer, "grid-units", firm, {"level": GridLevel.WORKSHOP, "name": "仓储车间", "leader": "周建华"}
        ).obj
        for name, leader in (("收货班", "钱立新"), ("配送班", "孙海燕")):
            data = {"level": GridLevel.TEAM, "parent": workshop, "name": name, "leader": leader}
            create_part(officer, "grid-units", firm, data)
    if not CanteenSitting.objects.filter(enterprise=firm).exists():
        for name, starts, ends in (("第一批", "11:00", "11:30"), ("第二批", "11:40", "12:10")):
            data = {
                "canteen": "职工食堂",
                "name": name,
                "starts_at": dt.time.fromisoformat(starts),
                "ends_at": dt.time.fromisoformat(ends),
                "seats": 40,
            }
            create_part(officer, "canteen-sittings", firm, data)
    if not ShuttleRoute.objects.filter(enterprise=firm).exists():
        data = {
            "name": "城区线",
            "vehicle_plate": "浙D5B306",
            "driver_name": "冯国强",
            "driver_phone": "13905750123",
            "supervisor_name": "郑小红",
            "seats": 33,
            "route": "城区—厂区",
        }
        create_part(officer, "shuttle-routes", firm, data)


def _fits(room) -> int:
    """How many a room takes within its beds, six a room and 2.5 ㎡ each (the demo policy's limits)."""
    by_area = int(Decimal(room.area_m2) / Decimal("2.5"))
    return max(0, min(room.capacity, 6, by_area))


def build(city, firms) -> None:
    start = timezone.localdate() - dt.timedelta(days=HISTORY_DAYS)
    for index, firm in enumerate(firms):
        officer = _officer(firm)
        if (
            officer is None
            or Assignment.objects.filter(enterprise=firm, kind=AssignmentKind.CANTEEN).exists()
        ):
            continue
        rng = random.Random(firm.uscc)
        people = list(Employee.objects.filter(enterprise=firm, status__in=ON_SITE).order_by("pk"))
        if not people:
            continue
        if index == 0:
            _ensure_parts(officer, firm)
        _grids(officer, firm, people, rng, leave_out=3 if index == 0 else rng.choice((0, 1, 2)), start=start)
        _canteen(officer, firm, people, start)
        if index == 0:
            _model_dorms(officer, firm, people, start)
            _carpool(officer, firm, people, start)
        else:
            _dorms(officer, firm, people, rng, start)
        _shuttle(officer, firm, people, start)


def _grids(officer, firm, people, rng, *, leave_out: int, start) -> None:
    units = list(GridUnit.objects.filter(enterprise=firm, level=GridLevel.TEAM).order_by("pk")) or list(
        GridUnit.objects.filter(enterprise=firm).order_by("pk")
    )
    if not units:
        return
    placed = people[: len(people) - leave_out] if leave_out else people
    groups: dict[int, list] = {}
    for i, person in enumerate(placed):
        groups.setdefault(units[i % len(units)].pk, []).append(person)
    by_pk = {u.pk: u for u in units}
    for pk, group in groups.items():
        services.assign_many(officer, group, AssignmentKind.GRID, by_pk[pk], starts_on=start)


def _canteen(officer, firm, people, start) -> None:
    sittings = list(CanteenSitting.objects.filter(enterprise=firm).order_by("starts_at", "pk"))
    if not sittings:
        return
    groups: dict[int, list] = {}
    for i, person in enumerate(people):
        sitting = sittings[i % len(sittings)]
        if len(groups.get(sitting.pk, [])) < sitting.seats:
            groups.setdefault(sitting.pk, []).append(person)
    by_pk = {s.pk: s for s in sittings}
    for pk, group in groups.items():
        services.assign_many(officer, group, AssignmentKind.CANTEEN, by_pk[pk], starts_on=start)


def _shuttle(officer, firm, people, start) -> None:
    """Those who neither live on site nor come by car ride the shuttle, each with a seat number."""
    route = ShuttleRoute.objects.filter(enterprise=firm).order_by("pk").first()
    if route is None:
        return
    living = set(
        Assignment.objects.filter(
            enterprise=firm, kind__in=[AssignmentKind.DORM, AssignmentKind.CARPOOL], ends_on__isnull=True
        ).values_list("employee_id", flat=True)
    )
    riders = [p for p in people if p.pk not in living][: min(route.seats, 12)]
    for seat, person in enumerate(riders, start=1):
        services.assign(officer, person, AssignmentKind.SHUTTLE, route, starts_on=start, seat=str(seat))


def _dorms(officer, firm, people, rng, start) -> None:
    """Some people in the firm's rooms, each room within its beds and the policy's limits."""
    rooms = list(DormRoom.objects.filter(enterprise=firm).order_by("building", "number"))
    queue = people[: len(people) // 3]
    for room in rooms:
        take = min(_fits(room), rng.randint(1, 4))
        group, queue = queue[:take], queue[take:]
        if group:
            services.assign_many(officer, group, AssignmentKind.DORM, room, starts_on=start)


def _model_dorms(officer, firm, people, start) -> None:
    """Seven in one room (a seventh moved in three days ago) and six in 12 ㎡: both flagged under N4."""
    crowded = _room(officer, firm, "201", capacity=8, area="30")
    small = _room(officer, firm, "202", capacity=6, area="12")
    residents = people[-13:] if len(people) >= 13 else people
    first, seventh, others = residents[:6], residents[6:7], residents[7:13]
    services.assign_many(officer, first, AssignmentKind.DORM, crowded, starts_on=start)
    if seventh:
        services.assign(
            officer,
            seventh[0],
            AssignmentKind.DORM,
            crowded,
            starts_on=timezone.localdate() - dt.timedelta(days=3),
        )
    if others:
        services.assign_many(officer, others, AssignmentKind.DORM, small, starts_on=start)


def _carpool(officer, firm, people, start) -> None:
    if len(people) < 3:
        return
    driver, *riders = people[:3]
    carpool = Carpool.objects.filter(enterprise=firm, plate="浙D6A218").first()
    if carpool is None:
        carpool = services.create_carpool(officer, firm, {"plate": "浙D6A218", "seats": 5, "driver": driver})
    # Two riders and the driver: three in the car, the most N1 allows (包括驾驶员).
    services.assign_many(officer, [driver, *riders], AssignmentKind.CARPOOL, carpool, starts_on=start)
