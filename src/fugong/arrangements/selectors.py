"""Reads of who lives, eats, rides and works where on a given day, and the policy checks over them.

Set-based: each function answers for every firm asked in a fixed number of statements, never a query
per firm (the compliance picture calls them for a whole city).

Dated truth is ``Assignment``. Rows made before assignments existed (or by code that only sets the
employee's current field) still count: a person with *no* assignment of a kind at all but a current
field set is taken to be there — otherwise legacy data would read as "nobody lives in this room".
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from fugong.arrangements.models import TARGET_FIELD, Assignment, AssignmentKind, Carpool
from fugong.enterprises.models import CanteenSitting, DormRoom, Enterprise, GridUnit, ShuttleRoute
from fugong.monitoring.selectors import ON_SITE
from fugong.policy.selectors import PolicyResolver
from fugong.regions.models import Region
from fugong.workforce.models import Employee

# The Employee field that mirrors the open assignment of a kind (canteen and carpool have none).
EMPLOYEE_FIELD = {
    AssignmentKind.GRID: "grid_unit",
    AssignmentKind.DORM: "dorm_room",
    AssignmentKind.SHUTTLE: "shuttle_route",
}

TARGET_MODEL = {
    AssignmentKind.GRID: GridUnit,
    AssignmentKind.DORM: DormRoom,
    AssignmentKind.CANTEEN: CanteenSitting,
    AssignmentKind.SHUTTLE: ShuttleRoute,
    AssignmentKind.CARPOOL: Carpool,
}


def kind_of(target) -> str:
    for kind, model in TARGET_MODEL.items():
        if isinstance(target, model):
            return kind
    raise TypeError(f"not an arrangement target: {target!r}")


def covering(day: dt.date, prefix: str = "") -> Q:
    """Assignments in force on ``day`` (ends_on is inclusive; open while None)."""
    return Q(**{f"{prefix}starts_on__lte": day}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day})
    )


def _legacy(kind: str) -> Q:
    """Employees whose current field is set but who have no dated history of that kind at all."""
    field = EMPLOYEE_FIELD[kind]
    history = Assignment.objects.filter(employee=OuterRef("pk"), kind=kind)
    return Q(**{f"{field}__isnull": False}) & ~Exists(history)


def policies_by_firm(firm_ids, day: dt.date, resolver: PolicyResolver | None = None) -> dict:
    """{firm id: ResolvedPolicy | None} in three statements whatever the number of firms."""
    town_of = dict(Enterprise.objects.filter(pk__in=firm_ids).values_list("pk", "town_id"))
    towns = list(Region.objects.filter(pk__in=set(town_of.values())))
    by_town = (resolver or PolicyResolver()).find_many(towns, day) if towns else {}
    return {firm_id: by_town.get(town_id) for firm_id, town_id in town_of.items()}


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain(value) -> str:
    """12.50 → "12.5", 20.00 → "20" (never "2E+1")."""
    return format(Decimal(value).normalize(), "f")


def room_occupancy(day: dt.date, enterprise_ids=None) -> dict[int, int]:
    """{room id: how many slept there on ``day``} for rooms with anyone in them."""
    qs = Assignment.objects.filter(covering(day), kind=AssignmentKind.DORM)
    legacy = Employee.objects.filter(_legacy(AssignmentKind.DORM))
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
        legacy = legacy.filter(enterprise_id__in=enterprise_ids)
    counts: dict[int, int] = defaultdict(int)
    for room_id, n in qs.values_list("dorm_room_id").annotate(n=Count("pk")).order_by():
        counts[room_id] += n
    for room_id, n in legacy.values_list("dorm_room_id").annotate(n=Count("pk")).order_by():
        counts[room_id] += n
    return dict(counts)


def room_problems(room, occupants: int, policy) -> list[dict]:
    """What is wrong with ``room`` holding ``occupants`` people under ``policy`` (None: only the firm's
    own capacity applies). Each reason starts with the rule it applies."""
    out = []

    def problem(rule, reason):
        out.append(
            {
                "room_id": room.pk,
                "room": str(room),
                "occupants": occupants,
                "area_m2": room.area_m2,
                "rule": rule,
                "reason": reason,
            }
        )

    params = policy.parameters if policy else None
    limit = params.dorm_max_per_room if params else None
    if limit is not None and occupants > limit:
        problem(
            "dorm_max_per_room",
            _("%(cite)s：该室住%(n)d人，超过每间%(limit)d人的上限。")
            % {"cite": policy.cite("dorm_max_per_room"), "limit": limit, "n": occupants},
        )
    minimum = params.dorm_min_area_per_person_m2 if params else None
    if minimum is not None and occupants:
        per = _round(Decimal(room.area_m2) / occupants)
        if per < minimum:
            problem(
                "dorm_min_area_per_person_m2",
                _("%(cite)s：该室%(area)s平方米住%(n)d人，人均%(per)s平方米，低于%(min)s平方米的下限。")
                % {
                    "cite": policy.cite("dorm_min_area_per_person_m2"),
                    "min": plain(minimum),
                    "area": plain(room.area_m2),
                    "n": occupants,
                    "per": plain(per),
                },
            )
    if occupants > room.capacity:
        # The firm's own bed count: no notice behind it, and the reason says so.
        problem(
            "capacity",
            _("本企业登记的床位数：该室床位%(cap)d张，住%(n)d人。") % {"cap": room.capacity, "n": occupants},
        )
    return out


def dorm_problems_by_firm(
    day: dt.date, enterprise_ids=None, policies: dict | None = None
) -> dict[int, list[dict]]:
    """{firm id: [problem, …]} for rooms over the policy's head count, under its area per person, or over
    their own bed count on ``day``. One entry per room and rule broken (``rule`` is the parameter key, or
    "capacity" for the firm's own figure). Firms with no problem are absent. An unset parameter is a
    check that does not apply."""
    counts = room_occupancy(day, enterprise_ids)
    if not counts:
        return {}
    rooms = list(
        DormRoom.objects.filter(pk__in=counts.keys()).order_by("enterprise_id", "building", "number")
    )
    if policies is None:
        policies = policies_by_firm({r.enterprise_id for r in rooms}, day)
    out: dict[int, list[dict]] = {}
    for room in rooms:
        found = room_problems(room, counts[room.pk], policies.get(room.enterprise_id))
        if found:
            out.setdefault(room.enterprise_id, []).extend(found)
    return out


def without_grid_unit_q(day: dt.date) -> Q:
    in_grid = Assignment.objects.filter(covering(day), employee=OuterRef("pk"), kind=AssignmentKind.GRID)
    return Q(status__in=ON_SITE) & ~Exists(in_grid) & ~_legacy(AssignmentKind.GRID)


def staff_without_grid_unit(day: dt.date, enterprise_ids=None):
    """On-site employees with no grid unit on ``day`` (a queryset)."""
    qs = Employee.objects.filter(without_grid_unit_q(day))
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    return qs.order_by("enterprise_id", "name", "pk")


def without_grid_unit(day: dt.date, enterprise_ids=None) -> dict[int, int]:
    """{firm id: how many on-site employees have no grid unit on ``day``}; firms with none are absent.
    "On site" is the employee's current status (statuses are not dated)."""
    rows = staff_without_grid_unit(day, enterprise_ids).values_list("enterprise_id").annotate(n=Count("pk"))
    return dict(rows.order_by())


def occupants_on(target, day: dt.date) -> list[Employee]:
    """Who was in ``target`` (a dorm room, grid unit, canteen sitting, shuttle route or carpool) on
    ``day``, by name."""
    kind = kind_of(target)
    field = TARGET_FIELD[kind]
    assigned = Assignment.objects.filter(covering(day), kind=kind, **{field: target}).values("employee_id")
    q = Q(pk__in=assigned)
    if kind in EMPLOYEE_FIELD:
        q |= Q(_legacy(kind), **{EMPLOYEE_FIELD[kind]: target})
    return list(Employee.objects.filter(q).order_by("name", "pk"))


def assignments_on(employee, day: dt.date) -> dict[str, Assignment]:
    """{kind: the person's assignment in force on ``day``}."""
    rows = Assignment.objects.filter(covering(day), employee=employee).order_by("kind", "-starts_on")
    out = {}
    for row in rows:
        out.setdefault(row.kind, row)
    return out


def shared_with(employee, day: dt.date) -> dict[str, list[Employee]]:
    """{kind: the other people who shared the person's dorm room, grid unit, canteen sitting, shuttle
    route or carpool on ``day``} — kinds the person had nothing of are absent. Three statements."""
    mine = assignments_on(employee, day)
    targets = {kind: getattr(a, TARGET_FIELD[a.kind] + "_id") for kind, a in mine.items()}
    # A legacy person (current field, no history) still shares with whoever is there now.
    for kind, field in EMPLOYEE_FIELD.items():
        current = getattr(employee, field + "_id", None)
        if (
            kind not in targets
            and current
            and not Assignment.objects.filter(employee=employee, kind=kind).exists()
        ):
            targets[kind] = current
    if not targets:
        return {}
    q = Q()
    for kind, target_id in targets.items():
        q |= Q(kind=kind, **{TARGET_FIELD[kind] + "_id": target_id})
    rows = (
        Assignment.objects.filter(covering(day), q)
        .exclude(employee=employee)
        .select_related("employee")
        .order_by("employee__name", "employee_id")
    )
    out: dict[str, list[Employee]] = {kind: [] for kind in targets}
    seen: set[tuple[str, int]] = set()
    for row in rows:
        if (row.kind, row.employee_id) not in seen:
            seen.add((row.kind, row.employee_id))
            out[row.kind].append(row.employee)
    legacy_kinds = [kind for kind in EMPLOYEE_FIELD if kind in targets]
    if legacy_kinds:
        legacy_q = Q()
        for kind in legacy_kinds:
            legacy_q |= Q(_legacy(kind), **{EMPLOYEE_FIELD[kind] + "_id": targets[kind]})
        history = {
            f"has_{kind}": Exists(Assignment.objects.filter(employee=OuterRef("pk"), kind=kind))
            for kind in legacy_kinds
        }
        people = Employee.objects.filter(legacy_q).exclude(pk=employee.pk).annotate(**history)
        for person in people.order_by("name", "pk"):
            for kind in legacy_kinds:
                here = getattr(person, EMPLOYEE_FIELD[kind] + "_id") == targets[kind]
                if here and not getattr(person, f"has_{kind}") and (kind, person.pk) not in seen:
                    seen.add((kind, person.pk))
                    out[kind].append(person)
    return out
