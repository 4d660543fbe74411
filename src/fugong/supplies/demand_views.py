"""The demand queue (town: submitted requests of its firms; task force: escalated ones; the firm: its own),
a request's page with its history, and one POST per transition."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import Role, can, require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table

from .demands import answer, escalate, withdraw
from .forms import AnswerForm, EscalateForm, add_service_errors
from .models import DemandRequest, DemandStatus

# What each handler is waiting on by default: the requests it holds.
HELD = {Role.TOWN: DemandStatus.SUBMITTED, Role.TASK_FORCE: DemandStatus.ESCALATED}
QUEUE_COLUMNS = [
    Column(gettext_lazy("答复期限"), "due", ("due_on",)),
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("物资"), "item", ("item",)),
    Column(gettext_lazy("数量"), "quantity", ("quantity",)),
    Column(gettext_lazy("状态"), "status", ("status_rank",)),
    Column(gettext_lazy("提出时间"), "created", ("created_at",)),
]


@login_required
def demands(request):
    """物资需求: the queue of the requests the user holds (or all within scope with ?status=all)."""
    user = request.user
    if not (
        can(user, "supplies.demand.handle") or can(user, "supplies.demand") or can(user, "supplies.view")
    ):
        raise PermissionDenied
    status = request.GET.get("status", "")
    held = HELD.get(user.role)
    if status not in DemandStatus.values and status != "all":
        status = held or "all"
    qs = DemandRequest.objects.visible_to(user).select_related("enterprise")
    if status != "all":
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(enterprise__name__icontains=q)
    qs = qs.annotate(status_rank=ranked("status", choice_ranks(DemandStatus.choices)))
    table = sorted_table(request, qs, QUEUE_COLUMNS, default="due", tiebreak=("created_at", "pk"))
    return render(
        request,
        "supplies/demands.html",
        {
            "table": table,
            "status": status,
            "statuses": DemandStatus.choices,
            "q": q,
            "today": timezone.localdate(),
            "held": held,
            "can_demand": can(user, "supplies.demand"),
        },
    )


def _forms_for(user, req, data=None, which=None):
    """The action forms the user may use on the request in its present state."""
    forms = {}
    holder = HELD.get(user.role)
    if can(user, "supplies.demand.handle") and holder == req.status:
        initial = {"version": req.version}
        forms["answer"] = AnswerForm(data if which == "answer" else None, initial=initial)
        if user.role == Role.TOWN:
            forms["escalate"] = EscalateForm(data if which == "escalate" else None, initial=initial)
    if can(user, "supplies.demand") and req.status in (DemandStatus.SUBMITTED, DemandStatus.ESCALATED):
        forms["withdraw"] = True
    return forms


def _page(request, req, forms, status=200):
    return render(
        request,
        "supplies/demand.html",
        {"req": req, "forms": forms, "today": timezone.localdate()},
        status=status,
    )


@login_required
def demand(request, pk):
    user = request.user
    if not (can(user, "supplies.view") or can(user, "supplies.demand.handle")):
        raise PermissionDenied
    req = get_visible_or_404(
        DemandRequest.objects.select_related("enterprise", "created_by", "escalated_by", "answered_by"),
        user,
        pk=pk,
    )
    return _page(request, req, _forms_for(user, req))


@login_required
@require_POST
def demand_act(request, pk, action):
    user = request.user
    req = get_visible_or_404(
        DemandRequest.objects.select_related("enterprise", "created_by", "escalated_by", "answered_by"),
        user,
        pk=pk,
    )
    if action not in ("answer", "escalate", "withdraw"):
        raise Http404
    forms = _forms_for(user, req, request.POST, action)
    form = forms.get(action)
    if form is None:
        require(user, "supplies.demand.handle" if action != "withdraw" else "supplies.demand")
        raise PermissionDenied
    try:
        if action == "withdraw":
            withdraw(user, req)
            done = _("需求已撤回")
        elif action == "escalate":
            form.is_valid()
            d = form.cleaned_data
            escalate(user, req, d.get("note"), d.get("due_on"), expected_version=d.get("version") or 0)
            done = _("已上报专班")
        else:
            form.is_valid()
            d = form.cleaned_data
            fulfilled = {"yes": True, "no": False}.get(d.get("fulfilled"))
            answer(
                user, req, fulfilled=fulfilled, answer=d.get("answer"), expected_version=d.get("version") or 0
            )
            done = _("已答复企业")
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        if form is True:
            messages.error(request, " ".join(exc.messages))
            return redirect("supplies:demand", pk=req.pk)
        add_service_errors(form, exc)
        req.refresh_from_db()
        return _page(request, req, forms, status=400)
    messages.success(request, done)
    return redirect("supplies:demand", pk=req.pk)
