"""Pages for employee files (一人一档, SPEC §5; 健康卡): the roster, the Excel import, the health card
with its actions, the isolation board and the employee's own phone page.

Views are thin: each checks the capability, reads through the scoped selectors (a foreign row is a
404) and calls one service; service ValidationErrors come back as field errors in Chinese. ID numbers
are rendered masked only, except in the response to the explicit, audited reveal action.
"""

import os
import re
import uuid
from collections import Counter
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fugong.accounts.roles import Role, can, require
from fugong.audit.services import readable_filters
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import Enterprise
from fugong.workforce import selectors, services
from fugong.workforce.episodes import release_episode, start_episode
from fugong.workforce.forms import (
    CloseContactFormSet,
    EmployeeForm,
    EpisodeReleaseForm,
    EpisodeStartForm,
    ImportForm,
    LinkAccountForm,
    RosterFilterForm,
    StatusForm,
    TravelStopFormSet,
)
from fugong.workforce.guards import EmployeeConflict, may_unmask
from fugong.workforce.models import EmployeeStatus, EpisodeKind, IsolationEpisode, ReturnDecision
from fugong.workforce.roster import export, importing, return_statistics
from fugong.workforce.roster import tasks as roster_tasks
from fugong.workforce.status import work_blockers
from fugong.workforce.travel import set_travel

PAGE_SIZE = 50
# Bigger uploads go to the background job with a progress bar; smaller ones are imported at once.
ASYNC_IMPORT_BYTES = 2 * 1024 * 1024
JOBS_SESSION_KEY = "workforce.import_jobs"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> FileResponse:
    return FileResponse(BytesIO(content), as_attachment=True, filename=filename, content_type=XLSX)


def _require_reader(user) -> None:
    """The roster and the health cards: everyone with workforce.view but the employee (own phone page)."""
    require(user, "workforce.view")
    if user.role == Role.EMPLOYEE:
        raise PermissionDenied


def _own_firm(user) -> Enterprise:
    firm = getattr(user, "enterprise", None)
    if firm is None:
        raise PermissionDenied
    return firm


# -- the roster ---------------------------------------------------------------------------------------------


def _roster_filters(request):
    user = request.user
    firms = Enterprise.objects.visible_to(user).order_by("name").only("pk", "name")
    form = RosterFilterForm(request.GET or None, firms=firms)
    data = form.cleaned_data if form.is_valid() else {}
    firm = data.get("firm")
    if user.role == Role.ENTERPRISE or user.role == Role.GATE_KEEPER:
        firm = user.enterprise
    decision = data.get("decision") or None
    local = {"yes": True, "no": False}.get(data.get("local") or "")
    qs = selectors.roster(
        user,
        enterprise=firm,
        status=data.get("status") or None,
        decision=None if decision == "undecided" else decision,
        is_local=local,
        search=data.get("q") or "",
    )
    if decision == "undecided":
        qs = qs.filter(decision="")
    return form, firm, qs


def _roster_columns(show_firm: bool) -> list[Column]:
    return [
        Column(gettext_lazy("姓名"), "name", ("name",)),
        Column(gettext_lazy("身份证号")),
        *([Column(gettext_lazy("企业"), "firm", ("enterprise__name",))] if show_firm else []),
        Column(gettext_lazy("部门/岗位"), "department", ("department_name", "job")),
        Column(gettext_lazy("本地"), "local", ("-is_local",)),
        Column(gettext_lazy("返程出发地")),
        Column(gettext_lazy("状态"), "status", ("status_rank",)),
        Column(gettext_lazy("返岗判定"), "decision", ("decision_rank",)),
        Column(gettext_lazy("解除隔离日期"), "release", ("release_date",)),
    ]


