"""Review priority (SPEC §4): a score from the policy's weighted factors, with the reasons shown.

The policy lists its factors (``priority_factors``), each with a weight and what it is computed from:
a measure worked out from the application, a field of the enterprise file, or a tag the town put on
the firm (a city's own factor). The score is ``ResolvedPolicy.priority_score`` over the factor
values, where a value is yes/no or a share between 0 and 1:

- measure ``preparedness``: the mean of the shares of required plan sections filled, required
  documents attached and required commitments affirmed (only the parts the policy requires count);
- measure ``headcount_clarity``: the returning-staff summary is given, its breakdowns add up to its
  total, and the total does not exceed the firm's normal headcount;
- measure ``local_share``: the firm's local-employee share (0–100 %) as a share;
- ``field``: a yes/no field of the enterprise file, or ``efficiency_class`` equal to ``equals``;
- ``tag``: the enterprise file carries that tag.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from fugong.resumption.selectors import completeness, staff_summary_problems

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Priority:
    score: Decimal
    reasons: list[dict]  # [{"factor", "label", "value", "weight", "points", "detail"}], points > 0 only
    factors: dict


def headcount_is_clear(application) -> bool:
    summary = application.staff_summary or {}
    total = summary.get("total")
    if not isinstance(total, int) or total <= 0 or staff_summary_problems(summary):
        return False
    if not summary.get("by_district"):
        return False
    normal = application.enterprise.normal_headcount
    return not normal or total <= normal


def _measures(application, policy) -> tuple[dict, dict]:
    firm = application.enterprise
    done = completeness(application, policy.parameters)
    values = {"preparedness": done.share}
    details = {"preparedness": done.summary()}
    clear = headcount_is_clear(application)
    values["headcount_clarity"] = clear
    total = (application.staff_summary or {}).get("total")
    details["headcount_clarity"] = (
        _("返岗%(n)s人，分布清楚，未超过正常用工%(normal)d人") % {"n": total, "normal": firm.normal_headcount}
        if clear
        else _("返岗人员情况未填全或各项合计与总数不符")
    )
    if firm.local_employee_share is not None:
        values["local_share"] = (Decimal(firm.local_employee_share) / 100).quantize(Decimal("0.0001"))
        details["local_share"] = _("本地员工占比%(share)s%%") % {
            "share": format(firm.local_employee_share.normalize(), "f")
        }
    else:
        values["local_share"] = None
        details["local_share"] = _("未登记本地员工占比")
    return values, details


def factors_for(application, policy) -> tuple[dict, dict]:
    """The value of each of the policy's priority factors for this application, by factor key, and a
    Chinese detail line for each."""
    firm = application.enterprise
    specs = policy.parameters.priority_factors or ()
    measures, measure_details = _measures(application, policy) if any(f.measure for f in specs) else ({}, {})
    tags = set(firm.local_tags or [])
    factors: dict = {}
    details: dict = {}
    for factor in specs:
        if factor.measure:
            factors[factor.key] = measures.get(factor.measure)
            details[factor.key] = measure_details.get(factor.measure, "")
        elif factor.field == "efficiency_class":
            factors[factor.key] = firm.efficiency_class == factor.equals
            details[factor.key] = _("亩均效益%(c)s类") % {"c": factor.equals}
        elif factor.field:
            factors[factor.key] = bool(getattr(firm, factor.field))
            details[factor.key] = str(firm._meta.get_field(factor.field).verbose_name)
        else:
            factors[factor.key] = factor.tag in tags
            details[factor.key] = _("企业标签「%(tag)s」") % {"tag": factor.tag}
    return factors, details


def compute(application, policy) -> Priority:
    """The score and its reasons for ``application`` under ``policy`` (a ResolvedPolicy)."""
    factors, details = factors_for(application, policy)
    reasons = []
    for spec in policy.parameters.priority_factors or ():
        factor, weight = spec.key, spec.weight
        value = factors.get(factor)
        if value is None or value is False:
            continue
        share = Decimal("1") if value is True else Decimal(str(value))
        points = (weight * share).quantize(TWO_PLACES, ROUND_HALF_UP)
        if points <= 0:
            continue
        reasons.append(
            {
                "factor": factor,
                "label": spec.name,
                "value": "1" if value is True else str(share),
                "weight": str(weight),
                "points": str(points),
                "detail": details.get(factor, ""),
            }
        )
    # The policy's own formula is the score; the reasons are that sum taken apart.
    score = policy.priority_score(factors).quantize(TWO_PLACES, ROUND_HALF_UP)
    reasons.sort(key=lambda r: -Decimal(r["points"]))
    return Priority(score, reasons, factors)
