"""The incident core's pages: the board, one incident's timeline with the step buttons, the manual opening
from an outside report, and the timing report with its Excel export. Thin: reads go through
``visible_to`` (a foreign incident is a 404), writes through the services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.core.dates import format_date
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.incidents import selectors, services, timing
from fugong.incidents.contacts.services import policy_of
from fugong.incidents.forms import OpenIncidentForm, PeriodForm
from fugong.incidents.models import Incident, IncidentSource, IncidentStatus, IndexPerson, StepKind
from fugong.incidents.places import places_used

BOARD_COLUMNS = [
    Column(gettext_lazy("状态"), "status", ("open_rank",)),
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("病例/异常人员")),
    Column(gettext_lazy("立案时间"), "opened", ("opened_at",)),
    Column(gettext_lazy("超时步骤"), "late", ("late",)),
    Column(gettext_lazy("下一步")),
]


@login_required
def board(request):
    require(request.user, "incidents.view")
    q = request.GET.get("q", "")
    status = request.GET.get("status", "")
    rows = selectors.board(request.user, q, status)
    table = sorted_table(request, rows, BOARD_COLUMNS, default="", tiebreak=("-opened_at", "-id"))
    for incident in table.page:
        incident.next_label = selectors.step_label(incident.next_kind)
    return render(
        request,
        "incidents/core_board.html",
        {
            "table": table,
            "q": q,
            "status": status,
            "statuses": IncidentStatus.choices,
            "can_open": services.may_open(request.user),
            "seals_url": reverse("incidents:seals"),
            "reviews_url": reverse("incidents:reviews"),
            "timing_url": reverse("incidents:timing") if can(request.user, "incidents.report") else "",
        },
    )


@login_required
def detail(request, pk):
    require(request.user, "incidents.view")
    incident = get_visible_or_404(
        Incident.objects.select_related("enterprise", "town", "alert"), request.user, pk=pk
    )
    steps = selectors.timeline(incident)
    is_open = incident.status == IncidentStatus.OPEN
    for step in steps:
        step.owner_label = services.owner_label(step.owner)
        step.actionable = (
            is_open and step.done_at is None and not step.skipped and services.owns(request.user, step.owner)
        )
    people = IndexPerson.objects.filter(incident=incident).select_related("employee").order_by("id")
    found = None
    if any(s.kind == StepKind.SEAL_DISINFECT for s in steps):
        found = places_used(incident, policy_of(incident))
    may_seal = can(request.user, "incidents.seal") and incident.status == IncidentStatus.OPEN
    links = [
        (gettext_lazy("密切接触者排查"), reverse("incidents:contacts", args=[incident.pk])),
        (gettext_lazy("隔离观察通知书"), reverse("incidents:notices", args=[incident.pk])),
        (gettext_lazy("停工与封闭"), reverse("incidents:seals")),
        (gettext_lazy("责任倒查"), reverse("incidents:reviews")),
    ]
    return render(
        request,
        "incidents/core_detail.html",
        {
            "incident": incident,
            "steps": steps,
            "people": people,
            "links": [(label, url) for label, url in links if url],
            "late_count": sum(1 for s in steps if s.is_late),
            "places": found,
            "seal_url": reverse("incidents:seal_new") if may_seal else "",
        },
    )


@login_required
@require_POST
def step(request, pk, kind):
    require(request.user, "incidents.handle")
    incident = get_visible_or_404(Incident.objects.select_related("enterprise"), request.user, pk=pk)
    if kind not in StepKind.values:
        raise Http404
    try:
        services.handle_step(
            request.user,
            incident,
            kind,
            note=request.POST.get("note", ""),
            skip=bool(request.POST.get("skip")),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有执行该操作的权限。"))
    else:
        messages.success(request, _("已办理：%(step)s") % {"step": StepKind(kind).label})
    return redirect("incidents:detail", pk=incident.pk)


@login_required
def new(request):
    require(request.user, "incidents.open")
    if not services.may_open(request.user):
        raise PermissionDenied
    user = request.user
    raw_firm = request.POST.get("enterprise") or request.GET.get("enterprise") or user.enterprise_id
    firm = None
    if raw_firm:
        firm = (
            Enterprise.objects.visible_to(user).filter(pk=str(raw_firm)).first()
            if str(raw_firm).isdigit()
            else None
        )
    data = request.POST if request.method == "POST" else None
    form = OpenIncidentForm(user, data, firm=firm)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.open_incident(
                user,
                form.cleaned_data["enterprise"],
                source=IncidentSource.REPORT,
                employees=form.cleaned_data["employees"],
                reference_at=form.cleaned_data["reference_at"],
                report=form.cleaned_data["report"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已立案，请按时限办理各步骤"))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, "incidents/core_new.html", {"form": form, "firm": firm})


def _period(request):
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    return form, start, end


@login_required
def timing_page(request):
    require(request.user, "incidents.report")
    form, start, end = _period(request)
    report = timing.timing_report(request.user, start, end)
    return render(
        request,
        "incidents/core_timing.html",
        {"form": form, "report": report, "start": start, "end": end},
    )


@login_required
def timing_export(request):
    require(request.user, "incidents.report")
    _form, start, end = _period(request)
    content = timing.export_timing(request.user, start, end)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = _("疫情处置时效") + f"_{format_date(start)}-{format_date(end)}.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