@login_required
def roster(request):
    """员工档案: the firm's roster (or, for a town, the firms in its scope), with counts and filters."""
    user = request.user
    if user.role == Role.EMPLOYEE:
        return redirect("workforce:me")
    _require_reader(user)
    form, firm, qs = _roster_filters(request)
    scope_qs = selectors.employees_visible_to(user)
    if firm is not None:
        scope_qs = scope_qs.filter(enterprise=firm)
    status_counts = Counter(scope_qs.values_list("status", flat=True).order_by())
    decisions = selectors.decision_counts(user, firm)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    show_firm = user.role not in (Role.ENTERPRISE, Role.GATE_KEEPER)
    # Statuses and decisions sort in their declared order (the path of a return), not by stored code.
    qs = qs.select_related("enterprise").annotate(
        status_rank=ranked("status", choice_ranks(EmployeeStatus.choices)),
        decision_rank=ranked("decision", choice_ranks(ReturnDecision.choices)),
    )
    table = sorted_table(
        request, qs, _roster_columns(show_firm), default="name", tiebreak=("pk",), page_size=PAGE_SIZE
    )
    context = {
        "form": form,
        "firm": firm,
        "show_firm_filter": show_firm,
        "table": table,
        "status_counts": [(key, label, status_counts.get(key, 0)) for key, label in EmployeeStatus.choices],
        "decision_counts": [(key, label, decisions.get(key, 0)) for key, label in ReturnDecision.choices]
        + [("undecided", _("未判定"), decisions.get("undecided", 0))],
        "can_edit": can(user, "workforce.edit"),
        "can_isolation": can(user, "workforce.isolation"),
        "query": query.urlencode(),
    }
    return render(request, "workforce/roster/list.html", context)


@login_required
def roster_template(request):
    require(request.user, "workforce.edit")
    return _xlsx(export.roster_template(), "员工名册导入模板.xlsx")


def _filters_in_force(form) -> dict:
    """The roster filters as the export's audit entry names them; an invalid form filters nothing."""
    return readable_filters(form, form.cleaned_data if form.is_valid() else {})


