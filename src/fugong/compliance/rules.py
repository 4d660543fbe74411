"""The data rules of the checklists (``fugong.policy.models.DataRule``), one named function each.

``rule_<key>(ctx) -> {firm_id: (met, reason, link)}`` answers for every firm of ``ctx`` at once with a
fixed number of statements, whatever the number of firms: ``met`` is True / False, or None when the rule
cannot say (the policy sets no value for it — an unset parameter means the rule does not apply, and
nothing is flagged — or there is nothing yet to check). ``reason`` starts with the citation of what it
rests on: the policy value (``policy.cite(key)``) where the rule reads one, else the checklist item's own
source in its notice (``ctx.cite``, e.g. 《某市通知》二、（二）). ``link`` names the page with the
data behind the answer: {"name": URL name, "args": [...], "query": "..."}.

The reads underneath (the disinfection gaps, the shortages, the dorm problems …) are memoised on the
context, so two items resting on the same data read it once.

``gate_entries_with_temperature`` is defined as what the records can prove: every employee on site (at
work or arrived) who checked in on the day has a gate entry that day, and every gate entry carries a
temperature. Visitors and entries cannot be stored without a temperature (the gate's services require
it), so the checkable half is "came in without passing the gate's check": someone who took a health
check-in that day but has no gate entry. People isolating inside the plant do not pass the gate and are
left out. A day with nobody checked in yet cannot be judged (None).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.db.models import Count, Exists, Max, OuterRef
from django.utils.translation import gettext as _

from fugong.core.dates import format_date
from fugong.enterprises.models import IsolationRoom, PreventionTeamMember, TeamRole
from fugong.monitoring import schedule
from fugong.monitoring.models import HealthCheckin
from fugong.monitoring.selectors import ON_SITE
from fugong.operations.models import EmployeeEntry
from fugong.policy.selectors import PolicyResolver
from fugong.workforce.models import Employee, EmployeeStatus

# How many names or rooms a reason lists before "等N项".
LISTED = 3


@dataclass
class RuleContext:
    day: dt.date
    firms: dict  # {firm id: town id}
    policies: dict  # {town id: ResolvedPolicy | None}
    resolver: PolicyResolver
    now: dt.datetime
    towns: dict = field(default_factory=dict)  # {town id: Region}
    args: dict = field(default_factory=dict)  # the item's data_rule_args
    cite: str = ""  # the item's source in its notice
    cache: dict = field(default_factory=dict)  # shared by every variant (``for_item``)

    @property
    def ids(self) -> list[int]:
        return list(self.firms)

    def policy(self, firm_id):
        return self.policies.get(self.firms[firm_id])

    def memo(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def for_item(self, args: dict, cite: str) -> "RuleContext":
        return replace(self, args=dict(args or {}), cite=cite)


def link(name: str, *args, query: str = "") -> dict:
    return {"name": name, "args": list(args), "query": query}


def listed(names: list[str], sep: str = "、") -> str:
    shown = sep.join(names[:LISTED])
    if len(names) > LISTED:
        shown += _("等%(n)d项") % {"n": len(names)}
    return shown


def _day_query(day: dt.date) -> str:
    return f"day={day:%Y-%m-%d}"


def _unset(policy, what: str):
    label = policy.label if policy is not None else _("（本地区尚无现行防控政策）")
    return None, _("%(label)s：政策未规定%(what)s，本项不适用") % {"label": label, "what": what}


# -- the shared reads ------------------------------------------------------------------------------------


def disinfection_gaps(ctx: RuleContext) -> dict:
    from fugong.disinfection.selectors import gaps_by_firm

    return ctx.memo("gaps", lambda: gaps_by_firm(ctx.day, ctx.ids, now=ctx.now, resolver=ctx.resolver))


def stock_shortages(ctx: RuleContext) -> dict:
    from fugong.supplies.selectors import shortages_by_firm

    return ctx.memo("shortages", lambda: shortages_by_firm(ctx.day, ctx.ids, resolver=ctx.resolver))


def dorm_problems(ctx: RuleContext) -> dict:
    from fugong.arrangements.selectors import dorm_problems_by_firm

    def compute():
        policies = {firm_id: ctx.policy(firm_id) for firm_id in ctx.firms}
        return dorm_problems_by_firm(ctx.day, ctx.ids, policies=policies)

    return ctx.memo("dorms", compute)


def staff_without_grid(ctx: RuleContext) -> dict:
    from fugong.arrangements.selectors import without_grid_unit

    return ctx.memo("grid", lambda: without_grid_unit(ctx.day, ctx.ids))


# -- the rules ---------------------------------------------------------------------------------------------


def rule_has_isolation_room(ctx: RuleContext) -> dict:
    """The firm has registered an isolation room or a fixed observation point."""
    rooms = ctx.memo(
        "isolation",
        lambda: dict(
            IsolationRoom.objects.filter(enterprise_id__in=ctx.ids)
            .order_by()
            .values_list("enterprise_id")
            .annotate(n=Count("pk"))
        ),
    )
    out = {}
    for firm_id in ctx.firms:
        n = rooms.get(firm_id, 0)
        where = link("enterprises:parts", firm_id)
        if n:
            out[firm_id] = (
                True,
                _("%(cite)s：已登记隔离室或固定观察点%(n)d处") % {"cite": ctx.cite, "n": n},
                where,
            )
        else:
            out[firm_id] = (False, _("%(cite)s：未登记隔离室或固定观察点") % {"cite": ctx.cite}, where)
    return out


def rule_stock_at_least_minimum(ctx: RuleContext) -> dict:
    """Every supply the policy requires is in stock and lasts at least
    the policy's minimum days at the last week's rate (the supplies ledger decides what is short)."""
    shortages = stock_shortages(ctx)
    out = {}
    for firm_id in ctx.firms:
        policy = ctx.policy(firm_id)
        where = link("supplies:index")
        if policy is None or not policy.parameters.required_supplies:
            out[firm_id] = (*_unset(policy, _("储备物资")), where)
            continue
        short = shortages.get(firm_id) or []
        if short:
            out[firm_id] = (False, "；".join(row["reason"] for row in short), where)
            continue
        from fugong.supplies.selectors import item_name

        names = "、".join(item_name(key) for key in policy.parameters.required_supplies)
        minimum = policy.parameters.supplies_min_days_of_cover
        reason = _("%(cite)s：要求储备的%(names)s均有库存") % {
            "cite": policy.cite("required_supplies"),
            "names": names,
        }
        if minimum:
            reason += _("，且按近7日用量均不少于%(n)d天") % {"n": minimum}
        out[firm_id] = (True, reason, where)
    return out


def rule_all_staff_in_grid_units(ctx: RuleContext) -> dict:
    """Every employee on site belongs to a grid unit on the day."""
    missing = staff_without_grid(ctx)
    out = {}
    for firm_id in ctx.firms:
        n = missing.get(firm_id, 0)
        where = link("arrangements:index")
        if n:
            out[firm_id] = (
                False,
                _("%(cite)s：%(n)d名在岗人员未纳入网格单元") % {"cite": ctx.cite, "n": n},
                where,
            )
        else:
            out[firm_id] = (True, _("%(cite)s：在岗人员均已纳入网格单元") % {"cite": ctx.cite}, where)
    return out


def rule_dorm_density_within_limits(ctx: RuleContext) -> dict:
    """No room over the policy's head count or under its area
    per person on the day. The firm's own bed count is the arrangements page's business, not the policy's."""
    problems = dorm_problems(ctx)
    out = {}
    for firm_id in ctx.firms:
        policy = ctx.policy(firm_id)
        where = link("arrangements:index")
        params = policy.parameters if policy is not None else None
        if params is None or (
            params.dorm_max_per_room is None and params.dorm_min_area_per_person_m2 is None
        ):
            out[firm_id] = (*_unset(policy, _("宿舍人数或人均面积限值")), where)
            continue
        found = [p for p in problems.get(firm_id, []) if p.get("rule") != "capacity"]
        if found:
            out[firm_id] = (False, listed([p["reason"] for p in found], "；"), where)
            continue
        key = "dorm_max_per_room" if params.dorm_max_per_room is not None else "dorm_min_area_per_person_m2"
        out[firm_id] = (
            True,
            _("%(cite)s：各宿舍人数与人均面积均在限值内") % {"cite": policy.cite(key)},
            where,
        )
    return out


