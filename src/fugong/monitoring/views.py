"""Pages of daily monitoring: the employee's phone check-in, the firm's shift sheet, alerts and missing
rounds (SPEC §6)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fugong.accounts.roles import require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.monitoring import schedule, selectors, services, shift_excel
from fugong.monitoring.models import Alert, AlertStatus, CheckinSource, HealthCheckin, Symptom
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import HealthCode
from fugong.workforce.selectors import employee_for_user

QUICK_TEMPERATURES = ["36.2", "36.4", "36.5", "36.6", "36.8", "37.0"]
ALERT_COLUMNS = [
    Column(gettext_lazy("时间"), "raised_at", ("raised_at",)),
    Column(gettext_lazy("企业"), "enterprise", ("enterprise__name",)),
    Column(gettext_lazy("员工"), "employee", ("employee__name",)),
    Column(gettext_lazy("类型"), "kind", ("kind",)),
    Column(gettext_lazy("内容")),
    Column(gettext_lazy("隔离处置")),
    # Open, then acknowledged, then closed (the selector's ``_order``), newest first within each.
    Column(gettext_lazy("状态"), "status", ("_order",)),
    Column(gettext_lazy("操作")),
]


def round_context(policy, taken, now=None) -> dict:
    """What the check-in form says about the day's rounds: each round's window, whether every round is
    done, and — outside every window — when the next one opens; or that the policy sets no rounds."""
    rounds = schedule.rounds_of(policy)
    moment = timezone.localtime(now).time() if now is not None else timezone.localtime().time()
    context = {"rounds": schedule.windows(rounds), "no_rounds": "", "not_open": "", "all_done": False}
    if not rounds:
        context["no_rounds"] = schedule.no_rounds_message(policy)
        return context
    context["all_done"] = len({c.round for c in taken}) >= len(rounds)
    if schedule.round_for_time(rounds, moment) is None:
        number = schedule.next_opening(rounds, moment)
        context["not_open"] = schedule.not_open_message(policy, rounds, number)
    return context


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


@login_required
@never_cache
def checkin(request):
    """健康打卡 on a phone. Every load carries a fresh submission key, so a double tap or a resend after
    a dropped connection answers the first record instead of storing a second one."""
    require(request.user, "monitoring.checkin.self")
    employee = employee_for_user(request.user)
    errors: list[str] = []
    posted = {}
    if request.method == "POST" and employee is not None:
        posted = {
            "temperature": request.POST.get("temperature", "").strip(),
            "symptoms": request.POST.getlist("symptoms"),
            "health_code": request.POST.get("health_code", ""),
        }
        try:
            row, _created = services.record_checkin(
                request.user,
                employee,
                temperature=posted["temperature"],
                symptoms=posted["symptoms"],
                health_code=posted["health_code"],
                source=CheckinSource.SELF,
                client_key=request.POST.get("client_key") or None,
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect(reverse("monitoring:checkin") + f"?done={row.pk}")
    done = None
    today = timezone.localdate()
    taken, rounds = [], round_context(None, [])
    if employee is not None:
        if request.GET.get("done", "").isdigit():
            done = (
                HealthCheckin.objects.visible_to(request.user)
                .filter(pk=request.GET["done"], employee=employee)
                .first()
            )
        taken = list(
            HealthCheckin.objects.visible_to(request.user)
            .filter(employee=employee, day=today)
            .order_by("round")
        )
        rounds = round_context(find_policy_for(employee.enterprise.town, today), taken)
    return render(
        request,
        "monitoring/checkin.html",
        {
            "employee": employee,
            "done": done,
            "errors": errors,
            "posted": posted,
            **rounds,
            "taken": taken,
            "client_key": uuid.uuid4().hex,
            "quick": QUICK_TEMPERATURES,
            "symptoms": Symptom.choices,
            "health_codes": [c for c in HealthCode.choices if c[0]],
        },
        status=400 if errors else 200,
    )


def _own_firm(user) -> Enterprise:
    require(user, "monitoring.checkin.record")
    if user.enterprise_id is None:
        raise PermissionDenied
    return Enterprise.objects.select_related("town").get(pk=user.enterprise_id)


@login_required
@never_cache
def bulk(request):
    """批量录入: one round of the firm's people on site, a temperature per row, stored at once."""
    firm = _own_firm(request.user)
    policy = find_policy_for(firm.town, timezone.localdate())
    rounds = schedule.rounds_of(policy)
    # The round whose window is open now, else the last one opened (a sheet entered late), else the first.
    moment = timezone.localtime().time()
    current = schedule.round_for_time(rounds, moment) or schedule.latest_opened(rounds, moment) or 1
    try:
        chosen = int(request.POST.get("round") or request.GET.get("round") or current)
    except ValueError:
        chosen = current
    chosen = min(max(chosen, 1), len(rounds) or 1)
    people = list(selectors.on_site_people(request.user, firm))
    results = {}
    summary = None
    sheet = None
    if request.method == "POST" and request.POST.get("action") == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要上传的Excel文件"))
        else:
            sheet = shift_excel.import_shift_sheet(request.user, firm, upload, default_round=chosen)
    elif request.method == "POST":
        rows, owners = [], []
        for person in people:
            value = request.POST.get(f"t_{person.pk}", "").strip()
            if not value:
                continue
            rows.append(
                {
                    "employee": person.pk,
                    "temperature": value,
                    "symptoms": request.POST.getlist(f"s_{person.pk}"),
                    "round": chosen,
                }
            )
            owners.append(person.pk)
        result = services.record_bulk(request.user, firm, rows, source=CheckinSource.BULK)
        results = {owners[r.index]: r for r in result.rows}
        summary = result
    done = dict(
        HealthCheckin.objects.visible_to(request.user)
        .filter(enterprise=firm, day=timezone.localdate(), round=chosen)
        .values_list("employee_id", "temperature")
    )
    table = [{"person": p, "result": results.get(p.pk), "done": done.get(p.pk)} for p in people]
    return render(
        request,
        "monitoring/bulk.html",
        {
            "firm": firm,
            "rounds": schedule.windows(rounds),
            "no_rounds": "" if rounds else schedule.no_rounds_message(policy),
            "chosen": chosen,
            "table": table,
            "summary": summary,
            "sheet": sheet,
        },
        status=400 if sheet is not None and sheet.error else 200,
    )


