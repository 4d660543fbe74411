"""The places to seal and disinfect for an incident (封闭相关区域并进行消毒): where the index people
were assigned inside the look-back window — workshop/team, dorm room, canteen sitting, shuttle route,
car pool, from the dated assignments, not today's fields — and the disinfection areas the policy
requires of the firm, each with what has been done about it since the incident was opened: the seal
that covers it, the last disinfection round recorded.

Four statements (the assignments, the seals, the firm's exempt areas, the disinfection records),
whatever the number of people or places. Reading only: sealing and recording disinfection are the
seals' and the disinfection log's own writes, and completing the step stays the officer's call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.arrangements.models import Assignment, AssignmentKind
from fugong.incidents.models import IndexPerson, SealScope

# The part of the firm a seal would take for each kind of place (None: no seal covers it, it is only
# disinfected — a canteen sitting is a time slot, a car pool a private car).
SEAL_PART = {
    AssignmentKind.GRID: SealScope.GRID_UNIT,
    AssignmentKind.DORM: SealScope.DORM_BUILDING,
    AssignmentKind.SHUTTLE: SealScope.SHUTTLE_ROUTE,
}


@dataclass
class Place:
    kind: str  # an AssignmentKind value
    kind_label: str
    name: str
    people: list[str]
    first_day: dt.date
    last_day: dt.date
    seal_scope: str | None  # the SealScope that would cover it
    seal_target: str  # the value the seal form takes for that scope (a pk, or a building's name)
    sealed_by: object = None  # the active Seal covering it, if any


@dataclass
class Area:
    key: str
    name: str
    exempt: str  # the firm's declared reason it has no such area, or ""
    last_done_at: dt.datetime | None  # the last round recorded for the area since the incident opened


def _window(incident, lookback_days: int | None) -> tuple[dt.date, dt.date]:
    """From ``lookback_days`` before onset/sampling (the reference day alone when the policy sets no
    look-back) to today."""
    start = timezone.localdate(incident.reference_at)
    if lookback_days is not None:
        start -= dt.timedelta(days=lookback_days)
    return start, max(start, timezone.localdate())


def _seal_covering(seals, scope: str, assignment) -> object:
    for seal in seals:
        if seal.scope_kind == SealScope.FIRM:
            return seal
        if seal.scope_kind != scope:
            continue
        if scope == SealScope.DORM_BUILDING and seal.dorm_building == assignment.dorm_room.building:
            return seal
        if scope == SealScope.SHUTTLE_ROUTE and seal.shuttle_route_id == assignment.shuttle_route_id:
            return seal
        if scope == SealScope.GRID_UNIT:
            unit, chain = assignment.grid_unit, []
            while unit is not None and len(chain) < 3:
                chain.append(unit.pk)
                unit = unit.parent
            if seal.grid_unit_id in chain:
                return seal
    return None


def places_used(incident, policy) -> dict:
    """{"since", "until", "places": [Place], "areas": [Area]} for ``incident`` under ``policy`` (the
    policy in force when it was opened; None: no areas, the reference day only)."""
    from fugong.disinfection.models import AreaExemption, DisinfectionRecord
    from fugong.incidents.seals.services import active_seals

    params = policy.parameters if policy is not None else None
    d0, d1 = _window(incident, getattr(params, "contact_lookback_days", None))
    index_ids = IndexPerson.objects.filter(incident=incident).values("employee_id")
    rows = (
        Assignment.objects.filter(employee_id__in=index_ids, starts_on__lte=d1)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=d0))
        .select_related(
            "employee",
            "grid_unit__parent__parent",
            "dorm_room",
            "canteen_sitting",
            "shuttle_route",
            "carpool",
        )
        .order_by("kind", "starts_on", "pk")
    )
    seals = list(active_seals(incident.enterprise_id))
    places: dict[tuple[str, str], Place] = {}
    for row in rows:
        target = row.target
        scope = SEAL_PART.get(row.kind)
        # The seal form takes a dorm building by its name, the other parts by their id.
        seal_target = (
            target.building if row.kind == AssignmentKind.DORM else (str(target.pk) if scope else "")
        )
        first, last = max(row.starts_on, d0), min(row.ends_on or d1, d1)
        key = (row.kind, str(target.pk))
        place = places.get(key)
        if place is None:
            place = places[key] = Place(
                kind=row.kind,
                kind_label=str(AssignmentKind(row.kind).label),
                name=str(target),
                people=[],
                first_day=first,
                last_day=last,
                seal_scope=str(scope) if scope else None,
                seal_target=seal_target,
                sealed_by=_seal_covering(seals, scope, row) if scope else None,
            )
        place.first_day, place.last_day = min(place.first_day, first), max(place.last_day, last)
        if row.employee.name not in place.people:
            place.people.append(row.employee.name)
    order = list(AssignmentKind.values)
    listed = sorted(places.values(), key=lambda p: (order.index(p.kind), p.name))

    areas: list[Area] = []
    required = list(getattr(params, "disinfection_areas", None) or ())
    if required:
        keys = [a.key for a in required]
        exempt = dict(
            AreaExemption.objects.filter(enterprise_id=incident.enterprise_id, area__in=keys)
            .values_list("area", "reason")
            .order_by()
        )
        done = dict(
            DisinfectionRecord.objects.filter(
                enterprise_id=incident.enterprise_id, area__in=keys, done_at__gte=incident.opened_at
            )
            .values("area")
            .annotate(last=Max("done_at"))
            .values_list("area", "last")
            .order_by()
        )
        areas = [Area(a.key, a.name, exempt.get(a.key, ""), done.get(a.key)) for a in required]
    return {"since": d0, "until": d1, "places": listed, "areas": areas}


def summary(found: dict) -> str:
    """One line for the step's note: how many places are sealed and areas disinfected."""
    places, areas = found["places"], [a for a in found["areas"] if not a.exempt]
    sealable = [p for p in places if p.seal_scope]
    return _("场所 %(sealed)d/%(sealable)d 处已封闭，消杀区域 %(done)d/%(areas)d 个已消杀") % {
        "sealed": sum(1 for p in sealable if p.sealed_by is not None),
        "sealable": len(sealable),
        "done": sum(1 for a in areas if a.last_done_at is not None),
        "areas": len(areas),
    }
