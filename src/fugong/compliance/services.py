"""The daily compliance picture, built set-based for every operating firm (SPEC §7).

``build_compliance(day)`` works like the daily summaries' ``build_summaries``: the firms and their towns
in one statement, the policies of the towns in two (``PolicyResolver.find_many``), the required
checklists and their items in two, every data rule's answers for all firms at once (``rules.py``), the
answers given by the firms and the inspectors in one, the risk signals in a handful (``risk.py``), then
one upsert (INSERT … ON CONFLICT DO UPDATE) per 500 firms. The number of statements does not grow with
the number of firms.

Decisions:

* Firms pictured: those preparing or resumed (they have people at work), and any firm already pictured
  that day (so a row never goes stale when the firm stops).
* Items: every item in force on the day of every checklist the town's policy requires
  (``required_checklists``), in the policy's order. No policy, or none required: no items, score 0.
* A data item is answered by its rule; a self-assessment item by the firm's latest answer given before
  the day ended (an overturned one is not met, with the inspector's note), none is "待企业自查"; an
  inspection item by the inspector's or town officer's latest answer, none is "待督查核查".
* Any day may be built (the records it reads are dated); who is on site is read from the people's
  current statuses, as the daily summaries do, so the beat builds today through the day and yesterday
  once more just after midnight (``tasks.build_yesterday_final``), and the stored rows are what the
  pages show afterwards.
"""

import datetime as dt
import json
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.compliance import risk
from fugong.compliance.models import AnswerKind, ComplianceDay, ItemStatus, Verdict, item_ref
from fugong.compliance.rules import RULES, RuleContext, link
from fugong.core.dates import format_date
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.policy.models import ChecklistDefinition, ChecklistItem, CheckMethod
from fugong.policy.selectors import PolicyResolver
from fugong.regions.models import Region

log = logging.getLogger(__name__)

OPERATING = (EnterpriseStatus.PREPARING, EnterpriseStatus.RESUMED)
UPSERT_BATCH = 500
# A page may rebuild the visible firms' row of today when it is older than this (the beat's interval).
STALE_AFTER = dt.timedelta(minutes=30)
STATUS_OF = {True: ItemStatus.MET, False: ItemStatus.NOT_MET, None: ItemStatus.UNKNOWN}
_UPDATED = ["town", "policy_version", "items", "met", "not_met", "unknown", "signals", "risk_score",
            "risk_reasons", "computed_at"]  # fmt: skip


def day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def item_citation(item: ChecklistItem, definition: ChecklistDefinition) -> str:
    """《通知简称》章节 of a checklist item: what a self-assessed or data item rests on in its notice."""
    notice = definition.notice.short_title if definition.notice_id else ""
    return f"《{notice}》{item.notice_ref}" if notice else item.notice_ref


def _firms(day: dt.date, enterprise_ids) -> dict[int, int]:
    existing = ComplianceDay.objects.filter(day=day).values("enterprise_id")
    qs = Enterprise.objects.filter(Q(status__in=OPERATING) | Q(pk__in=existing))
    if enterprise_ids is not None:
        qs = qs.filter(pk__in=list(enterprise_ids))
    return dict(qs.order_by().values_list("pk", "town_id"))


def checklists_for(policies, day: dt.date) -> dict[str, tuple[ChecklistDefinition, list[ChecklistItem]]]:
    """{checklist key: (definition, items in force on ``day``)} for every checklist any of ``policies``
    requires: two statements, however many towns."""
    keys = {key for p in policies if p is not None for key in (p.parameters.required_checklists or ())}
    if not keys:
        return {}
    definitions = {d.pk: d for d in ChecklistDefinition.objects.filter(key__in=keys).select_related("notice")}
    items: dict[int, list] = {pk: [] for pk in definitions}
    in_force = ChecklistItem.objects.filter(
        Q(active_from__isnull=True) | Q(active_from__lte=day),
        Q(active_to__isnull=True) | Q(active_to__gte=day),
        definition_id__in=list(definitions),
    ).order_by("definition_id", "order", "code")
    for item in in_force:
        items[item.definition_id].append(item)
    return {d.key: (d, items[pk]) for pk, d in definitions.items()}


