"""What the landing page shows: the overview cards of an officer's scope and the to-do list of what waits
for this person now. Every count is read through the apps' own selectors, inside the user's scope."""

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import ENTERPRISE_ROLES, Role, can
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.monitoring import schedule
from fugong.monitoring.models import AlertStatus, HealthCheckin
from fugong.monitoring.selectors import ON_SITE, alerts_visible_to, missing_round_counts, missing_rounds
from fugong.monitoring.testing.selectors import tests_due, tests_due_done_by_firm
from fugong.operations.models import Visitor
from fugong.policy.selectors import PolicyResolver, find_policy_for
from fugong.reports.models import SummaryStatus
from fugong.reports.selectors import summaries_visible_to
from fugong.reports.services import OPERATING
from fugong.resumption.models import OPEN_STATUSES, ApplicationStatus
from fugong.resumption.notifications import unread_count
from fugong.resumption.selectors import applications_visible_to, queue_for
from fugong.workforce.returns.selectors import pending_arrivals
from fugong.workforce.selectors import employee_for_user

# How urgent a to-do is: the list is sorted by it (then in the order the items are made).
URGENT, SOON, NORMAL = 0, 1, 2
URGENCY_CLASS = {URGENT: "todo-urgent", SOON: "todo-soon", NORMAL: "todo-normal"}


def home_summary(user) -> dict:
    """What the landing page shows, always inside the user's scope.

    Officers get counts over the firms they oversee; people of one firm get that firm's own card.
    """
    if user.role in ENTERPRISE_ROLES:
        # The user's own employer, which even an employee may see the name and status of.
        own = user.enterprise
        return {"own_firm": own, "can_open_own_firm": own is not None and can(user, "enterprise.view")}
    firms = Enterprise.objects.visible_to(user)
    agg = firms.aggregate(
        total=Count("pk"),
        resumed=Count("pk", filter=Q(status=EnterpriseStatus.RESUMED)),
        preparing=Count("pk", filter=Q(status=EnterpriseStatus.PREPARING)),
        stopped=Count("pk", filter=Q(status__in=[EnterpriseStatus.SUSPENDED, EnterpriseStatus.SEALED])),
        above_size=Count("pk", filter=Q(is_above_size=True)),
        above_size_resumed=Count("pk", filter=Q(is_above_size=True, status=EnterpriseStatus.RESUMED)),
    )
    agg["resumption_rate"] = round(100 * agg["resumed"] / agg["total"], 1) if agg["total"] else None
    agg["above_size_rate"] = (
        round(100 * agg["above_size_resumed"] / agg["above_size"], 1) if agg["above_size"] else None
    )
    return agg


# -- the to-do list -------------------------------------------------------------------------------------------


def _item(key, label, count, url, hint="", urgency=NORMAL) -> dict:
    return {
        "key": key,
        "label": label,
        "count": count,
        "url": url,
        "hint": hint,
        "urgency": urgency,
        "css": URGENCY_CLASS[urgency],
    }


def _url(name, *args, query=None, fragment="") -> str:
    url = reverse(name, args=args)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{fragment}" if fragment else "")


def _employee_rounds(user, now: dt.datetime) -> list[dict]:
    """The employee's check-in rounds of today not done yet (only for someone on site, whose policy sets
    rounds)."""
    employee = employee_for_user(user)
    if employee is None or employee.status not in ON_SITE:
        return []
    today = now.date()
    rounds = schedule.rounds_of(find_policy_for(employee.enterprise.town, today))
    if not rounds:
        return []
    done = set(
        HealthCheckin.objects.visible_to(user)
        .filter(employee=employee, day=today)
        .values_list("round", flat=True)
    )
    left = [w for w in schedule.windows(rounds) if w["number"] not in done]
    if not left:
        return []
    moment = now.time()
    if any(moment > w["due"] for w in left):
        urgency = URGENT
    elif any(w["opens"] <= moment for w in left):
        urgency = SOON
    else:
        urgency = NORMAL
    hint = "；".join(f"{w['label']}{w['opens']:%H:%M}–{w['due']:%H:%M}" for w in left)
    return [
        _item(
            "checkin_rounds",
            _("今日体温打卡待完成（轮）"),
            len(left),
            _url("monitoring:checkin"),
            hint,
            urgency,
        )
    ]