@login_required
def bulk_template(request):
    """The shift sheet for the chosen round, prefilled with the people on site (姓名, 员工编号)."""
    firm = _own_firm(request.user)
    try:
        number = int(request.GET.get("round") or 0) or None
    except ValueError:
        number = None
    body = shift_excel.template_workbook(request.user, firm, number)
    response = HttpResponse(body, content_type=shift_excel.XLSX_CONTENT_TYPE)
    filename = f"体温登记表-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def alerts(request):
    """健康监测: alerts in the user's scope, open first, with acknowledge and close."""
    require(request.user, "monitoring.alerts")
    status = request.GET.get("status", "")
    if status not in AlertStatus.values:
        status = ""
    q = request.GET.get("q", "").strip()
    rows = selectors.alerts_visible_to(request.user, status or None)
    if q:
        rows = rows.filter(Q(employee__name__icontains=q) | Q(enterprise__name__icontains=q))
    table = sorted_table(request, rows, ALERT_COLUMNS, default="status", tiebreak=("-raised_at", "-id"))
    counts = {s: selectors.alerts_visible_to(request.user, s).count() for s in AlertStatus.values}
    return render(
        request,
        "monitoring/alerts.html",
        {
            "table": table,
            "alerts": table.page,
            "status": status,
            "q": q,
            "statuses": AlertStatus.choices,
            "counts": counts,
        },
    )


def _alert_action(request, pk, fn):
    require(request.user, "monitoring.alerts")
    alert = get_visible_or_404(Alert, request.user, pk=pk)
    try:
        fn(request.user, alert, request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, _("已更新预警状态"))
    # Back to the same page of the list, with its sort and filters.
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("monitoring:alerts")


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    return _alert_action(request, pk, services.acknowledge_alert)


@login_required
@require_POST
def alert_close(request, pk: int):
    return _alert_action(request, pk, services.close_alert)


@login_required
def missing(request):
    """漏测名单: per firm, people on site lacking a round that is due by now."""
    require(request.user, "monitoring.alerts")
    groups, unset = selectors.missing_overview(request.user)
    return render(
        request,
        "monitoring/missing.html",
        {"groups": groups, "unset": unset, "now": timezone.localtime()},
    )
