"""Pages for pre-reports and checkpoint arrivals (提前告知 / 有序对接).

* The town officer's 返岗报备 pages: pre-reports by date with counts, arrivals by date, and the pending
  list (unmatched or barred arrivals) with follow-up actions.
* The checkpoint page, reached by QR code on a phone at a checkpoint.
* The enterprise officer's pre-report page.

Views are thin: each checks the capability, reads through the scoped ``selectors`` (a foreign row is
a 404) and calls one service. Only masked ID numbers are ever rendered.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.core.dates import format_date
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import CheckpointArrival, Employee, EmployeeStatus, FollowUp
from fugong.workforce.returns import selectors, services
from fugong.workforce.returns.forms import CheckpointForm, MatchForm, PreReportForm, ResolveForm

PAGE_SIZE = 50
# Remembered per session so the next person at the same checkpoint needs only name and ID number.
CHECKPOINT_SESSION_KEY = "workforce.checkpoint"
# Who has not come through a checkpoint sorts as arriving after everyone who has, on every database.
NOT_YET = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)

# The town's pre-reports of one day (the expected date is the page's, so it does not sort).
REPORT_COLUMNS = [
    Column(gettext_lazy("企业"), "firm", ("employee__enterprise__name", "employee__name")),
    Column(gettext_lazy("姓名"), "name", ("employee__name",)),
    Column(gettext_lazy("身份证号")),
    Column(gettext_lazy("电话")),
    Column(gettext_lazy("预计抵达")),
    Column(gettext_lazy("报备时间"), "reported", ("reported_at",)),
    Column(gettext_lazy("提前天数"), "lead", ("lead_days",)),
    Column(gettext_lazy("是否按时"), "on_time", ("-on_time",)),
    Column(gettext_lazy("卡口抵达"), "arrived", ("arrived_key",)),
]
# The firm's own pre-reports, over several days.
MY_REPORT_COLUMNS = [
    Column(gettext_lazy("姓名"), "name", ("employee__name",)),
    Column(gettext_lazy("身份证号")),
    Column(gettext_lazy("预计抵达"), "expected", ("expected_arrival",)),
    Column(gettext_lazy("报备时间"), "reported", ("reported_at",)),
    Column(gettext_lazy("是否按时"), "on_time", ("-on_time",)),
    Column(gettext_lazy("卡口抵达"), "arrived", ("arrived_key",)),
    Column(gettext_lazy("当前状态"), "status", ("status_rank",)),
]
# Checkpoint arrivals (卡口抵达 and 待跟进 share the row).
ARRIVAL_COLUMNS = [
    Column(gettext_lazy("抵达时间"), "arrived", ("arrived_at",)),
    Column(gettext_lazy("卡口"), "checkpoint", ("checkpoint",)),
    Column(gettext_lazy("姓名"), "name", ("name",)),
    Column(gettext_lazy("身份证号")),
    Column(gettext_lazy("来自"), "from", ("came_from",)),
    Column(gettext_lazy("车牌/车次")),
    # The firm as the row shows it: the matched firm, else the employer the person stated.
    Column(gettext_lazy("企业"), "firm", ("firm_key",)),
    Column(gettext_lazy("跟进状态"), "follow_up", ("follow_up_rank",)),
    Column(gettext_lazy("说明")),
    Column(gettext_lazy("操作")),
]


def _day(request, name: str = "date") -> dt.date:
    return parse_date(request.GET.get(name) or "") or timezone.localdate()


def _report_rows(queryset):
    return queryset.alias(arrived_key=Coalesce("arrived_at", Value(NOT_YET)))


def _arrival_rows(request, queryset):
    """Arrivals narrowed by the search box (name, checkpoint, firm or stated employer), with sort keys."""
    q = request.GET.get("q", "").strip()
    if q:
        queryset = queryset.filter(
            Q(name__icontains=q)
            | Q(checkpoint__icontains=q)
            | Q(enterprise__name__icontains=q)
            | Q(stated_employer__icontains=q)
        )
    return queryset.alias(
        firm_key=Coalesce("enterprise__name", "stated_employer"),
        follow_up_rank=ranked("follow_up", choice_ranks(FollowUp.choices)),
    )


def _page_notice(user, on_date) -> dict:
    """What the policy of the user's region tells this page (``page_notices``), with its citation;
    nothing when the policy sets none."""
    region = user.region or getattr(user.enterprise, "town", None)
    policy = find_policy_for(region, on_date) if region is not None else None
    text = policy.parameters.page_notice("returns") if policy is not None else ""
    if not text:
        return {"page_notice": "", "page_notice_citation": ""}
    return {"page_notice": text, "page_notice_citation": policy.cite("page_notices")}


def _town_context(request, on_date, tab: str) -> dict:
    return {
        **_page_notice(request.user, on_date),
        "on_date": on_date,
        "prev_date": on_date - dt.timedelta(days=1),
        "next_date": on_date + dt.timedelta(days=1),
        "tab": tab,
        "counts": selectors.summary(request.user, on_date),
        "can_record": can(request.user, "workforce.checkpoint"),
    }


# -- the town's pages ----------------------------------------------------------------------------------


@login_required
def index(request):
    """返岗报备: the town's pre-reports for a day, with per-firm counts and who has not arrived yet."""
    user = request.user
    if not can(user, "workforce.arrivals") and can(user, "workforce.prereport"):
        return redirect("workforce:prereport")
    require(user, "workforce.arrivals")
    on_date = _day(request)
    # Only firms that reported people for the day: a county has thousands, a dropdown cannot hold them.
    reported = (
        selectors.pre_reports_visible_to(user).filter(expected_arrival=on_date).values("employee__enterprise")
    )
    firms = Enterprise.objects.visible_to(user).filter(pk__in=reported).order_by("name")
    firm = firms.filter(pk=request.GET.get("firm")).first() if request.GET.get("firm", "").isdigit() else None
    timeliness = request.GET.get("timeliness", "")
    on_time = {"on_time": True, "late": False}.get(timeliness)
    arrived = {"yes": True, "no": False}.get(request.GET.get("arrived", ""))
    reports = selectors.pre_reports_for(
        user, on_date=on_date, enterprise=firm, on_time=on_time, arrived=arrived
    )
    q = request.GET.get("q", "").strip()
    if q:
        reports = reports.filter(employee__name__icontains=q)
    table = sorted_table(request, _report_rows(reports), REPORT_COLUMNS, default="firm", page_size=PAGE_SIZE)
    context = _town_context(request, on_date, "reports") | {
        "table": table,
        "firm_rows": selectors.firm_counts(user, on_date),
        "not_arrived": list(selectors.expected_not_arrived(user, on_date)[:100]),
        "firms": firms.only("pk", "name"),
        "selected": {
            "firm": str(firm.pk) if firm else "",
            "timeliness": timeliness,
            "arrived": request.GET.get("arrived", ""),
            "q": q,
        },
    }
    return render(request, "workforce/returns/index.html", context)


