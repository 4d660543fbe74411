import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fugong.accounts.views import capability_required
from fugong.audit import labels, selectors
from fugong.audit.filters import AuditEntryFilter
from fugong.audit.services import verify_chain
from fugong.core import dates
from fugong.core.tables import Column, label_ranks, ranked, sorted_table

# 动作 and 对象类型 sort by the names shown in the rows, not by the stored codes (see entry_list).
COLUMNS = [
    Column(gettext_lazy("编号"), "id", ("id",)),
    Column(gettext_lazy("时间"), "at", ("at",)),
    Column(gettext_lazy("操作人"), "actor", ("actor_label",)),
    Column(gettext_lazy("动作"), "action", ("action_rank",)),
    Column(gettext_lazy("对象类型"), "object_type", ("object_type_rank",)),
    Column(gettext_lazy("对象")),
    Column(gettext_lazy("说明")),
]
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


@require_GET
@capability_required("audit.view")
def entry_list(request):
    filterset = AuditEntryFilter(
        request.GET or None, queryset=selectors.entries_visible_to(request.user).order_by("-id")
    )
    entries = filterset.qs if filterset.is_valid() or not request.GET else filterset.queryset.none()
    # The codes in scope with their names, sorted by name: the filters' choices, and the rank of each code
    # that the two name columns sort by. An alias is computed only when that column is the sort.
    actions = labels.action_choices(selectors.distinct_actions(request.user))
    object_types = labels.object_type_choices(selectors.distinct_object_types(request.user))
    entries = entries.alias(
        action_rank=ranked("action", label_ranks(actions)),
        object_type_rank=ranked("object_type", label_ranks([("", "—"), *object_types])),
    )
    table = sorted_table(request, entries, COLUMNS, default="-id", tiebreak=("-id",))
    return render(
        request,
        "audit/list.html",
        {
            "filter": filterset,
            "table": table,
            "page": table.page,
            "actions": actions,
            "object_types": object_types,
        },
        status=400 if filterset.form.errors else 200,
    )


def _field(object_type: str, key: str):
    try:
        return apps.get_model(object_type)._meta.get_field(key)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _field_label(object_type: str, key: str) -> str:
    field = _field(object_type, key)
    if field is not None and hasattr(field, "verbose_name"):
        return str(field.verbose_name)
    return labels.key_label(key)


def _show(value, field=None) -> str:
    """A stored value as people read it: choices by their names, times local, lists and maps spelled out."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    choices = dict(getattr(field, "flatchoices", None) or [])
    if not isinstance(value, (list, dict)) and value in choices:
        return str(choices[value])
    if isinstance(value, str):
        if ISO_MOMENT.match(value):
            return dates.format_datetime(value) if "T" in value else dates.format_date(value)
        return value
    if isinstance(value, list):
        return "、".join(_show(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_show(v)}" for k, v in value.items()) if value else "—"
    return str(value)


def _diff_rows(entry) -> list[dict]:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    rows = []
    for key in keys:
        field = _field(entry.object_type, key)
        rows.append(
            {
                "key": key,
                "label": _field_label(entry.object_type, key),
                "before": _show(before.get(key), field) if key in before else "",
                "after": _show(after.get(key), field) if key in after else "",
                "changed": key in before and key in after and before[key] != after[key],
            }
        )
    return rows


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
