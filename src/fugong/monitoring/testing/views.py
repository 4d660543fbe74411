"""核酸抗原检测 (SPEC §6 "Tests"; the cadence is the policy's): the firm enters single results and imports its lab's
sheet; everyone over the firm reads today's due and overdue lists and the recent results of their scope."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from fugong.accounts.roles import can, require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, choice_ranks, ranked, sorted_table
from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import Enterprise
from fugong.monitoring import lab_excel
from fugong.monitoring.models import TestKind, TestOutcome, TestSource
from fugong.monitoring.testing import selectors, services
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import Employee, EmployeeStatus

PAGE_SIZE = 50


def _result_columns(one_firm: bool) -> list[Column]:
    # The firm column only where the list spans several firms.
    return [
        Column(gettext_lazy("采样时间"), "sampled", ("sampled_at",)),
        Column(gettext_lazy("姓名"), "name", ("employee__name",)),
        *([] if one_firm else [Column(gettext_lazy("企业"), "firm", ("enterprise__name",))]),
        Column(gettext_lazy("类型"), "kind", ("kind_rank",)),
        Column(gettext_lazy("结果"), "result", ("result_rank",)),
        Column(gettext_lazy("检测机构"), "lab", ("lab",)),
    ]


def _results_table(request, firm):
    """The results of the user's scope (one firm's when ``firm``), searched, filtered and sorted from the URL."""
    rows = selectors.results_visible_to(request.user)
    if firm is not None:
        rows = rows.filter(enterprise=firm)
    q = request.GET.get("q", "").strip()
    if q:
        rows = rows.filter(employee__name__icontains=q)
    kind = request.GET.get("kind", "")
    if kind in TestKind.values:
        rows = rows.filter(kind=kind)
    result = request.GET.get("result", "")
    if result in TestOutcome.values:
        rows = rows.filter(result=result)
    rows = rows.alias(
        kind_rank=ranked("kind", choice_ranks(TestKind.choices)),
        result_rank=ranked("result", choice_ranks(TestOutcome.choices)),
    )
    table = sorted_table(
        request, rows, _result_columns(firm is not None), default="-sampled", page_size=PAGE_SIZE
    )
    filters = {
        "q": q,
        "kind": kind if kind in TestKind.values else "",
        "result": result if result in TestOutcome.values else "",
    }
    return table, filters


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for ms in exc.message_dict.values() for m in ms]
    return list(exc.messages)


def _own_firm(user) -> Enterprise | None:
    """The firm whose results ``user`` records here, or None for a reader."""
    if not can(user, "monitoring.tests.record") or user.enterprise_id is None:
        return None
    return Enterprise.objects.select_related("town").get(pk=user.enterprise_id)


def _cadence(firm) -> dict:
    """What the firm's policy asks today, for the page's explanation line."""
    policy = find_policy_for(firm.town, timezone.localdate())
    return {"intervals": selectors.intervals(policy), "policy": policy}


@login_required
@never_cache
def tests(request):
    require(request.user, "monitoring.tests.view")
    user = request.user
    firm = _own_firm(user)
    errors: list[str] = []
    posted: dict = {}
    sheet = None
    sheet_error = ""
    status = 200
    if request.method == "POST":
        if firm is None:
            raise PermissionDenied
        if request.POST.get("action") == "upload":
            upload = request.FILES.get("file")
            if upload is None:
                sheet_error = _("请选择要上传的Excel文件")
            else:
                try:
                    sheet = lab_excel.import_lab_sheet(user, firm, upload)
                except ImportFileError as exc:
                    sheet_error = str(exc)
            status = 400 if sheet_error else 200
        else:
            posted = {
                k: request.POST.get(k, "").strip()
                for k in ("employee", "kind", "sampled_at", "result", "lab")
            }
            person = None
            if posted["employee"].isdigit():
                person = (
                    Employee.objects.visible_to(request.user)
                    .filter(enterprise=firm, pk=int(posted["employee"]))
                    .first()
                )
            if person is None:
                errors = [_("「员工」不能为空，请从本企业员工中选择")]
            else:
                try:
                    row, created = services.record_test(
                        user,
                        person,
                        kind=posted["kind"],
                        sampled_at=posted["sampled_at"],
                        result=posted["result"],
                        lab=posted["lab"],
                        source=TestSource.ENTERPRISE,
                        client_key=request.POST.get("client_key") or None,
                    )
                except ValidationError as exc:
                    errors = _errors(exc)
                else:
                    text = _("已保存：%(name)s %(kind)s%(result)s") % {
                        "name": person.name,
                        "kind": row.get_kind_display(),
                        "result": row.get_result_display(),
                    }
                    if not created:
                        text = _("该结果已登记，未重复保存：%(name)s") % {"name": person.name}
                    elif row.effect:
                        text += "。" + row.effect
                    level = messages.warning if row.result == TestOutcome.POSITIVE else messages.success
                    level(request, text)
                    return redirect("monitoring:tests")
            status = 400
    # An officer over many firms gets the counts of each firm and one firm's list at a time: a whole
    # county's people would not fit a page.
    chosen = None
    summary = None
    if firm is not None:
        groups = selectors.tests_due_by_firm(firm)
    else:
        raw = request.GET.get("enterprise", "")
        if raw.isdigit():
            chosen = get_visible_or_404(Enterprise, user, pk=int(raw))
            groups = selectors.tests_due_by_firm(user, enterprise=chosen.pk)
        else:
            groups = []
            summary = selectors.due_summary(user)
    table, filters = _results_table(request, firm or chosen)
    people = []
    if firm is not None:
        people = list(
            Employee.objects.visible_to(request.user)
            .filter(enterprise=firm)
            .exclude(status=EmployeeStatus.LEFT)
            .order_by("name", "pk")
            .only("pk", "name", "employee_no", "status")
        )
    return render(
        request,
        "monitoring/tests.html",
        {
            "firm": firm,
            "cadence": _cadence(firm) if firm is not None else None,
            "groups": groups,
            "chosen": chosen,
            "summary": summary,
            "due_total": sum(len(g["rows"]) for g in groups),
            "overdue_total": sum(g["overdue"] for g in groups),
            "table": table,
            "filters": filters,
            "one_firm": (firm or chosen) is not None,
            "people": people,
            "kinds": TestKind.choices,
            "outcomes": TestOutcome.choices,
            "posted": posted,
            "errors": errors,
            "sheet": sheet,
            "sheet_error": sheet_error,
            "client_key": uuid.uuid4().hex,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def tests_template(request):
    """The blank lab sheet (检测结果表) to hand to the lab."""
    require(request.user, "monitoring.tests.record")
    response = HttpResponse(lab_excel.template_workbook(), content_type=lab_excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "检测结果导入模板.xlsx")
    return response
