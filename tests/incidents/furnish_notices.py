"""Notices' and reviews' rows for the scope walk, and the helpers the notices tests share: an incident
opened through the core service, with confirmed contacts created directly (confirmation is another
part's service)."""

import datetime as dt

from django.utils import timezone

from fugong.incidents import reviews, services
from fugong.incidents.models import Contact, ContactStatus, IncidentSource
from fugong.workforce.models import EpisodeKind, IsolationEpisode
from tests.incidents.furnish import incident_policy
from tests.workforce.conftest import make_employee

READ_CAPABILITY = {"contact-notices": "incidents.view", "responsibility-reviews": "incidents.view"}


def incident_with_contacts(
    world, firm, *, names=("赵一", "钱二"), episode_days=14, confirmed=True, policy=True
):
    """An incident at ``firm`` (opened by its town or, outside the county, by the task force there) and
    one contact per name; the first has an isolation episode of ``episode_days`` when that is set."""
    if policy:
        incident_policy(world)  # the steps (notify_contacts among them) come from the policy
    index = make_employee(firm, name="孙病例")
    now = timezone.now()
    incident = services.open_incident(
        None, firm, source=IncidentSource.TEST, employees=[index], reference_at=now - dt.timedelta(hours=2)
    )
    contacts = []
    for n, name in enumerate(names):
        person = make_employee(firm, name=name)
        episode = None
        if n == 0 and episode_days:
            today = timezone.localdate()
            episode = IsolationEpisode.objects.create(
                employee=person,
                kind=EpisodeKind.ISOLATION,
                started_on=today,
                planned_end=today + dt.timedelta(days=episode_days),
                reason="密切接触者",
            )
        contacts.append(
            Contact.objects.create(
                incident=incident,
                employee=person,
                reasons=[{"kind": "dorm", "text": "同宿舍 3 晚", "count": 3}],
                score=10 - n,
                status=ContactStatus.CONFIRMED if confirmed else ContactStatus.SUGGESTED,
                decided_at=now if confirmed else None,
                episode=episode,
            )
        )
    return incident, contacts


def furnish(world):
    for firm in (world.firm_a, world.firm_b, world.firm_c):
        incident, _contacts = incident_with_contacts(world, firm, names=("周三",), episode_days=0)
        # Directly: the reviewers of firm_c's county are not in the fixture's world.
        reviews.ResponsibilityReview.objects.create(
            incident=incident, subjects="企业防疫专员", grounds="确诊病例在隔离以外发现"
        )
