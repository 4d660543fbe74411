"""Pages for resumption applications (SPEC §4): the lists, the application page, the firm's filing and
the notifications. The reviewers' acts and the certificate are in ``approval.views``, the documents in
``attachments.views`` and the task force's batches in ``batches.views``; they share the helpers here.

Views are thin: each checks the capability, reads the application through its scope (a foreign one is
a 404, never a 403) and calls one service. Service ValidationErrors come back as field errors;
ResumptionConflict (someone acted first) as a message on the freshly loaded page, with nothing saved.
"""

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.enterprises.models import ResumptionMode
from fugong.enterprises.selectors import visible_towns
from fugong.policy.parameters import participant_label
from fugong.policy.selectors import find_policy_for
from fugong.resumption import chain, notifications, selectors, services
from fugong.resumption.approval import services as approval
from fugong.resumption.filters import ApplicationFilter
from fugong.resumption.forms import ApplicationForm, CommitmentsForm, DecisionForm, ReasonForm
from fugong.resumption.models import (
    OPEN_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    ControlStatus,
    Decision,
    ResumptionApplication,
    ReviewDecision,
    ReviewStep,
)
from fugong.resumption.selectors import STAFF_BREAKDOWNS

PAGE_SIZE = 30
# A stand-in for a missing time, so that a sort puts the rows without one at the same end on every database.
NEVER = datetime(1900, 1, 1, tzinfo=UTC)


# -- helpers ---------------------------------------------------------------------------------------------


def _application(user, pk: int) -> ResumptionApplication:
    require(user, "resumption.pages")
    return get_visible_or_404(selectors.applications_visible_to(user), user, pk=pk)


def _own_application(user, pk: int) -> ResumptionApplication:
    """An application the user's own firm files: other roles may look at it but never change it."""
    application = _application(user, pk)
    require(user, "resumption.apply")
    return application


def _policy(application):
    return find_policy_for(application.enterprise.town)


def _section_kwargs(policy) -> dict:
    """The plan sections the form shows: the policy's, the required ones first."""
    if policy is None:
        return {}
    return {
        "sections": selectors.plan_sections(policy.parameters),
        "required_sections": selectors.required_sections(policy.parameters),
    }


def _page_notice(policy) -> dict:
    """The policy's own words for the application form, with where they come from (none if unset)."""
    text = policy.parameters.page_notice("resumption_form") if policy is not None else ""
    return {"page_notice": text, "page_notice_source": policy.cite("page_notices") if text else ""}


def _back(application, anchor: str = ""):
    return redirect(reverse("resumption:detail", args=[application.pk]) + (f"#{anchor}" if anchor else ""))


def _missing(application, policy) -> dict[str, list[str]]:
    if policy is None:
        return {"policy": [_("所在地区尚无现行防控政策，暂不能提交复工申请，请联系属地镇街。")]}
    return selectors.submission_errors(application, policy)


def _acting_tokens(user, application) -> tuple:
    step = selectors.active_step(application)
    if step is None:
        return None, []
    return step, chain.acting_tokens(user, step, application.enterprise)


def _staff_rows(summary: dict) -> list[tuple[str, str]]:
    """The returning-staff summary as (label, text) lines a reviewer reads."""
    labels = {"by_control_status": dict(ControlStatus.choices), "by_commute": dict(ResumptionMode.choices)}
    rows = []
    if summary.get("total") is not None:
        rows.append((_("返岗总人数"), str(summary["total"])))
    for key, label in STAFF_BREAKDOWNS.items():
        part = summary.get(key) or {}
        if part:
            names = labels.get(key, {})
            rows.append((str(label), "，".join(f"{names.get(k, k)} {v}" for k, v in part.items())))
    buses = summary.get("buses") or {}
    if buses:
        text = _("%(n)s辆，每车%(seats)s人") % {
            "n": buses.get("count", "—"),
            "seats": buses.get("seats_per_bus", "—"),
        }
        if buses.get("routes"):
            text += "；" + buses["routes"]
        rows.append((_("班车需求"), text))
    return rows