def _yesterday_rounds(ctx: RuleContext) -> tuple[dict, dict]:
    """({town id: ResolvedPolicy of yesterday}, {town id: rounds it sets})."""

    def compute():
        yesterday = ctx.day - dt.timedelta(days=1)
        policies = ctx.resolver.find_many(list(ctx.towns.values()), yesterday)
        return policies, {town_id: len(schedule.rounds_of(p)) for town_id, p in policies.items()}

    return ctx.memo("yesterday_rounds", compute)


def rule_two_checkins_yesterday(ctx: RuleContext) -> dict:
    """Every person on site had all of the policy's rounds yesterday (the
    daily summary's "完成全部体温检测" counted the same way: ``people_with_all_rounds``)."""
    from fugong.reports.services import people_with_all_rounds

    yesterday = ctx.day - dt.timedelta(days=1)
    policies, rounds = _yesterday_rounds(ctx)

    def compute():
        people = Employee.objects.filter(status__in=ON_SITE, enterprise_id__in=ctx.ids)
        on_site = dict(people.order_by().values_list("enterprise_id").annotate(n=Count("pk")))
        complete = people_with_all_rounds(yesterday, rounds, ctx.ids)
        full = dict(
            people.filter(pk__in=complete).order_by().values_list("enterprise_id").annotate(n=Count("pk"))
        )
        return on_site, full

    on_site, full = ctx.memo("two_checkins", compute)
    out = {}
    for firm_id, town_id in ctx.firms.items():
        policy = policies.get(town_id)
        where = link("reports:daily", query=_day_query(yesterday))
        required = rounds.get(town_id, 0)
        if not required:
            out[firm_id] = (*_unset(policy, _("每日体温检测轮次")), where)
            continue
        n, done = on_site.get(firm_id, 0), full.get(firm_id, 0)
        values = {
            "cite": policy.cite("temperature_rounds"),
            "d": format_date(yesterday),
            "n": n,
            "r": required,
        }
        if done >= n:
            reason = _("%(cite)s：%(d)s在岗%(n)d人均完成全部%(r)d轮体温检测") % values
            out[firm_id] = (True, reason, where)
        else:
            values["m"] = n - done
            reason = _("%(cite)s：%(d)s在岗%(n)d人中%(m)d人未完成全部%(r)d轮体温检测") % values
            out[firm_id] = (False, reason, where)
    return out


