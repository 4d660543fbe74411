import json

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from fugong.accounts.views import capability_required
from fugong.audit import selectors
from fugong.audit.filters import AuditEntryFilter
from fugong.audit.services import verify_chain


@require_GET
@capability_required("audit.view")
def entry_list(request):
    filterset = AuditEntryFilter(
        request.GET or None, queryset=selectors.entries_visible_to(request.user).order_by("-id")
    )
    entries = filterset.qs if filterset.is_valid() or not request.GET else filterset.queryset.none()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/list.html",
        {
            "filter": filterset,
            "page": page,
            "actions": selectors.distinct_actions(request.user),
        },
        status=400 if filterset.form.errors else 200,
    )


def _field_label(object_type: str, key: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.get_field(key).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return key


def _show(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _diff_rows(entry) -> list[dict]:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    return [
        {
            "key": key,
            "label": _field_label(entry.object_type, key),
            "before": _show(before.get(key)) if key in before else "",
            "after": _show(after.get(key)) if key in after else "",
            "changed": key in before and key in after and before[key] != after[key],
        }
        for key in keys
    ]


@require_GET
@capability_required("audit.view")
def entry_detail(request, pk):
    entry = selectors.entries_visible_to(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return render(request, "audit/detail.html", {"entry": entry, "rows": _diff_rows(entry)})


@require_POST
@capability_required("audit.view")
def verify(request):
    report = verify_chain()
    template = "audit/_verify.html" if request.headers.get("HX-Request") else "audit/verify.html"
    return render(request, template, {"report": report})
