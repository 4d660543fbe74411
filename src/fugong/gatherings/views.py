"""The gathering pages: the firm records and follows its gatherings, the town approves, every other
officer reads within scope. Views are thin: objects come through ``visible_to`` (a foreign one is a 404),
every change goes through one service call, and the service's messages are shown all at once."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.gatherings import selectors, services
from fugong.gatherings.downloads import plan_response
from fugong.gatherings.forms import DecisionForm, GatheringForm, add_service_errors
from fugong.gatherings.models import Gathering, GatheringKind, GatheringStatus

COLUMNS = [
    Column(gettext_lazy("开始时间"), "starts", ("starts_at",)),
    Column(gettext_lazy("名称"), "title", ("title",)),
    Column(gettext_lazy("类型"), "kind", ("kind",)),
    Column(gettext_lazy("人数"), "headcount", ("headcount",)),
    Column(gettext_lazy("地点")),
    Column(gettext_lazy("状态"), "status", ("g_status_rank",)),
    Column(gettext_lazy("提示")),
]
FIRM_COLUMN = Column(gettext_lazy("企业"), "firm", ("enterprise__name",))


def _own_firm(user) -> Enterprise | None:
    if not user.enterprise_id or not can(user, "gatherings.record"):
        return None
    return Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).select_related("town").first()


def _rules_today(firm):
    """The threshold and dinner limit in force today, for the form's hint; the server decides on save."""
    policy = services.policy_for(firm, None)
    if policy is None:
        return None, None
    return policy.parameters.gathering_plan_threshold, policy.parameters.meal_group_max


def _table(request, user, firm):
    f = request.GET
    qs = selectors.filtered(
        user,
        q=f.get("q", ""),
        status=f.get("status", ""),
        kind=f.get("kind", ""),
        date_from=selectors.parse_day(f.get("from")),
        date_to=selectors.parse_day(f.get("to")),
    ).annotate(g_status_rank=ranked("status", choice_ranks(GatheringStatus.choices)))
    qs = selectors.upcoming_first(qs, pending_first=can(user, "gatherings.approve"))
    columns = COLUMNS if firm is not None else [COLUMNS[0], FIRM_COLUMN, *COLUMNS[1:]]
    return sorted_table(request, qs, columns, default="", tiebreak=("-starts_at", "-id"), page_size=30)


