"""Reading employee files: every list starts from ``Employee.objects.visible_to(user)`` (SPEC §11)."""

import datetime as dt
from collections import Counter

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.core import crypto
from fugong.enterprises.models import ResumptionMode, ShuttleRoute
from fugong.monitoring import schedule
from fugong.monitoring.models import Alert, HealthCheckin, TestResult
from fugong.operations.models import EmployeeEntry
from fugong.policy.selectors import PolicyResolver, find_policy_for
from fugong.regions.models import Region, RegionLevel
from fugong.workforce.models import (
    Employee,
    EmployeeStatus,
    HealthCode,
    IsolationEpisode,
    ResidenceControl,
    ReturnDecision,
    TravelStop,
)
from fugong.workforce.rules import cn_date

ROSTER_RELATED = ("enterprise__town", "residence_region", "grid_unit", "dorm_room", "shuttle_route")


def employees_visible_to(user):
    return Employee.objects.visible_to(user).select_related(*ROSTER_RELATED)


def roster(
    user,
    *,
    enterprise=None,
    status=None,
    decision=None,
    grid_unit=None,
    is_local=None,
    search: str = "",
):
    """The roster the user may see, filtered; each filter None means "any"."""
    qs = employees_visible_to(user)
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else status)
    if decision:
        qs = qs.filter(decision__in=[decision] if isinstance(decision, str) else decision)
    if grid_unit is not None:
        # A workshop's roster includes its teams and posts.
        qs = qs.filter(
            Q(grid_unit=grid_unit) | Q(grid_unit__parent=grid_unit) | Q(grid_unit__parent__parent=grid_unit)
        )
    if is_local is not None:
        qs = qs.filter(is_local=is_local)
    search = (search or "").strip()
    if search:
        # The phone is encrypted: it is found by its blind index, the whole number as typed.
        qs = qs.filter(
            Q(name__contains=search) | Q(employee_no=search) | Q(phone_index=crypto.phone_index(search))
        )
    return qs


def employees_touched_by(region: Region, region_codes) -> "Employee.objects":
    """People of firms under ``region`` (not gone) whose return trip, holiday destination or travel
    stops lie in any of ``region_codes`` — the people a change of those areas may re-decide."""
    codes = [str(c) for c in region_codes if str(c)]
    if not codes:
        return Employee.objects.none()
    place_q = Q()
    stop_q = Q()
    for code in codes:
        place_q |= Q(return_from_code__startswith=code) | Q(destination_code__startswith=code)
        stop_q |= Q(region_code__startswith=code)
    stops = TravelStop.objects.filter(stop_q, employee=OuterRef("pk"))
    return (
        Employee.objects.filter(enterprise__town__path__startswith=region.path)
        .exclude(status=EmployeeStatus.LEFT)
        .filter(place_q | Exists(stops))
    )


def open_episodes(user):
    return (
        IsolationEpisode.objects.visible_to(user)
        .filter(released_at__isnull=True)
        .select_related("employee__enterprise", "place")
        .order_by("planned_end", "started_on", "pk")
    )


def annotate_episode(episode, today: dt.date | None = None):
    """Adds ``day_number`` (观察第几天, 1 on the first day), ``days_left`` (to the planned end; None for
    a buffer episode) and ``overdue`` (past the planned end and not yet released)."""
    today = today or timezone.localdate()
    episode.day_number = (today - episode.started_on).days + 1
    episode.days_left = (episode.planned_end - today).days if episode.planned_end else None
    episode.overdue = episode.days_left is not None and episode.days_left <= 0 and episode.released_at is None
    return episode


def isolation_board(user, on_date: dt.date | None = None, enterprise=None) -> list[IsolationEpisode]:
    """Open isolation and buffer episodes with day number and days left, soonest release first."""
    qs = open_episodes(user)
    if enterprise is not None:
        qs = qs.filter(employee__enterprise=enterprise)
    return [annotate_episode(e, on_date) for e in qs]


def _district_of(region: Region | None, names: dict) -> str:
    if region is None:
        return _("未填写")
    codes = [c for c in region.path.split("/") if c]
    county = next((c for c in codes if len(c) == 6), None)
    if county is None:
        return region.name
    return names.get(county, region.name)


def commute_mode(employee, firm_mode: str = "") -> str:
    """How the person gets to work : a shuttle seat is 点对点, a dorm bed is 封闭驻厂,
    otherwise the firm's resumption mode — 封闭驻厂 when the firm declared none."""
    if employee.shuttle_route_id:
        return ResumptionMode.POINT_TO_POINT
    if employee.dorm_room_id:
        return ResumptionMode.CLOSED_IN_PLANT
    return firm_mode or ResumptionMode.CLOSED_IN_PLANT