def latest_answers(firm_ids, before: dt.datetime) -> dict[tuple[int, int, str], dict]:
    """{(firm id, item id, kind): the latest answer given before ``before``} in one statement; a verdict
    given after ``before`` is left out (the day is pictured as it stood)."""
    from fugong.compliance.models import ChecklistAnswer

    out = {}
    rows = (
        ChecklistAnswer.objects.filter(enterprise_id__in=list(firm_ids), answered_at__lt=before)
        .order_by("enterprise_id", "item_id", "kind", "-answered_at", "-pk")
        .values(
            "pk", "enterprise_id", "item_id", "kind", "met", "note", "answered_at", "verdict", "verdict_note",
            "verified_at", "verified_by__full_name", "answered_by__full_name",
        )
    )  # fmt: skip
    for row in rows:
        key = (row["enterprise_id"], row["item_id"], row["kind"])
        if key in out:
            continue
        if row["verified_at"] is not None and row["verified_at"] >= before:
            row["verdict"], row["verdict_note"] = "", ""
        out[key] = row
    return out


def _answered(item, cite: str, answer: dict | None, kind: str) -> tuple[bool | None, str]:
    if answer is None:
        if kind == AnswerKind.SELF_ASSESSMENT:
            return None, _("%(cite)s：待企业自查") % {"cite": cite}
        return None, _("%(cite)s：待督查核查") % {"cite": cite}
    when = format_date(timezone.localtime(answer["answered_at"]).date())
    values = {"cite": cite, "d": when, "note": answer["note"], "by": answer["answered_by__full_name"] or ""}
    if kind == AnswerKind.INSPECTION:
        if answer["met"]:
            text = _("%(cite)s：%(d)s督查核查达标（%(by)s）") % values
        else:
            text = _("%(cite)s：%(d)s督查核查未达标（%(by)s）") % values
        return answer["met"], text + (f"：{answer['note']}" if answer["note"] else "")
    if answer["verdict"] == Verdict.OVERTURNED:
        values.update(v=answer["verified_by__full_name"] or "", vn=answer["verdict_note"])
        return False, _("%(cite)s：企业%(d)s自查达标，经%(v)s核查不符：%(vn)s") % values
    if answer["met"]:
        text = _("%(cite)s：企业%(d)s自查达标") % values
        if answer["verdict"] == Verdict.CONFIRMED:
            text += _("，已核查属实（%(v)s）") % {"v": answer["verified_by__full_name"] or ""}
        return True, text
    return False, _("%(cite)s：企业%(d)s自查未达标") % values + (
        f"：{answer['note']}" if answer["note"] else ""
    )