def rule_disinfection_rounds_logged(ctx: RuleContext) -> dict:
    """Every round of the item's area (``data_rule_args["area"]``), or of every area the
    policy lists, is in the log. A round past its time limit is not met; one still within it (today)
    leaves the item open (None) — it may still be done."""
    gaps = disinfection_gaps(ctx)
    area = (ctx.args or {}).get("area") or ""
    out = {}
    for firm_id in ctx.firms:
        policy = ctx.policy(firm_id)
        where = link("disinfection:index", query=_day_query(ctx.day))
        params = policy.parameters if policy is not None else None
        if params is None or not params.disinfection_areas or not params.disinfection_rounds:
            out[firm_id] = (*_unset(policy, _("消杀区域与轮次")), where)
            continue
        cite = policy.cite("disinfection_areas")
        if area and area not in params.term_keys("disinfection_areas"):
            out[firm_id] = (None, _("%(cite)s：现行政策未列该消杀区域，本项不适用") % {"cite": cite}, where)
            continue
        mine = [g for g in gaps.get(firm_id, []) if not area or g["area"] == area]
        what = params.term_name("disinfection_areas", area) if area else _("各区域")
        late = [f"{g['area_name']}{g['round_name']}" for g in mine if g["overdue"]]
        pending = [f"{g['area_name']}{g['round_name']}" for g in mine if not g["overdue"]]
        if late:
            reason = _("%(cite)s：%(list)s未登记消杀（已过时限）") % {"cite": cite, "list": listed(late)}
            out[firm_id] = (False, reason, where)
        elif pending:
            reason = _("%(cite)s：%(list)s尚未登记消杀，未到完成时限") % {
                "cite": cite,
                "list": listed(pending),
            }
            out[firm_id] = (None, reason, where)
        else:
            out[firm_id] = (
                True,
                _("%(cite)s：%(what)s各轮次消杀均已登记") % {"cite": cite, "what": what},
                where,
            )
    return out