def _firm_applications(user) -> list[dict]:
    """The firm's returned application and its unsubmitted draft (at most one open application each), or,
    for a firm not resumed with no application going, that it has yet to apply."""
    rows = list(
        applications_visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .order_by("-pk")
        .values_list("pk", "status")
    )
    items = []
    firm = user.enterprise
    if not rows and firm is not None and firm.status == EnterpriseStatus.NOT_RESUMED:
        items.append(
            _item(
                "no_application",
                _("尚未提交复工申请"),
                None,
                _url("resumption:index"),
                _("复工前按现行政策准备方案和材料，提交申请"),
                NORMAL,
            )
        )
    for status, key, label, hint, urgency in (
        (
            ApplicationStatus.RETURNED,
            "returned_applications",
            _("被退回修改的复工申请"),
            _("按审核意见修改后重新提交"),
            SOON,
        ),
        (
            ApplicationStatus.DRAFT,
            "draft_applications",
            _("尚未提交的复工申请"),
            _("材料齐全后提交审核"),
            NORMAL,
        ),
    ):
        pks = [pk for pk, s in rows if s == status]
        if pks:
            url = _url("resumption:detail", pks[0]) if len(pks) == 1 else _url("resumption:index")
            items.append(_item(key, label, len(pks), url, hint, urgency))
    return items


def _firm_monitoring(user, now: dt.datetime) -> list[dict]:
    """The firm's people lacking a round due by now, and its tests overdue or due today and not done."""
    items = []
    missing = sum(len(group["people"]) for group in missing_rounds(user, now.date(), now))
    if missing:
        items.append(
            _item(
                "missing_rounds",
                _("今日体温检测缺漏（人）"),
                missing,
                _url("monitoring:missing"),
                _("在岗人员已过截止时间仍未完成的体温检测轮次"),
                URGENT,
            )
        )
    rows = tests_due(user, now.date())
    overdue = sum(1 for row in rows if row.overdue)
    if overdue:
        items.append(
            _item(
                "overdue_tests",
                _("核酸抗原检测逾期（人次）"),
                overdue,
                _url("monitoring:tests"),
                _("已过应检日期仍未检测"),
                SOON,
            )
        )
    if len(rows) - overdue:
        items.append(
            _item(
                "tests_due_today",
                _("今日应检未检（人次）"),
                len(rows) - overdue,
                _url("monitoring:tests"),
                _("按现行政策今日应做的核酸、抗原检测"),
                NORMAL,
            )
        )
    return items


def _officer_monitoring(user, now: dt.datetime) -> list[dict]:
    """Across the firms an officer oversees: people lacking a round due by now, and tests due today (or
    overdue) not done, each with how many firms they are in. Set-based counts, whatever the scope."""
    items = []
    firms = list(Enterprise.objects.visible_to(user).order_by().values_list("pk", "town_id"))
    resolver = PolicyResolver()  # one resolution of the towns' policies for both counts
    if can(user, "monitoring.alerts"):
        missing = missing_round_counts(user, now.date(), now, firms=firms, resolver=resolver)
        if missing["people"]:
            items.append(
                _item(
                    "firms_missing_rounds",
                    _("今日体温检测缺漏（人）"),
                    missing["people"],
                    _url("monitoring:missing"),
                    _("涉及 %(firms)d 家企业：在岗人员已过截止时间仍未完成的轮次")
                    % {"firms": missing["firms"]},
                    SOON,
                )
            )
    # Grid workers follow residents, not firms: a firm's whole cadence is not theirs to chase.
    if can(user, "monitoring.tests.view") and user.role != Role.GRID_WORKER:
        firm_ids = [pk for pk, _town in firms]
        counts = tests_due_done_by_firm(firm_ids, now.date(), firms=firms, resolver=resolver).values()
        pending = sum(due - done for due, done, _positive in counts)
        if pending:
            firms = sum(1 for due, done, _positive in counts if due > done)
            items.append(
                _item(
                    "firms_tests_pending",
                    _("核酸抗原应检未检（人次）"),
                    pending,
                    _url("monitoring:tests"),
                    _("涉及 %(firms)d 家企业：按现行政策今日应检（含逾期）尚未检测") % {"firms": firms},
                    NORMAL,
                )
            )
    return items


def _firm_summaries(user, today: dt.date) -> list[dict]:
    """Yesterday's draft (late) and today's day not confirmed yet, for the firm's officer."""
    yesterday = today - dt.timedelta(days=1)
    status = dict(
        summaries_visible_to(user).filter(day__in=[yesterday, today]).order_by().values_list("day", "status")
    )
    items = []
    # A day confirmed only "so far" still waits for its final confirmation.
    if yesterday in status and status[yesterday] != SummaryStatus.CONFIRMED:
        items.append(
            _item(
                "summary_yesterday",
                _("昨日健康汇总未确认"),
                1,
                _url("reports:daily", query={"day": yesterday.isoformat()}),
                _("核对昨日数据后确认上报镇街"),
                SOON,
            )
        )
    firm = user.enterprise
    operating = firm is not None and firm.status in OPERATING
    if status.get(today) != SummaryStatus.CONFIRMED and (today in status or operating):
        items.append(
            _item(
                "summary_today",
                _("今日健康汇总未确认"),
                1,
                _url("reports:daily"),
                _("当日检测完成后核对并确认上报镇街"),
                NORMAL,
            )
        )
    return items


