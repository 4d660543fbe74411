import datetime as dt

import pytest
from django.utils import timezone

from fugong.surveys import services

ALL_ANSWERS = {
    "staying_headcount": "12",
    "leaving_headcount": "30",
    "planned_stop_date": "2021-02-08",
    "planned_resume_date": "2021-02-18",
    "expected_returners": "28",
    "returners_from_risk_areas": "2",
    "supplies_demand": {"mask": "500", "disinfectant": "20"},
    "returner_screening_done": "yes",
    "notes": "部分员工就地过年",
}


@pytest.fixture
def make_campaign(world):
    def make(actor=None, region=None, *, fields=None, send=True, days=3, title="春节员工去留与停复工摸排"):
        actor = actor or world.users["task_force"]
        campaign = services.create_campaign(
            actor,
            title=title,
            instructions="请如实填报",
            region=region or world.county,
            fields=fields or list(ALL_ANSWERS),
            deadline=timezone.now() + dt.timedelta(days=days),
        )
        if send:
            services.send_campaign(actor, campaign)
            campaign.refresh_from_db()
        return campaign

    return make
