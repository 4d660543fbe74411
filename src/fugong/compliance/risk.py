"""The risk signals of a firm's day and the score the policy's weights give them (SPEC §7).

Signals, each read for every firm at once:

* abnormal temperatures — people with an abnormal health check-in that day (HealthCheckin.abnormal: at
  or over the policy's fever threshold, or a symptom), counted once however many readings;
* overdue tests — people on site whose nucleic / antigen test is overdue on the day by the policy's
  cadence, as the monitoring tests page defines it (``testing.selectors``): the last sample before the
  day plus the interval is before the day, and nothing sampled on the day. One query per distinct
  (kind, interval) among the towns' policies;
* missed disinfection rounds — the day's gaps past their time limit (a round still within it is not
  missed yet);
* stock shortages — required supplies out of stock or under the minimum days of cover.

Score = Σ weight × count over the policy's ``risk_weight_*`` (an unset weight adds nothing), plus
``risk_weight_unmet_item`` × the checklist items not met. Each contribution is a reason that starts with
the citation of its weight.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from fugong.compliance.rules import RuleContext, disinfection_gaps, listed, stock_shortages
from fugong.monitoring.models import HealthCheckin, TestKind, TestResult
from fugong.monitoring.testing.selectors import ON_SITE as TEST_ON_SITE
from fugong.monitoring.testing.selectors import intervals
from fugong.workforce.models import Employee


def abnormal_people(ctx: RuleContext) -> dict[int, list[dict]]:
    """{firm id: [{"name", "temperature", "symptoms"}]} of the people abnormal on the day."""
    people: dict[int, dict[int, dict]] = defaultdict(dict)
    rows = (
        HealthCheckin.objects.filter(day=ctx.day, abnormal=True, enterprise_id__in=ctx.ids)
        .order_by("enterprise_id", "employee_id", "round")
        .values_list("enterprise_id", "employee_id", "employee__name", "temperature", "symptoms")
    )
    for firm_id, employee_id, name, temperature, symptoms in rows:
        entry = people[firm_id].setdefault(employee_id, {"name": name, "temperature": None, "symptoms": []})
        if temperature is not None and (
            entry["temperature"] is None or temperature > Decimal(entry["temperature"])
        ):
            entry["temperature"] = str(temperature)
        for symptom in symptoms or []:
            if symptom not in entry["symptoms"]:
                entry["symptoms"].append(symptom)
    return {firm_id: list(by_person.values()) for firm_id, by_person in people.items()}


def overdue_people(ctx: RuleContext) -> dict[int, list[dict]]:
    """{firm id: [{"name", "kinds": [label]}]} of the people on site overdue for a test on the day."""
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for firm_id in ctx.firms:
        for kind, interval in intervals(ctx.policy(firm_id)).items():
            groups[(kind, interval)].append(firm_id)
    found: dict[int, dict[int, dict]] = defaultdict(dict)
    for (kind, interval), firm_ids in sorted(groups.items()):
        # Overdue: no sample in [day - interval, day], and one before (never tested is due, not overdue).
        recent = TestResult.objects.filter(
            employee_id=OuterRef("pk"),
            kind=kind,
            sample_day__gte=ctx.day - dt.timedelta(days=interval),
            sample_day__lte=ctx.day,
        )
        before = TestResult.objects.filter(
            employee_id=OuterRef("pk"), kind=kind, sample_day__lt=ctx.day - dt.timedelta(days=interval)
        )
        rows = (
            Employee.objects.filter(Exists(before), enterprise_id__in=firm_ids, status__in=TEST_ON_SITE)
            .exclude(Exists(recent))
            .order_by("enterprise_id", "name", "pk")
            .values_list("enterprise_id", "pk", "name")
        )
        for firm_id, employee_id, name in rows:
            entry = found[firm_id].setdefault(employee_id, {"name": name, "kinds": []})
            entry["kinds"].append(str(TestKind(kind).label))
    return {firm_id: list(by_person.values()) for firm_id, by_person in found.items()}


def signals_of(ctx: RuleContext) -> dict[int, dict]:
    """{firm id: signals} for every firm of ``ctx``; each signal {"count", <details>}."""
    abnormal = ctx.memo("abnormal", lambda: abnormal_people(ctx))
    overdue = ctx.memo("overdue", lambda: overdue_people(ctx))
    gaps = disinfection_gaps(ctx)
    shortages = stock_shortages(ctx)
    out = {}
    for firm_id in ctx.firms:
        missed = [
            {
                "area": g["area"],
                "area_name": g["area_name"],
                "round": g["round"],
                "round_name": g["round_name"],
            }
            for g in gaps.get(firm_id, [])
            if g["overdue"]
        ]
        short = [
            {
                "item": r["item"],
                "item_name": r["item_name"],
                "quantity": r["quantity"],
                "reason": r["reason"],
            }
            for r in shortages.get(firm_id) or []
        ]
        out[firm_id] = {
            "abnormal_temperatures": {
                "count": len(abnormal.get(firm_id, [])),
                "people": abnormal.get(firm_id, []),
            },
            "overdue_tests": {"count": len(overdue.get(firm_id, [])), "people": overdue.get(firm_id, [])},
            "missed_disinfection_rounds": {"count": len(missed), "gaps": missed},
            "stock_shortages": {"count": len(short), "items": short},
        }
    return out


def _person(entry: dict) -> str:
    if entry.get("temperature"):
        return f"{entry['name']}（{entry['temperature']}℃）"
    return _("%(name)s（症状异常）") % {"name": entry["name"]}


def score(policy, signals: dict, unmet_codes: list[str]) -> tuple[Decimal, list[str]]:
    """(score, reasons) from the policy's weights; (0, []) without a policy."""
    if policy is None:
        return Decimal("0"), []
    params = policy.parameters
    parts = [
        (
            "risk_weight_unmet_item",
            len(unmet_codes),
            lambda: (
                _("未达标检查项%(n)d项（%(list)s）") % {"n": len(unmet_codes), "list": listed(unmet_codes)}
            ),
        ),
        (
            "risk_weight_abnormal_temperature",
            signals["abnormal_temperatures"]["count"],
            lambda: (
                _("体温或症状异常%(n)d人：%(list)s")
                % {
                    "n": signals["abnormal_temperatures"]["count"],
                    "list": listed([_person(p) for p in signals["abnormal_temperatures"]["people"]]),
                }
            ),
        ),
        (
            "risk_weight_overdue_test",
            signals["overdue_tests"]["count"],
            lambda: (
                _("检测逾期%(n)d人：%(list)s")
                % {
                    "n": signals["overdue_tests"]["count"],
                    "list": listed(
                        [
                            f"{p['name']}（{'、'.join(p['kinds'])}）"
                            for p in signals["overdue_tests"]["people"]
                        ]
                    ),
                }
            ),
        ),
        (
            "risk_weight_missed_disinfection",
            signals["missed_disinfection_rounds"]["count"],
            lambda: (
                _("消杀缺漏%(n)d轮次：%(list)s")
                % {
                    "n": signals["missed_disinfection_rounds"]["count"],
                    "list": listed(
                        [
                            f"{g['area_name']}{g['round_name']}"
                            for g in signals["missed_disinfection_rounds"]["gaps"]
                        ]
                    ),
                }
            ),
        ),
        (
            "risk_weight_stock_shortage",
            signals["stock_shortages"]["count"],
            lambda: (
                _("防疫物资储备不足%(n)d种：%(list)s")
                % {
                    "n": signals["stock_shortages"]["count"],
                    "list": listed(
                        [
                            f"{r['item_name']}（{_('无库存') if not r['quantity'] else _('低于最低储备')}）"
                            for r in signals["stock_shortages"]["items"]
                        ]
                    ),
                }
            ),
        ),
    ]
    total, reasons = Decimal("0"), []
    for key, count, describe in parts:
        weight = getattr(params, key)
        if weight is None or not count:
            continue
        points = Decimal(weight) * count
        total += points
        reasons.append(
            _("%(cite)s：%(what)s，%(n)d×%(w)d分＝%(p)s分")
            % {"cite": policy.cite(key), "what": describe(), "n": count, "w": weight, "p": points}
        )
    return total, reasons
