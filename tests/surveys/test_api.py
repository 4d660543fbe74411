"""The survey API: campaigns created, sent, reminded, closed and exported; responses listed in scope and
submitted."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse
from tests.surveys.conftest import ALL_ANSWERS

pytestmark = pytest.mark.django_db


def test_a_campaign_over_the_api_from_draft_to_export(world, api_client):
    api_client.force_authenticate(world.users["task_force"])
    deadline = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    bad = api_client.post(
        "/api/v1/survey-campaigns/",
        {"title": "", "region": "330602", "fields": ["x"], "deadline": deadline},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"title", "region", "fields"}
    made = api_client.post(
        "/api/v1/survey-campaigns/",
        {
            "title": "停复工摸排",
            "region": world.county.code,
            "fields": list(ALL_ANSWERS),
            "deadline": deadline,
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["status"] == CampaignStatus.DRAFT
    pk = made.json()["id"]
    sent = api_client.post(f"/api/v1/survey-campaigns/{pk}/send/")
    assert sent.status_code == 200 and (sent.json()["total"], sent.json()["answered"]) == (2, 0)
    assert api_client.post(f"/api/v1/survey-campaigns/{pk}/send/").json()["total"] == 2

    firm = world.users["ent_a"]
    api_client.force_authenticate(firm)
    listed = api_client.get("/api/v1/survey-responses/").json()["results"]
    assert [r["enterprise"] for r in listed] == [world.firm_a.pk]
    rid = listed[0]["id"]
    wrong = api_client.post(
        f"/api/v1/survey-responses/{rid}/submit/",
        {"answers": ALL_ANSWERS | {"staying_headcount": "many"}, "version": 1},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["fields"]["staying_headcount"] == [
        "留本地过节员工人数：应为0至1000000之间的整数"
    ]
    done = api_client.post(
        f"/api/v1/survey-responses/{rid}/submit/", {"answers": ALL_ANSWERS, "version": 1}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == ResponseStatus.SUBMITTED
    stale = api_client.post(
        f"/api/v1/survey-responses/{rid}/submit/", {"answers": ALL_ANSWERS, "version": 1}, format="json"
    )
    assert stale.status_code == 409

    api_client.force_authenticate(world.users["task_force"])
    reminded = api_client.post(f"/api/v1/survey-campaigns/{pk}/remind/")
    assert reminded.status_code == 200
    assert SurveyResponse.objects.get(campaign_id=pk, enterprise=world.firm_b).reminders_sent == 1
    assert SurveyResponse.objects.get(campaign_id=pk, enterprise=world.firm_a).reminders_sent == 0
    export = api_client.get(f"/api/v1/survey-campaigns/{pk}/export/")
    assert export.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert len(rows) == 3
    closed = api_client.post(f"/api/v1/survey-campaigns/{pk}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == CampaignStatus.CLOSED
    again = api_client.post(f"/api/v1/survey-campaigns/{pk}/close/")
    assert again.status_code == 400


def test_campaigns_and_responses_stay_in_scope_over_the_api(world, api_client, make_campaign):
    campaign = make_campaign()
    foreign = make_campaign(world.users["task_force_outside"], world.other_county, title="越城")
    api_client.force_authenticate(world.users["town_a"])
    body = api_client.get("/api/v1/survey-campaigns/").json()
    assert [(c["id"], c["total"]) for c in body["results"]] == [(campaign.pk, 1)]
    assert api_client.get(f"/api/v1/survey-campaigns/{foreign.pk}/").status_code == 404
    # The town follows the county's campaign but does not run it.
    assert api_client.post(f"/api/v1/survey-campaigns/{campaign.pk}/close/").status_code == 403
    responses = api_client.get("/api/v1/survey-responses/").json()["results"]
    assert {r["enterprise"] for r in responses} == {world.firm_a.pk}

    api_client.force_authenticate(world.users["outsider"])
    assert api_client.post(f"/api/v1/survey-campaigns/{campaign.pk}/remind/").status_code == 404
    assert api_client.get(f"/api/v1/survey-campaigns/{campaign.pk}/export/").status_code == 404
    b = SurveyResponse.objects.get(campaign=campaign, enterprise=world.firm_b)
    api_client.force_authenticate(world.users["ent_c"])
    assert (
        api_client.post(
            f"/api/v1/survey-responses/{b.pk}/submit/", {"answers": ALL_ANSWERS, "version": 1}, format="json"
        ).status_code
        == 404
    )
    for who in ("employee_a", "gate_a"):
        api_client.force_authenticate(world.users[who])
        assert api_client.get("/api/v1/survey-responses/").status_code == 403
        assert api_client.get("/api/v1/survey-campaigns/").status_code == 403
    api_client.force_authenticate(world.users["inspector"])
    assert api_client.post(f"/api/v1/survey-campaigns/{campaign.pk}/remind/").status_code == 403
    assert SurveyCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT
