"""Reading the stored compliance pictures for the pages and the API — always through ``visible_to``."""

import datetime as dt

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from fugong.compliance.models import ChecklistAnswer, ComplianceDay, ItemStatus
from fugong.policy.models import CheckMethod

# Where a link goes when the page it names is not there yet (an app still being built).
FALLBACK_PATHS = {
    "disinfection:index": "/disinfection/",
    "supplies:index": "/supplies/",
    "arrangements:index": "/arrangements/",
    "workforce:roster": "/workforce/roster/",
    "reports:daily": "/reports/",
    "resumption:index": "/resumption/",
    "compliance:index": "/compliance/",
    "operations:records": "/gate/records/",
}


def href(target: dict | None) -> str:
    """The URL of an item's ``link`` ({"name", "args", "query"}), reversed with a fallback path."""
    if not target:
        return ""
    try:
        url = reverse(target["name"], args=target.get("args") or [])
    except NoReverseMatch:
        url = FALLBACK_PATHS.get(target["name"], "")
        if not url:
            return ""
    query = target.get("query") or ""
    return f"{url}?{query}" if query else url


def status_label(item: dict) -> str:
    if item["status"] == ItemStatus.MET:
        return _("达标")
    if item["status"] == ItemStatus.NOT_MET:
        return _("未达标")
    if item["method"] == CheckMethod.SELF_ASSESSMENT:
        return _("待自查")
    if item["method"] == CheckMethod.INSPECTION:
        return _("待核查")
    return _("无法判定")


def days_visible_to(user, day: dt.date | None = None, town=None, search: str = ""):
    qs = ComplianceDay.objects.visible_to(user).select_related("enterprise", "town")
    if day is not None:
        qs = qs.filter(day=day)
    if town is not None:
        qs = qs.filter(town=town)
    search = (search or "").strip()
    if search:
        qs = qs.filter(Q(enterprise__name__icontains=search) | Q(enterprise__uscc__icontains=search))
    return qs


def current_answers(enterprise) -> dict[tuple[int, str], ChecklistAnswer]:
    """{(item id, kind): the firm's current answer} for its picture page."""
    rows = ChecklistAnswer.objects.filter(enterprise=enterprise, superseded_at__isnull=True).select_related(
        "answered_by", "verified_by"
    )
    return {(a.item_id, a.kind): a for a in rows}


def grouped_items(row: ComplianceDay | None, answers: dict) -> list[dict]:
    """[{"key", "name", "items": [item + "href", "label", "answer"]}] in the stored order."""
    if row is None:
        return []
    groups: list[dict] = []
    for item in row.items:
        if not groups or groups[-1]["key"] != item["checklist"]:
            groups.append({"key": item["checklist"], "name": item["checklist_name"], "items": []})
        kind = item["method"] if item["method"] != CheckMethod.DATA else None
        groups[-1]["items"].append(
            {
                **item,
                "href": href(item.get("link")),
                "label": status_label(item),
                "method_label": CheckMethod(item["method"]).label,
                "answer": answers.get((item.get("item_id"), kind)) if kind else None,
            }
        )
    return groups