@login_required
def arrivals(request):
    """卡口抵达: arrivals for a day, matched or not."""
    user = request.user
    require(user, "workforce.arrivals")
    on_date = _day(request)
    follow_up = request.GET.get("follow_up", "")
    if follow_up not in FollowUp.values:
        follow_up = ""
    rows = _arrival_rows(request, selectors.arrivals_for(user, on_date=on_date, follow_up=follow_up or None))
    table = sorted_table(request, rows, ARRIVAL_COLUMNS, default="-arrived", page_size=PAGE_SIZE)
    context = _town_context(request, on_date, "arrivals") | {
        "table": table,
        "follow_up_choices": FollowUp.choices,
        "selected": {"follow_up": follow_up, "q": request.GET.get("q", "").strip()},
    }
    return render(request, "workforce/returns/arrivals.html", context)


@login_required
def pending(request):
    """待跟进: every arrival the town still has to deal with, oldest first, whatever its day."""
    user = request.user
    require(user, "workforce.arrivals")
    on_date = _day(request)
    rows = _arrival_rows(request, selectors.pending_arrivals(user))
    table = sorted_table(request, rows, ARRIVAL_COLUMNS, default="arrived", page_size=PAGE_SIZE)
    context = _town_context(request, on_date, "pending") | {
        "table": table,
        "selected": {"q": request.GET.get("q", "").strip()},
    }
    return render(request, "workforce/returns/pending.html", context)


def _arrival(user, pk) -> CheckpointArrival:
    require(user, "workforce.arrivals")
    return get_visible_or_404(selectors.arrivals_visible_to(user), user, pk=pk)


def _candidates(user, arrival, q: str):
    """People the officer may match a pending arrival to: same name, or what they searched for."""
    people = Employee.objects.visible_to(user).exclude(status="left").select_related("enterprise")
    if q:
        return people.filter(Q(name__icontains=q) | Q(employee_no=q))[:30]
    return people.filter(name=arrival.name)[:30]


def _arrival_page(request, arrival, *, resolve_form=None, match_form=None, status=200):
    user = request.user
    q = request.GET.get("q", "").strip()
    actionable = arrival.follow_up == FollowUp.PENDING
    candidates = list(_candidates(user, arrival, q)) if actionable else []
    context = {
        "arrival": arrival,
        "actionable": actionable,
        "q": q,
        "candidates": candidates,
        "resolve_form": resolve_form or ResolveForm(),
        "match_form": match_form
        or MatchForm(candidates=Employee.objects.filter(pk__in=[c.pk for c in candidates])),
    }
    return render(request, "workforce/returns/arrival_detail.html", context, status=status)


@login_required
def arrival_detail(request, pk: int):
    return _arrival_page(request, _arrival(request.user, pk))


