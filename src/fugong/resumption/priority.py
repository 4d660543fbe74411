"""Review priority (N0 一.1 优先审批复工): a score from the policy's weights, with the reasons shown.

N0 puts first the firms "疫情防控到位、复工人员底数清、本地员工占比大" and, among them, key exporters,
listed companies, key manufacturers, above-size firms and firms of high per-mu efficiency. The policy
gives each of these a weight (``priority_weights``); the score is ``ResolvedPolicy.priority_score``
over the firm's factors, where a factor is either yes/no or a share between 0 and 1:

- preparedness: the mean of the shares of required plan sections filled, required documents attached
  and required commitments affirmed (only the parts the policy requires count);
- headcount_clarity: the returning-staff summary is given, its breakdowns add up to its total, and the
  total does not exceed the firm's normal headcount;
- local_share: the firm's local-employee share (0–100 %) as a share;
- key_exporter, listed, key_manufacturing, above_size: the firm's tags;
- efficiency_a … efficiency_d: the firm's per-mu efficiency class.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from fugong.policy.parameters import PRIORITY_TAG_CHOICES
from fugong.resumption.selectors import completeness, staff_summary_problems

TWO_PLACES = Decimal("0.01")
_TAG_FACTORS = {
    "key_exporter": "is_key_exporter",
    "listed": "is_listed",
    "key_manufacturing": "is_key_manufacturing",
    "above_size": "is_above_size",
}


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


def factors_for(application, policy) -> tuple[dict, dict]:
    """The factor values for the policy's priority tags, and a Chinese detail line for each."""
    firm = application.enterprise
    done = completeness(application, policy.parameters)
    factors: dict = {}
    details: dict = {}

    factors["preparedness"] = done.share
    details["preparedness"] = done.summary()

    clear = headcount_is_clear(application)
    factors["headcount_clarity"] = clear
    total = (application.staff_summary or {}).get("total")
    details["headcount_clarity"] = (
        _("返岗%(n)s人，分布清楚，未超过正常用工%(normal)d人") % {"n": total, "normal": firm.normal_headcount}
        if clear
        else _("返岗人员情况未填全或各项合计与总数不符")
    )

    if firm.local_employee_share is not None:
        factors["local_share"] = (Decimal(firm.local_employee_share) / 100).quantize(Decimal("0.0001"))
        details["local_share"] = _("本地员工占比%(share)s%%") % {
            "share": format(firm.local_employee_share.normalize(), "f")
        }
    else:
        factors["local_share"] = None
        details["local_share"] = _("未登记本地员工占比")

    for factor, field in _TAG_FACTORS.items():
        factors[factor] = bool(getattr(firm, field))
        details[factor] = str(firm._meta.get_field(field).verbose_name)
    for letter in "ABCD":
        factors[f"efficiency_{letter.lower()}"] = firm.efficiency_class == letter
        details[f"efficiency_{letter.lower()}"] = _("亩均效益%(c)s类") % {"c": letter}
    return factors, details


def compute(application, policy) -> Priority:
    """The score and its reasons for ``application`` under ``policy`` (a ResolvedPolicy)."""
    factors, details = factors_for(application, policy)
    labels = dict(PRIORITY_TAG_CHOICES)
    reasons = []
    for factor, weight in (policy.parameters.priority_weights or {}).items():
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
                "label": str(labels.get(factor, factor)),
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
