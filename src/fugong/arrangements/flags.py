"""Every problem with a firm's arrangements on a day, each reason starting with the rule it applies.

Set-based over any number of firms (the officers' list counts the flags of every firm in scope): a
fixed number of statements whatever the number of firms. A parameter the policy leaves unset is a rule
that does not apply: nothing is flagged for it. The firm's own figures (bed counts, seats) apply with or
without a policy, and their reasons say they are the firm's own.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils.translation import gettext as _

from fugong.arrangements.models import Assignment, AssignmentKind, Carpool
from fugong.arrangements.selectors import covering, dorm_problems_by_firm, policies_by_firm, without_grid_unit
from fugong.enterprises.models import (
    CanteenSitting,
    Enterprise,
    IsolationKind,
    IsolationRoom,
    ResumptionMode,
    ShuttleRoute,
    Zone,
    ZoneKind,
)
from fugong.policy.models import DataRule


def _flag(kind: str, rule: str, reason: str, target: str = "", target_id=None) -> dict:
    return {"kind": kind, "rule": rule, "reason": reason, "target": target, "target_id": target_id}


def grid_rule_citation(policy) -> str | None:
    """The checklist item in force that asks for every person in a grid unit, cited; None
    when no checklist of the policy asks for it."""
    if policy is None:
        return None
    for definition in policy.checklists():
        for item in definition.items_in_force:
            if item.data_rule == DataRule.ALL_STAFF_IN_GRID_UNITS:
                return _("《%(notice)s》%(where)s（%(checklist)s：%(text)s）") % {
                    "notice": definition.notice.short_title,
                    "where": item.notice_ref or definition.source,
                    "checklist": definition.name,
                    "text": item.text,
                }
    return None


def people_per_target(day: dt.date, kind: str, firm_ids) -> dict[int, int]:
    """{target id: people assigned on ``day``} for one kind over the firms."""
    field = {AssignmentKind.CANTEEN: "canteen_sitting_id", AssignmentKind.SHUTTLE: "shuttle_route_id"}.get(
        kind, "carpool_id"
    )
    rows = (
        Assignment.objects.filter(covering(day), kind=kind, enterprise_id__in=firm_ids)
        .values_list(field)
        .annotate(n=Count("employee_id", distinct=True))
        .order_by()
    )
    return dict(rows)


def carpool_people(day: dt.date, firm_ids) -> dict[int, set[int]]:
    """{carpool id: employee ids in the car on ``day``} — the driver counts (the policy's limit includes the driver)."""
    out: dict[int, set[int]] = defaultdict(set)
    for carpool_id, employee_id in Assignment.objects.filter(
        covering(day), kind=AssignmentKind.CARPOOL, enterprise_id__in=firm_ids
    ).values_list("carpool_id", "employee_id"):
        out[carpool_id].add(employee_id)
    return out


def car_limit(carpool, policy) -> tuple[int, str]:
    """(the most people allowed in the car, the rule that sets it): the lower of the policy's limit and
    the car's own seats."""
    limit = policy.parameters.max_people_per_car if policy else None
    if limit is not None and limit <= carpool.seats:
        return limit, "max_people_per_car"
    return carpool.seats, "seats"


def car_reason(carpool, policy, rule: str, limit: int, people: int) -> str:
    if rule == "max_people_per_car":
        return _("%(cite)s：每台车辆乘坐员工不超过%(limit)d人（包括驾驶员），%(plate)s有%(n)d人。") % {
            "cite": policy.cite("max_people_per_car"),
            "limit": limit,
            "plate": carpool.plate,
            "n": people,
        }
    return _("本企业登记的核定座位数：%(plate)s核定%(limit)d座（含驾驶员），有%(n)d人。") % {
        "plate": carpool.plate,
        "limit": limit,
        "n": people,
    }


def _overlaps(sittings) -> list[tuple]:
    by_canteen = defaultdict(list)
    for s in sittings:
        by_canteen[(s.enterprise_id, s.canteen)].append(s)
    pairs = []
    for group in by_canteen.values():
        group.sort(key=lambda s: (s.starts_at, s.pk))
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if b.starts_at < a.ends_at and a.starts_at < b.ends_at:
                    pairs.append((a, b))
    return pairs


def flags_by_firm(day: dt.date, enterprise_ids, *, policies: dict | None = None) -> dict[int, list[dict]]:
    """{firm id: [flag, …]} for the firms; each flag {"kind", "rule", "reason", "target", "target_id"}.
    Firms without a flag are absent."""
    firm_ids = list(enterprise_ids)
    if not firm_ids:
        return {}
    if policies is None:
        policies = policies_by_firm(firm_ids, day)
    out: dict[int, list[dict]] = defaultdict(list)

    for firm_id, problems in dorm_problems_by_firm(day, firm_ids, policies=policies).items():
        for p in problems:
            out[firm_id].append(_flag(AssignmentKind.DORM, p["rule"], p["reason"], p["room"], p["room_id"]))

    # Sittings: overlapping times in one canteen (staggered meals), and more people than seats.
    sittings = list(CanteenSitting.objects.filter(enterprise_id__in=firm_ids))
    for a, b in _overlaps(sittings):
        policy = policies.get(a.enterprise_id)
        if policy and policy.parameters.canteen_staggered_meals:
            reason = _("%(cite)s：实行错峰就餐，%(canteen)s的「%(a)s」与「%(b)s」时段重叠。") % {
                "cite": policy.cite("canteen_staggered_meals"),
                "canteen": a.canteen,
                "a": a.name,
                "b": b.name,
            }
            out[a.enterprise_id].append(
                _flag(AssignmentKind.CANTEEN, "canteen_staggered_meals", reason, str(a), a.pk)
            )
    diners = people_per_target(day, AssignmentKind.CANTEEN, firm_ids)
    for s in sittings:
        if diners.get(s.pk, 0) > s.seats:
            reason = _("本企业登记的座位数：「%(name)s」%(seats)d个座位，安排%(n)d人。") % {
                "name": str(s),
                "seats": s.seats,
                "n": diners[s.pk],
            }
            out[s.enterprise_id].append(_flag(AssignmentKind.CANTEEN, "seats", reason, str(s), s.pk))

    riders = people_per_target(day, AssignmentKind.SHUTTLE, firm_ids)
    for r in ShuttleRoute.objects.filter(pk__in=[k for k in riders if k]):
        if riders[r.pk] > r.seats:
            reason = _("本企业登记的座位数：「%(name)s」%(seats)d个座位，安排%(n)d人。") % {
                "name": str(r),
                "seats": r.seats,
                "n": riders[r.pk],
            }
            out[r.enterprise_id].append(_flag(AssignmentKind.SHUTTLE, "seats", reason, str(r), r.pk))

    in_car = carpool_people(day, firm_ids)
    for car in Carpool.objects.filter(enterprise_id__in=firm_ids):
        people = set(in_car.get(car.pk, ()))
        if car.driver_id:
            people.add(car.driver_id)
        policy = policies.get(car.enterprise_id)
        limit, rule = car_limit(car, policy)
        if len(people) > limit:
            reason = car_reason(car, policy, rule, limit, len(people))
            out[car.enterprise_id].append(_flag(AssignmentKind.CARPOOL, rule, reason, car.plate, car.pk))

    # Closed-in-plant firms: the zones the policy wants hard-separated must exist.
    closed = list(
        Enterprise.objects.filter(
            pk__in=firm_ids, resumption_mode=ResumptionMode.CLOSED_IN_PLANT
        ).values_list("pk", flat=True)
    )
    if closed:
        zones = defaultdict(set)
        for firm_id, kind in Zone.objects.filter(enterprise_id__in=closed).values_list(
            "enterprise_id", "kind"
        ):
            zones[firm_id].add(kind)
        for firm_id in closed:
            policy = policies.get(firm_id)
            wanted = policy.parameters.closed_in_plant_zones if policy else None
            missing = [k for k in wanted or () if k not in zones[firm_id]]
            if missing:
                names = "、".join(str(ZoneKind(k).label) if k in ZoneKind.values else k for k in missing)
                reason = _("%(cite)s：封闭驻厂企业须硬隔离设置%(all)s，本企业未设%(missing)s。") % {
                    "cite": policy.cite("closed_in_plant_zones"),
                    "all": "、".join(str(ZoneKind(k).label) if k in ZoneKind.values else k for k in wanted),
                    "missing": names,
                }
                out[firm_id].append(_flag("zone", "closed_in_plant_zones", reason))

    needs_point = [
        f
        for f in firm_ids
        if policies.get(f) and policies[f].parameters.observation_point_required_for_hard_hit_returners
    ]
    if needs_point:
        having = set(
            IsolationRoom.objects.filter(
                enterprise_id__in=needs_point, kind=IsolationKind.OBSERVATION_POINT
            ).values_list("enterprise_id", flat=True)
        )
        for firm_id in needs_point:
            if firm_id not in having:
                reason = _("%(cite)s：接收疫情较重地区返岗人员须先设固定隔离观察点，本企业尚未设置。") % {
                    "cite": policies[firm_id].cite("observation_point_required_for_hard_hit_returners")
                }
                out[firm_id].append(
                    _flag("isolation", "observation_point_required_for_hard_hit_returners", reason)
                )

    without = without_grid_unit(day, firm_ids)
    cited: dict[int, str | None] = {}
    for firm_id, n in without.items():
        policy = policies.get(firm_id)
        key = policy.version_id if policy else None
        if key not in cited:
            cited[key] = grid_rule_citation(policy)
        if cited[key]:
            reason = _("%(cite)s：%(n)d名在岗人员未纳入网格单元。") % {"cite": cited[key], "n": n}
            out[firm_id].append(_flag(AssignmentKind.GRID, "all_staff_in_grid_units", reason))
    return dict(out)


def flags_for_firm(firm, day: dt.date) -> list[dict]:
    return flags_by_firm(day, [firm.pk]).get(firm.pk, [])


def flag_counts(day: dt.date, enterprise_ids) -> dict[int, int]:
    return {firm_id: len(flags) for firm_id, flags in flags_by_firm(day, enterprise_ids).items()}
