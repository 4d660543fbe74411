"""Contacts from the firm's own data (SPEC §8, issue 13 item 2): who shared a dorm room, a shuttle route,
a car pool, a canteen sitting or a grid unit with an index person inside the window, who came through
the same gate within minutes of them (employees and visitors), and whom they declared.

Set-based: a fixed number of statements whatever the number of people, days or entries — the index
people's assignments (1), everyone else's assignments on the same targets overlapping the window (1),
the index people's gate entries (1), the co-entries of employees (1) and of visitors (1), the declared
contacts (1) and the contacts' employees (1). No statement per day or per person; the day counts are
interval intersections computed on the rows those statements return.

Only dated assignments count: an employee's current dorm/grid/shuttle field says where they are now, not
where they were inside the window (``shared_with`` reads it as "there now", which a look back cannot).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.arrangements.models import TARGET_FIELD, Assignment, AssignmentKind
from fugong.operations.models import EmployeeEntry, Visitor
from fugong.workforce.models import CloseContact, Employee

# Ranking weights per unit of count (a night, a day, an entry, a declaration). They order the list for
# the officer and nothing else: which contacts are confirmed is the officer's decision, and what
# happens to them is the policy's case_contact_outcome.
WEIGHTS = {
    "declared": 20,  # the index person named them
    "dorm": 10,  # a night in the same room
    "carpool": 8,  # a day in the same car
    "shuttle": 5,  # a day on the same bus
    "grid": 4,  # a day in the same workshop/team/post
    "canteen": 3,  # a day at the same sitting
    "gate": 2,  # an entry through the same gate within the window of minutes
}
KIND_ORDER = ["declared", "dorm", "carpool", "shuttle", "grid", "canteen", "gate"]


def reason_text(kind: str, count: int) -> str:
    texts = {
        "dorm": _("同宿舍 %(n)d 晚"),
        "shuttle": _("同乘班车 %(n)d 天"),
        "carpool": _("同车 %(n)d 天"),
        "canteen": _("同批次就餐 %(n)d 天"),
        "grid": _("同网格 %(n)d 天"),
        "gate": _("同时段进厂 %(n)d 次"),
        "declared": _("本人申报的接触者 %(n)d 次"),
    }
    return texts[kind] % {"n": count}


@dataclass
class Found:
    """One person (employee or visitor) or one unmatched declaration, with the reasons found."""

    employee: Employee | None = None
    visitor: Visitor | None = None
    declared: str = ""  # a declaration that names nobody of the firm: shown as declared, not matched
    reasons: list[dict] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(WEIGHTS[r["kind"]] * r["count"] for r in self.reasons)

    @property
    def name(self) -> str:
        if self.employee is not None:
            return self.employee.name
        if self.visitor is not None:
            return self.visitor.name
        return ""

    @property
    def masked_id(self) -> str:
        who = self.employee or self.visitor
        return who.id_number_masked if who is not None else ""

    def as_dict(self) -> dict:
        return {
            "employee": self.employee,
            "visitor": self.visitor,
            "declared": self.declared,
            "name": self.name,
            "masked_id": self.masked_id,
            "reasons": self.reasons,
            "score": self.score,
        }


def _days(first: dt.date, last: dt.date) -> set[dt.date]:
    return {first + dt.timedelta(days=i) for i in range((last - first).days + 1)} if first <= last else set()


def _clip(starts_on, ends_on, d0, d1) -> tuple[dt.date, dt.date]:
    return max(starts_on, d0), min(ends_on or d1, d1)


def _overlapping(d0: dt.date, d1: dt.date) -> Q:
    return Q(starts_on__lte=d1) & (Q(ends_on__isnull=True) | Q(ends_on__gte=d0))


def _index_people(incident_or_employees) -> tuple[list[int], set[int]]:
    """(index employee ids, their firms)."""
    from fugong.incidents.models import Incident, IndexPerson

    if isinstance(incident_or_employees, Incident):
        rows = (
            IndexPerson.objects.filter(incident=incident_or_employees)
            .values_list("employee_id", "employee__enterprise_id")
            .order_by()
        )
        rows = list(rows)
        return [r[0] for r in rows], {r[1] for r in rows}
    people = list(incident_or_employees)
    ids = [getattr(p, "pk", p) for p in people]
    firms = set(Employee.objects.filter(pk__in=ids).values_list("enterprise_id", flat=True).order_by())
    return ids, firms


def _shared_places(index_ids, firms, d0, d1, found_days) -> None:
    """Adds {(employee id, kind): set of days} for everyone on the same target on the same day."""
    # order_by(): the models' default orderings join the firm and its town only to sort.
    mine = (
        Assignment.objects.filter(_overlapping(d0, d1), employee_id__in=index_ids)
        .values_list("kind", *[f + "_id" for f in TARGET_FIELD.values()], "starts_on", "ends_on")
        .order_by()
    )
    # {(kind, target id): the days an index person was there}
    index_days: dict[tuple[str, int], set[dt.date]] = defaultdict(set)
    columns = list(TARGET_FIELD)
    for kind, *targets, starts_on, ends_on in mine:
        target = targets[columns.index(kind)]
        index_days[(kind, target)] |= _days(*_clip(starts_on, ends_on, d0, d1))
    if not index_days:
        return
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, target in index_days:
        by_kind[kind].append(target)
    q = Q()
    for kind, targets in by_kind.items():
        q |= Q(kind=kind, **{TARGET_FIELD[AssignmentKind(kind)] + "_id__in": targets})
    theirs = (
        Assignment.objects.filter(q, _overlapping(d0, d1), enterprise_id__in=firms)
        .exclude(employee_id__in=index_ids)
        .values_list(
            "employee_id", "kind", *[f + "_id" for f in TARGET_FIELD.values()], "starts_on", "ends_on"
        )
        .order_by()
    )
    for employee_id, kind, *targets, starts_on, ends_on in theirs:
        target = targets[columns.index(kind)]
        shared = index_days[(kind, target)] & _days(*_clip(starts_on, ends_on, d0, d1))
        if shared:
            found_days[(employee_id, kind)] |= shared


def _gate_entries(index_ids, firms, since, until, window: dt.timedelta, entries_of, visitors_of) -> None:
    """Entries at the same gate within ``window`` of an index person's entry, inside [since, until]."""
    mine = list(
        EmployeeEntry.objects.filter(
            employee_id__in=index_ids, at__gte=since, at__lte=until, gate__isnull=False
        )
        .values_list("gate_id", "at")
        .order_by()
    )
    if not mine:
        return
    near = Q()
    visitor_near = Q()
    for gate_id, at in mine:
        near |= Q(gate_id=gate_id, at__gte=at - window, at__lte=at + window)
        visitor_near |= Q(gate_id=gate_id, time_in__gte=at - window, time_in__lte=at + window)
    co = (
        EmployeeEntry.objects.filter(near, enterprise_id__in=firms, at__gte=since, at__lte=until)
        .exclude(employee_id__in=index_ids)
        .values_list("employee_id", "pk")
        .order_by()
    )
    for employee_id, pk in co:
        entries_of[employee_id].add(pk)
    visitors = (
        Visitor.objects.filter(visitor_near, enterprise_id__in=firms, time_in__gte=since, time_in__lte=until)
        .values_list("pk", flat=True)
        .order_by()
    )
    for pk in visitors:
        visitors_of[pk] += 1


