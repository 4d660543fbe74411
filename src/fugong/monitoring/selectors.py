"""Reading check-ins and alerts, always through the scoping core."""

import datetime as dt

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.enterprises.models import Enterprise
from fugong.monitoring import schedule
from fugong.monitoring.models import Alert, AlertStatus, HealthCheckin
from fugong.policy.selectors import PolicyResolver
from fugong.regions.models import Region
from fugong.workforce.models import Employee, EmployeeStatus

ON_SITE = (EmployeeStatus.AT_WORK, EmployeeStatus.ARRIVED, EmployeeStatus.ISOLATING)


def checkins_visible_to(user):
    return HealthCheckin.objects.visible_to(user).select_related("employee", "enterprise")


def alerts_visible_to(user, status: str | None = None):
    """Open first, then acknowledged, then closed; newest first within each."""
    qs = Alert.objects.visible_to(user).select_related("employee", "enterprise", "town", "checkin")
    if status:
        qs = qs.filter(status=status)
    order = Case(
        When(status=AlertStatus.OPEN, then=Value(0)),
        When(status=AlertStatus.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(_order=order).order_by("_order", "-raised_at", "-id")


def missing_overview(
    enterprise_or_user, day: dt.date | None = None, now: dt.datetime | None = None
) -> tuple[list[dict], list[dict]]:
    """(groups, unset). ``groups``: per firm, the people on site (at work, arrived, isolating) lacking a
    round of its policy that is due by ``now``: [{"enterprise", "rounds" (how many), "due" [n, …],
    "windows" (schedule.windows), "people": [{"employee", "missing": [n, …]}]}]. ``unset``: the policies
    in force that set no rounds, with how many of the firms they cover ([{"label", "firms"}]): nobody
    there is missing a round, and the page says why."""
    now = timezone.localtime(now or timezone.now())
    day = day or now.date()
    if isinstance(enterprise_or_user, Enterprise):
        firms = [enterprise_or_user]
        people = Employee.objects.filter(enterprise=enterprise_or_user)
    else:
        firms = list(Enterprise.objects.visible_to(enterprise_or_user).select_related("town"))
        people = Employee.objects.visible_to(enterprise_or_user)
    resolver = PolicyResolver()
    due_by_firm = {}
    unset: dict[str, int] = {}
    for firm in firms:
        policy = resolver.find(firm.town, day)
        rounds = schedule.rounds_of(policy)
        if not rounds:
            label = policy.label if policy is not None else _("（本地区尚无现行防控政策）")
            unset[label] = unset.get(label, 0) + 1
            continue
        due_by_firm[firm.pk] = (rounds, schedule.rounds_due_by(rounds, day, now))
    unset_rows = [{"label": label, "firms": n} for label, n in unset.items()]
    firm_ids = [pk for pk, (_r, due) in due_by_firm.items() if due]
    if not firm_ids:
        return [], unset_rows
    people = list(
        people.filter(enterprise_id__in=firm_ids, status__in=ON_SITE).order_by("enterprise_id", "name", "id")
    )
    done: dict[int, set[int]] = {}
    for emp_id, number in HealthCheckin.objects.filter(
        day=day, employee_id__in=[p.pk for p in people]
    ).values_list("employee_id", "round"):
        done.setdefault(emp_id, set()).add(number)
    groups: dict[int, dict] = {}
    by_pk = {f.pk: f for f in firms}
    for person in people:
        rounds, due = due_by_firm[person.enterprise_id]
        missing = [n for n in due if n not in done.get(person.pk, set())]
        if not missing:
            continue
        group = groups.setdefault(
            person.enterprise_id,
            {
                "enterprise": by_pk[person.enterprise_id],
                "rounds": len(rounds),
                "due": due,
                "windows": schedule.windows(rounds),
                "people": [],
            },
        )
        group["people"].append(
            {
                "employee": person,
                "missing": missing,
                "labels": [schedule.round_label(rounds, n) for n in missing],
            }
        )
    return list(groups.values()), unset_rows


def missing_rounds(
    enterprise_or_user, day: dt.date | None = None, now: dt.datetime | None = None
) -> list[dict]:
    """The groups of ``missing_overview``: per firm, the people on site lacking a round due by ``now``.
    Firms whose policy sets no rounds have nobody missing."""
    return missing_overview(enterprise_or_user, day, now)[0]


def missing_round_counts(
    user, day: dt.date | None = None, now: dt.datetime | None = None, *, firms=None, resolver=None
) -> dict:
    """{"people", "firms"}: how many people on site in the firms ``user`` sees lack a round of their
    firm's policy due by ``now``, and in how many firms. For an officer's home over a whole city, so
    set-based: the firms and their towns, one resolution per town, then one count per distinct set of
    due rounds (the firms of one policy share it) — never per firm or per person."""
    now = timezone.localtime(now or timezone.now())
    day = day or now.date()
    if firms is None:  # (firm id, town id) pairs of the user's scope, unless the caller has them
        firms = list(Enterprise.objects.visible_to(user).order_by().values_list("pk", "town_id"))
    resolver = resolver or PolicyResolver()
    policies = resolver.find_many(list(Region.objects.filter(pk__in={t for _pk, t in firms})), day)
    due_of_town = {}
    for town_id, policy in policies.items():
        rounds = schedule.rounds_of(policy)
        due_of_town[town_id] = tuple(schedule.rounds_due_by(rounds, day, now)) if rounds else ()
    by_due: dict[tuple[int, ...], list[int]] = {}
    for pk, town_id in firms:
        if due_of_town.get(town_id):
            by_due.setdefault(due_of_town[town_id], []).append(pk)
    people = firms_missing = 0
    for due, firm_ids in by_due.items():
        lacking = Q()
        for number in due:
            lacking |= ~Exists(
                HealthCheckin.objects.filter(employee_id=OuterRef("pk"), day=day, round=number)
            )
        counts = (
            Employee.objects.visible_to(user)
            .filter(enterprise_id__in=firm_ids, status__in=ON_SITE)
            .filter(lacking)
            .order_by()
            .aggregate(people=Count("pk"), firms=Count("enterprise_id", distinct=True))
        )
        people += counts["people"]
        firms_missing += counts["firms"]
    return {"people": people, "firms": firms_missing}


def on_site_people(user, enterprise):
    """The firm's people on site as far as ``user`` may see them."""
    return (
        Employee.objects.visible_to(user)
        .filter(enterprise=enterprise, status__in=ON_SITE)
        .order_by("name", "id")
    )