@login_required
@require_POST
def arrival_resolve(request, pk: int):
    user = request.user
    arrival = _arrival(user, pk)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.resolve_arrival(user, arrival, form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已记录处置情况：%(name)s") % {"name": arrival.name})
            return redirect("workforce:pending")
    return _arrival_page(request, arrival, resolve_form=form, status=400)


@login_required
@require_POST
def arrival_match(request, pk: int):
    user = request.user
    arrival = _arrival(user, pk)
    form = MatchForm(request.POST, candidates=Employee.objects.visible_to(user).select_related("enterprise"))
    if form.is_valid():
        try:
            matched = services.match_arrival(user, arrival, form.cleaned_data["employee"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("已将 %(name)s 匹配到 %(firm)s") % {"name": arrival.name, "firm": matched.enterprise.name},
            )
            return redirect("workforce:arrival", pk=arrival.pk)
    return _arrival_page(request, arrival, match_form=form, status=400)


# -- the checkpoint (phone) ----------------------------------------------------------------------------


@login_required
def checkpoint(request):
    """卡口登记 on a phone. Every load carries a fresh submission key, so a resend after a dropped
    connection returns the first record instead of making a second one."""
    user = request.user
    require(user, "workforce.checkpoint")
    remembered = request.session.get(CHECKPOINT_SESSION_KEY, {})
    initial = {
        # The QR code at a checkpoint carries its name and town: ?checkpoint=…&town=…
        "checkpoint": request.GET.get("checkpoint") or remembered.get("checkpoint", ""),
        "town": request.GET.get("town") or remembered.get("town"),
    }
    form = CheckpointForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            arrival = services.record_arrival(user, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            request.session[CHECKPOINT_SESSION_KEY] = {
                "checkpoint": form.cleaned_data["checkpoint"],
                "town": form.cleaned_data["town"].pk,
            }
            return redirect(reverse("workforce:checkpoint") + f"?done={arrival.pk}")
    done = None
    if request.GET.get("done", "").isdigit():
        # Only the recorder's own entry: it may have been handed over to a town they cannot see.
        done = (
            CheckpointArrival.objects.filter(pk=request.GET["done"], recorded_by=user)
            .select_related("enterprise", "town")
            .first()
        )
    recent = (
        CheckpointArrival.objects.filter(recorded_by=user, arrived_at__date=timezone.localdate())
        .select_related("enterprise")
        .order_by("-arrived_at")[:5]
    )
    return render(
        request,
        "workforce/returns/checkpoint.html",
        {"form": form, "done": done, "recent": recent},
        status=400 if form.errors else 200,
    )


# -- the firm's pre-report page ------------------------------------------------------------------------


@login_required
def prereport(request):
    """提前报备: the enterprise officer picks returners and a date, and sees what the firm reported."""
    user = request.user
    require(user, "workforce.prereport")
    firm = user.enterprise
    if firm is None:
        raise PermissionDenied
    today = timezone.localdate()
    required = services.lead_time_required(firm.town, today)
    earliest = today + dt.timedelta(days=required or 0)
    form = PreReportForm(request.POST or None, user=user, initial={"expected_arrival": earliest})
    if request.method == "POST" and form.is_valid():
        try:
            reports = services.pre_report(
                user, list(form.cleaned_data["employees"]), form.cleaned_data["expected_arrival"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            date = form.cleaned_data["expected_arrival"]
            messages.success(
                request,
                _("已向%(town)s报备 %(n)s 人，预计 %(date)s 抵达。")
                % {"town": firm.town.name, "n": len(reports), "date": format_date(date)},
            )
            if reports and not reports[0].on_time:
                messages.warning(
                    request,
                    _(
                        "本次为迟报：提前 %(lead)s 天，政策要求至少提前 %(required)s 天报备。已报备成功，镇街将看到迟报标记。"
                    )
                    % {"lead": reports[0].lead_days, "required": required},
                )
            return redirect(reverse("workforce:prereport") + f"?date={date.isoformat()}")

    # Whom to show as choices: a search, or by default those whose file gives an expected return date.
    q = request.GET.get("q", "").strip()
    expected = parse_date(request.GET.get("expected") or "")
    people = selectors.reportable_employees(user)
    if q:
        people = people.filter(Q(name__icontains=q) | Q(employee_no=q))
    if expected:
        people = people.filter(expected_return_date=expected)
    total_people = people.count()
    chosen = {str(v) for v in (form["employees"].value() or [])}
    show_date = parse_date(request.GET.get("date") or "")
    mine = selectors.pre_reports_visible_to(user).order_by("-expected_arrival", "employee__name")
    # By default the last two weeks too: the firm wants to see who of its reported people has arrived.
    since = today - dt.timedelta(days=14)
    mine = mine.filter(expected_arrival=show_date) if show_date else mine.filter(expected_arrival__gte=since)
    mine = _report_rows(mine).alias(
        status_rank=ranked("employee__status", choice_ranks(EmployeeStatus.choices))
    )
    table = sorted_table(
        request,
        mine,
        MY_REPORT_COLUMNS,
        default="-expected",
        tiebreak=("employee__name", "-pk"),
        page_size=PAGE_SIZE,
    )
    context = {
        "firm": firm,
        "form": form,
        "required": required,
        "earliest": earliest,
        "people": list(people.select_related("enterprise")[:300]),
        "total_people": total_people,
        "chosen": chosen,
        "q": q,
        "expected": expected,
        "show_date": show_date,
        "table": table,
    }
    return render(request, "workforce/returns/prereport.html", context, status=400 if form.errors else 200)
