"""Demo disinfection log, made through the services: the last seven days of rounds at the demo firms,
mostly complete, with deliberate gaps so that overdue rounds show on the firm's and the town's pages —
the second firm skipped yesterday's after-work rounds, a few rounds here and there were missed — and
this morning's rounds at the model firm half done against its 08:00 due time. A firm with no dorm rooms
or no shuttle declares it has no dormitory or commuter vehicle.

Deterministic (each firm's own random.Random seeded by its credit code) and idempotent: every record
carries a fixed ``client_key`` and the keys already stored are skipped, so a second run adds nothing.
"""

import datetime as dt
import random

from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.disinfection import services
from fugong.disinfection.models import AreaExemption, DisinfectionRecord, DisinfectionSchedule
from fugong.disinfection.selectors import OPERATING_STATUSES, required_pairs
from fugong.policy.selectors import find_policy_for

DAYS = 7
AGENTS = [("84消毒液", "500mg/L"), ("含氯消毒剂", "1000mg/L"), ("过氧乙酸", "0.2%"), ("75%酒精", "75%")]
OPERATORS = ["王建国", "李秀英", "张伟", "陈明", "刘芳", "赵强", "周丽", "吴刚"]
# Rounds by their place in the policy's list: the first in the morning, the second in the evening.
WINDOWS = [(6, 30, 80), (17, 30, 90)]  # start hour, minute, spread in minutes
MISS_RATE = 0.03


def _officer(firm):
    return User.objects.filter(role=Role.ENTERPRISE, enterprise=firm, is_active=True).order_by("pk").first()


def _done_at(rng, day, index):
    hour, minute, spread = WINDOWS[min(index, len(WINDOWS) - 1)]
    start = dt.datetime.combine(day, dt.time(hour, minute))
    return timezone.make_aware(start + dt.timedelta(minutes=rng.randrange(spread)))


def _settings(officer, firm, policy, is_model):
    rounds = policy.parameters.term_keys("disinfection_rounds")
    if is_model and not DisinfectionSchedule.objects.filter(enterprise=firm).exists():
        for key, due in zip(rounds, ("08:00", "19:00"), strict=False):
            services.set_schedule(officer, firm, key, due)
    areas = set(policy.parameters.term_keys("disinfection_areas"))
    declared = set(AreaExemption.objects.filter(enterprise=firm).values_list("area", flat=True))
    if "dormitory" in areas and "dormitory" not in declared and not firm.dorm_rooms.exists():
        services.set_exemption(officer, firm, "dormitory", "本企业不设员工宿舍，员工均为本地走读")
    if (
        "commuter_vehicle" in areas
        and "commuter_vehicle" not in declared
        and not firm.shuttle_routes.exists()
    ):
        services.set_exemption(officer, firm, "commuter_vehicle", "本企业无通勤车辆，员工自行上下班")


def _round_keys(firm, day, area, round_):
    return f"demo-dx-{firm.pk}-{day:%Y%m%d}-{area}-{round_}"[:64]


def _build_firm(firm, position, today, now):
    officer = _officer(firm)
    if officer is None or firm.status not in OPERATING_STATUSES:
        return
    policy = find_policy_for(firm.town, today)
    if not required_pairs(policy):
        return
    rng = random.Random(f"disinfection-{firm.uscc}")
    _settings(officer, firm, policy, is_model=position == 0)
    exempt = set(AreaExemption.objects.filter(enterprise=firm).values_list("area", flat=True))
    existing = set(
        DisinfectionRecord.objects.filter(
            enterprise=firm, client_key__startswith=f"demo-dx-{firm.pk}-"
        ).values_list("client_key", flat=True)
    )
    operator = OPERATORS[position % len(OPERATORS)]
    agent, concentration = AGENTS[position % len(AGENTS)]
    for back in range(DAYS, -1, -1):
        day = today - dt.timedelta(days=back)
        day_policy = find_policy_for(firm.town, day)
        pairs = required_pairs(day_policy)
        if not pairs:
            continue
        round_index = {r.key: i for i, r in enumerate(day_policy.parameters.disinfection_rounds or ())}
        for area, round_ in pairs:
            index = round_index[round_.key]
            done_at = _done_at(rng, day, index)
            missed = rng.random() < MISS_RATE
            if area.key in exempt or done_at > now:
                continue
            # The deliberate gaps: the second firm's whole evening yesterday; this morning at the model
            # firm, only the first three areas are done, the rest go overdue at its 08:00 due time.
            if position == 1 and back == 1 and index == 1:
                continue
            if back == 0 and position == 0 and (index != 0 or pairs.index((area, round_)) >= 6):
                continue
            if missed and back > 1:
                continue
            key = _round_keys(firm, day, area.key, round_.key)
            if key in existing:
                continue
            services.record_round(
                officer,
                firm,
                day=day,
                area=area.key,
                round=round_.key,
                agent=agent,
                concentration=concentration,
                operator=operator,
                done_at=done_at,
                client_key=key,
            )


def build(city, firms) -> None:
    today = timezone.localdate()
    now = timezone.now()
    for position, firm in enumerate(firms):
        _build_firm(firm, position, today, now)