def _return_reasons(application) -> list:
    """What the reviewers said when they last sent the application back (or turned it down)."""
    if application.status not in (ApplicationStatus.RETURNED, ApplicationStatus.REJECTED):
        return []
    return list(
        ReviewDecision.objects.filter(
            step__application=application,
            step__revision=application.revision,
            decision__in=[Decision.RETURN, Decision.REJECT],
        ).select_related("step", "actor")
    )


def _step_row(step) -> tuple:
    decisions = list(step.decisions.all())
    for decision in decisions:
        decision.participant_label = participant_label(decision.participant)
    return step, [participant_label(t) for t in step.participants], decisions


def _diff_numbers(request, revisions) -> tuple[int, int] | None:
    numbers = [r.number for r in revisions]
    if len(numbers) < 2:
        return None
    try:
        a = int(request.GET.get("from", numbers[-2]))
        b = int(request.GET.get("to", numbers[-1]))
    except ValueError:
        a, b = numbers[-2], numbers[-1]
    if a not in numbers or b not in numbers:
        a, b = numbers[-2], numbers[-1]
    return a, b


def _detail_context(request, application, **extra) -> dict:
    user = request.user
    policy = _policy(application)
    step, tokens = _acting_tokens(user, application)
    revisions = list(application.revisions.select_related("submitted_by").order_by("number"))
    pair = _diff_numbers(request, revisions)
    is_applicant = can(user, "resumption.apply")
    certificate = getattr(application, "certificate", None) if application.status == "approved" else None
    # Sections are named as the policy the application was filed under names them, else the current one.
    labels: dict[str, str] = {}
    if application.policy_version_id:
        labels.update(selectors.section_names(application.policy_version.params))
    if policy is not None:
        for key, name in selectors.section_names(policy.parameters).items():
            labels.setdefault(key, name)
    plan = application.plan_sections or {}
    context = {
        "application": application,
        "firm": application.enterprise,
        "policy": policy,
        "is_applicant": is_applicant,
        "editable": is_applicant and application.is_editable,
        "missing": _missing(application, policy) if is_applicant and application.is_editable else {},
        "return_reasons": _return_reasons(application),
        "staff_rows": _staff_rows(application.staff_summary or {}),
        "plan_rows": [
            (labels.get(key, key), plan[key]) for key in selectors.ordered_keys(plan, labels) if plan[key]
        ],
        "attachments": selectors.active_attachments(application).select_related("uploaded_by"),
        "commitments": application.commitments.all(),
        "chain": [
            (number, [_step_row(s) for s in steps])
            for number, steps in selectors.steps_by_revision(application)
        ],
        "resumption_mode_label": dict(ResumptionMode.choices).get(application.resumption_mode, ""),
        "revisions": revisions,
        "diff_pair": pair,
        "diff_rows": selectors.revision_diff(application, *pair) if pair else [],
        "active_step": step,
        "acting_as": [participant_label(t) for t in tokens],
        "acts_as_firm": tokens == ["enterprise"],
        "decision_form": extra.pop("decision_form", None)
        or (DecisionForm(initial={"expected_step_key": step.key}) if tokens else None),
        "certificate": certificate,
        "can_early_start": can(user, "resumption.early_start")
        and application.status in OPEN_STATUSES
        and not application.early_start_granted
        and policy is not None
        and policy.parameters.earliest_resumption_at is not None,
        "earliest_source": policy.cite("earliest_resumption_at") if policy is not None else "",
        "early_start_form": extra.pop("early_start_form", None) or ReasonForm(),
        "can_revoke": certificate is not None
        and certificate.is_valid
        and can(user, "resumption.certificate.revoke"),
        "revoke_form": extra.pop("revoke_form", None) or ReasonForm(),
        "show_priority": can(user, "resumption.review"),
    }
    context.update(extra)
    return context


# -- lists -----------------------------------------------------------------------------------------------


