"""Survey campaigns: validation, sending (idempotent), answering (late, versions), reminders, scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.resumption.models import Notification
from fugong.surveys import selectors, services
from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse
from tests.factories import EnterpriseFactory
from tests.surveys.conftest import ALL_ANSWERS

pytestmark = pytest.mark.django_db


def response_of(campaign, firm):
    return SurveyResponse.objects.get(campaign=campaign, enterprise=firm)


def submit(world, campaign, firm=None, user="ent_a", answers=None):
    response = response_of(campaign, firm or world.firm_a)
    return services.submit_response(world.users[user], response, answers or ALL_ANSWERS, response.version)


# -- campaigns ------------------------------------------------------------------------------------------


def test_campaign_fields_are_checked_all_at_once(world):
    with pytest.raises(ValidationError) as caught:
        services.create_campaign(
            world.users["town_a"], title="", region=world.county, fields=["nope"], deadline="明天"
        )
    errors = caught.value.message_dict
    assert set(errors) == {"title", "region", "fields", "deadline"}
    assert errors["title"] == ["标题：必须填写"]
    assert errors["region"][0].startswith("发送范围：只能发往本辖区（暨阳街道）")
    assert errors["fields"][0].startswith("填报项目：没有这些项目")
    assert errors["deadline"][0].startswith("截止时间：应为有效的日期和时间")
    assert not SurveyCampaign.objects.exists()


def test_deadline_in_the_past_and_empty_fields_are_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.create_campaign(
            world.users["task_force"],
            title="摸排",
            region=world.county.code,
            fields=[],
            deadline="2020-01-01 08:00",
        )
    assert caught.value.message_dict == {
        "fields": ["填报项目：至少选择一项"],
        "deadline": ["截止时间：应晚于现在"],
    }


def test_only_managers_create(world):
    for who in ("ent_a", "inspector", "dept_industry", "grid_a", "employee_a"):
        with pytest.raises(PermissionDenied):
            services.create_campaign(
                world.users[who], title="x", region=world.county, fields=["notes"], deadline="2099-01-01"
            )


def test_fields_are_kept_in_catalogue_order_and_a_date_means_end_of_day(world):
    campaign = services.create_campaign(
        world.users["task_force"],
        title="物资需求摸排",
        region=world.county,
        fields=["notes", "supplies_demand"],
        deadline="2099-01-01",
    )
    assert campaign.fields == ["supplies_demand", "notes"]
    assert timezone.localtime(campaign.deadline).time() == dt.time(23, 59)
    assert campaign.status == CampaignStatus.DRAFT
    assert not campaign.responses.exists()


def test_send_reaches_every_firm_of_the_region_once(world, make_campaign, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = make_campaign()
    assert set(campaign.responses.values_list("enterprise", flat=True)) == {world.firm_a.pk, world.firm_b.pk}
    assert campaign.status == CampaignStatus.SENT and campaign.sent_at is not None
    assert Notification.objects.filter(recipient=world.users["ent_a"], event="survey_sent").count() == 1
    assert not Notification.objects.filter(recipient=world.users["ent_c"]).exists()

    # A second send adds nothing and tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_campaign(world.users["task_force"], campaign) == 0
    assert campaign.responses.count() == 2
    assert Notification.objects.filter(event="survey_sent").count() == 1
    assert AuditEntry.objects.filter(action="surveys.campaign.send").count() == 1

    # A firm registered later gets its response on the next send; the others keep theirs.
    late = EnterpriseFactory(town=world.town_b)
    submit(world, campaign)
    assert services.send_campaign(world.users["task_force"], campaign) == 1
    assert campaign.responses.count() == 3
    assert response_of(campaign, world.firm_a).status == ResponseStatus.SUBMITTED
    assert response_of(campaign, late).status == ResponseStatus.PENDING


def test_a_town_campaign_reaches_only_its_firms(world, make_campaign):
    campaign = make_campaign(world.users["town_a"], world.town_a)
    assert list(campaign.responses.values_list("enterprise", flat=True)) == [world.firm_a.pk]


def test_draft_only_is_editable_and_versions_are_checked(world, make_campaign):
    draft = make_campaign(send=False)
    changed = services.update_campaign(world.users["task_force"], draft, expected_version=1, title="新标题")
    assert changed.title == "新标题" and changed.version == 2
    with pytest.raises(services.SurveyConflict):
        services.update_campaign(world.users["task_force"], draft, expected_version=1, title="旧页面")
    services.send_campaign(world.users["task_force"], draft)
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.update_campaign(world.users["task_force"], draft, expected_version=draft.version, title="x")
    assert caught.value.message_dict == {"status": ["状态：已发送的摸排不能再修改"]}


# -- answers --------------------------------------------------------------------------------------------


def test_every_answer_error_is_given_at_once_naming_the_field(world, make_campaign):
    campaign = make_campaign()
    response = response_of(campaign, world.firm_a)
    bad = {
        "staying_headcount": "-1",
        "leaving_headcount": "",
        "planned_stop_date": "2021-02-20",
        "planned_resume_date": "2021-02-10",
        "expected_returners": "3",
        "returners_from_risk_areas": "5",
        "supplies_demand": {"mask": "abc", "n95": "2"},
        "returner_screening_done": "maybe",
        "notes": "x" * 1001,
    }
    with pytest.raises(ValidationError) as caught:
        services.submit_response(world.users["ent_a"], response, bad, response.version)
    errors = {k: v[0] for k, v in caught.value.message_dict.items()}
    assert errors == {
        "staying_headcount": "留本地过节员工人数：应为0至1000000之间的整数",
        "leaving_headcount": "离开本地过节员工人数：必须填写",
        "planned_resume_date": "计划复工日期：不能早于计划停工日期",
        "returners_from_risk_areas": "来自中高风险地区的返岗人数：不能多于预计返岗人数",
        "supplies_demand.mask": "防疫物资需求（医用口罩）：应为0至1000000之间的整数",
        "returner_screening_done": "返岗人员排查是否完成：请选择“是”或“否”",
        "notes": "其他情况说明：不能超过1000个字",
    }
    response.refresh_from_db()
    assert response.status == ResponseStatus.PENDING and response.answers == {}


def test_answers_outside_the_campaign_are_refused(world, make_campaign):
    campaign = make_campaign(fields=["notes"])
    response = response_of(campaign, world.firm_a)
    with pytest.raises(ValidationError) as caught:
        services.submit_response(world.users["ent_a"], response, {"notes": "", "x": 1}, 1)
    assert caught.value.message_dict["answers"][0].startswith("填报内容：本次摸排不含这些项目")


def test_answers_are_stored_typed(world, make_campaign):
    campaign = make_campaign()
    saved = submit(world, campaign)
    assert saved.status == ResponseStatus.SUBMITTED and not saved.late
    assert saved.submitted_by == world.users["ent_a"] and saved.version == 2
    assert saved.answers["staying_headcount"] == 12
    assert saved.answers["planned_stop_date"] == "2021-02-08"
    assert saved.answers["returner_screening_done"] is True
    assert saved.answers["supplies_demand"] == {
        "mask": 500, "n95": 0, "protective_suit": 0, "disinfectant": 20,
        "thermometer": 0, "antigen_kit": 0, "gloves": 0, "goggles": 0,
    }  # fmt: skip
    assert AuditEntry.objects.filter(action="surveys.response.submit").count() == 1


def test_resubmission_before_the_deadline_is_version_checked(world, make_campaign):
    campaign = make_campaign()
    first = submit(world, campaign)
    again = services.submit_response(
        world.users["ent_a"], first, ALL_ANSWERS | {"staying_headcount": "15"}, first.version
    )
    assert again.answers["staying_headcount"] == 15 and again.version == 3
    with pytest.raises(services.SurveyConflict):
        services.submit_response(world.users["ent_a"], first, ALL_ANSWERS, first.version)


def test_late_answers_are_taken_and_marked_but_cannot_be_changed(world, make_campaign, monkeypatch):
    campaign = make_campaign()
    later = timezone.now() + dt.timedelta(days=4)
    monkeypatch.setattr(timezone, "now", lambda: later)
    saved = submit(world, campaign)
    assert saved.late and saved.status == ResponseStatus.SUBMITTED
    with pytest.raises(ValidationError) as caught:
        services.submit_response(world.users["ent_a"], saved, ALL_ANSWERS, saved.version)
    assert "已过截止时间" in caught.value.messages[0]


def test_a_closed_campaign_takes_no_answers(world, make_campaign):
    campaign = make_campaign()
    services.close_campaign(world.users["task_force"], campaign)
    with pytest.raises(ValidationError) as caught:
        submit(world, campaign)
    assert caught.value.message_dict == {"status": ["状态：本次摸排已结束，不能再填报"]}


def test_a_firm_cannot_answer_for_another(world, make_campaign):
    campaign = make_campaign()
    other = response_of(campaign, world.firm_b)
    for who in ("ent_a", "ent_c", "outsider", "town_a"):
        with pytest.raises(PermissionDenied):
            services.submit_response(world.users[who], other, ALL_ANSWERS, other.version)


# -- reminders ------------------------------------------------------------------------------------------


def test_reminders_go_only_to_firms_that_have_not_answered(
    world, make_campaign, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    ent_b = UserFactory(username="ent_b", role="enterprise", enterprise=world.firm_b)
    campaign = make_campaign()
    submit(world, campaign)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remind(world.users["task_force"], campaign) == 1
    reminded = Notification.objects.filter(event="survey_reminder")
    assert list(reminded.values_list("recipient", flat=True)) == [ent_b.pk]
    assert "催报" in reminded.get().message
    b = response_of(campaign, world.firm_b)
    assert b.reminders_sent == 1 and b.last_reminded_at is not None
    assert response_of(campaign, world.firm_a).reminders_sent == 0

    # At most once per interval, whoever presses the button.
    assert services.remind(world.users["town_b"], campaign) == 0
    later = timezone.now() + dt.timedelta(hours=services.REMIND_INTERVAL_HOURS, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert services.remind(world.users["town_b"], campaign) == 1
    assert response_of(campaign, world.firm_b).reminders_sent == 2


def test_a_town_reminds_only_its_own_firms_of_the_county_campaign(world, make_campaign):
    campaign = make_campaign()
    assert services.remind(world.users["town_a"], campaign) == 1
    assert response_of(campaign, world.firm_a).reminders_sent == 1
    assert response_of(campaign, world.firm_b).reminders_sent == 0


def test_the_beat_reminds_campaigns_near_their_deadline(world, make_campaign):
    from fugong.surveys.tasks import remind_due_campaigns

    far = make_campaign(days=5, title="远")
    near = make_campaign(days=0.5, title="近")
    submit(world, near)
    assert remind_due_campaigns() == 1  # firm_b of the near campaign
    assert response_of(near, world.firm_b).reminders_sent == 1
    assert not SurveyResponse.objects.filter(campaign=far, reminders_sent__gt=0).exists()
    assert remind_due_campaigns() == 0


# -- scope ----------------------------------------------------------------------------------------------


def test_a_town_sees_the_county_campaign_once_sent_with_its_own_firms_only(world, make_campaign):
    town_a = world.users["town_a"]
    draft = make_campaign(send=False)
    assert not SurveyCampaign.objects.visible_to(town_a).filter(pk=draft.pk).exists()
    services.send_campaign(world.users["task_force"], draft)
    assert SurveyCampaign.objects.visible_to(town_a).filter(pk=draft.pk).exists()
    [row] = selectors.with_completion(town_a, [draft])
    assert (row.total, row.answered) == (1, 0)
    [row] = selectors.with_completion(world.users["task_force"], [draft])
    assert (row.total, row.answered) == (2, 0)
    assert [r.enterprise for r in selectors.responses(town_a, draft)] == [world.firm_a]
    # It follows the campaign, but the county runs it.
    for action in (services.send_campaign, services.close_campaign):
        with pytest.raises(PermissionDenied):
            action(town_a, draft)
    with pytest.raises(PermissionDenied):
        services.update_campaign(town_a, draft, expected_version=draft.version, title="x")


def test_who_sees_which_campaign(world, make_campaign):
    county = make_campaign(title="县")
    town = make_campaign(world.users["town_a"], world.town_a, title="镇")
    other = make_campaign(world.users["task_force_outside"], world.other_county, title="外")
    expected = {
        "task_force": {county, town},
        "town_a": {county, town},
        "town_b": {county},
        "inspector": {county, town},
        "dept_commerce": {county, town},
        "grid_a": {county, town},
        "ent_a": {county, town},
        "ent_c": {other},
        "gate_a": {county, town},
        "employee_a": set(),
        "outsider": {other},
        "task_force_outside": {other},
    }
    for who, campaigns in expected.items():
        assert set(SurveyCampaign.objects.visible_to(world.users[who])) == campaigns, who


def test_the_outsider_can_do_nothing_with_a_foreign_campaign(world, make_campaign):
    campaign = make_campaign()
    outsider = world.users["outsider"]
    for action in (services.send_campaign, services.close_campaign, services.remind):
        with pytest.raises(PermissionDenied):
            action(outsider, campaign)
    assert selectors.with_completion(outsider, [campaign])[0].total == 0
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert not SurveyResponse.objects.filter(reminders_sent__gt=0).exists()
