"""Parameters for people: one-line values, rows for the pages and the differences between versions."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role

from .specs import INDUSTRY_DEPARTMENT, PARAMETER_SPECS, Kind, ParamSpec
from .values import PolicyParameters


def _fmt(value) -> str:
    # 20 rather than 20.0 (JSON stores numbers as floats), 37.3 stays 37.3.
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def choice_label(spec: ParamSpec, key: str) -> str:
    return str(dict(spec.choices).get(key, key))


def participant_label(token: str) -> str:
    """A review participant for people: 属地镇乡街道, 卫生健康局, 企业的行业主管部门."""
    from fugong.accounts.models import Department

    if token == INDUSTRY_DEPARTMENT:
        return _("企业的行业主管部门")
    if token.startswith("dept:"):
        dept = Department.objects.filter(code=token[5:]).only("name").first()
        return dept.name if dept else token[5:]
    try:
        return str(Role(token).label)
    except ValueError:
        return token


def _checklist_names(keys) -> list[str]:
    """The checklists' names as people know them, in the order given; a key no checklist
    has any more shows as it is."""
    from fugong.policy.models import ChecklistDefinition  # models import this package

    names = dict(ChecklistDefinition.objects.filter(key__in=list(keys)).values_list("key", "name"))
    return [names.get(key, key) for key in keys]


def display_value(spec: ParamSpec, value, params: "PolicyParameters | None" = None) -> str:
    """One line for pages and diffs; "不适用" when the notice does not set it. ``params`` names the
    terms a parameter draws from another one of the same version (the required documents)."""
    if value is None:
        return _("不适用")
    if spec.key == "required_application_documents" and params is not None:
        return "、".join(params.term_name("document_types", v) for v in value)
    if spec.kind == Kind.CHOICE:
        return choice_label(spec, value)
    if spec.kind == Kind.ROUNDS:
        return "；".join(f"{r.name} {r.opens:%H:%M}–{r.due:%H:%M}" for r in value)
    if spec.kind == Kind.OUTCOMES:
        outcomes = dict(spec.answer_choices())
        return "；".join(f"{choice_label(spec, k)}：{outcomes[v]}" for k, v in value.items())
    if spec.kind == Kind.VOCABULARY:
        return "、".join(t.name for t in value)
    if spec.kind == Kind.PLAN_SECTIONS:
        return "、".join(t.name for t in value)
    if spec.kind == Kind.FACTORS:
        return "；".join(f"{f.name} {_fmt(f.weight)}" for f in value)
    if spec.kind == Kind.TEXTS:
        return "；".join(f"{choice_label(spec, k)}：{v}" for k, v in value.items())
    if spec.kind == Kind.BOOL:
        return _("是") if value else _("否")
    if spec.kind == Kind.DATETIME:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if spec.kind == Kind.DECIMAL:
        return _fmt(value)
    if spec.kind == Kind.CHOICES:
        return "、".join(choice_label(spec, v) for v in value)
    if spec.kind == Kind.CHECKLISTS:
        return "、".join(_checklist_names(value))
    if spec.kind == Kind.REVIEW_CHAIN:
        parts = []
        for step in value:
            who = "、".join(participant_label(p) for p in step.participants)
            joint = _("联合") if step.is_joint and len(step.participants) > 1 else ""
            parts.append(f"{step.name}（{who}{joint}）")
        return " → ".join(parts)
    if spec.kind == Kind.COMMITMENTS:
        return "；".join(f"{c.group + '：' if c.group else ''}{c.text}" for c in value)
    return str(value)


def _detail(spec: ParamSpec, value) -> list[dict] | None:
    """Structured values as rows, for pages that show them as lists rather than one line."""
    if value is None:
        return None
    if spec.kind == Kind.REVIEW_CHAIN:
        return [
            {
                "name": step.name,
                "who": "、".join(participant_label(p) for p in step.participants),
                "joint": step.is_joint and len(step.participants) > 1,
            }
            for step in value
        ]
    if spec.kind == Kind.COMMITMENTS:
        return [{"code": c.code, "group": c.group, "text": c.text} for c in value]
    if spec.kind == Kind.FACTORS:
        return [{"label": f.name, "weight": _fmt(f.weight)} for f in value]
    if spec.kind == Kind.CHECKLISTS:
        from fugong.policy.models import ChecklistDefinition

        names = dict(ChecklistDefinition.objects.filter(key__in=value).values_list("key", "name"))
        return [{"key": k, "name": names.get(k, k)} for k in value]
    return None


def parameter_rows(params: PolicyParameters) -> list[dict]:
    """Every parameter with its label, unit and display value, in spec order (grouped by ``group``)."""
    rows = []
    for s in PARAMETER_SPECS:
        value = getattr(params, s.key)
        rows.append(
            {
                "key": s.key,
                "label": s.label,
                "unit": s.unit if value is not None else "",
                "group": s.group,
                "kind": str(s.kind),
                "value": value,
                "help": s.help,
                "display": display_value(s, value, params),
                "detail": _detail(s, value),
            }
        )
    return rows


def diff_parameters(old: PolicyParameters | None, new: PolicyParameters) -> list[dict]:
    """The parameters whose value differs, for the version history."""
    rows = []
    for s in PARAMETER_SPECS:
        before = getattr(old, s.key) if old is not None else None
        after = getattr(new, s.key)
        if before != after:
            rows.append(
                {
                    "key": s.key,
                    "label": s.label,
                    "unit": s.unit if after is not None else "",
                    "before_unit": s.unit if before is not None else "",
                    "before": display_value(s, before, old),
                    "after": display_value(s, after, new),
                }
            )
    return rows