def _record(request, firm, form):
    try:
        return services.record_gathering(
            request.user,
            firm,
            **{k: form.data.get(k, "") for k in services.FIELDS},
            plan=request.FILES.get("plan"),
            client_key=form.data.get("client_key"),
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@login_required
def index(request):
    """聚集性活动: the firm's list and its 登记活动 form; the town's approval queue and its firms'
    gatherings; a read-only list for every other officer."""
    user = request.user
    require(user, "gatherings.view")
    firm = _own_firm(user)
    form = None
    status_code = 200
    if firm is not None:
        if request.method == "POST":
            form = GatheringForm(request.POST, request.FILES)
            form.is_valid()
            gathering = _record(request, firm, form)
            if gathering is not None:
                messages.success(
                    request,
                    _("已登记：%(title)s（%(status)s）")
                    % {"title": gathering.title, "status": gathering.get_status_display()},
                )
                return redirect("gatherings:detail", pk=gathering.pk)
            status_code = 400
        else:
            form = GatheringForm(initial={"client_key": uuid.uuid4().hex, "kind": GatheringKind.MEETING})
    elif request.method == "POST":
        raise PermissionDenied
    threshold, meal_max = _rules_today(firm) if firm is not None else (None, None)
    context = {
        "firm": firm,
        "form": form,
        "threshold": threshold,
        "meal_max": meal_max,
        "table": _table(request, user, firm),
        "queue": list(selectors.pending_queue(user)[:50]) if can(user, "gatherings.approve") else None,
        "statuses": GatheringStatus.choices,
        "kinds": GatheringKind.choices,
        "f": request.GET,
        "may_approve": can(user, "gatherings.approve"),
    }
    return render(request, "gatherings/index.html", context, status=status_code)


def _detail_context(request, gathering, **extra):
    user = request.user
    firm_owner = user.enterprise_id == gathering.enterprise_id and can(user, "gatherings.record")
    return {
        "g": gathering,
        "events": gathering.events.select_related("actor").order_by("at", "id"),
        "may_decide": can(user, "gatherings.approve") and gathering.status == GatheringStatus.PENDING,
        "may_edit": firm_owner and gathering.status in services.EDITABLE_STATUSES,
        "may_cancel": firm_owner
        and gathering.status in services.CANCELLABLE_STATUSES
        and gathering.starts_at > timezone.now(),
        "decision_form": extra.pop("decision_form", None)
        or DecisionForm(initial={"version": gathering.version}),
        **extra,
    }


@login_required
def detail(request, pk: int):
    require(request.user, "gatherings.view")
    gathering = get_visible_or_404(selectors.visible(request.user), request.user, pk=pk)
    return render(request, "gatherings/detail.html", _detail_context(request, gathering))


@login_required
def edit(request, pk: int):
    user = request.user
    require(user, "gatherings.record")
    gathering = get_visible_or_404(selectors.visible(user), user, pk=pk)
    if gathering.status not in services.EDITABLE_STATUSES:
        messages.error(request, _("活动为“%(s)s”，不能修改。") % {"s": gathering.get_status_display()})
        return redirect("gatherings:detail", pk=pk)
    firm = gathering.enterprise
    if request.method == "POST":
        form = GatheringForm(request.POST, request.FILES)
        form.is_valid()
        try:
            services.update(
                user,
                gathering,
                {k: form.data.get(k, "") for k in services.FIELDS},
                form.data.get("version"),
                plan=request.FILES.get("plan"),
            )
        except services.GatheringConflict as exc:
            messages.error(request, exc.message)
            return redirect("gatherings:edit", pk=pk)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("gatherings:detail", pk=pk)
    else:
        form = GatheringForm(instance=gathering)
    threshold, meal_max = _rules_today(firm)
    context = {"g": gathering, "form": form, "threshold": threshold, "meal_max": meal_max, "firm": firm}
    return render(request, "gatherings/edit.html", context, status=400 if form.errors else 200)


def _decision(request, pk: int, service, done: str):
    user = request.user
    require(user, "gatherings.approve")
    gathering = get_visible_or_404(selectors.visible(user), user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        service(user, gathering, form.data.get("note", ""), form.data.get("version"))
    except services.GatheringConflict as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        add_service_errors(form, exc)
        gathering.refresh_from_db()
        context = _detail_context(request, gathering, decision_form=form)
        return render(request, "gatherings/detail.html", context, status=400)
    else:
        messages.success(request, done)
    return redirect("gatherings:detail", pk=pk)


@login_required
@require_POST
def approve(request, pk: int):
    return _decision(request, pk, services.approve, _("已批准该活动，企业已收到通知。"))


@login_required
@require_POST
def reject(request, pk: int):
    return _decision(request, pk, services.reject, _("已作出不批准决定，企业已收到通知。"))


@login_required
@require_POST
def cancel(request, pk: int):
    user = request.user
    require(user, "gatherings.record")
    gathering = get_visible_or_404(selectors.visible(user), user, pk=pk)
    try:
        services.cancel(user, gathering, request.POST.get("note", ""))
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(m for msgs in exc.message_dict.values() for m in msgs))
    else:
        messages.success(request, _("已取消该活动。"))
    return redirect("gatherings:detail", pk=pk)


@login_required
def plan(request, pk: int):
    """The prevention plan, for those who may see the gathering only."""
    require(request.user, "gatherings.view")
    gathering = get_visible_or_404(Gathering, request.user, pk=pk)
    return plan_response(gathering)


def detail_url(gathering) -> str:
    return reverse("gatherings:detail", args=[gathering.pk])
