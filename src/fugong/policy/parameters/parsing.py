"""``parse_parameters`` (pure: JSON to ``PolicyParameters``) and ``validate_parameters`` (plus the
checks against the database), with the errors they raise."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .display import _fmt
from .parsers import (
    _parse_bool,
    _parse_checklists,
    _parse_choice,
    _parse_choices,
    _parse_commitments,
    _parse_datetime,
    _parse_decimal,
    _parse_factors,
    _parse_int,
    _parse_outcomes,
    _parse_plan_sections,
    _parse_review_chain,
    _parse_rounds,
    _parse_texts,
    _parse_vocabulary,
)
from .specs import INDUSTRY_DEPARTMENT, PARAMETER_SPECS, SPECS_BY_KEY, Kind, ParamSpec
from .values import PolicyParameters


class _Errors:
    def __init__(self):
        self.by_key: dict[str, list[str]] = {}
        self.places: dict[str, list[ErrorPlace]] = {}

    def add(self, key, message, row=None, fields=()):
        self.by_key.setdefault(key, []).append(str(message))
        if row is not None:
            self.places.setdefault(key, []).append(ErrorPlace(str(message), row, tuple(fields)))


@dataclass(frozen=True)
class ErrorPlace:
    """Where in a structured value a message points: the row (1-based position in a list, or the key of
    a mapping) and the item's fields it names, so that a form can put it beside those inputs."""

    message: str
    row: int | str
    fields: tuple[str, ...] = ()


class ParameterErrors(ValidationError):
    """The parser's ValidationError {key: [messages]}, plus ``places``: where each message points."""

    def __init__(self, errors: _Errors):
        super().__init__(errors.by_key)
        self.places = errors.places


def _range_message(spec: ParamSpec, what: str) -> str:
    unit = _("（单位：%(unit)s）") % {"unit": spec.unit} if spec.unit else ""
    return _("「%(label)s」须为 %(min)s 至 %(max)s 之间的%(what)s%(unit)s。") % {
        "label": spec.label,
        "min": _fmt(spec.min),
        "max": _fmt(spec.max),
        "what": what,
        "unit": unit,
    }


