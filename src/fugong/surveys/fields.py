"""The catalogue of questions a survey campaign may ask (摸排), defined as data.

A campaign lists the keys it asks; the answer form, the validation, the summary and the Excel columns
are all built from this one table, so a new question is one entry here. Answers are stored as JSON:
counts as integers, dates as ISO text, yes/no as booleans, supplies demand as ``{item: quantity}`` for
every item of ``SUPPLY_CHOICES``, notes as text.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.policy.parameters import SUPPLY_CHOICES

COUNT = "count"
DATE = "date"
SUPPLIES = "supplies"
YESNO = "yesno"
TEXT = "text"

MAX_COUNT = 1_000_000
MAX_TEXT = 1000


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str
    help: str = ""
    required: bool = True


CATALOGUE: tuple[FieldSpec, ...] = (
    FieldSpec("staying_headcount", gettext_lazy("留本地过节员工人数"), COUNT),
    FieldSpec("leaving_headcount", gettext_lazy("离开本地过节员工人数"), COUNT),
    FieldSpec("planned_stop_date", gettext_lazy("计划停工日期"), DATE),
    FieldSpec("planned_resume_date", gettext_lazy("计划复工日期"), DATE),
    FieldSpec("expected_returners", gettext_lazy("预计返岗人数"), COUNT),
    FieldSpec("returners_from_risk_areas", gettext_lazy("来自中高风险地区的返岗人数"), COUNT),
    FieldSpec(
        "supplies_demand",
        gettext_lazy("防疫物资需求"),
        SUPPLIES,
        gettext_lazy("每项填写需要的数量，不需要的填0或留空"),
    ),
    FieldSpec("returner_screening_done", gettext_lazy("返岗人员排查是否完成"), YESNO),
    FieldSpec("notes", gettext_lazy("其他情况说明"), TEXT, required=False),
)
BY_KEY = {spec.key: spec for spec in CATALOGUE}
KEYS = tuple(BY_KEY)
SUPPLY_KEYS = tuple(key for key, _label in SUPPLY_CHOICES)
SUPPLY_LABELS = dict(SUPPLY_CHOICES)


def choices():
    return [(spec.key, spec.label) for spec in CATALOGUE]


def ordered(keys) -> list[str]:
    """The keys in catalogue order (the order the form and the workbook show them)."""
    wanted = set(keys)
    return [key for key in KEYS if key in wanted]


def supply_error_key(item: str) -> str:
    return f"supplies_demand.{item}"


def _count(raw, label, errors, key, *, required=True):
    text = str(raw if raw is not None else "").strip()
    if text == "":
        if required:
            errors[key] = _("%(label)s：必须填写") % {"label": label}
        return 0
    if isinstance(raw, bool) or not text.isdigit() or int(text) > MAX_COUNT:
        errors[key] = _("%(label)s：应为0至%(max)d之间的整数") % {"label": label, "max": MAX_COUNT}
        return None
    return int(text)


def _date(raw, label, errors, key):
    text = str(raw or "").strip()
    if not text:
        errors[key] = _("%(label)s：必须填写") % {"label": label}
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        errors[key] = _("%(label)s：应为有效日期，如2021-02-01") % {"label": label}
        return None


def _yesno(raw, label, errors, key):
    if raw in (True, "yes", "true", "1", 1):
        return True
    if raw in (False, "no", "false", "0", 0):
        return False
    errors[key] = _("%(label)s：请选择“是”或“否”") % {"label": label}
    return None


def _supplies(raw, label, errors):
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        errors["supplies_demand"] = _("%(label)s：应按物资逐项填写数量") % {"label": label}
        return None
    unknown = sorted(set(raw) - set(SUPPLY_KEYS))
    if unknown:
        errors["supplies_demand"] = _("%(label)s：没有这项物资（%(items)s）") % {
            "label": label,
            "items": "、".join(map(str, unknown)),
        }
    demand = {}
    for item in SUPPLY_KEYS:
        item_label = _("%(label)s（%(item)s）") % {"label": label, "item": SUPPLY_LABELS[item]}
        demand[item] = _count(raw.get(item), item_label, errors, supply_error_key(item), required=False)
    return demand


def clean_answers(keys, data) -> dict:
    """The answers to ``keys`` cleaned from ``data`` (a dict of raw values); every error at once as a
    ValidationError whose keys are field keys (``supplies_demand.<item>`` for one item's quantity) and
    whose messages start with the field's Chinese label."""
    from django.core.exceptions import ValidationError

    if not isinstance(data, dict):
        raise ValidationError({"answers": _("填报内容：格式不正确")})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(keys))
    if unknown:
        errors["answers"] = _("填报内容：本次摸排不含这些项目（%(keys)s）") % {
            "keys": "、".join(map(str, unknown))
        }
    answers = {}
    for key in ordered(keys):
        spec = BY_KEY[key]
        raw = data.get(key)
        if spec.kind == COUNT:
            answers[key] = _count(raw, spec.label, errors, key)
        elif spec.kind == DATE:
            answers[key] = _date(raw, spec.label, errors, key)
        elif spec.kind == YESNO:
            answers[key] = _yesno(raw, spec.label, errors, key)
        elif spec.kind == SUPPLIES:
            answers[key] = _supplies(raw, spec.label, errors)
        else:
            text = str(raw or "").strip()
            if len(text) > MAX_TEXT:
                errors[key] = _("%(label)s：不能超过%(n)d个字") % {"label": spec.label, "n": MAX_TEXT}
            answers[key] = text
    _cross_checks(answers, errors)
    if errors:
        raise ValidationError(errors)
    return answers


def _cross_checks(answers, errors) -> None:
    stop, resume = answers.get("planned_stop_date"), answers.get("planned_resume_date")
    if stop and resume and resume < stop and "planned_resume_date" not in errors:
        errors["planned_resume_date"] = _("%(label)s：不能早于计划停工日期") % {
            "label": BY_KEY["planned_resume_date"].label
        }
    expected, risky = answers.get("expected_returners"), answers.get("returners_from_risk_areas")
    if isinstance(expected, int) and isinstance(risky, int) and risky > expected:
        errors.setdefault(
            "returners_from_risk_areas",
            _("%(label)s：不能多于预计返岗人数") % {"label": BY_KEY["returners_from_risk_areas"].label},
        )


def display(spec: FieldSpec, value) -> str:
    """An answer as people read it (dates in Chinese, 是/否, supplies by name); "—" when empty."""
    from fugong.core.dates import format_date

    if value in (None, ""):
        return "—"
    if spec.kind == DATE:
        try:
            return format_date(dt.date.fromisoformat(value))
        except (TypeError, ValueError):
            return "—"
    if spec.kind == YESNO:
        return str(_("是") if value else _("否"))
    if spec.kind == SUPPLIES:
        parts = [f"{SUPPLY_LABELS[k]}{value.get(k)}" for k in SUPPLY_KEYS if value.get(k)]
        return "、".join(str(p) for p in parts) or str(_("无需求"))
    return str(value)
