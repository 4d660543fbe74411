"""Survey rows for the scope walk: a campaign of 诸暨 sent to the county (a response for firm_a and
firm_b) and one of 越城区 (a response for firm_c)."""

import datetime as dt

from django.utils import timezone

from fugong.surveys import services

# Responses are read by the officers who follow surveys and by the firms that answer them; the gate
# keeper and the employee get 403.
READ_CAPABILITY = {"survey-responses": ("surveys.view", "surveys.answer")}


def furnish(world) -> None:
    deadline = timezone.now() + dt.timedelta(days=3)
    for actor, region in (
        (world.users["task_force"], world.county),
        (world.users["task_force_outside"], world.other_county),
    ):
        campaign = services.create_campaign(
            actor,
            title=f"春节员工去留摸排（{region.name}）",
            region=region,
            fields=["staying_headcount", "leaving_headcount", "supplies_demand"],
            deadline=deadline,
        )
        services.send_campaign(actor, campaign)