def parse_parameters(data) -> PolicyParameters:
    """Typed parameters from stored or submitted JSON; ValidationError {key: [Chinese message]} otherwise.

    Pure (no database), so reading a stored version never depends on other tables. Checks that need the
    database — that departments and checklists exist — are in ``validate_parameters``.
    """
    if not isinstance(data, dict):
        raise ValidationError({"parameters": [_("参数须为“参数代码: 值”的对照表。")]})
    errors = _Errors()
    values = {}
    for key in data:
        if key not in SPECS_BY_KEY:
            errors.add(key, _("未知参数「%(key)s」。") % {"key": key})
    for spec in PARAMETER_SPECS:
        raw = data.get(spec.key)
        if raw is None or raw == "":
            continue
        try:
            if spec.kind == Kind.INT:
                values[spec.key] = _parse_int(spec, raw)
            elif spec.kind == Kind.DECIMAL:
                values[spec.key] = _parse_decimal(spec, raw)
            elif spec.kind == Kind.BOOL:
                values[spec.key] = _parse_bool(raw)
            elif spec.kind == Kind.DATETIME:
                values[spec.key] = _parse_datetime(raw)
            elif spec.kind == Kind.CHOICES and spec.key == "required_application_documents":
                types = values.get("document_types") or ()
                dynamic = ParamSpec(
                    spec.key, spec.label, spec.kind, spec.group, choices=tuple((t.key, t.name) for t in types)
                )
                values[spec.key] = _parse_choices(dynamic, raw, errors)
            elif spec.kind == Kind.CHOICES:
                values[spec.key] = _parse_choices(spec, raw, errors)
            elif spec.kind == Kind.CHOICE:
                values[spec.key] = _parse_choice(spec, raw, errors)
            elif spec.kind == Kind.ROUNDS:
                values[spec.key] = _parse_rounds(spec, raw, errors)
            elif spec.kind == Kind.OUTCOMES:
                values[spec.key] = _parse_outcomes(spec, raw, errors)
            elif spec.kind == Kind.VOCABULARY:
                values[spec.key] = _parse_vocabulary(spec, raw, errors)
            elif spec.kind == Kind.PLAN_SECTIONS:
                types = {t.key for t in values.get("document_types") or ()}
                values[spec.key] = _parse_plan_sections(spec, raw, errors, types)
            elif spec.kind == Kind.FACTORS:
                values[spec.key] = _parse_factors(spec, raw, errors)
            elif spec.kind == Kind.TEXTS:
                values[spec.key] = _parse_texts(spec, raw, errors)
            elif spec.kind == Kind.CHECKLISTS:
                values[spec.key] = _parse_checklists(spec, raw, errors)
            elif spec.kind == Kind.REVIEW_CHAIN:
                values[spec.key] = _parse_review_chain(spec, raw, errors)
            elif spec.kind == Kind.COMMITMENTS:
                values[spec.key] = _parse_commitments(spec, raw, errors)
        except (ValueError, TypeError, ArithmeticError):
            errors.add(spec.key, _kind_message(spec))
    if values.get("essential_sectors_exempt") and "earliest_resumption_at" not in values:
        errors.add(
            "essential_sectors_exempt",
            _("「%(label)s」须与「%(other)s」一同设置：没有最早复工时间就无所谓豁免。")
            % {
                "label": SPECS_BY_KEY["essential_sectors_exempt"].label,
                "other": SPECS_BY_KEY["earliest_resumption_at"].label,
            },
        )
    rounds, checks = values.get("temperature_rounds"), values.get("temperature_checks_per_day")
    if rounds and checks and len(rounds) < checks:
        errors.add(
            "temperature_rounds",
            _("「%(label)s」只有%(n)d轮，少于「%(other)s」的%(checks)d次。")
            % {
                "label": SPECS_BY_KEY["temperature_rounds"].label,
                "n": len(rounds),
                "other": SPECS_BY_KEY["temperature_checks_per_day"].label,
                "checks": checks,
            },
        )
    if errors.by_key:
        raise ParameterErrors(errors)
    return PolicyParameters(**{k: v for k, v in values.items() if v is not None})


def _kind_message(spec: ParamSpec) -> str:
    if spec.kind == Kind.INT:
        return _range_message(spec, _("整数"))
    if spec.kind == Kind.DECIMAL:
        what = _("数值（最多%(n)d位小数）") % {"n": spec.places}
        return _range_message(spec, what)
    if spec.kind == Kind.BOOL:
        return _("「%(label)s」须为“是”或“否”。") % {"label": spec.label}
    if spec.kind == Kind.DATETIME:
        return _("「%(label)s」须为日期时间，例如 2020-02-10 00:00（北京时间）。") % {"label": spec.label}
    return _("「%(label)s」格式不正确。") % {"label": spec.label}


def validate_parameters(data) -> PolicyParameters:
    """``parse_parameters`` plus the checks against the database, for anything about to be saved."""
    from fugong.accounts.models import Department
    from fugong.policy.models import ChecklistDefinition

    params = parse_parameters(data)
    errors = _Errors()
    if params.review_chain:
        codes = {
            p[5:]
            for step in params.review_chain
            for p in step.participants
            if p.startswith("dept:") and p != INDUSTRY_DEPARTMENT
        }
        known = set(Department.objects.filter(code__in=codes).values_list("code", flat=True))
        for code in sorted(codes - known):
            errors.add(
                "review_chain",
                _("「%(label)s」中的部门「%(code)s」不存在。")
                % {"label": SPECS_BY_KEY["review_chain"].label, "code": code},
            )
    if params.required_checklists:
        known = set(
            ChecklistDefinition.objects.filter(key__in=params.required_checklists).values_list(
                "key", flat=True
            )
        )
        for key in params.required_checklists:
            if key not in known:
                errors.add(
                    "required_checklists",
                    _("「%(label)s」中的清单「%(key)s」不存在。")
                    % {"label": SPECS_BY_KEY["required_checklists"].label, "key": key},
                )
    if errors.by_key:
        raise ParameterErrors(errors)
    return params