def _officer_summaries(user, today: dt.date) -> list[dict]:
    """How many firms in scope have not (finally) confirmed yesterday's and today's summaries."""
    yesterday = today - dt.timedelta(days=1)
    counts = (
        summaries_visible_to(user)
        .filter(day__in=[yesterday, today])
        .exclude(status=SummaryStatus.CONFIRMED)
        .aggregate(
            yesterday=Count("pk", filter=Q(day=yesterday)),
            today=Count("pk", filter=Q(day=today)),
        )
    )
    items = []
    if counts["yesterday"]:
        items.append(
            _item(
                "summaries_yesterday",
                _("昨日健康汇总未确认的企业"),
                counts["yesterday"],
                _url("reports:daily", query={"day": yesterday.isoformat(), "status": "unconfirmed"}),
                _("督促企业核对确认"),
                SOON,
            )
        )
    if counts["today"]:
        items.append(
            _item(
                "summaries_today",
                _("今日健康汇总未确认的企业"),
                counts["today"],
                _url("reports:daily", query={"status": "unconfirmed"}),
                _("企业在当日检测完成后确认"),
                NORMAL,
            )
        )
    return items


def todo_for(user, now: dt.datetime | None = None, *, unread=None) -> list[dict]:
    """What waits for ``user`` now, most urgent first: [{key, label, count, url, hint, urgency, css}], only
    the items with something to do. Each item is counted inside the user's scope by its app's selectors,
    and only for a role that may open the page it links to. ``unread``: a callable giving the user's
    unread-message count when the caller has one already (the menu's badge counts the same)."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    items: list[dict] = []
    if user.role == Role.EMPLOYEE:
        items += _employee_rounds(user, now)
    if can(user, "monitoring.alerts"):
        open_alerts = alerts_visible_to(user, AlertStatus.OPEN).order_by().count()
        if open_alerts:
            items.append(
                _item(
                    "open_alerts",
                    _("待处置的健康预警"),
                    open_alerts,
                    _url("monitoring:alerts", query={"status": AlertStatus.OPEN}),
                    _("体温、症状或检测异常，须尽快响应处置"),
                    URGENT,
                )
            )
    if can(user, "resumption.apply"):
        items += _firm_applications(user)
    if can(user, "resumption.review"):
        waiting = queue_for(user).order_by().count()
        if waiting:
            items.append(
                _item(
                    "review_queue",
                    _("待我审核的复工申请"),
                    waiting,
                    _url("resumption:index", fragment="queue"),
                    _("审核环节已轮到本单位"),
                    SOON,
                )
            )
    if user.role == Role.ENTERPRISE:
        items += _firm_monitoring(user, now)
    elif user.role not in ENTERPRISE_ROLES:
        items += _officer_monitoring(user, now)
    if can(user, "workforce.arrivals"):
        pending = pending_arrivals(user).order_by().count()
        if pending:
            items.append(
                _item(
                    "pending_arrivals",
                    _("卡口抵达待跟进（人）"),
                    pending,
                    _url("workforce:pending"),
                    _("未匹配到报备人员，或所匹配人员暂不得返岗"),
                    SOON,
                )
            )
    if can(user, "reports.confirm"):
        items += _firm_summaries(user, today)
    elif can(user, "reports.view"):
        items += _officer_summaries(user, today)
    if user.role == Role.GATE_KEEPER:
        inside = Visitor.objects.visible_to(user).filter(allowed=True, time_out__isnull=True).count()
        if inside:
            items.append(
                _item(
                    "visitors_inside",
                    _("在厂访客未登记离开"),
                    inside,
                    _url("operations:gate"),
                    _("访客离开时登记离开时间"),
                    NORMAL,
                )
            )
    from fugong.core.workplace_todo import workplace_todos  # the workplace apps read core's helpers

    items += workplace_todos(user, now, _item, _url, URGENT, SOON, NORMAL)
    if can(user, "resumption.pages"):
        unread = unread() if unread is not None else unread_count(user)
        if unread:
            items.append(
                _item("unread_messages", _("未读消息"), unread, _url("resumption:notifications"), "", NORMAL)
            )
    return sorted(items, key=lambda item: item["urgency"])
