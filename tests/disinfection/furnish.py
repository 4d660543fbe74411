"""Rows of the disinfection log for the scope walk: a record, a due time and an area exemption at each
of firm_a, firm_b and firm_c. Written directly: the walk's counties carry N0, which sets no areas, so
the service would (rightly) refuse to record against it."""

import datetime as dt

from django.utils import timezone

from fugong.disinfection.models import AreaExemption, DisinfectionRecord, DisinfectionSchedule

# Reading the log needs disinfection.view besides scope (no gate keeper, no employee).
READ_CAPABILITY = {"disinfection-records": "disinfection.view"}


def furnish(world) -> None:
    day = timezone.localdate()
    for key in ("firm_a", "firm_b", "firm_c"):
        firm = getattr(world, key)
        DisinfectionRecord.objects.create(
            enterprise=firm,
            day=day,
            area="workshop",
            area_name="车间工作区",
            round="before_work",
            round_name="上班前",
            agent="84消毒液",
            concentration="500mg/L",
            operator=f"消杀员{key}",
            done_at=timezone.now() - dt.timedelta(minutes=5),
        )
        DisinfectionSchedule.objects.get_or_create(
            enterprise=firm, round="before_work", defaults={"due_by": dt.time(8, 0)}
        )
        AreaExemption.objects.get_or_create(enterprise=firm, area="dormitory", defaults={"reason": "无宿舍"})
