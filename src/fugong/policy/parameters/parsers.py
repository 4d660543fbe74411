"""One parser per parameter kind. Each takes the spec and the raw JSON value and returns the typed
value (None when empty); the structured ones report problems through ``errors``, the scalar ones raise
ValueError and leave the message to ``parsing``."""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from .specs import (
    EFFICIENCY_VALUES,
    PRIORITY_FIELD_CHOICES,
    PRIORITY_MEASURE_CHOICES,
    REVIEW_MODE_CHOICES,
    REVIEW_ROLES,
    Kind,
    ParamSpec,
)
from .values import Commitment, PlanSectionSpec, PriorityFactor, ReviewStep, Round, Term

_DEPT_RE = re.compile(r"^dept:(@industry|[-a-zA-Z0-9_]+)$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_TERM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


def _parse_int(spec, raw):
    if isinstance(raw, bool) or not isinstance(raw, (int, str, Decimal, float)):
        raise ValueError
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError
    value = int(Decimal(str(raw).strip()))
    if Decimal(str(raw).strip()) != value:
        raise ValueError
    if not (spec.min <= value <= spec.max):
        raise ValueError
    return value


def _parse_decimal(spec, raw):
    if isinstance(raw, bool):
        raise ValueError
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValueError from exc
    if not value.is_finite() or not (spec.min <= value <= spec.max):
        raise ValueError
    if -value.as_tuple().exponent > spec.places:
        raise ValueError
    return value


def _parse_bool(raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "是", "1"}:
        return True
    if isinstance(raw, str) and raw.strip().lower() in {"false", "否", "0"}:
        return False
    raise ValueError


def _parse_datetime(raw):
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        value = dt.datetime.fromisoformat(raw.strip())
    else:
        raise ValueError
    if timezone.is_naive(value):
        # People write Beijing time; a bare "2020-02-10 00:00" means that.
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _as_list(raw):
    if isinstance(raw, (list, tuple)):
        return list(raw)
    raise ValueError


def _add_problems(errors, spec, where, n, problems):
    """One message for an item's problems, each given as (the fields it names, separated by spaces; text)."""
    fields = tuple(dict.fromkeys(f for names, _text in problems for f in names.split()))
    errors.add(spec.key, f"{where}：{'；'.join(str(text) for _names, text in problems)}。", n, fields)


def _parse_choices(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为列表。") % {"label": spec.label})
        return None
    allowed = dict(spec.choices)
    bad = [str(i) for i in items if i not in allowed]
    if bad:
        errors.add(
            spec.key,
            _("「%(label)s」含有不认可的选项：%(bad)s；可选：%(opts)s。")
            % {
                "label": spec.label,
                "bad": "、".join(bad),
                "opts": "、".join(f"{k}（{v}）" for k, v in spec.choices),
            },
        )
        return None
    if len(set(items)) != len(items):
        errors.add(spec.key, _("「%(label)s」有重复的选项。") % {"label": spec.label})
        return None
    if not items:
        return None
    # Stored in the order of the choices, so that two versions with the same set compare equal.
    order = [k for k, _label in spec.choices]
    return tuple(sorted(items, key=order.index))


def _parse_checklists(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为检查清单代码的列表。") % {"label": spec.label})
        return None
    bad = [str(i) for i in items if not isinstance(i, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", i)]
    if bad:
        errors.add(
            spec.key,
            _("「%(label)s」中的「%(bad)s」不是有效的清单代码。")
            % {"label": spec.label, "bad": "、".join(bad)},
        )
        return None
    if len(set(items)) != len(items):
        errors.add(spec.key, _("「%(label)s」有重复的清单。") % {"label": spec.label})
        return None
    return tuple(items) or None


def _parse_review_chain(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为环节列表。") % {"label": spec.label})
        return None
    steps, seen = [], set()
    roles = {str(r) for r in REVIEW_ROLES}
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d步") % {"label": spec.label, "n": n}
        if not isinstance(item, dict):
            errors.add(spec.key, _("%(where)s须包含 key、name、participants、mode。") % {"where": where}, n)
            continue
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        participants, mode = item.get("participants"), item.get("mode", "any")
        extra = set(item) - {"key", "name", "participants", "mode"}
        problems = []
        if extra:
            problems.append(("", _("含有未知字段：%(f)s") % {"f": "、".join(sorted(extra))}))
        if not _KEY_RE.match(key):
            problems.append(("key", _("环节代码 key 须为小写英文字母开头的字母、数字或下划线")))
        elif key in seen:
            problems.append(("key", _("环节代码「%(key)s」重复") % {"key": key}))
        if not name:
            problems.append(("name", _("环节名称 name 不能为空")))
        if not isinstance(participants, list) or not participants:
            problems.append(("participants", _("参与方 participants 至少一个")))
        else:
            bad = [
                str(p) for p in participants if not (p in roles or (isinstance(p, str) and _DEPT_RE.match(p)))
            ]
            if bad:
                problems.append(
                    (
                        "participants",
                        _("参与方「%(bad)s」无效，须为 %(roles)s 或 dept:部门代码")
                        % {"bad": "、".join(bad), "roles": "、".join(sorted(roles))},
                    )
                )
            elif len(set(participants)) != len(participants):
                problems.append(("participants", _("参与方有重复")))
        if mode not in dict(REVIEW_MODE_CHOICES):
            problems.append(("mode", _("方式 mode 须为 all（联合，全部通过）或 any（任一方通过）")))
        if problems:
            _add_problems(errors, spec, where, n, problems)
            continue
        seen.add(key)
        steps.append(ReviewStep(key, name, tuple(participants), mode))
    return tuple(steps) or None


def _parse_commitments(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为承诺条目列表。") % {"label": spec.label})
        return None
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d条") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"code", "group", "text"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 code、group、text。") % {"where": where}, n)
            continue
        code = str(item.get("code") or "").strip()
        group, text = str(item.get("group") or "").strip(), str(item.get("text") or "").strip()
        problems = []
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", code):
            problems.append(("code", _("编号 code 须为 1–40 位字母、数字、点、横线或下划线")))
        elif code in seen:
            problems.append(("code", _("编号「%(code)s」重复") % {"code": code}))
        if not text:
            problems.append(("text", _("承诺内容 text 不能为空")))
        elif len(text) > 500:
            problems.append(("text", _("承诺内容不能超过 500 字")))
        if len(group) > 40:
            problems.append(("group", _("分组 group 不能超过 40 字")))
        if problems:
            _add_problems(errors, spec, where, n, problems)
            continue
        seen.add(code)
        out.append(Commitment(code, group, text))
    return tuple(out) or None


def _parse_choice(spec, raw, errors):
    allowed = dict(spec.choices)
    if raw not in allowed:
        errors.add(
            spec.key,
            _("「%(label)s」须为以下之一：%(opts)s。")
            % {"label": spec.label, "opts": "、".join(f"{k}（{v}）" for k, v in spec.choices)},
        )
        return None
    return raw


def _parse_rounds(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为轮次列表。") % {"label": spec.label})
        return None
    out, previous_due = [], None
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d轮") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"name", "opens", "due"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 name、opens、due。") % {"where": where}, n)
            return None
        name = str(item.get("name") or "").strip()
        times = {}
        for part in ("opens", "due"):
            match = _TIME_RE.match(str(item.get(part) or "").strip())
            if not match:
                errors.add(
                    spec.key,
                    _("%(where)s的 %(part)s 须为 24 小时制时间，例如 06:00。")
                    % {"where": where, "part": part},
                    n,
                    (part,),
                )
                return None
            times[part] = dt.time(int(match.group(1)), int(match.group(2)))
        if not name or len(name) > 20:
            errors.add(spec.key, _("%(where)s的名称 name 须为 1–20 字。") % {"where": where}, n, ("name",))
            return None
        if times["opens"] >= times["due"]:
            errors.add(
                spec.key, _("%(where)s的开始时间须早于截止时间。") % {"where": where}, n, ("opens", "due")
            )
            return None
        if previous_due is not None and times["opens"] < previous_due:
            errors.add(
                spec.key,
                _("%(where)s的开始时间不得早于上一轮的截止时间：时段不得重叠。") % {"where": where},
                n,
                ("opens",),
            )
            return None
        previous_due = times["due"]
        out.append(Round(name, times["opens"], times["due"]))
    return tuple(out) or None


def _parse_outcomes(spec, raw, errors):
    if not isinstance(raw, dict):
        errors.add(spec.key, _("「%(label)s」须为“情形: 处置”的对照表。") % {"label": spec.label})
        return None
    keys, outcomes = dict(spec.choices), dict(spec.answer_choices())
    out = {}
    for key, value in raw.items():
        if key not in keys:
            errors.add(
                spec.key,
                _("「%(label)s」中的「%(key)s」不存在；可选：%(opts)s。")
                % {
                    "label": spec.label,
                    "key": key,
                    "opts": "、".join(f"{k}（{v}）" for k, v in spec.choices),
                },
                key,
            )
        elif value not in outcomes:
            errors.add(
                spec.key,
                _("「%(label)s」中「%(key)s」的取值须为以下之一：%(opts)s。")
                % {
                    "label": spec.label,
                    "key": keys[key],
                    "opts": "、".join(f"{k}（{v}）" for k, v in spec.answer_choices()),
                },
                key,
            )
        else:
            out[key] = value
    order = [k for k, _label in spec.choices]
    return {k: out[k] for k in sorted(out, key=order.index)} or None


def _parse_vocabulary(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为条目列表，每条含 key 与 name。") % {"label": spec.label})
        return None
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d条") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"key", "name"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 key、name。") % {"where": where}, n)
            return None
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        if not _TERM_RE.match(key):
            errors.add(
                spec.key,
                _("%(where)s的代码 key 须为字母开头的 1–40 位字母、数字、横线或下划线。") % {"where": where},
                n,
                ("key",),
            )
            return None
        if key in seen:
            errors.add(
                spec.key, _("%(where)s的代码「%(key)s」重复。") % {"where": where, "key": key}, n, ("key",)
            )
            return None
        if not name or len(name) > 60:
            errors.add(spec.key, _("%(where)s的名称 name 须为 1–60 字。") % {"where": where}, n, ("name",))
            return None
        seen.add(key)
        out.append(Term(key, name))
    return tuple(out) or None


def _parse_plan_sections(spec, raw, errors, documents):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为章节列表。") % {"label": spec.label})
        return None
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d章") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"key", "name", "documents"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 key、name、documents。") % {"where": where}, n)
            return None
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        docs = item.get("documents") or []
        if not _TERM_RE.match(key) or key in seen:
            errors.add(spec.key, _("%(where)s的代码 key 无效或重复。") % {"where": where}, n, ("key",))
            return None
        if not name or len(name) > 60:
            errors.add(spec.key, _("%(where)s的名称 name 须为 1–60 字。") % {"where": where}, n, ("name",))
            return None
        if not isinstance(docs, list) or not docs:
            errors.add(
                spec.key, _("%(where)s须列出所属的材料 documents。") % {"where": where}, n, ("documents",)
            )
            return None
        bad = [str(d) for d in docs if d not in documents]
        if bad:
            errors.add(
                spec.key,
                _("%(where)s所属的材料「%(bad)s」不在「复工申请材料种类」中。")
                % {"where": where, "bad": "、".join(bad)},
                n,
                ("documents",),
            )
            return None
        seen.add(key)
        out.append(PlanSectionSpec(key, name, tuple(docs)))
    return tuple(out) or None


def _parse_factors(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为因素列表。") % {"label": spec.label})
        return None
    out, seen = [], set()
    measures, fields = dict(PRIORITY_MEASURE_CHOICES), dict(PRIORITY_FIELD_CHOICES)
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d项") % {"label": spec.label, "n": n}
        allowed = {"key", "name", "weight", "measure", "field", "equals", "tag"}
        if not isinstance(item, dict) or set(item) - allowed:
            errors.add(
                spec.key,
                _("%(where)s只能包含 key、name、weight、measure、field、equals、tag。") % {"where": where},
                n,
            )
            return None
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        measure, field_ = str(item.get("measure") or ""), str(item.get("field") or "")
        equals, tag = str(item.get("equals") or ""), str(item.get("tag") or "").strip()
        problems = []
        if not _TERM_RE.match(key) or key in seen:
            problems.append(("key", _("代码 key 无效或重复")))
        if not name or len(name) > 60:
            problems.append(("name", _("名称 name 须为 1–60 字")))
        try:
            weight = _parse_decimal(
                ParamSpec(spec.key, spec.label, Kind.DECIMAL, spec.group, "", spec.min, spec.max, 2),
                item.get("weight"),
            )
        except (ValueError, TypeError):
            weight = None
            problems.append(
                (
                    "weight",
                    _("权重 weight 须为 %(min)s 至 %(max)s 之间、最多两位小数的数值")
                    % {"min": spec.min, "max": spec.max},
                )
            )
        if sum(bool(x) for x in (measure, field_, tag)) != 1:
            problems.append(("measure field tag", _("须且仅须指定 measure、field、tag 之一")))
        elif measure and measure not in measures:
            problems.append(("measure", _("measure 须为以下之一：%(opts)s") % {"opts": "、".join(measures)}))
        elif field_ and field_ not in fields:
            problems.append(("field", _("field 须为以下之一：%(opts)s") % {"opts": "、".join(fields)}))
        elif field_ == "efficiency_class" and equals not in EFFICIENCY_VALUES:
            problems.append(("equals", _("按亩均效益分类计分时 equals 须为 A、B、C 或 D")))
        elif equals and field_ != "efficiency_class":
            problems.append(("equals", _("equals 只用于 efficiency_class")))
        elif tag and len(tag) > 40:
            problems.append(("tag", _("标签 tag 不能超过 40 字")))
        if problems:
            _add_problems(errors, spec, where, n, problems)
            continue
        seen.add(key)
        out.append(PriorityFactor(key, name, weight, measure, field_, equals, tag))
    return tuple(out) or None


def _parse_texts(spec, raw, errors):
    if not isinstance(raw, dict):
        errors.add(spec.key, _("「%(label)s」须为“页面: 文字”的对照表。") % {"label": spec.label})
        return None
    pages = dict(spec.choices)
    out = {}
    for key, text in raw.items():
        text = str(text or "").strip()
        if key not in pages:
            errors.add(
                spec.key,
                _("「%(label)s」中的页面「%(key)s」不存在；可选：%(opts)s。")
                % {"label": spec.label, "key": key, "opts": "、".join(pages)},
                key,
            )
        elif not text or len(text) > 1000:
            errors.add(
                spec.key,
                _("「%(label)s」中「%(page)s」的文字须为 1–1000 字。")
                % {"label": spec.label, "page": pages[key]},
                key,
            )
        else:
            out[key] = text
    order = [k for k, _label in spec.choices]
    return {k: out[k] for k in sorted(out, key=order.index)} or None
