"""Reads of the disinfection log: which required area × round pairs a firm has not done on a day.

The policy in force that day says what is required (``disinfection_areas`` × ``disinfection_rounds``);
both must be set, otherwise the rule does not apply and nothing is a gap. Areas the firm has declared
it does not have (AreaExemption) are left out. Everything is set-based: a fixed handful of statements
however many firms are asked about, because the compliance engine and the officers' list ask for all.
"""

import datetime as dt

from django.utils import timezone

from fugong.disinfection.models import AreaExemption, DisinfectionRecord, DisinfectionSchedule
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.policy.selectors import PolicyResolver, find_policy_for

# Firms at work (or getting ready with key posts) must disinfect; closed or sealed ones have no rounds.
OPERATING_STATUSES = (EnterpriseStatus.RESUMED, EnterpriseStatus.PREPARING)


def required_pairs(policy) -> list[tuple]:
    """[(area Term, round Term)] the policy requires each day, in the policy's order; [] when it sets
    no areas or no rounds (or there is no policy)."""
    if policy is None:
        return []
    areas = policy.parameters.disinfection_areas or ()
    rounds = policy.parameters.disinfection_rounds or ()
    if not areas or not rounds:
        return []
    return [(area, round_) for area in areas for round_ in rounds]


def _today_and_clock(now) -> tuple[dt.date, dt.time]:
    local = timezone.localtime(now or timezone.now())
    return local.date(), local.time()


def _is_overdue(day: dt.date, today: dt.date, clock: dt.time, due_by: dt.time | None) -> bool:
    if day < today:
        return True
    return day == today and due_by is not None and clock > due_by


def gaps_by_firm(day: dt.date, enterprise_ids=None, now=None, resolver=None) -> dict[int, list[dict]]:
    """{enterprise id: [gap]} for operating firms (all, or those in ``enterprise_ids`` — ids or a
    queryset of ids) whose town's policy that day requires disinfection; firms without gaps are absent.

    A gap is {"area", "area_name", "round", "round_name", "overdue", "cite"}. It is overdue once its day
    is over, or today after the firm's DisinfectionSchedule.due_by for that round. A day still to come
    has no gaps: nothing could have been done yet. Five statements whatever the number of firms.
    """
    today, clock = _today_and_clock(now)
    if day > today:
        return {}
    firms_qs = Enterprise.objects.filter(status__in=OPERATING_STATUSES)
    if enterprise_ids is not None:
        firms_qs = firms_qs.filter(pk__in=enterprise_ids)
    firms = list(
        firms_qs.select_related("town").only("pk", "town__id", "town__path", "town__code", "town__name")
    )
    if not firms:
        return {}
    towns = list({firm.town_id: firm.town for firm in firms}.values())
    policies = (resolver or PolicyResolver()).find_many(towns, day)
    pairs_of_town = {town_id: required_pairs(policy) for town_id, policy in policies.items()}
    firms = [firm for firm in firms if pairs_of_town.get(firm.town_id)]
    if not firms:
        return {}
    ids = [firm.pk for firm in firms]
    # The firm list above already bounds these; filtering by the same queryset keeps one statement each
    # without shipping thousands of ids as parameters.
    id_filter = firms_qs.values("pk") if len(ids) > 500 else ids
    done = set(
        DisinfectionRecord.objects.filter(day=day, enterprise__in=id_filter)
        .order_by()
        .values_list("enterprise_id", "area", "round")
    )
    exempt = set(
        AreaExemption.objects.filter(enterprise__in=id_filter).order_by().values_list("enterprise_id", "area")
    )
    due_by = {}
    if day == today:
        due_by = {
            (firm_id, round_): time
            for firm_id, round_, time in DisinfectionSchedule.objects.filter(enterprise__in=id_filter)
            .order_by()
            .values_list("enterprise_id", "round", "due_by")
        }
    out: dict[int, list[dict]] = {}
    cites = {}
    for firm in firms:
        policy = policies[firm.town_id]
        if firm.town_id not in cites:
            cites[firm.town_id] = policy.cite("disinfection_areas")
        gaps = [
            {
                "area": area.key,
                "area_name": area.name,
                "round": round_.key,
                "round_name": round_.name,
                "overdue": _is_overdue(day, today, clock, due_by.get((firm.pk, round_.key))),
                "cite": cites[firm.town_id],
            }
            for area, round_ in pairs_of_town[firm.town_id]
            if (firm.pk, area.key) not in exempt and (firm.pk, area.key, round_.key) not in done
        ]
        if gaps:
            out[firm.pk] = gaps
    return out


def gap_counts(day: dt.date, enterprise_ids=None, now=None) -> dict[int, tuple[int, int]]:
    """{enterprise id: (gaps, overdue)} — the officers' list columns."""
    return {
        firm_id: (len(gaps), sum(1 for g in gaps if g["overdue"]))
        for firm_id, gaps in gaps_by_firm(day, enterprise_ids, now=now).items()
    }


def day_sheet(firm, day: dt.date, now=None) -> dict:
    """One firm's day for its page: every required area × round with the record that fills it (the
    latest if several), which are open and overdue, the exempted areas, and records the policy of the
    day no longer lists (kept as written)."""
    today, clock = _today_and_clock(now)
    policy = find_policy_for(firm.town, day)
    areas = list(policy.parameters.disinfection_areas or ()) if policy else []
    rounds = list(policy.parameters.disinfection_rounds or ()) if policy else []
    required = bool(areas and rounds)
    records = list(DisinfectionRecord.objects.filter(enterprise=firm, day=day).order_by("done_at", "id"))
    latest = {(r.area, r.round): r for r in records}
    exemptions = {e.area: e for e in AreaExemption.objects.filter(enterprise=firm)}
    schedule = {s.round: s.due_by for s in DisinfectionSchedule.objects.filter(enterprise=firm)}
    operating = firm.status in OPERATING_STATUSES
    rows, gaps, overdue = [], 0, 0
    for area in areas if required else []:
        exemption = exemptions.get(area.key)
        cells = []
        for round_ in rounds:
            record = latest.get((area.key, round_.key))
            is_gap = record is None and exemption is None and operating and day <= today
            is_overdue = is_gap and _is_overdue(day, today, clock, schedule.get(round_.key))
            gaps += is_gap
            overdue += is_overdue
            cells.append(
                {
                    "round": round_,
                    "record": record,
                    "gap": is_gap,
                    "overdue": is_overdue,
                    "due_by": schedule.get(round_.key),
                }
            )
        rows.append({"area": area, "exemption": exemption, "cells": cells})
    listed = {(a.key, r.key) for a in areas for r in rounds} if required else set()
    return {
        "firm": firm,
        "day": day,
        "policy": policy,
        "required": required,
        "cite": policy.cite("disinfection_areas") if policy else "",
        "rounds": rounds,
        "rows": rows,
        "gap_count": gaps,
        "overdue_count": overdue,
        "operating": operating,
        "records": records,
        "unlisted": [r for r in records if (r.area, r.round) not in listed],
    }
