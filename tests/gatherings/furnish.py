"""One gathering at each of firm_a, firm_b and firm_c, for the scope walk (tests/test_scope_walk.py)."""

import datetime as dt

from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.gatherings import services

READ_CAPABILITY = {"gatherings": "gatherings.view"}


def _officer(firm):
    officer = User.objects.filter(role=Role.ENTERPRISE, enterprise=firm).order_by("pk").first()
    if officer is None:
        officer = User.objects.create(username=f"gatherings_{firm.pk}", role=Role.ENTERPRISE, enterprise=firm)
    return officer


def furnish(world) -> None:
    day = timezone.localdate() + dt.timedelta(days=2)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(14)))
    for key in ("firm_a", "firm_b", "firm_c"):
        firm = getattr(world, key)
        services.record_gathering(
            _officer(firm),
            firm,
            kind="training",
            title=f"防疫知识培训{key}",
            place="培训室",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            headcount=12,
            organiser="安全员",
        )
