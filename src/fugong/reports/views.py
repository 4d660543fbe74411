"""Pages of the firm's day: the firm's 今日健康汇总 with 确认上报, the town's and county's 每日汇总, the
Excel roll-up."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.roles import Role, can, require
from fugong.core.dates import format_date, format_time
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region, RegionLevel
from fugong.reports import excel, selectors, services
from fugong.reports.models import FIGURES, DailySummary, SummaryStatus


def _day(request) -> dt.date:
    raw = request.GET.get("day") or request.POST.get("day") or ""
    try:
        return parse_date(raw) or timezone.localdate()
    except ValueError:  # well formed but no such date (2020-02-30)
        return timezone.localdate()


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


def _url(name: str, fallback: str | None = None) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _gaps(summary: DailySummary, own: bool) -> list[dict]:
    """What is missing or wrong on the day, each with the monitoring page that lists the people."""
    day = f"?day={summary.day:%Y-%m-%d}"
    gaps = []
    if summary.checkin_missing and summary.partial_day:
        gaps.append(
            {
                "text": _("%(n)s人未完成已到期的%(r)s轮体温检测")
                % {"n": summary.checkin_missing, "r": summary.rounds_due},
                "url": (_url("monitoring:missing") or "") + day,
                "link": _("漏测名单"),
            }
        )
    elif summary.checkin_missing:
        gaps.append(
            {
                "text": _("%(n)s人未完成当日全部%(r)s轮体温检测")
                % {"n": summary.checkin_missing, "r": summary.rounds_required},
                "url": (_url("monitoring:missing") or "") + day,
                "link": _("漏测名单"),
            }
        )
    if summary.alerts or summary.abnormal:
        gaps.append(
            {
                "text": _("%(a)s人体温或症状异常，当日发出健康预警%(n)s条")
                % {"a": summary.abnormal, "n": summary.alerts},
                "url": _url("monitoring:alerts"),
                "link": _("健康预警"),
            }
        )
    if summary.tests_due > summary.tests_done:
        gaps.append(
            {
                "text": _("应检%(due)s人次，已检%(done)s人次，尚缺%(left)s人次")
                % {
                    "due": summary.tests_due,
                    "done": summary.tests_done,
                    "left": summary.tests_due - summary.tests_done,
                },
                "url": _url("monitoring:tests", "/monitoring/tests/"),
                "link": _("检测名单"),
            }
        )
    if summary.tests_positive:
        gaps.append(
            {
                "text": _("检测阳性%(n)s人次，请立即按预案处置") % {"n": summary.tests_positive},
                "url": _url("monitoring:alerts"),
                "link": _("健康预警"),
            }
        )
    if summary.refusals:
        gaps.append(
            {
                "text": _("门岗拒绝进入%(n)s次") % {"n": summary.refusals},
                "url": _url("operations:gate" if own else "operations:records"),
                "link": _("门岗登记"),
            }
        )
    return gaps


# The figures about rounds, which mean nothing where the policy sets no rounds.
ROUND_FIGURES = ("checked_in_full", "checkin_missing")


def _figure_value(summary: DailySummary, name: str):
    if name in ROUND_FIGURES:
        if not summary.rounds_required:
            return _("不适用")
        if not summary.rounds_due:
            return _("尚无到期轮次")
    return getattr(summary, name)


def _figures(summary: DailySummary) -> list[tuple]:
    """(name, label, value, numeric) of each figure; "不适用" for the round figures of a day with no
    rounds, "尚无到期轮次" before the first round is due; while only some rounds are due, the round
    figures are labelled as counting those."""
    rows = []
    for name, label in FIGURES:
        if name in ROUND_FIGURES and summary.partial_day and summary.rounds_due:
            label = _("%(label)s（已到期%(n)s轮）") % {"label": label, "n": summary.rounds_due}
        value = _figure_value(summary, name)
        rows.append((name, label, value, isinstance(value, int)))
    return rows


def _firm_page(request, summary: DailySummary | None, enterprise, day: dt.date, errors=()):
    user = request.user
    today = timezone.localdate()
    own = user.role == Role.ENTERPRISE and user.enterprise_id == enterprise.pk
    open_statuses = (SummaryStatus.DRAFT, SummaryStatus.PROVISIONAL)
    can_confirm = bool(
        summary and own and can(user, "reports.confirm") and summary.status in open_statuses and day <= today
    )
    # Before the day's last round is due the firm may only confirm "so far" (截至目前).
    gate = services.last_round_due(enterprise, day) if can_confirm else None
    context = {
        "enterprise": enterprise,
        "summary": summary,
        "day": day,
        "today": today,
        "future": day > today,
        # A past day is shown as stored: its figures are not recomputed, a missing one is not built.
        "live": services.is_live(day),
        "figures": _figures(summary) if summary else [],
        "gaps": _gaps(summary, own) if summary else [],
        "can_confirm": can_confirm,
        "so_far_only": bool(gate and not gate["final"]),
        "not_final": services.not_final_message(gate) if gate and not gate["final"] else "",
        "now": services._local_now(),
        "can_reopen": bool(
            summary
            and can(user, "reports.reopen")
            and summary.status in (SummaryStatus.CONFIRMED, SummaryStatus.PROVISIONAL)
        ),
        "errors": list(errors),
        "own": own,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today else None,
    }
    return render(request, "reports/firm.html", context)


@login_required
def daily(request):
    """每日汇总: the firm's own day for a firm's officer; the towns and their firms for officers."""
    require(request.user, "reports.view")
    user = request.user
    day = _day(request)
    if user.role == Role.ENTERPRISE:
        enterprise = get_visible_or_404(Enterprise, user, pk=user.enterprise_id)
        summary = None if day > timezone.localdate() else services.summary_for(enterprise, day)
        return _firm_page(request, summary, enterprise, day)
    return _officer_page(request, day)


def _ensure_built(user, day: dt.date) -> None:
    """A live day (today, yesterday before 00:30) nobody has computed yet in this scope (no worker
    running) is computed on the first look; after that the 30-minute refresh keeps it. An older day is
    never built here: the statuses of that day are gone, so its page says it has no summary."""
    if not services.is_live(day) or DailySummary.objects.visible_to(user).filter(day=day).exists():
        return
    firms = list(Enterprise.objects.visible_to(user).values_list("pk", flat=True))
    if firms:
        services.build_summaries(day, firms)


def _town_filter(request, towns) -> Region | None:
    raw = request.GET.get("town", "")
    if not raw.isdigit():
        return None
    for row in towns:
        if row.region.pk == int(raw):
            return row.region
    raise Http404


def _officer_page(request, day: dt.date):
    user = request.user
    _ensure_built(user, day)
    towns = selectors.town_rollup(user, day)
    town = _town_filter(request, towns)
    only_unconfirmed = request.GET.get("status") == "unconfirmed"
    shown = [row for row in towns if town is None or row.region.pk == town.pk]
    firms = None
    # The firm list: a town officer's own town, or the town a county officer picked.
    if town is not None or len(towns) <= 1:
        firms = selectors.summaries_visible_to(user, day)
        if town is not None:
            firms = firms.filter(town=town)
        if only_unconfirmed:
            # Not finally confirmed: never confirmed, or only "so far".
            firms = firms.filter(status__in=[SummaryStatus.DRAFT, SummaryStatus.PROVISIONAL])
    counties = selectors.region_rollup(user, day, RegionLevel.COUNTY) if town is None else []
    context = {
        "day": day,
        "today": timezone.localdate(),
        "towns": towns,
        "shown": shown,
        "town": town,
        "counties": counties if len(counties) > 1 else [],
        "firms": firms,
        "only_unconfirmed": only_unconfirmed,
        "total": selectors.scope_total(shown),
        "live": services.is_live(day),
        "figure_labels": [label for _name, label in FIGURES],
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
    }
    return render(request, "reports/daily.html", context)


@login_required
def summary_detail(request, pk: int):
    """One firm's day, for the officers who follow it (and the firm itself)."""
    require(request.user, "reports.view")
    summary = get_visible_or_404(
        DailySummary.objects.select_related("enterprise", "confirmed_by", "policy_version__policy"),
        request.user,
        pk=pk,
    )
    if summary.status == SummaryStatus.DRAFT and services.is_live(summary.day):
        services.build_summaries(summary.day, [summary.enterprise_id])
        summary.refresh_from_db()
    return _firm_page(request, summary, summary.enterprise, summary.day)


