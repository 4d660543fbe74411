"""Pages of the enterprise register. Each asks ``can`` first and reads only through scoped selectors."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises import excel, importing, selectors, services
from fugong.enterprises.filters import EnterpriseFilter
from fugong.enterprises.forms import EnterpriseForm, ImportForm, StatusChangeForm
from fugong.enterprises.models import STATUS_TRANSITIONS, Enterprise

PAGE_SIZE = 50
# The register's columns; those with sort fields are the only sorts the URL may ask for.
COLUMNS = [
    Column(gettext_lazy("企业名称"), "name", ("name",)),
    Column(gettext_lazy("状态"), "status", ("status",)),
    Column(gettext_lazy("统一社会信用代码"), "uscc", ("uscc",)),
    Column(gettext_lazy("所属乡镇"), "town", ("town__code", "name")),
    Column(gettext_lazy("行业主管部门"), "department", ("department__name",)),
    Column(gettext_lazy("职工人数"), "headcount", ("normal_headcount",)),
    Column(gettext_lazy("重点标签")),
]


def _visible(user, pk: int) -> Enterprise:
    return get_visible_or_404(
        Enterprise.objects.select_related("town__parent", "department", "industry_class"), user, pk=pk
    )


def _xlsx(content: bytes, filename: str) -> FileResponse:
    return FileResponse(
        BytesIO(content), as_attachment=True, filename=filename, content_type=excel.XLSX_CONTENT_TYPE
    )


@login_required
def enterprise_list(request):
    user = request.user
    require(user, "enterprise.view")
    filterset = EnterpriseFilter(request.GET, queryset=selectors.enterprises_for(user), request=request)
    table = sorted_table(request, filterset.qs, COLUMNS, default="town", page_size=PAGE_SIZE)
    # Counts ignore the status filter, so that they show how the current selection splits by status.
    counts = selectors.status_counts(
        selectors.filter_enterprises(user, request.GET, request=request, ignore=("status",))
    )
    context = {
        "filter": filterset,
        "table": table,
        "page_obj": table.page,
        "counts": counts,
        "can_create": can(user, "enterprise.create"),
        "can_import": can(user, "enterprise.import"),
        "can_export": can(user, "enterprise.export"),
    }
    partial = request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )
    response = render(request, "enterprises/_results.html" if partial else "enterprises/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def enterprise_detail(request, pk: int):
    user = request.user
    require(user, "enterprise.view")
    enterprise = _visible(user, pk)
    may_change_status = can(user, "enterprise.status") and bool(STATUS_TRANSITIONS[enterprise.status])
    context = {
        "enterprise": enterprise,
        "history": selectors.status_history(enterprise, user)[:100],
        "parts": selectors.enterprise_parts(enterprise, user),
        "can_edit": can(user, "enterprise.edit"),
        "can_edit_inside": can(user, "enterprise.inside.edit"),
        "status_form": StatusChangeForm(enterprise=enterprise) if may_change_status else None,
    }
    return render(request, "enterprises/detail.html", context)


@login_required
def enterprise_create(request):
    user = request.user
    require(user, "enterprise.create")
    form = EnterpriseForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = services.create_enterprise(user, form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已建立企业档案：%(name)s") % {"name": enterprise.name})
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(request, "enterprises/form.html", {"form": form, "enterprise": None})


@login_required
def enterprise_edit(request, pk: int):
    user = request.user
    require(user, "enterprise.edit")
    enterprise = _visible(user, pk)
    form = EnterpriseForm(
        request.POST or None, instance=enterprise, user=user, initial={"version": enterprise.version}
    )
    conflict = False
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enterprise(
                user, enterprise, form.service_data(), form.cleaned_data.get("version")
            )
        except services.VersionConflict as exc:
            form.add_error(None, exc.message)
            conflict = True
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("企业档案已保存。"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return render(
        request, "enterprises/form.html", {"form": form, "enterprise": enterprise, "conflict": conflict}
    )


@login_required
@require_POST
def enterprise_status(request, pk: int):
    user = request.user
    require(user, "enterprise.status")
    enterprise = _visible(user, pk)
    form = StatusChangeForm(request.POST, enterprise=enterprise)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            messages.error(request, f"{label}：{' '.join(errors)}" if label else " ".join(errors))
    else:
        try:
            changed = services.change_status(
                user,
                enterprise,
                form.cleaned_data["status"],
                form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.VersionConflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request, _("企业状态已变更为：%(status)s") % {"status": changed.get_status_display()}
            )
    return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#status")


@login_required
def enterprise_export(request):
    user = request.user
    require(user, "enterprise.export")
    queryset = selectors.filter_enterprises(user, request.GET, request=request)
    content = services.export_register(user, queryset, filters=request.GET)
    return _xlsx(content, f"企业名录-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def import_template(request):
    require(request.user, "enterprise.import")
    return _xlsx(excel.import_template(selectors.visible_towns(request.user)), "企业档案导入模板.xlsx")


@login_required
def enterprise_import(request):
    user = request.user
    require(user, "enterprise.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importing.import_enterprises(
                user, upload, filename=upload.name, on_duplicate=form.cleaned_data["on_duplicate"]
            )
        except importing.ImportFileError as exc:
            form.add_error("file", str(exc))
    return render(request, "enterprises/import.html", {"form": form, "result": result})
