"""Pages of the compliance picture: the firm's day (合规检查) with its self-assessment forms, the officers'
list of firms with the verification and inspection forms, the risk order (风险排序), the evidence files."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import Role, can, require
from fugong.compliance import selectors, services
from fugong.compliance.models import ChecklistAnswer, ComplianceDay, Verdict
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region
from fugong.resumption.downloads import AttachmentFileMissing, attachment_response


def _day(request) -> dt.date:
    raw = request.GET.get("day") or request.POST.get("day") or ""
    try:
        return parse_date(raw) or timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


def _firm_url(firm_id, day: dt.date, own: bool) -> str:
    query = f"day={day:%Y-%m-%d}" if own else f"enterprise={firm_id}&day={day:%Y-%m-%d}"
    return f"{reverse('compliance:index')}?{query}"


def _days(day: dt.date) -> dict:
    today = timezone.localdate()
    return {
        "day": day,
        "today": today,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today else None,
    }


def _firm_page(request, firm: Enterprise, day: dt.date):
    user = request.user
    own = user.role == Role.ENTERPRISE and user.enterprise_id == firm.pk
    services.ensure_fresh([firm.pk], day)
    row = (
        ComplianceDay.objects.visible_to(user)
        .select_related("policy_version__policy")
        .filter(enterprise=firm, day=day)
        .first()
    )
    today = day == timezone.localdate()
    context = {
        **_days(day),
        "firm": firm,
        "row": row,
        "own": own,
        "groups": selectors.grouped_items(row, selectors.current_answers(firm)),
        "can_assess": own and can(user, "compliance.self_assess") and today,
        "can_verify": can(user, "compliance.verify") and not own and today,
        "verdicts": Verdict.choices,
        "back": None if own else f"{reverse('compliance:index')}?day={day:%Y-%m-%d}",
    }
    return render(request, "compliance/firm.html", context)


LIST_COLUMNS = [
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("镇街"), "town", ("town__path",)),
    Column(gettext_lazy("达标"), "met", ("met",), css="n"),
    Column(gettext_lazy("未达标"), "not_met", ("not_met",), css="n"),
    Column(gettext_lazy("待定"), "unknown", ("unknown",), css="n"),
    Column(gettext_lazy("风险分"), "risk", ("risk_score",), css="n"),
    Column(gettext_lazy("计算时间"), "computed", ("computed_at",)),
]
RISK_COLUMNS = [
    Column(gettext_lazy("风险分"), "risk", ("risk_score",), css="n"),
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("镇街"), "town", ("town__path",)),
    Column(gettext_lazy("风险原因")),
    Column(gettext_lazy("未达标"), "not_met", ("not_met",), css="n"),
]


def _officer_rows(request, day: dt.date):
    """The visible firms' rows of ``day`` (today's rebuilt first when missing or stale), the town filter
    and the search."""
    user = request.user
    if day == timezone.localdate():
        services.ensure_fresh(
            Enterprise.objects.visible_to(user)
            .filter(status__in=services.OPERATING)
            .values_list("pk", flat=True),
            day,
        )
    base = ComplianceDay.objects.visible_to(user).filter(day=day)
    towns = list(Region.objects.filter(pk__in=base.values("town_id")).order_by("path"))
    town = None
    raw = request.GET.get("town", "")
    if raw:
        town = next((t for t in towns if str(t.pk) == raw), None)
        if town is None:
            raise Http404
    search = request.GET.get("q", "").strip()
    return selectors.days_visible_to(user, day, town, search), towns, town, search


@login_required
def index(request):
    """合规检查: the firm's own picture; for officers the firms in scope, or one firm's picture."""
    require(request.user, "compliance.view")
    user = request.user
    day = _day(request)
    if user.role == Role.ENTERPRISE:
        return _firm_page(request, get_visible_or_404(Enterprise, user, pk=user.enterprise_id), day)
    raw = request.GET.get("enterprise", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return _firm_page(
            request, get_visible_or_404(Enterprise.objects.select_related("town"), user, pk=raw), day
        )
    rows, towns, town, search = _officer_rows(request, day)
    table = sorted_table(request, rows, LIST_COLUMNS, default="-not_met", tiebreak=("enterprise__name", "pk"))
    context = {**_days(day), "table": table, "towns": towns, "town": town, "q": search}
    return render(request, "compliance/list.html", context)


@login_required
def risk(request):
    """风险排序: the firms in scope by their stored risk score, with the reasons."""
    require(request.user, "compliance.risk")
    day = _day(request)
    rows, towns, town, search = _officer_rows(request, day)
    table = sorted_table(
        request, rows, RISK_COLUMNS, default="-risk", tiebreak=("-not_met", "enterprise__name", "pk")
    )
    context = {**_days(day), "table": table, "towns": towns, "town": town, "q": search}
    return render(request, "compliance/risk.html", context)


@login_required
@require_POST
def self_assess(request):
    require(request.user, "compliance.self_assess")
    try:
        services.self_assess(
            request.user,
            request.POST.get("item", ""),
            request.POST.get("met", ""),
            request.POST.get("note", ""),
            request.FILES.get("evidence"),
            client_key=request.POST.get("client_key") or None,
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("自查已提交，镇街或督查人员将进行核查。"))
    return redirect(_firm_url(request.user.enterprise_id, timezone.localdate(), own=True))


@login_required
@require_POST
def verify(request, pk: int):
    require(request.user, "compliance.verify")
    answer = get_visible_or_404(ChecklistAnswer.objects.select_related("item"), request.user, pk=pk)
    try:
        services.verify(request.user, answer, request.POST.get("verdict", ""), request.POST.get("note", ""))
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("核查结论已记录。"))
    return redirect(_firm_url(answer.enterprise_id, timezone.localdate(), own=False))


@login_required
@require_POST
def inspect(request, pk: int):
    require(request.user, "compliance.verify")
    firm = get_visible_or_404(Enterprise, request.user, pk=pk)
    try:
        services.inspect(
            request.user,
            firm,
            request.POST.get("item", ""),
            request.POST.get("met", ""),
            request.POST.get("note", ""),
            request.FILES.get("evidence"),
            client_key=request.POST.get("client_key") or None,
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("督查核查结果已记录。"))
    return redirect(_firm_url(firm.pk, timezone.localdate(), own=False))


class _Evidence:
    """The evidence of an answer in the shape ``attachment_response`` serves."""

    def __init__(self, answer: ChecklistAnswer):
        self.pk = answer.pk
        self.application_id = answer.enterprise_id
        self.file = answer.evidence
        self.original_name = answer.evidence_name
        self.content_type = answer.evidence_type


@login_required
def evidence(request, pk: int):
    """An answer's evidence file, to those who may see the answer."""
    require(request.user, "compliance.view")
    answer = get_visible_or_404(ChecklistAnswer, request.user, pk=pk)
    if not answer.evidence:
        raise Http404
    try:
        return attachment_response(_Evidence(answer))
    except AttachmentFileMissing as exc:
        raise Http404(exc.message) from exc
