"""Fixtures of the disinfection tests: the N2 policy (六个必消: six areas × before/after work) on the
fixture county, firms at work, and a helper that records a round through the service."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.disinfection import services
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.policy.services import apply_preset

N2_AREAS = ["workshop", "office", "dormitory", "canteen", "isolation_site", "commuter_vehicle"]
N2_ROUNDS = ["before_work", "after_work"]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def operate(*firms) -> None:
    Enterprise.objects.filter(pk__in=[f.pk for f in firms]).update(status=EnterpriseStatus.RESUMED)
    for firm in firms:
        firm.refresh_from_db()


def do_round(actor, firm, day, area, round_, hour=7, **extra):
    data = {
        "day": day,
        "area": area,
        "round": round_,
        "agent": "84消毒液",
        "concentration": "500mg/L",
        "operator": "王师傅",
        "done_at": at(day, hour),
    }
    return services.record_round(actor, firm, **(data | extra))


def do_all(actor, firm, day, rounds=N2_ROUNDS, areas=N2_AREAS):
    for area in areas:
        for round_ in rounds:
            do_round(actor, firm, day, area, round_, hour=7 if round_ == "before_work" else 18)


@pytest.fixture
def n2(world):
    apply_preset(world.county, "N2", effective_from=dt.date(2020, 1, 1))
    apply_preset(world.other_county, "N2", effective_from=dt.date(2020, 1, 1))
    operate(world.firm_a, world.firm_b, world.firm_c)
    return world