def compute(day: dt.date, enterprise_ids=None, now: dt.datetime | None = None) -> dict[int, dict]:
    """{firm id: the ComplianceDay field values} for every firm pictured on ``day``."""
    now = now or timezone.now()
    firms = _firms(day, enterprise_ids)
    if not firms:
        return {}
    resolver = PolicyResolver()
    towns = {t.pk: t for t in Region.objects.filter(pk__in=set(firms.values()))}
    policies = resolver.find_many(list(towns.values()), day)
    ctx = RuleContext(day=day, firms=firms, policies=policies, resolver=resolver, now=now, towns=towns)
    checklists = checklists_for(policies.values(), day)
    answers = latest_answers(firms, min(day_end(day), now + dt.timedelta(seconds=1)))
    rule_results: dict[tuple, dict] = {}

    def data_answer(item, cite, firm_id):
        key = (item.data_rule, json.dumps(item.data_rule_args or {}, sort_keys=True), cite)
        if key not in rule_results:
            rule = RULES.get(item.data_rule)
            rule_results[key] = rule(ctx.for_item(item.data_rule_args, cite)) if rule else {}
        return rule_results[key].get(
            firm_id, (None, _("%(cite)s：该数据规则尚不可用") % {"cite": cite}, None)
        )

    signals = risk.signals_of(ctx)
    out = {}
    for firm_id, town_id in firms.items():
        policy = policies.get(town_id)
        entries = []
        for key in (policy.parameters.required_checklists or ()) if policy is not None else ():
            if key not in checklists:
                continue
            definition, items = checklists[key]
            for item in items:
                cite = item_citation(item, definition)
                if item.check_method == CheckMethod.DATA:
                    met, reason, where = data_answer(item, cite, firm_id)
                else:
                    kind = (
                        AnswerKind.SELF_ASSESSMENT
                        if item.check_method == CheckMethod.SELF_ASSESSMENT
                        else AnswerKind.INSPECTION
                    )
                    met, reason = _answered(item, cite, answers.get((firm_id, item.pk, kind)), kind)
                    where = link("compliance:index", query=f"enterprise={firm_id}&day={day:%Y-%m-%d}")
                entries.append(
                    {
                        "checklist": definition.key,
                        "checklist_name": definition.name,
                        "item_id": item.pk,
                        "code": item.code,
                        # People cite an item by its checklist and place in it (e.g. "<checklist>第1项"); the
                        # preset's code stays in the data for the API.
                        "number": item.order,
                        "ref": item_ref(item, definition),
                        "text": item.text,
                        "notice_ref": cite,
                        "method": item.check_method,
                        "status": STATUS_OF[met].value,
                        "reason": reason,
                        "link": where,
                    }
                )
        unmet = [e["ref"] for e in entries if e["status"] == ItemStatus.NOT_MET]
        firm_signals = signals[firm_id]
        points, reasons = risk.score(policy, firm_signals, unmet)
        out[firm_id] = {
            "town_id": town_id,
            "policy_version_id": policy.version_id if policy is not None else None,
            "items": entries,
            "met": sum(e["status"] == ItemStatus.MET for e in entries),
            "not_met": len(unmet),
            "unknown": sum(e["status"] == ItemStatus.UNKNOWN for e in entries),
            "signals": firm_signals,
            "risk_score": points,
            "risk_reasons": reasons,
        }
    return out


def _upsert(day: dt.date, computed: dict[int, dict], now: dt.datetime) -> int:
    rows = [
        ComplianceDay(enterprise_id=firm_id, day=day, computed_at=now, **values)
        for firm_id, values in computed.items()
    ]
    ComplianceDay.objects.bulk_create(
        rows,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["enterprise", "day"],
        update_fields=_UPDATED,
    )
    return len(rows)


def build_compliance(day: dt.date, enterprise_ids=None, now: dt.datetime | None = None) -> int:
    """Compute and store the pictures of ``day`` for every firm pictured (or only ``enterprise_ids``).
    Returns the number of rows written. A day still to come has nothing to picture (0)."""
    now = now or timezone.now()
    if day > timezone.localdate(now):
        return 0
    computed = compute(day, enterprise_ids, now)
    if not computed:
        return 0
    with transaction.atomic():
        written = _upsert(day, computed, now)
    log.info("compliance %s: %s firms", day, written)
    return written


def ensure_fresh(firm_ids, day: dt.date, now: dt.datetime | None = None) -> int:
    """Rebuild today's rows of ``firm_ids`` that are missing or older than ``STALE_AFTER`` — together,
    set-based — for a page that shows them. Other days are shown as stored."""
    now = now or timezone.now()
    if day != timezone.localdate(now):
        return 0
    firm_ids = list(firm_ids)
    fresh = set(
        ComplianceDay.objects.filter(
            day=day, enterprise_id__in=firm_ids, computed_at__gte=now - STALE_AFTER
        ).values_list("enterprise_id", flat=True)
    )
    todo = [pk for pk in firm_ids if pk not in fresh]
    return build_compliance(day, todo, now) if todo else 0


# The answering workflows live beside the engine; imported here so callers have one services module.
from fugong.compliance.answers import inspect, self_assess, validate_evidence, verify  # noqa: E402

__all__ = [
    "build_compliance",
    "compute",
    "ensure_fresh",
    "inspect",
    "self_assess",
    "validate_evidence",
    "verify",
]