def _application_columns(show_priority: bool) -> list[Column]:
    # The priority score is a sort key only for those who may see it: a sort would reveal its order.
    return [
        Column(gettext_lazy("企业"), "enterprise", ("enterprise__name",)),
        Column(gettext_lazy("镇乡街道"), "town", ("enterprise__town__code", "enterprise__name")),
        Column(gettext_lazy("申请类型"), "kind", ("kind_rank",)),
        Column(gettext_lazy("状态"), "status", ("status_rank",)),
        Column(gettext_lazy("当前环节"), "step", ("step_name",)),
        *([Column(gettext_lazy("优先分"), "priority", ("priority_score",))] if show_priority else []),
        Column(gettext_lazy("提交时间"), "submitted", ("submitted_key",)),
    ]


@login_required
def index(request):
    user = request.user
    require(user, "resumption.pages")
    # The priority score and its factors are for reviewers only; a firm never sees a score.
    show_priority = can(user, "resumption.review") and not can(user, "resumption.apply")
    context: dict = {"unread": notifications.unread_count(user), "show_priority": show_priority}
    if can(user, "resumption.apply"):
        mine = selectors.applications_visible_to(user)
        context["mine"] = mine
        context["open_application"] = mine.filter(status__in=OPEN_STATUSES).first()
    else:
        if can(user, "resumption.review"):
            context["queue"] = list(selectors.queue_for(user)[:100])
        current_step = ReviewStep.objects.filter(
            application=OuterRef("pk"), revision=OuterRef("revision"), key=OuterRef("current_step_key")
        ).values("name")[:1]
        queryset = selectors.applications_visible_to(user).annotate(step_name=Subquery(current_step))
        filterset = ApplicationFilter(request.GET, queryset=queryset)
        rows = filterset.qs.alias(
            # Kind and status in the order they are declared (the workflow's), not by their codes; a
            # draft has no submission time and counts as the earliest, so "newest first" ends with drafts.
            kind_rank=ranked("kind", choice_ranks(ApplicationKind.choices)),
            status_rank=ranked("status", choice_ranks(ApplicationStatus.choices)),
            submitted_key=Coalesce("submitted_at", Value(NEVER)),
        )
        table = sorted_table(
            request, rows, _application_columns(show_priority), default="-submitted", page_size=PAGE_SIZE
        )
        context["filter"] = filterset
        context["table"] = table
        context["page_obj"] = table.page
        context["towns"] = visible_towns(user).order_by("code")
        context["statuses"] = ApplicationStatus.choices
        context["kinds"] = ApplicationKind.choices
        context["selected"] = {
            "status": request.GET.get("status", ""),
            "kind": request.GET.get("kind", ""),
            "region": request.GET.get("region", ""),
            "q": request.GET.get("q", ""),
        }
    if can(user, "resumption.batch"):
        context["batches"] = selectors.batches_visible_to(user)[:10]
    return render(request, "resumption/index.html", context)


# -- the firm's side ---------------------------------------------------------------------------------------


@login_required
def create(request):
    user = request.user
    require(user, "resumption.pages")
    require(user, "resumption.apply")
    firm = user.enterprise
    if firm is None:
        raise PermissionDenied
    policy = find_policy_for(firm.town)
    form = ApplicationForm(request.POST or None, firm=firm, policy=policy, **_section_kwargs(policy))
    if request.method == "POST" and form.is_valid():
        try:
            application = services.create_draft(user, firm, form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("复工申请草稿已保存。下一步：上传申请材料。"))
            _warn_early_start(request, form)
            return redirect("resumption:attachments", pk=application.pk)
    context = {"form": form, "application": None, "firm": firm, **_page_notice(policy)}
    return render(request, "resumption/form.html", context, status=400 if form.errors else 200)


def _warn_early_start(request, form) -> None:
    if form.early_start_warning:
        messages.warning(
            request,
            form.early_start_warning + _("请在提交前向指挥部申请批准提前复工，或改为最早复工时间之后。"),
        )


@login_required
def edit(request, pk: int):
    user = request.user
    application = _own_application(user, pk)
    if not application.is_editable:
        messages.error(
            request, _("申请当前为「%(status)s」，不能修改。") % {"status": application.get_status_display()}
        )
        return _back(application)
    policy = _policy(application)
    form = ApplicationForm(
        request.POST or None, application=application, policy=policy, **_section_kwargs(policy)
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.update_draft(user, application, form.service_data(), form.cleaned_data.get("version"))
        except services.ResumptionConflict as exc:
            form.add_error(None, exc.message)
            conflict = True
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("申请内容已保存。"))
            _warn_early_start(request, form)
            return _back(application)
    return render(
        request,
        "resumption/form.html",
        {
            "form": form,
            "application": application,
            "firm": application.enterprise,
            "conflict": conflict,
            **_page_notice(policy),
        },
        status=400 if form.errors else 200,
    )