@login_required
def roster_export(request):
    user = request.user
    _require_reader(user)
    form, firm, qs = _roster_filters(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    content = export.export_roster(user, qs, unmasked=False, filters=_filters_in_force(form), target=firm)
    return _xlsx(content, f"员工名册_{stamp}.xlsx")


@login_required
def roster_statistics(request):
    """The returning-employee statistics of one firm, or of the firms the filters select."""
    user = request.user
    _require_reader(user)
    form, firm, qs = _roster_filters(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if firm is not None:
        # One firm's statistics count all its people: the other filters do not apply, so are not logged.
        target, filters = firm, readable_filters(form, {"firm": firm})
    else:
        target, filters = qs, _filters_in_force(form)
    content = return_statistics.export_return_statistics(user, target, filters=filters)
    return _xlsx(content, f"返岗员工统计_{stamp}.xlsx")


# -- the import ---------------------------------------------------------------------------------------------


def _my_job(request, job_id: str) -> dict:
    job = roster_tasks.job_status(job_id)
    if job is None or job.get("user_id") != request.user.pk:
        raise Http404
    return job


@login_required
def roster_import(request):
    """Excel导入: all or nothing; small files at once, big ones in the background with a progress bar."""
    user = request.user
    require(user, "workforce.edit")
    firm = _own_firm(user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > ASYNC_IMPORT_BYTES:
            folder = roster_tasks.upload_dir()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"roster-{uuid.uuid4().hex}.xlsx"
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            os.chmod(path, 0o600)  # ID numbers in clear until the job deletes the file
            job_id = roster_tasks.import_roster_async(user, firm, str(path), filename=upload.name)
            request.session[JOBS_SESSION_KEY] = [job_id, *request.session.get(JOBS_SESSION_KEY, [])][:5]
            return redirect(reverse("workforce:roster_import") + f"?job={job_id}")
        try:
            result = importing.import_roster(user, firm, upload, filename=upload.name)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if result.ok:
                messages.success(
                    request,
                    _("导入完成：共%(rows)d行，新增%(created)d人，更新%(updated)d人，未变%(unchanged)d人。")
                    % {
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                    },
                )
    job = job_id = None
    if request.GET.get("job"):
        job_id = request.GET["job"]
        job = _my_job(request, job_id)
    status = 400 if form.errors or (result is not None and not result.ok) else 200
    return render(
        request,
        "workforce/import/roster.html",
        {"form": form, "firm": firm, "result": result, "job": job, "job_id": job_id},
        status=status,
    )


@login_required
def roster_import_progress(request, job_id: str):
    """The progress bar, polled by HTMX while the job runs; only the user's own job."""
    require(request.user, "workforce.edit")
    job = _my_job(request, job_id)
    return render(request, "workforce/import/_progress.html", {"job": job, "job_id": job_id})


# -- one employee: the health card --------------------------------------------------------------------------


def _employee(user, pk):
    _require_reader(user)
    return get_visible_or_404(selectors.employees_visible_to(user), user, pk=pk)


def _card(request, employee, *, status=200, **forms):
    user = request.user
    history = selectors.health_history(user, employee)
    episodes = history["episodes"]
    open_episode = next((e for e in episodes if e.released_at is None), None)
    can_status = can(user, "workforce.status")
    can_link = can(user, "workforce.edit") and employee.user_id is None
    context = {
        "employee": employee,
        "reasons": [r for r in (employee.decision_reason or "").split("；") if r],
        "history": employee.status_changes.select_related("actor")[:50],
        "episodes": episodes,
        "readings": history["readings"],
        "tests": history["tests"],
        "entries": history["entries"],
        "open_episode": open_episode,
        "stops": employee.travel_stops.all(),
        "contacts": employee.close_contacts.all(),
        "blockers": work_blockers(employee),
        "may_unmask": may_unmask(user, employee),
        "can_edit": can(user, "workforce.edit"),
        "can_status": can_status,
        "can_isolation": can(user, "workforce.isolation"),
        "status_form": forms.get("status_form") or StatusForm(),
        "start_form": forms.get("start_form") or EpisodeStartForm(enterprise=employee.enterprise),
        "release_form": forms.get("release_form") or EpisodeReleaseForm(),
        "revealed": forms.get("revealed"),
        "eval_error": forms.get("eval_error"),
        "buffer": EpisodeKind.BUFFER,
        "account": employee.user,
        "link_form": (forms.get("link_form") or LinkAccountForm(candidates=_linkable(employee)))
        if can_link
        else None,
    }
    return render(request, "workforce/employee/detail.html", context, status=status)


def _linkable(employee):
    """The firm's employee-role accounts that no file uses yet: what 关联登录账号 offers."""
    from fugong.accounts.models import User

    return User.objects.filter(
        role=Role.EMPLOYEE, enterprise_id=employee.enterprise_id, is_active=True, employee_file__isnull=True
    ).order_by("username")


@login_required
@require_POST
def employee_account(request, pk: int):
    """关联登录账号: the employee's own login, for their phone page (``services.link_account``)."""
    user = request.user
    employee = _employee(user, pk)
    require(user, "workforce.edit")
    form = LinkAccountForm(request.POST, candidates=_linkable(employee))
    if form.is_valid():
        try:
            services.link_account(user, employee, form.cleaned_data["user"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _("已关联登录账号：%(account)s") % {"account": form.cleaned_data["user"].username},
            )
            return redirect("workforce:employee", pk=pk)
    return _card(request, employee, status=400, link_form=form)


# -- travel stops and close contacts ---------------------------------------------------------------------------

_ROW_KEY = re.compile(r"^(stops|contacts)\[(\d+)\](?:\.(\w+))?$")


def _kept_rows(formset) -> list[tuple]:
    """(form, values) for each row to save, in page order: rows marked 删除 or left wholly empty drop out."""
    kept = []
    for form in formset.forms:
        data = form.cleaned_data
        if data.get("DELETE"):
            continue
        values = {k: v for k, v in data.items() if k != "DELETE"}
        if any(v not in ("", None, False) for v in values.values()):
            kept.append((form, values))
    return kept


def _travel_formsets(request, employee):
    if request.method == "POST":
        data = request.POST.copy()
        add = data.get("add")
        if add in ("stops", "contacts"):
            # Without JavaScript "增加一行" posts the page back with one more empty row; nothing is saved.
            key = f"{add}-TOTAL_FORMS"
            data[key] = str(int(data.get(key) or 0) + 1) if (data.get(key) or "0").isdigit() else data[key]
        return TravelStopFormSet(data, prefix="stops"), CloseContactFormSet(data, prefix="contacts"), add
    stops = [
        {
            "region_code": s.region_code,
            "place": s.place,
            "from_date": s.from_date.isoformat(),
            "to_date": s.to_date.isoformat(),
        }
        for s in employee.travel_stops.order_by("from_date", "pk")
    ]
    contacts = [
        {"contact_date": c.contact_date.isoformat(), "description": c.description, "with_case": c.with_case}
        for c in employee.close_contacts.order_by("contact_date", "pk")
    ]
    # One empty row to type into when there is nothing yet.
    return (
        TravelStopFormSet(prefix="stops", initial=stops or [{}]),
        CloseContactFormSet(prefix="contacts", initial=contacts or [{}]),
        None,
    )


@login_required
@never_cache
def employee_travel(request, pk: int):
    """修改旅居史/接触史: rows to add and remove, saved all at once through ``travel.set_travel`` (the
    same rules and messages as ``PUT /api/v1/employees/{id}/travel/``), then the return decision is redone."""
    user = request.user
    employee = _employee(user, pk)
    require(user, "workforce.edit")
    stops, contacts, add = _travel_formsets(request, employee)
    errors: list[str] = []
    version = request.POST.get("version") if request.method == "POST" else employee.version
    if request.method == "POST" and not add:
        if stops.is_valid() and contacts.is_valid():
            kept = {"stops": _kept_rows(stops), "contacts": _kept_rows(contacts)}
            try:
                set_travel(
                    user,
                    employee,
                    [values for _form, values in kept["stops"]],
                    [values for _form, values in kept["contacts"]],
                    expected_version=version,
                )
            except ValidationError as exc:
                for key, messages_ in exc.message_dict.items():
                    match = _ROW_KEY.match(key)
                    if match and int(match.group(2)) < len(kept[match.group(1)]):
                        form = kept[match.group(1)][int(match.group(2))][0]
                        field = match.group(3)
                        form.add_error(field if field in form.fields else None, messages_)
                    else:
                        errors.extend(messages_)
            except EmployeeConflict as exc:
                errors.append(exc.message)
            else:
                messages.success(request, _("已保存旅居史和接触史，并已重新判定"))
                return redirect("workforce:employee", pk=pk)
        errors.extend(str(e) for e in stops.non_form_errors())
        errors.extend(str(e) for e in contacts.non_form_errors())
        failed = True
    else:
        failed = False
    return render(
        request,
        "workforce/employee/travel.html",
        {"employee": employee, "stops": stops, "contacts": contacts, "errors": errors, "version": version},
        status=400 if failed else 200,
    )


@login_required
@never_cache
def employee_detail(request, pk: int):
    return _card(request, _employee(request.user, pk))


@login_required
@never_cache
@require_POST
def employee_reveal(request, pk: int):
    """查看完整身份证号: shown once on this response; the service writes the audit entry."""
    employee = _employee(request.user, pk)
    number = services.reveal_id_number(request.user, employee)
    return _card(request, employee, revealed=number)


@login_required
def employee_create(request):
    user = request.user
    require(user, "workforce.edit")
    firm = _own_firm(user)
    form = EmployeeForm(request.POST or None, enterprise=firm)
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.register_employee(user, firm, form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已建档：%(name)s") % {"name": employee.name})
            return redirect("workforce:employee", pk=employee.pk)
    return render(
        request,
        "workforce/employee/form.html",
        {"form": form, "firm": firm, "employee": None},
        status=400 if form.errors else 200,
    )


@login_required
def employee_edit(request, pk: int):
    user = request.user
    require(user, "workforce.edit")
    employee = _employee(user, pk)
    if request.method == "POST":
        form = EmployeeForm(request.POST, enterprise=employee.enterprise, employee=employee)
        if form.is_valid():
            try:
                services.update_employee(user, employee, form.service_data(), form.cleaned_data["version"])
            except ValidationError as exc:
                form.add_service_errors(exc)
            except EmployeeConflict as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已保存：%(name)s") % {"name": employee.name})
                return redirect("workforce:employee", pk=employee.pk)
    else:
        form = EmployeeForm(enterprise=employee.enterprise, employee=employee)
        form.initial["version"] = employee.version
    return render(
        request,
        "workforce/employee/form.html",
        {"form": form, "firm": employee.enterprise, "employee": employee},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def employee_status(request, pk: int):
    user = request.user
    require(user, "workforce.status")
    employee = _employee(user, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(user, employee, form.cleaned_data["status"], form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("状态已变更"))
            return redirect("workforce:employee", pk=pk)
    return _card(request, employee, status=400, status_form=form)


@login_required
@require_POST
def employee_reevaluate(request, pk: int):
    user = request.user
    require(user, "workforce.status")
    employee = _employee(user, pk)
    try:
        services.apply_evaluation(user, employee)
    except ValidationError as exc:
        return _card(request, employee, status=400, eval_error="；".join(exc.messages))
    messages.success(request, _("已按现行政策重新判定"))
    return redirect("workforce:employee", pk=pk)


@login_required
@require_POST
def episode_start(request, pk: int):
    user = request.user
    require(user, "workforce.isolation")
    employee = _employee(user, pk)
    form = EpisodeStartForm(request.POST, enterprise=employee.enterprise)
    if form.is_valid():
        data = form.cleaned_data
        try:
            start_episode(
                user,
                employee,
                data["kind"],
                data["started_on"],
                data["place"],
                data["reason"],
                place_note=data["place_note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已开始隔离/缓冲"))
            return redirect("workforce:employee", pk=pk)
    return _card(request, employee, status=400, start_form=form)


@login_required
@require_POST
def episode_release(request, pk: int):
    """Release an episode, from the health card or the board (``next=board``)."""
    user = request.user
    require(user, "workforce.isolation")
    episode = get_visible_or_404(IsolationEpisode.objects.select_related("employee"), user, pk=pk)
    employee = _employee(user, episode.employee_id)
    form = EpisodeReleaseForm(request.POST)
    if form.is_valid():
        try:
            release_episode(
                user,
                episode,
                form.cleaned_data["note"],
                nucleic_negative_at=form.cleaned_data["nucleic_negative_at"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已解除：%(name)s") % {"name": employee.name})
            if request.POST.get("next") == "board":
                return redirect("workforce:isolation")
            return redirect("workforce:employee", pk=employee.pk)
    if request.POST.get("next") == "board":
        return _board(request, status=400, failed=(episode.pk, form))
    return _card(request, employee, status=400, release_form=form)


# -- the isolation board ------------------------------------------------------------------------------------


def _board(request, *, status=200, failed=None):
    user = request.user
    require(user, "workforce.isolation")
    firms = Enterprise.objects.visible_to(user).order_by("name").only("pk", "name")
    firm = None
    if user.role == Role.ENTERPRISE:
        firm = user.enterprise
    elif request.GET.get("firm", "").isdigit():
        firm = firms.filter(pk=request.GET["firm"]).first()
    episodes = selectors.isolation_board(user, enterprise=firm)
    for episode in episodes:
        episode.form = failed[1] if failed and failed[0] == episode.pk else EpisodeReleaseForm()
    context = {
        "episodes": episodes,
        "firm": firm,
        "firms": firms if user.role != Role.ENTERPRISE else None,
        "isolating": sum(1 for e in episodes if e.kind == EpisodeKind.ISOLATION),
        "buffering": sum(1 for e in episodes if e.kind == EpisodeKind.BUFFER),
        "due": sum(1 for e in episodes if e.overdue),
        "buffer": EpisodeKind.BUFFER,
    }
    return render(request, "workforce/isolation/board.html", context, status=status)


@login_required
def isolation_board(request):
    """隔离观察: open isolation and buffer episodes, soonest release first, with release buttons."""
    return _board(request)


# -- the employee's own phone page --------------------------------------------------------------------------


@login_required
@never_cache
def me(request):
    """我的健康: the employee's own status, decision, days left and what is due, on a phone."""
    require(request.user, "workforce.self")
    employee = selectors.employee_for_user(request.user)
    summary = selectors.self_summary(employee) if employee is not None else None
    # The person's own 隔离观察通知书 (issue 13), when they are a confirmed close contact.
    from fugong.incidents.notices.services import own_notices

    notices = own_notices(request.user) if employee is not None else []
    context = {"employee": employee, "summary": summary, "notices": notices}
    return render(request, "workforce/me/index.html", context)
