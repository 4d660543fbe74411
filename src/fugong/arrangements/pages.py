"""What the arrangement pages show for one firm on one day: each tab in a fixed number of queries."""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from fugong.arrangements.models import TARGET_FIELD, Assignment, AssignmentKind, Carpool
from fugong.arrangements.selectors import EMPLOYEE_FIELD, _legacy, covering, plain, staff_without_grid_unit
from fugong.enterprises.models import CanteenSitting, DormRoom, GridUnit, ShuttleRoute

TABS = [
    ("dorm", "宿舍"),
    ("canteen", "就餐批次"),
    ("commute", "通勤"),
    ("grid", "网格"),
    ("ungrouped", "未纳入网格人员"),
]


def people_by_target(firm, kind: str, day: dt.date) -> dict[int, list[dict]]:
    """{target id: [{"employee", "assignment"} …]} on ``day`` — assignment None for a person known only
    from the roster's current field (no dated history)."""
    field = TARGET_FIELD[kind]
    out: dict[int, list[dict]] = defaultdict(list)
    rows = (
        Assignment.objects.filter(covering(day), enterprise=firm, kind=kind)
        .select_related("employee")
        .order_by("employee__name", "employee_id")
    )
    for a in rows:
        out[getattr(a, field + "_id")].append({"employee": a.employee, "assignment": a})
    if kind in EMPLOYEE_FIELD:
        current = EMPLOYEE_FIELD[kind]
        for person in firm.employees.filter(_legacy(kind)).order_by("name", "pk"):
            out[getattr(person, current + "_id")].append({"employee": person, "assignment": None})
    return out


def _per_person(area, n):
    if not n:
        return None
    return plain((Decimal(area) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _flags_of(flags, kind):
    out = defaultdict(list)
    for f in flags:
        if f["kind"] == kind and f["target_id"]:
            out[f["target_id"]].append(f["reason"])
    return out


def dorm_tab(firm, day, flags):
    people = people_by_target(firm, AssignmentKind.DORM, day)
    reasons = _flags_of(flags, AssignmentKind.DORM)
    return [
        {
            "obj": r,
            "kind": AssignmentKind.DORM,
            "people": people.get(r.pk, []),
            "per_person": _per_person(r.area_m2, len(people.get(r.pk, []))),
            "flags": reasons.get(r.pk, []),
        }
        for r in DormRoom.objects.filter(enterprise=firm).order_by("building", "number")
    ]


def canteen_tab(firm, day, flags):
    people = people_by_target(firm, AssignmentKind.CANTEEN, day)
    reasons = _flags_of(flags, AssignmentKind.CANTEEN)
    return [
        {
            "obj": s,
            "kind": AssignmentKind.CANTEEN,
            "people": people.get(s.pk, []),
            "flags": reasons.get(s.pk, []),
        }
        for s in CanteenSitting.objects.filter(enterprise=firm).order_by("canteen", "starts_at")
    ]


def commute_tab(firm, day, flags):
    riders = people_by_target(firm, AssignmentKind.SHUTTLE, day)
    in_car = people_by_target(firm, AssignmentKind.CARPOOL, day)
    route_flags = _flags_of(flags, AssignmentKind.SHUTTLE)
    car_flags = _flags_of(flags, AssignmentKind.CARPOOL)
    routes = [
        {
            "obj": r,
            "kind": AssignmentKind.SHUTTLE,
            "people": riders.get(r.pk, []),
            "flags": route_flags.get(r.pk, []),
        }
        for r in ShuttleRoute.objects.filter(enterprise=firm).order_by("name")
    ]
    cars = [
        {
            "obj": c,
            "kind": AssignmentKind.CARPOOL,
            "people": in_car.get(c.pk, []),
            "flags": car_flags.get(c.pk, []),
        }
        for c in Carpool.objects.filter(enterprise=firm).select_related("driver").order_by("plate")
    ]
    return routes, cars


def grid_tab(firm, day):
    """The grid tree, depth first, each unit with its depth and members."""
    members = people_by_target(firm, AssignmentKind.GRID, day)
    units = list(GridUnit.objects.filter(enterprise=firm).order_by("name", "pk"))
    children = defaultdict(list)
    for u in units:
        children[u.parent_id].append(u)
    out = []
    known = {u.pk for u in units}

    def walk(unit, depth):
        out.append(
            {"obj": unit, "kind": AssignmentKind.GRID, "depth": depth, "people": members.get(unit.pk, [])}
        )
        for child in children.get(unit.pk, []):
            walk(child, depth + 1)

    for root in [u for u in units if u.parent_id is None or u.parent_id not in known]:
        walk(root, 0)
    return out


def ungrouped_tab(firm, day):
    return list(staff_without_grid_unit(day, [firm.pk]))


def history(target, kind: str):
    """Every dated assignment to ``target``, newest first."""
    return list(
        Assignment.objects.filter(kind=kind, **{TARGET_FIELD[kind]: target})
        .select_related("employee")
        .order_by("-starts_on", "employee__name")
    )


def target_choices(firm) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices "kind:pk" for the assign form."""
    groups = [
        (AssignmentKind.GRID, GridUnit.objects.filter(enterprise=firm).select_related("parent__parent")),
        (AssignmentKind.DORM, DormRoom.objects.filter(enterprise=firm)),
        (AssignmentKind.CANTEEN, CanteenSitting.objects.filter(enterprise=firm)),
        (AssignmentKind.SHUTTLE, ShuttleRoute.objects.filter(enterprise=firm)),
        (AssignmentKind.CARPOOL, Carpool.objects.filter(enterprise=firm)),
    ]
    return [
        (str(kind.label), [(f"{kind.value}:{obj.pk}", str(obj)) for obj in qs]) for kind, qs in groups if qs
    ]


def tab_of(kind: str) -> str:
    return {"shuttle": "commute", "carpool": "commute"}.get(kind, kind)
