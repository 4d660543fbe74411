"""Reads for the survey pages, the API and the export: always through ``visible_to``, one query for all
campaigns or all firms (never a query per row)."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from fugong.surveys import fields as catalogue
from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse


def campaigns(user):
    return SurveyCampaign.objects.visible_to(user).select_related("region")


def completion(user, campaign_ids) -> dict[int, dict]:
    """{campaign id: {"total", "answered", "late"}} counting only the firms ``user`` may see."""
    rows = (
        SurveyResponse.objects.visible_to(user)
        .filter(campaign_id__in=list(campaign_ids))
        .order_by()
        .values("campaign_id")
        .annotate(
            total=Count("id"),
            answered=Count("id", filter=Q(status=ResponseStatus.SUBMITTED)),
            late=Count("id", filter=Q(late=True)),
        )
    )
    return {row["campaign_id"]: row for row in rows}


def with_completion(user, campaign_list) -> list:
    """Each campaign with ``total``, ``answered``, ``unanswered``, ``percent`` and ``overdue`` set."""
    counts = completion(user, [c.pk for c in campaign_list])
    for campaign in campaign_list:
        row = counts.get(campaign.pk, {})
        campaign.total = row.get("total", 0)
        campaign.answered = row.get("answered", 0)
        campaign.late_count = row.get("late", 0)
        campaign.unanswered = campaign.total - campaign.answered
        campaign.percent = round(100 * campaign.answered / campaign.total) if campaign.total else 0
        # Overdue: past the deadline while firms in the viewer's scope still owe an answer.
        campaign.overdue_open = campaign.overdue and campaign.unanswered > 0
    return campaign_list


def responses(user, campaign):
    """The firms in ``user``'s scope that the campaign reached, with what the tables show."""
    return (
        SurveyResponse.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("enterprise__town", "submitted_by")
    )


def summary(user, campaign) -> list[dict]:
    """Per field, what the submitted answers in the user's scope add up to: sums of counts, the range of
    dates, yes/no tallies, supplies per item, how many wrote notes. One query."""
    answers = list(
        SurveyResponse.objects.visible_to(user)
        .filter(campaign=campaign, status=ResponseStatus.SUBMITTED)
        .values_list("answers", flat=True)
    )
    out = []
    for key in campaign.fields:
        spec = catalogue.BY_KEY.get(key)
        if spec is None:
            continue
        values = [a.get(key) for a in answers if a.get(key) not in (None, "")]
        item = {"spec": spec, "answered": len(values)}
        if spec.kind == catalogue.COUNT:
            item["total"] = sum(v for v in values if isinstance(v, int))
        elif spec.kind == catalogue.DATE:
            days = sorted(dt.date.fromisoformat(v) for v in values)
            item["first"], item["last"] = (days[0], days[-1]) if days else (None, None)
        elif spec.kind == catalogue.YESNO:
            item["yes"] = sum(1 for v in values if v is True)
            item["no"] = sum(1 for v in values if v is False)
        elif spec.kind == catalogue.SUPPLIES:
            item["items"] = [
                (catalogue.SUPPLY_LABELS[k], sum(int(v.get(k) or 0) for v in values if isinstance(v, dict)))
                for k in catalogue.SUPPLY_KEYS
            ]
        else:
            item["answered"] = sum(1 for v in values if str(v).strip())
        out.append(item)
    return out


def firm_responses(user):
    """The firm's own surveys: those still to answer first (nearest deadline first), then the answered."""
    return (
        SurveyResponse.objects.visible_to(user)
        .filter(campaign__status__in=[CampaignStatus.SENT, CampaignStatus.CLOSED])
        .select_related("campaign")
        .order_by("status", "campaign__deadline", "-id")
    )


def is_open_for(response, now=None) -> bool:
    """Whether the firm may (still) submit: the campaign is running, and either nothing was submitted yet
    or the deadline has not passed."""
    now = now or timezone.now()
    if response.campaign.status != CampaignStatus.SENT:
        return False
    return response.status == ResponseStatus.PENDING or now <= response.campaign.deadline