def _back(summary: DailySummary, user) -> str:
    if user.role == Role.ENTERPRISE:
        return reverse("reports:daily") + f"?day={summary.day:%Y-%m-%d}"
    return reverse("reports:summary", args=[summary.pk])


@login_required
@require_POST
def confirm(request, pk: int):
    require(request.user, "reports.confirm")
    summary = get_visible_or_404(DailySummary, request.user, pk=pk)
    try:
        done = services.confirm_summary(
            request.user,
            summary,
            note=request.POST.get("note", ""),
            expected_version=request.POST.get("version") or None,
            so_far=request.POST.get("so_far") == "1",
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except services.SummaryConflict as exc:
        messages.error(request, exc.message)
    else:
        if done.status == SummaryStatus.PROVISIONAL:
            messages.success(
                request,
                _("已确认%(d)s截至%(t)s的健康汇总；当日最后一轮到期后请再次确认上报。")
                % {"d": format_date(summary.day), "t": format_time(done.confirmed_at)},
            )
        else:
            messages.success(request, _("已确认上报%(d)s的健康汇总。") % {"d": format_date(summary.day)})
    return redirect(_back(summary, request.user))


@login_required
@require_POST
def reopen(request, pk: int):
    require(request.user, "reports.reopen")
    summary = get_visible_or_404(DailySummary, request.user, pk=pk)
    try:
        services.reopen_summary(
            request.user,
            summary,
            request.POST.get("reason", ""),
            expected_version=request.POST.get("version") or None,
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    except services.SummaryConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已重新打开，企业将收到通知。"))
    return redirect(_back(summary, request.user))


@login_required
def export(request):
    """The day's roll-up of the user's scope (optionally one town) as Excel."""
    require(request.user, "reports.view")
    user = request.user
    day = _day(request)
    _ensure_built(user, day)
    towns = selectors.town_rollup(user, day)
    town = _town_filter(request, towns)
    body = services.export_rollup(user, day, towns, town)
    response = HttpResponse(body, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, excel.rollup_filename(day))
    return response
