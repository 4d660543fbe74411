"""Demo surveys, made through the services: the task force's city-wide holiday survey (N3 二、2 员工去留,
停复工, returner screening) answered by most demo firms but not all, and 店口镇's supplies-demand survey
still open for the model firm. Deterministic and idempotent: a campaign is found by title and region,
sent once, and a firm that has answered is left alone."""

import datetime as dt
import random

from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.enterprises.models import Enterprise
from fugong.surveys import fields as catalogue
from fugong.surveys import services
from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse

CITY_TITLE = "春节员工去留与停复工摸排"
CITY_INSTRUCTIONS = (
    "根据《关于做好春节期间企业疫情防控工作的通知》要求，请各企业如实填报员工去留、停复工时间、"
    "返岗人员排查和防疫物资需求情况。"
)
TOWN_TITLE = "防疫物资需求摸排"
TOWN_INSTRUCTIONS = "请按实际需要填报各类防疫物资的缺口数量，镇里统一协调调配。"
# Of the demo firms, these positions leave the city survey unanswered (so "未填报" has rows).
UNANSWERED = {3, 7}


def _campaign(actor, title, instructions, region, fields, days) -> SurveyCampaign:
    campaign = SurveyCampaign.objects.filter(title=title, region=region).first()
    if campaign is None:
        deadline = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
        campaign = services.create_campaign(
            actor,
            title=title,
            instructions=instructions,
            region=region,
            fields=fields,
            deadline=deadline + dt.timedelta(days=days),
        )
    if campaign.status == CampaignStatus.DRAFT:
        services.send_campaign(actor, campaign)
        campaign.refresh_from_db()
    return campaign


def _answers(rng, firm, keys) -> dict:
    headcount = max(firm.normal_headcount or 0, 20)
    staying = rng.randint(headcount // 5, headcount // 2)
    stop = dt.date(2021, 2, rng.choice([5, 6, 8, 9]))
    expected = headcount - staying - rng.randint(0, 5)
    values = {
        "staying_headcount": staying,
        "leaving_headcount": headcount - staying,
        "planned_stop_date": stop.isoformat(),
        "planned_resume_date": (stop + dt.timedelta(days=rng.choice([10, 12, 14]))).isoformat(),
        "expected_returners": max(expected, 0),
        "returners_from_risk_areas": rng.randint(0, 3) if expected > 3 else 0,
        "supplies_demand": {item: rng.choice([0, 0, 50, 100, 200, 500]) for item in catalogue.SUPPLY_KEYS},
        "returner_screening_done": rng.random() < 0.7,
        "notes": rng.choice(
            ["", "", "部分外地员工选择就地过年，已安排集中住宿。", "春节期间保留值班人员8人。"]
        ),
    }
    return {key: values[key] for key in keys}


def _answer(campaign, firm, rng) -> None:
    officer = (
        User.objects.filter(role=Role.ENTERPRISE, enterprise=firm, is_active=True).order_by("pk").first()
    )
    response = SurveyResponse.objects.filter(campaign=campaign, enterprise=firm).first()
    answers = _answers(rng, firm, campaign.fields)  # drawn even when skipped, so the draws stay in step
    if officer is None or response is None or response.status != ResponseStatus.PENDING:
        return
    services.submit_response(officer, response, answers, response.version)


def build(city, firms) -> None:
    if not firms:
        return
    rng = random.Random(20210115)
    task_force = User.objects.filter(role=Role.TASK_FORCE, region=city, is_active=True).order_by("pk").first()
    if task_force is not None:
        campaign = _campaign(task_force, CITY_TITLE, CITY_INSTRUCTIONS, city, list(catalogue.KEYS), days=2)
        for index, firm in enumerate(firms):
            if index not in UNANSWERED:
                _answer(campaign, firm, rng)
    model_firm = firms[0]
    town = User.objects.filter(role=Role.TOWN, region=model_firm.town, is_active=True).order_by("pk").first()
    if town is None:
        return
    campaign = _campaign(
        town, TOWN_TITLE, TOWN_INSTRUCTIONS, model_firm.town, ["supplies_demand", "notes"], days=5
    )
    # The model firm's officer still has this one to answer; a few neighbours already have.
    # Each neighbour answers through its own officer (made as the applications demo makes them).
    from fugong.demo.applications import _officer

    neighbours = Enterprise.objects.filter(town=model_firm.town).exclude(pk=model_firm.pk).order_by("uscc")
    for firm in neighbours[:2]:
        _officer(firm, rng)
        _answer(campaign, firm, rng)
