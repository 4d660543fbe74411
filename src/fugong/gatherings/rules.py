"""The gathering rules, read from the policy in force (never defaults in code): at or over
``gathering_plan_threshold`` a plan and the town's approval; a dinner over ``meal_group_max`` flagged.
A parameter the policy leaves unset, or no policy, means the rule does not apply."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.gatherings.models import GatheringKind, GatheringStatus


@dataclass
class Decision:
    """What the policy makes of a gathering: the status it gets, whether a plan is needed, the flags."""

    status: str
    needs_plan: bool = False
    flags: list[str] = field(default_factory=list)
    policy_version_id: int | None = None
    plan_rule: str = ""  # the cited rule, for the message when the plan is missing


def policy_for(enterprise, starts_at):
    """The policy in force for the firm's town on the gathering's day; None without one."""
    from fugong.policy.selectors import find_policy_for

    day = timezone.localdate(starts_at) if isinstance(starts_at, dt.datetime) else timezone.localdate()
    return find_policy_for(enterprise.town, day)


def decide(policy, kind: str, headcount: int) -> Decision:
    """The status and flags of a gathering of ``kind`` with ``headcount`` people under ``policy``."""
    if policy is None:
        return Decision(status=GatheringStatus.RECORDED)
    params = policy.parameters
    decision = Decision(status=GatheringStatus.RECORDED, policy_version_id=policy.version_id)
    threshold = params.gathering_plan_threshold
    if threshold is not None and headcount >= threshold:
        decision.needs_plan = True
        decision.status = GatheringStatus.PENDING
        decision.plan_rule = _("%(cite)s：%(n)d人及以上的聚集性活动应当制定疫情防控方案") % {
            "cite": policy.cite("gathering_plan_threshold"),
            "n": threshold,
        }
        decision.flags.append(
            _("%(rule)s；本次%(count)d人，已附防控方案，须经镇街审批")
            % {"rule": decision.plan_rule, "count": headcount}
        )
    limit = params.meal_group_max
    if kind == GatheringKind.DINNER and limit is not None and headcount > limit:
        decision.flags.append(
            _("%(cite)s：提倡聚会聚餐控制在%(max)d人以内（倡导性要求）；本次聚餐%(count)d人，超过%(max)d人")
            % {"cite": policy.cite("meal_group_max"), "max": limit, "count": headcount}
        )
        if decision.status == GatheringStatus.RECORDED:
            decision.status = GatheringStatus.FLAGGED
    return decision
