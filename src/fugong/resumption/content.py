"""What a resumption application says, in its stored form (SPEC §4): the checks on each field a firm
fills in, with a Chinese message naming the field.

Plain data in, plain data out, nothing read or written: the services run these before they lock a row,
and the forms run them too so that every problem shows at once. What the policy requires of a complete
application is checked at submission (``selectors.submission_errors``), so that a half-typed draft can
be saved.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.enterprises.models import ResumptionMode
from fugong.resumption.models import ApplicationKind, ControlStatus

CONTENT_FIELDS = [
    "kind",
    "planned_start",
    "reason",
    "scope_lines",
    "resumption_mode",
    "commuting_arrangements",
    "staff_summary",
    "plan_sections",
]
FIELD_LABELS = {
    "kind": gettext_lazy("申请类型"),
    "planned_start": gettext_lazy("计划复工时间"),
    "reason": gettext_lazy("复工原因"),
    "scope_lines": gettext_lazy("复工范围（产线）"),
    "resumption_mode": gettext_lazy("复工方式"),
    "commuting_arrangements": gettext_lazy("通勤安排"),
    "staff_summary": gettext_lazy("返岗人员情况"),
    "plan_sections": gettext_lazy("复工方案"),
}
STAFF_SUMMARY_KEYS = ("total", "by_district", "by_control_status", "by_commute", "buses")


def _as_datetime(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    else:
        text = str(value).strip()
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise ValueError(text)
            moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        # People write Beijing time; a bare date is the start of that day.
        moment = timezone.make_aware(moment)
    return moment


def _non_negative_counts(value, label, allowed_keys, errors, key_label=None):
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        errors.append(_("%(label)s须为“类别: 人数”的对照表") % {"label": label})
        return {}
    out = {}
    for key, count in value.items():
        name = str(key).strip()
        if allowed_keys is not None and name not in allowed_keys:
            errors.append(
                _("%(label)s中的「%(key)s」无效，可选：%(opts)s")
                % {
                    "label": label,
                    "key": name,
                    "opts": "、".join(f"{k}（{v}）" for k, v in allowed_keys.items()),
                }
            )
            continue
        if not name or len(name) > 50:
            errors.append(_("%(label)s中的名称须为1–50个字") % {"label": label})
            continue
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            errors.append(
                _("%(label)s中「%(key)s」的人数须为不小于0的整数")
                % {"label": label, "key": key_label(name) if key_label else name}
            )
            continue
        out[name] = count
    return out


def clean_staff_summary(value) -> tuple[dict, list[str]]:
    """The returning-staff summary in its stored shape, and what is wrong with its form.

    ``{"total": 120, "by_district": {"甲县": 100, "乙区": 20}, "by_control_status": {"precaution": 20,
    "none": 100}, "by_commute": {"closed_in_plant": 80, "point_to_point": 40}, "buses": {"count": 2,
    "seats_per_bus": 30, "routes": "…"}}``. Whether the parts add up is checked at submission, so
    that a half-typed draft can be saved.
    """
    errors: list[str] = []
    if value in (None, ""):
        return {}, errors
    if not isinstance(value, dict):
        return {}, [_("返岗人员情况格式不正确")]
    unknown = sorted(set(value) - set(STAFF_SUMMARY_KEYS))
    if unknown:
        errors.append(_("返岗人员情况含有未知项：%(keys)s") % {"keys": "、".join(unknown)})
    out: dict = {}
    total = value.get("total")
    if total not in (None, ""):
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            errors.append(_("返岗总人数须为不小于0的整数"))
        else:
            out["total"] = total
    controls = dict(ControlStatus.choices)
    commutes = dict(ResumptionMode.choices)
    parts = {
        "by_district": (_("按所在区县统计"), None),
        "by_control_status": (_("按居住地管控状态统计"), controls),
        "by_commute": (_("按通勤方式统计"), commutes),
    }
    for key, (label, allowed) in parts.items():
        counts = _non_negative_counts(
            value.get(key),
            label,
            {k: str(v) for k, v in allowed.items()} if allowed else None,
            errors,
            key_label=(lambda k, a=allowed: str(a.get(k, k))) if allowed else None,
        )
        if counts:
            out[key] = counts
    buses = value.get("buses")
    if buses not in (None, ""):
        if not isinstance(buses, dict) or set(buses) - {"count", "seats_per_bus", "routes"}:
            errors.append(_("班车需求须包含 count（班车数）、seats_per_bus（每车人数）、routes（线路）"))
        else:
            clean = {}
            for key, label in (("count", _("班车数")), ("seats_per_bus", _("每车乘坐人数"))):
                n = buses.get(key)
                if n in (None, ""):
                    continue
                if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                    errors.append(_("%(label)s须为不小于0的整数") % {"label": label})
                else:
                    clean[key] = n
            routes = str(buses.get("routes") or "").strip()
            if len(routes) > 1000:
                errors.append(_("班车线路不能超过1000字"))
            elif routes:
                clean["routes"] = routes
            if clean:
                out["buses"] = clean
    return out, errors


def clean_content(data: dict, sections: dict[str, str] | None = None) -> dict:
    """The application fields from ``data`` in stored form; ValidationError naming each bad field.

    ``sections`` are the plan sections the policy in force defines (key → name); plan text is only
    accepted for those."""
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def add(name, message):
        errors.setdefault(name, []).append(str(message))

    for name in sorted(set(data) - set(CONTENT_FIELDS)):
        add(name, _("「%(field)s」不能在复工申请中填写") % {"field": name})
    if "kind" in data:
        if data["kind"] not in ApplicationKind.values:
            add(
                "kind",
                _("申请类型无效，可选：%(opts)s")
                % {"opts": "、".join(str(label) for label in ApplicationKind.labels)},
            )
        else:
            out["kind"] = data["kind"]
    if "planned_start" in data:
        try:
            out["planned_start"] = _as_datetime(data["planned_start"])
        except (ValueError, TypeError):
            add("planned_start", _("计划复工时间格式不正确，例如 2020-02-10 08:00"))
    for name, limit in (("reason", 2000), ("commuting_arrangements", 2000)):
        if name in data:
            text = "" if data[name] is None else str(data[name]).strip()
            if len(text) > limit:
                add(name, _("%(field)s不能超过%(n)d字") % {"field": FIELD_LABELS[name], "n": limit})
            else:
                out[name] = text
    if "scope_lines" in data:
        raw = data["scope_lines"] or []
        if isinstance(raw, str):
            raw = raw.splitlines()
        if not isinstance(raw, list | tuple):
            add("scope_lines", _("复工范围（产线）须为产线名称的列表"))
        else:
            lines = [str(line).strip() for line in raw if str(line or "").strip()]
            if len(lines) > 50:
                add("scope_lines", _("复工范围（产线）最多50条"))
            elif any(len(line) > 200 for line in lines):
                add("scope_lines", _("每条产线不能超过200字"))
            else:
                out["scope_lines"] = lines
    if "resumption_mode" in data:
        mode = data["resumption_mode"] or ""
        if mode and mode not in ResumptionMode.values:
            add(
                "resumption_mode",
                _("复工方式无效，可选：%(opts)s")
                % {"opts": "、".join(str(label) for label in ResumptionMode.labels)},
            )
        else:
            out["resumption_mode"] = mode
    if "staff_summary" in data:
        summary, problems = clean_staff_summary(data["staff_summary"])
        for problem in problems:
            add("staff_summary", problem)
        if not problems:
            out["staff_summary"] = summary
    if "plan_sections" in data:
        raw = data["plan_sections"] or {}
        labels = sections or {}
        if not isinstance(raw, dict):
            add("plan_sections", _("复工方案须为“部分: 内容”的对照表"))
        else:
            filled = {}
            for key, text in raw.items():
                if key not in labels and not str(text or "").strip():
                    continue  # clearing a section the policy no longer has
                if key not in labels:
                    add(
                        "plan_sections",
                        _("现行政策的复工方案没有「%(key)s」这一部分；可填写：%(opts)s")
                        % {"key": key, "opts": "、".join(labels.values()) or _("无")},
                    )
                    continue
                text = "" if text is None else str(text).strip()
                if len(text) > 5000:
                    add(
                        "plan_sections", _("复工方案「%(section)s」不能超过5000字") % {"section": labels[key]}
                    )
                elif text:
                    filled[key] = text
            out["plan_sections"] = filled
    if errors:
        raise ValidationError(errors)
    return out
