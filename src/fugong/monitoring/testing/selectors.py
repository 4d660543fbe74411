"""The nucleic / antigen cadence (SPEC §6: ``nucleic_test_interval_days`` and ``antigen_daily``), read from
policy data only.

For a person on site (at work, arrived, in the buffer zone, isolating) and a kind: nucleic is required
when the policy in force on the day sets ``nucleic_test_interval_days`` (N days), antigen when it sets
``antigen_daily`` (every day). ``next_due`` is the last sample day before D plus the interval, or D itself
for someone never tested. On day D a (person, kind) is *due* when next_due <= D, *done* when a sample was
taken on D, *overdue* when next_due < D and not done on D.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils import timezone

from fugong.enterprises.models import Enterprise
from fugong.monitoring.models import TestKind, TestOutcome, TestResult
from fugong.policy.selectors import PolicyResolver
from fugong.regions.models import Region
from fugong.workforce.models import Employee, EmployeeStatus

ON_SITE = (
    EmployeeStatus.AT_WORK,
    EmployeeStatus.ARRIVED,
    EmployeeStatus.BUFFER,
    EmployeeStatus.ISOLATING,
)


def intervals(policy) -> dict[str, int]:
    """{kind: interval in days} that the policy requires; empty when it sets no cadence."""
    if policy is None:
        return {}
    params = policy.parameters
    out = {}
    if params.nucleic_test_interval_days:
        out[TestKind.NUCLEIC] = int(params.nucleic_test_interval_days)
    if params.antigen_daily:
        out[TestKind.ANTIGEN] = 1
    return out


def _firm_intervals(firms, day: dt.date, resolver: PolicyResolver | None = None) -> dict[int, dict[str, int]]:
    """{firm id: {kind: interval}} from ``firms`` given as (firm id, town id) pairs; one policy
    resolution per distinct town."""
    resolver = resolver or PolicyResolver()
    town_ids = {town_id for _pk, town_id in firms}
    policies = resolver.find_many(list(Region.objects.filter(pk__in=town_ids)), day)
    by_town = {pk: intervals(policy) for pk, policy in policies.items()}
    return {pk: by_town.get(town_id, {}) for pk, town_id in firms}


def _groups(firm_intervals: dict[int, dict[str, int]]) -> dict[tuple[str, int], list[int]]:
    """Firms grouped by (kind, interval): one query per group rather than per firm."""
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for firm_id, kinds in firm_intervals.items():
        for kind, interval in kinds.items():
            groups[(kind, interval)].append(firm_id)
    return groups


def tests_due_done_by_firm(
    firm_ids: list[int], day: dt.date, *, firms=None, resolver: PolicyResolver | None = None
) -> dict[int, tuple[int, int, int]]:
    """{firm id: (due, done, positive)} for ``day``: ``due`` counts the (person, kind) pairs due, ``done``
    those of them sampled on the day, ``positive`` the positive results sampled on the day. Set-based:
    one query per distinct (kind, interval) among the firms' policies, plus the firms, the towns'
    policies and the positives — never per firm or per person."""
    firm_ids = list(dict.fromkeys(int(pk) for pk in firm_ids))
    out = {pk: [0, 0, 0] for pk in firm_ids}
    if not firm_ids:
        return {}
    if firms is None:  # (firm id, town id) pairs, when the caller has not read them already
        firms = list(Enterprise.objects.filter(pk__in=firm_ids).values_list("pk", "town_id"))
    for (kind, interval), group in _groups(_firm_intervals(firms, day, resolver)).items():
        people = Employee.objects.filter(enterprise_id__in=group, status__in=ON_SITE)
        if interval > 1:
            recent = TestResult.objects.filter(
                employee_id=OuterRef("pk"),
                kind=kind,
                sample_day__gt=day - dt.timedelta(days=interval),
                sample_day__lt=day,
            )
            people = people.exclude(Exists(recent))
        today = TestResult.objects.filter(employee_id=OuterRef("pk"), kind=kind, sample_day=day)
        rows = (
            people.order_by()
            .values("enterprise_id")
            .annotate(due=Count("pk"), done=Count("pk", filter=Exists(today)))
        )
        for row in rows:
            counts = out[row["enterprise_id"]]
            counts[0] += row["due"]
            counts[1] += row["done"]
    positives = (
        TestResult.objects.filter(enterprise_id__in=firm_ids, sample_day=day, result=TestOutcome.POSITIVE)
        .order_by()
        .values("enterprise_id")
        .annotate(n=Count("pk"))
    )
    for row in positives:
        out[row["enterprise_id"]][2] = row["n"]
    return {pk: tuple(v) for pk, v in out.items()}


@dataclass
class DueRow:
    employee: Employee
    kind: str
    interval: int
    last_day: dt.date | None  # the last sample day before the day asked about
    next_due: dt.date
    done: bool  # sampled on the day asked about
    overdue: bool

    @property
    def kind_label(self) -> str:
        return str(TestKind(self.kind).label)


def cadence_rows(people, day: dt.date, firm_intervals: dict[int, dict[str, int]]) -> list[DueRow]:
    """Every (person on site, required kind) with its last sample day before ``day`` and its next due
    day: one query per kind."""
    rows: list[DueRow] = []
    for kind in TestKind.values:
        firm_ids = [pk for pk, kinds in firm_intervals.items() if kind in kinds]
        if not firm_ids:
            continue
        last = (
            TestResult.objects.filter(employee_id=OuterRef("pk"), kind=kind, sample_day__lt=day)
            .order_by("-sample_day")
            .values("sample_day")[:1]
        )
        today = TestResult.objects.filter(employee_id=OuterRef("pk"), kind=kind, sample_day=day)
        qs = (
            people.filter(enterprise_id__in=firm_ids, status__in=ON_SITE)
            .annotate(_last=Subquery(last), _done=Exists(today))
            .select_related("enterprise")
        )
        for person in qs:
            interval = firm_intervals[person.enterprise_id][kind]
            last_day = person._last
            next_due = last_day + dt.timedelta(days=interval) if last_day else day
            overdue = next_due < day and not person._done
            rows.append(DueRow(person, kind, interval, last_day, next_due, person._done, overdue))
    rows.sort(key=lambda r: (r.employee.enterprise_id, r.employee.name, r.employee.pk, r.kind))
    return rows


def tests_due(
    user_or_firm, day: dt.date | None = None, *, include_done: bool = False, enterprise: int | None = None
) -> list[DueRow]:
    """The (person, kind) pairs due on ``day`` (today by default) in the firms ``user_or_firm`` sees (or
    that one firm; ``enterprise`` narrows to one of them): not yet done on the day unless
    ``include_done``. Overdue rows first. Every person is a row: for a whole city's counts use
    ``tests_due_done_by_firm``."""
    day = day or timezone.localdate()
    if isinstance(user_or_firm, Enterprise):
        firms_qs = Enterprise.objects.filter(pk=user_or_firm.pk)
        people = Employee.objects.filter(enterprise=user_or_firm)
    else:
        firms_qs = Enterprise.objects.visible_to(user_or_firm)
        people = Employee.objects.visible_to(user_or_firm)
    if enterprise is not None:
        firms_qs = firms_qs.filter(pk=enterprise)
        people = people.filter(enterprise_id=enterprise)
    firms = list(firms_qs.values_list("pk", "town_id"))
    firm_intervals = _firm_intervals(firms, day)
    rows = [r for r in cadence_rows(people, day, firm_intervals) if r.next_due <= day]
    if not include_done:
        rows = [r for r in rows if not r.done]
    rows.sort(key=lambda r: (not r.overdue, r.employee.enterprise_id, r.employee.name, r.employee.pk, r.kind))
    return rows


def tests_due_by_firm(
    user_or_firm, day: dt.date | None = None, *, enterprise: int | None = None
) -> list[dict]:
    """``tests_due`` grouped for pages: [{"enterprise", "rows": [rows], "overdue": n}] by firm name."""
    groups: dict[int, dict] = {}
    for row in tests_due(user_or_firm, day, enterprise=enterprise):
        group = groups.setdefault(
            row.employee.enterprise_id, {"enterprise": row.employee.enterprise, "rows": [], "overdue": 0}
        )
        group["rows"].append(row)
        group["overdue"] += int(row.overdue)
    return sorted(groups.values(), key=lambda g: (g["enterprise"].name, g["enterprise"].pk))


def due_summary(user, day: dt.date | None = None, limit: int | None = 500) -> list[dict]:
    """Per firm the user sees, today's counts for an officer's overview: [{"enterprise", "due", "done",
    "pending", "positive"}], firms with something to do first. Set-based, whatever the scope's size."""
    day = day or timezone.localdate()
    firms = {f.pk: f for f in Enterprise.objects.visible_to(user).only("pk", "name")}
    counts = tests_due_done_by_firm(list(firms), day)
    rows = [
        {"enterprise": firms[pk], "due": due, "done": done, "pending": due - done, "positive": positive}
        for pk, (due, done, positive) in counts.items()
        if due or positive
    ]
    rows.sort(key=lambda r: (-r["positive"], -r["pending"], r["enterprise"].name))
    return rows[:limit]


def results_visible_to(user):
    return TestResult.objects.visible_to(user).select_related("employee", "enterprise")