@login_required
def commitments(request, pk: int):
    user = request.user
    application = _application(user, pk)
    policy = _policy(application)
    items = list(policy.parameters.commitments or ()) if policy else []
    affirmed = {c.code: c for c in application.commitments.all()}
    is_applicant = can(user, "resumption.apply")
    initial = {
        "codes": [i.code for i in items if i.code in affirmed and affirmed[i.code].text == i.text],
        "affirmed_by_name": next(iter(affirmed.values())).affirmed_by_name if affirmed else "",
    }
    form = CommitmentsForm(request.POST or None, items=items, initial=initial) if is_applicant else None
    if request.method == "POST":
        require(user, "resumption.apply")
        if form.is_valid():
            try:
                services.affirm_commitments(
                    user, application, form.cleaned_data["codes"], form.cleaned_data["affirmed_by_name"]
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("承诺事项已确认。"))
                return _back(application, "submit")
    groups: dict[str, list] = {}
    for item in items:
        current = affirmed.get(item.code)
        groups.setdefault(item.group or _("承诺事项"), []).append(
            {"item": item, "affirmed": current if current and current.text == item.text else None}
        )
    context = {
        "application": application,
        "firm": application.enterprise,
        "form": form,
        "editable": is_applicant and application.is_editable,
        "groups": groups,
        "checked": set(form["codes"].value() or []) if form else set(),
    }
    return render(
        request, "resumption/commitments.html", context, status=400 if form and form.errors else 200
    )


@login_required
@require_POST
def submit(request, pk: int):
    user = request.user
    application = _own_application(user, pk)
    try:
        application = approval.submit(user, application, request.POST.get("version"))
    except services.ResumptionConflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _("尚不能提交，请补齐以下内容："))
        for message in exc.messages:
            messages.error(request, message)
        return _back(application, "submit")
    else:
        step = selectors.active_step(application)
        if step is not None:
            messages.success(
                request,
                _("已提交（第%(n)d次），进入「%(step)s」环节。")
                % {"n": application.revision, "step": step.name},
            )
        else:
            messages.success(request, _("已提交并备案。"))
    return _back(application)


# -- the application page ----------------------------------------------------------------------------------


@login_required
def detail(request, pk: int):
    application = _application(request.user, pk)
    return render(request, "resumption/detail.html", _detail_context(request, application))


# -- notifications --------------------------------------------------------------------------------------


NOTIFICATION_COLUMNS = [
    Column(gettext_lazy("时间"), "at", ("created_at",)),
    Column(gettext_lazy("消息")),
    # Unread first when ascending, newest first within each.
    Column(gettext_lazy("状态"), "read", ("is_read", "-created_at")),
    Column(gettext_lazy("操作")),
]


@login_required
def notification_list(request):
    user = request.user
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        notifications.mark_read(user, [int(i) for i in ids if i.isdigit()] if ids else None)
        # Back to the same page of the list, with its sort and filters.
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            return redirect(back)
        return redirect("resumption:notifications")
    q = request.GET.get("q", "").strip()
    unread_only = request.GET.get("unread") == "1"
    rows = notifications.inbox(user).alias(
        is_read=ExpressionWrapper(Q(read_at__isnull=False), output_field=BooleanField())
    )
    if q:
        rows = rows.filter(Q(message__icontains=q) | Q(application__enterprise__name__icontains=q))
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    table = sorted_table(request, rows, NOTIFICATION_COLUMNS, default="-at", page_size=PAGE_SIZE)
    context = {
        "table": table,
        "page_obj": table.page,
        "unread": notifications.unread_count(user),
        "q": q,
        "unread_only": unread_only,
    }
    return render(request, "resumption/notifications.html", context)