def returns_summary(user, enterprise) -> dict:
    """Returning employees by district (of residence), by residence control status and by
    commute mode, plus the shuttle buses — in the shape of the resumption application's staff summary
    (``resumption.content.clean_staff_summary``) so that it can fill it. Everyone not gone counts
    (需返岗（当前在岗）员工)."""
    people = list(
        Employee.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .exclude(status=EmployeeStatus.LEFT)
        .select_related("residence_region")
        .only(
            "residence_region__path",
            "residence_region__name",
            "residence_control",
            "shuttle_route",
            "dorm_room",
        )
    )
    county_codes = {
        c for e in people if e.residence_region_id for c in e.residence_region.path.split("/") if len(c) == 6
    }
    names = dict(
        Region.objects.filter(code__in=county_codes, level=RegionLevel.COUNTY).values_list("code", "name")
    )
    by_district = Counter(_district_of(e.residence_region, names) for e in people)
    by_control = Counter(e.residence_control or ResidenceControl.NONE for e in people)
    by_commute = Counter(commute_mode(e, enterprise.resumption_mode) for e in people)
    routes = list(ShuttleRoute.objects.visible_to(user).filter(enterprise=enterprise).order_by("name"))
    summary = {
        "total": len(people),
        "by_district": dict(sorted(by_district.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_control_status": {k: by_control[k] for k in ResidenceControl.values if by_control[k]},
        "by_commute": {k: by_commute[k] for k in ResumptionMode.values if by_commute[k]},
    }
    if routes:
        summary["buses"] = {
            "count": len(routes),
            "seats_per_bus": max(r.seats for r in routes),
            "routes": "；".join(f"{r.name}（{r.vehicle_plate}）{r.route}".strip() for r in routes)[:1000],
        }
    return summary


def decision_counts(user, enterprise=None) -> dict:
    qs = employees_visible_to(user)
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    counts = Counter(qs.values_list("decision", flat=True))
    return {key: counts.get(key, 0) for key in ReturnDecision.values} | {"undecided": counts.get("", 0)}


def employee_for_user(user) -> Employee | None:
    """The employee file of the logged-in employee, for their own phone page."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Employee.objects.filter(user=user).select_related(*ROSTER_RELATED).first()


def self_summary(employee, today: dt.date | None = None) -> dict:
    """What the employee's phone page shows: status, the decision and its reasons, days left and what
    is due."""
    today = today or timezone.localdate()
    episode = employee.episodes.filter(released_at__isnull=True).order_by("-started_on").first()
    if episode is not None:
        annotate_episode(episode, today)
    days_left = (
        (employee.release_date - today).days if employee.release_date and employee.release_date > today else 0
    )
    due: list[str] = []
    status = employee.status
    policy = find_policy_for(employee.enterprise.town, today)
    params = policy.parameters if policy else None
    if status == EmployeeStatus.BARRED:
        due.append(_("暂不得返岗，请留在当地，等待企业通知"))
    elif status == EmployeeStatus.EXPECTED:
        due.append(_("请按预计日期返回，途中不得下车或从事与返岗无关的事项，抵达后向企业报到"))
    elif status == EmployeeStatus.ISOLATING and episode is not None:
        if episode.planned_end:
            due.append(
                _("隔离观察第%(n)d天，%(date)s解除（还有%(left)d天）")
                % {
                    "n": episode.day_number,
                    "date": cn_date(episode.planned_end),
                    "left": max(episode.days_left, 0),
                }
            )
        else:
            due.append(_("隔离观察第%(n)d天") % {"n": episode.day_number})
    elif status == EmployeeStatus.BUFFER:
        due.append(_("在缓冲区等待核酸检测结果，结果阴性后方可返岗"))
    if status in (EmployeeStatus.ISOLATING, EmployeeStatus.BUFFER, EmployeeStatus.AT_WORK) and params:
        if params.temperature_checks_per_day:
            due.append(_("每日体温检测不少于%(n)d次") % {"n": params.temperature_checks_per_day})
        if status == EmployeeStatus.AT_WORK and params.nucleic_test_interval_days:
            due.append(_("每%(n)d天一次核酸检测") % {"n": params.nucleic_test_interval_days})
        if status == EmployeeStatus.AT_WORK and params.antigen_daily:
            due.append(_("每天一次抗原检测"))
    return {
        "status": status,
        "status_label": employee.get_status_display(),
        "decision": employee.decision,
        "decision_label": employee.get_decision_display() if employee.decision else "",
        "reasons": [r for r in (employee.decision_reason or "").split("；") if r],
        "release_date": employee.release_date,
        "days_left": days_left,
        "episode": episode,
        "due": due,
    }


# -- the health card's history (SPEC §5 一人一档: readings, tests, gate entries, episodes) -----------------

HEALTH_CARD_ROWS = 60


def health_history(user, employee, limit: int = HEALTH_CARD_ROWS) -> dict:
    """What the health card lists of one person, newest first, each list read through ``user``'s scope
    (a foreign person's rows are not there, whatever the caller passes):

    * ``readings``: temperature check-ins, each with ``round_label`` (the round's place and name in the
      policy in force that day) and ``raised_alert`` (it raised an alert: the 37.5 that did is marked);
    * ``tests``: nucleic and antigen results;
    * ``entries``: gate entries (the operations app's records, read-only), refusals with their reason;
    * ``episodes``: isolation and buffer-zone episodes, with day number and days left.
    """
    readings = list(
        HealthCheckin.objects.visible_to(user)
        .filter(employee_id=employee.pk)
        .annotate(raised_alert=Exists(Alert.objects.filter(checkin_id=OuterRef("pk"))))
        .order_by("-day", "-round", "-pk")[:limit]
    )
    resolver = PolicyResolver()
    town = employee.enterprise.town
    for reading in readings:
        rounds = schedule.rounds_of(resolver.find(town, reading.day))
        reading.round_label = schedule.round_label(rounds, reading.round)
        code = reading.health_code
        reading.health_code_label = HealthCode(code).label if code and code in HealthCode.values else code
    tests = list(
        TestResult.objects.visible_to(user)
        .filter(employee_id=employee.pk)
        .order_by("-sampled_at", "-pk")[:limit]
    )
    entries = []
    if can(user, "gate.view"):
        entries = list(
            EmployeeEntry.objects.visible_to(user)
            .filter(employee_id=employee.pk)
            .select_related("gate")
            .order_by("-at", "-pk")[:limit]
        )
    episodes = [
        annotate_episode(e)
        for e in IsolationEpisode.objects.visible_to(user)
        .filter(employee_id=employee.pk)
        .select_related("place", "released_by")
        .order_by("-started_on", "-pk")
    ]
    return {"readings": readings, "tests": tests, "entries": entries, "episodes": episodes}