def _declared(index_ids, firms, d0, d1) -> tuple[dict[int, int], list[str]]:
    """({employee id: declarations naming them}, [declarations naming nobody of the firm])."""
    declarations = list(
        CloseContact.objects.filter(employee_id__in=index_ids, contact_date__gte=d0, contact_date__lte=d1)
        .values_list("pk", "description")
        .order_by()
    )
    if not declarations:
        return {}, []
    named = Employee.objects.filter(enterprise_id__in=firms).exclude(pk__in=index_ids)
    named = (
        named.filter(
            Exists(
                CloseContact.objects.filter(
                    pk__in=[pk for pk, _text in declarations], description__contains=OuterRef("name")
                )
            )
        )
        .values_list("pk", "name")
        .order_by()
    )
    counts: dict[int, int] = {}
    matched_texts: set[int] = set()
    for employee_pk, name in named:
        hits = [pk for pk, text in declarations if name and name in text]
        counts[employee_pk] = len(hits)
        matched_texts |= set(hits)
    unmatched = [text for pk, text in declarations if pk not in matched_texts]
    return counts, unmatched


def find_contacts(
    incident_or_employees, *, since: dt.datetime, until: dt.datetime, gate_window_minutes: int | None = None
) -> list[dict]:
    """Everyone who shared a place with the index person(s) inside [since, until], ranked (score, then
    name). ``gate_window_minutes`` None: gate co-entries are not a reason (the policy sets no window).
    Index people are never in the list."""
    index_ids, firms = _index_people(incident_or_employees)
    if not index_ids:
        return []
    d0, d1 = timezone.localdate(since), timezone.localdate(until)
    days: dict[tuple[int, str], set[dt.date]] = defaultdict(set)
    _shared_places(index_ids, firms, d0, d1, days)
    entries: dict[int, set[int]] = defaultdict(set)
    visitor_counts: dict[int, int] = defaultdict(int)
    if gate_window_minutes is not None:
        window = dt.timedelta(minutes=gate_window_minutes)
        _gate_entries(index_ids, firms, since, until, window, entries, visitor_counts)
    declared, unmatched = _declared(index_ids, firms, d0, d1)

    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for (employee_id, kind), shared in days.items():
        counts[employee_id][kind] = len(shared)
    for employee_id, pks in entries.items():
        counts[employee_id]["gate"] = len(pks)
    for employee_id, n in declared.items():
        counts[employee_id]["declared"] = n

    # Only what the list shows: loading whole rows would decrypt every phone number for nothing.
    people = Employee.objects.only("name", "id_number_masked", "enterprise_id").in_bulk(list(counts))
    found = [
        Found(
            employee=people[pk],
            reasons=[
                {"kind": kind, "text": reason_text(kind, kinds[kind]), "count": kinds[kind]}
                for kind in KIND_ORDER
                if kinds.get(kind)
            ],
        )
        for pk, kinds in counts.items()
        if pk in people
    ]
    for visitor in Visitor.objects.filter(pk__in=list(visitor_counts)).only(
        "name", "id_number_masked", "enterprise_id"
    ):
        n = visitor_counts[visitor.pk]
        found.append(
            Found(visitor=visitor, reasons=[{"kind": "gate", "text": reason_text("gate", n), "count": n}])
        )
    found.sort(key=lambda f: (-f.score, f.name, f.employee.pk if f.employee else -f.visitor.pk))
    found += [
        Found(
            declared=text,
            reasons=[{"kind": "declared", "text": _("本人申报，未匹配到本企业员工"), "count": 1}],
        )
        for text in unmatched
    ]
    return [f.as_dict() for f in found]
