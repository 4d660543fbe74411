"""The seal pages: the list of seals in scope, a new seal (firm first, then its parts), and lifting with the
approved reopening application. The town and the task force act; the firm and other officers read."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.roles import can, require
from fugong.core.dates import format_date
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.enterprises.models import DormRoom, Enterprise, GridUnit, ShuttleRoute, Zone
from fugong.incidents.models import Incident, IncidentStatus, SealKind, SealScope
from fugong.incidents.seals import services
from fugong.resumption.models import OPEN_STATUSES, ApplicationKind, ResumptionApplication

COLUMNS = [
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("措施"), "kind", ("kind",)),
    Column(gettext_lazy("范围"), "scope", ("scope_rank",)),
    Column(gettext_lazy("原因")),
    Column(gettext_lazy("开始时间"), "started", ("started_at",)),
    Column(gettext_lazy("状态"), "state", ("lifted_at",)),
    Column(gettext_lazy("操作")),
]


def _url(name, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


@login_required
def seal_list(request):
    user = request.user
    require(user, "incidents.view")
    qs = services.seals_visible_to(user).annotate(
        scope_rank=ranked("scope_kind", choice_ranks(SealScope.choices))
    )
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(enterprise__name__icontains=q) | Q(reason__icontains=q) | Q(dorm_building__icontains=q)
        )
    state = request.GET.get("state", "")
    if state == "active":
        qs = qs.filter(lifted_at__isnull=True)
    elif state == "lifted":
        qs = qs.filter(lifted_at__isnull=False)
    table = sorted_table(request, qs, COLUMNS, default="-started")
    for row in table.page:
        row.part_text = services.describe_part(row)
    return render(
        request,
        "incidents/seals_list.html",
        {"table": table, "q": q, "state": state, "may_seal": can(user, "incidents.seal")},
    )


class SealForm(forms.Form):
    enterprise = forms.ModelChoiceField(queryset=Enterprise.objects.none(), label=gettext_lazy("企业"))
    kind = forms.ChoiceField(choices=SealKind.choices, label=gettext_lazy("措施"))
    scope_kind = forms.ChoiceField(choices=SealScope.choices, label=gettext_lazy("范围"))
    zone = forms.ModelChoiceField(
        queryset=Zone.objects.none(), required=False, label=gettext_lazy("厂区分区")
    )
    grid_unit = forms.ModelChoiceField(
        queryset=GridUnit.objects.none(), required=False, label=gettext_lazy("车间/班组")
    )
    dorm_building = forms.ChoiceField(choices=[], required=False, label=gettext_lazy("宿舍楼"))
    shuttle_route = forms.ModelChoiceField(
        queryset=ShuttleRoute.objects.none(), required=False, label=gettext_lazy("通勤线路")
    )
    incident = forms.ModelChoiceField(
        queryset=Incident.objects.none(), required=False, label=gettext_lazy("关联处置事件")
    )
    # Checked by the service, so that a missing reason is reported together with a missing part.
    reason = forms.CharField(
        required=False, label=gettext_lazy("原因"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.visible_to(user).order_by("name")
        if firm is None:
            for name in ("zone", "grid_unit", "dorm_building", "shuttle_route", "incident"):
                del self.fields[name]
            return
        self.fields["zone"].queryset = Zone.objects.filter(enterprise=firm)
        self.fields["grid_unit"].queryset = GridUnit.objects.filter(enterprise=firm).select_related(
            "parent__parent"
        )
        buildings = DormRoom.objects.filter(enterprise=firm).values_list("building", flat=True).distinct()
        self.fields["dorm_building"].choices = [("", "---------")] + [(b, b) for b in sorted(set(buildings))]
        self.fields["shuttle_route"].queryset = ShuttleRoute.objects.filter(enterprise=firm)
        self.fields["incident"].queryset = Incident.objects.filter(
            enterprise=firm, status=IncidentStatus.OPEN
        )
        self.fields["incident"].label_from_instance = lambda i: (
            _("%(date)s %(source)s")
            % {
                "date": format_date(i.opened_at),
                "source": i.get_source_display(),
            }
        )


@login_required
def seal_new(request):
    user = request.user
    require(user, "incidents.seal")
    raw = request.POST.get("enterprise") or request.GET.get("enterprise") or ""
    firm = Enterprise.objects.visible_to(user).filter(pk=raw).first() if raw.isdigit() else None
    if raw and firm is None:
        raise Http404
    initial = {"enterprise": firm, "incident": request.GET.get("incident") or None}
    # From an incident's list of places to seal: the part comes prefilled, the officer still submits.
    for name in ("kind", "scope_kind", "grid_unit", "dorm_building", "shuttle_route"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    form = SealForm(
        request.POST if request.method == "POST" and firm else None, user=user, firm=firm, initial=initial
    )
    if request.method == "POST" and firm is not None and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.seal(
                user,
                firm,
                kind=data["kind"],
                scope_kind=data["scope_kind"],
                zone=data.get("zone"),
                grid_unit=data.get("grid_unit"),
                dorm_building=data.get("dorm_building") or "",
                shuttle_route=data.get("shuttle_route"),
                reason=data["reason"],
                incident=data.get("incident"),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            return redirect(reverse("incidents:seal_lift", args=[row.pk]))
    return render(
        request,
        "incidents/seals_new.html",
        {"form": form, "firm": firm},
        status=400 if form.errors else 200,
    )


@login_required
def seal_lift(request, pk: int):
    user = request.user
    require(user, "incidents.view")
    row = get_visible_or_404(services.seals_visible_to(user), user, pk=pk)
    may_lift = can(user, "incidents.seal") and row.lifted_at is None
    error = ""
    if request.method == "POST":
        if not may_lift:
            raise PermissionDenied
        raw = request.POST.get("application", "")
        application = (
            ResumptionApplication.objects.visible_to(user).filter(pk=raw, enterprise=row.enterprise).first()
            if raw.isdigit()
            else None
        )
        try:
            services.lift(user, row, application, note=(request.POST.get("note") or "").strip()[:500])
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(reverse("incidents:seal_lift", args=[row.pk]))
    candidates = list(services.approved_reopenings(row)) if may_lift else []
    pending = list(
        ResumptionApplication.objects.filter(
            enterprise=row.enterprise,
            kind=ApplicationKind.REOPENING_AFTER_INCIDENT,
            status__in=OPEN_STATUSES,
        )
    )
    context = {
        "seal": row,
        "part": services.describe_part(row),
        "may_lift": may_lift,
        "candidates": candidates,
        "pending": [(a, _url("resumption:detail", a.pk)) for a in pending],
        "error": error,
        "reopening_url": _url("resumption:detail", row.reopening_id) if row.reopening_id else "",
        "incident_url": _url("incidents:detail", row.incident_id) if row.incident_id else "",
        "start_url": _url("resumption:create") if user.enterprise_id == row.enterprise_id else "",
        "resumption_url": _url("resumption:index"),
        "reopening_kind": ApplicationKind.REOPENING_AFTER_INCIDENT.label,
    }
    return render(request, "incidents/seals_lift.html", context, status=400 if error else 200)