def rule_gate_entries_with_temperature(ctx: RuleContext) -> dict:
    """Everyone at work who checked in on the day passed the gate's temperature
    check (an employee entry that day). See the module's note for why this is the checkable form."""
    from fugong.reports.services import day_bounds

    start, end = day_bounds(ctx.day)

    def compute():
        checked = HealthCheckin.objects.filter(employee_id=OuterRef("pk"), day=ctx.day)
        entered = EmployeeEntry.objects.filter(employee_id=OuterRef("pk"), at__gte=start, at__lt=end)
        rows = (
            Employee.objects.filter(
                Exists(checked),
                enterprise_id__in=ctx.ids,
                status__in=(EmployeeStatus.AT_WORK, EmployeeStatus.ARRIVED),
            )
            .order_by()
            .values("enterprise_id")
            .annotate(n=Count("pk"), missing=Count("pk", filter=~Exists(entered)))
        )
        return {row["enterprise_id"]: (row["n"], row["missing"]) for row in rows}

    counts = ctx.memo("gate", compute)
    out = {}
    for firm_id in ctx.firms:
        n, missing = counts.get(firm_id, (0, 0))
        where = link("operations:records", query=f"enterprise={firm_id}&date={ctx.day:%Y-%m-%d}")
        values = {"cite": ctx.cite, "n": n, "m": missing}
        if not n:
            out[firm_id] = (None, _("%(cite)s：当日尚无到岗打卡人员，无从核对进厂测温") % values, where)
        elif missing:
            out[firm_id] = (
                False,
                _("%(cite)s：当日到岗打卡%(n)d人中%(m)d人没有门岗进厂测温登记") % values,
                where,
            )
        else:
            out[firm_id] = (True, _("%(cite)s：当日到岗打卡的%(n)d人均有门岗进厂测温登记") % values, where)
    return out


def rule_prevention_team_registered(ctx: RuleContext) -> dict:
    """The firm has registered the leader of its prevention team."""
    leaders = ctx.memo(
        "leaders",
        lambda: dict(
            PreventionTeamMember.objects.filter(enterprise_id__in=ctx.ids, team_role=TeamRole.LEADER)
            .order_by()
            .values_list("enterprise_id")
            .annotate(name=Max("name"))
        ),
    )
    out = {}
    for firm_id in ctx.firms:
        where = link("enterprises:parts", firm_id)
        name = leaders.get(firm_id)
        if name:
            out[firm_id] = (
                True,
                _("%(cite)s：已登记防疫工作小组，组长%(name)s") % {"cite": ctx.cite, "name": name},
                where,
            )
        else:
            out[firm_id] = (False, _("%(cite)s：未登记防疫工作小组组长") % {"cite": ctx.cite}, where)
    return out


def rule_commitments_signed(ctx: RuleContext) -> dict:
    """The firm's latest resumption application carries every
    commitment the policy in force requires."""
    from fugong.resumption.models import Commitment, ResumptionApplication

    def compute():
        latest = dict(
            ResumptionApplication.objects.filter(enterprise_id__in=ctx.ids)
            .order_by()
            .values_list("enterprise_id")
            .annotate(last=Max("pk"))
        )
        signed = defaultdict(set)
        for application_id, code in Commitment.objects.filter(
            application_id__in=list(latest.values())
        ).values_list("application_id", "code"):
            signed[application_id].add(code)
        return {firm_id: signed[app_id] for firm_id, app_id in latest.items()}

    signed = ctx.memo("commitments", compute)
    out = {}
    for firm_id in ctx.firms:
        policy = ctx.policy(firm_id)
        where = link("resumption:index")
        required = [c.code for c in (policy.parameters.commitments or ())] if policy is not None else []
        if not required:
            out[firm_id] = (*_unset(policy, _("企业承诺事项")), where)
            continue
        cite = policy.cite("commitments")
        if firm_id not in signed:
            out[firm_id] = (False, _("%(cite)s：尚无复工申请，未签署承诺") % {"cite": cite}, where)
            continue
        missing = [code for code in required if code not in signed[firm_id]]
        if missing:
            reason = _("%(cite)s：最近一次复工申请尚缺%(n)d项承诺（%(codes)s）") % {
                "cite": cite,
                "n": len(missing),
                "codes": listed(missing),
            }
            out[firm_id] = (False, reason, where)
        else:
            reason = _("%(cite)s：最近一次复工申请已签署全部%(n)d项承诺") % {"cite": cite, "n": len(required)}
            out[firm_id] = (True, reason, where)
    return out


RULES = {
    "has_isolation_room": rule_has_isolation_room,
    "stock_at_least_minimum": rule_stock_at_least_minimum,
    "all_staff_in_grid_units": rule_all_staff_in_grid_units,
    "dorm_density_within_limits": rule_dorm_density_within_limits,
    "two_checkins_yesterday": rule_two_checkins_yesterday,
    "disinfection_rounds_logged": rule_disinfection_rounds_logged,
    "gate_entries_with_temperature": rule_gate_entries_with_temperature,
    "prevention_team_registered": rule_prevention_team_registered,
    "commitments_signed": rule_commitments_signed,
}
