"""The survey pages: a campaign reaches a town's firms, shows who has not answered and exports the
answers; the firm's answer form; scope and the pinned query count of the progress page."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.surveys import services
from fugong.surveys.models import CampaignStatus, ResponseStatus, SurveyCampaign, SurveyResponse
from tests.factories import EnterpriseFactory
from tests.surveys.conftest import ALL_ANSWERS

pytestmark = pytest.mark.django_db


def workbook_rows(response):
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0], rows[1:]


def post_answers(answers):
    data = {}
    for key, value in answers.items():
        if isinstance(value, dict):
            data.update({f"{key}__{item}": qty for item, qty in value.items()})
        else:
            data[key] = value
    return data


def test_done_when_a_campaign_reaches_a_towns_firms_shows_who_has_not_answered_and_exports(world, client):
    """DONE-WHEN: a survey campaign reaches the firms of a town, shows who has not answered, and exports
    the answers."""
    second = EnterpriseFactory(name="暨阳第二针织有限公司", town=world.town_a)
    third = EnterpriseFactory(name="暨阳第三袜业有限公司", town=world.town_a)
    town = world.users["town_a"]
    client.force_login(town)
    deadline = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    created = client.post(
        reverse("surveys:create"),
        {
            "title": "春节员工去留与停复工摸排",
            "instructions": "请于截止前填报",
            "region": world.town_a.code,
            "fields": list(ALL_ANSWERS),
            "deadline": deadline,
        },
    )
    campaign = SurveyCampaign.objects.get()
    assert created.status_code == 302 and created.url == reverse("surveys:detail", args=[campaign.pk])
    assert client.post(reverse("surveys:send", args=[campaign.pk])).status_code == 302
    assert set(campaign.responses.values_list("enterprise", flat=True)) == {
        world.firm_a.pk,
        second.pk,
        third.pk,
    }

    # firm_a answers on its page.
    firm = client_for(world.users["ent_a"])
    mine = firm.get(reverse("surveys:mine"))
    response = SurveyResponse.objects.get(campaign=campaign, enterprise=world.firm_a)
    assert "春节员工去留与停复工摸排" in mine.content.decode()
    done = firm.post(
        reverse("surveys:answer", args=[response.pk]), post_answers(ALL_ANSWERS) | {"version": "1"}
    )
    assert done.status_code == 302

    # The town sees who has not answered.
    page = client.get(reverse("surveys:detail", args=[campaign.pk]), {"status": "pending"})
    html = page.content.decode()
    assert second.name in html and third.name in html and world.firm_a.name not in html
    overview = client.get(reverse("surveys:detail", args=[campaign.pk])).content.decode()
    assert "已填报 1/3 家（33%），未填报 2 家" in overview
    assert "合计 12 人" in overview  # the summary of 留本地过节员工人数

    # And exports the answers: one row per firm, one column per field, supplies one column per item.
    export = client.get(reverse("surveys:export", args=[campaign.pk]))
    header, rows = workbook_rows(export)
    assert header[:4] == ("企业名称", "统一社会信用代码", "镇乡街道", "填报状态")
    assert "防疫物资需求（医用口罩）" in header and "防疫物资需求（护目镜）" in header
    assert "留本地过节员工人数" in header and "计划复工日期" in header
    by_firm = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_firm) == {world.firm_a.name, second.name, third.name}
    a = by_firm[world.firm_a.name]
    assert a["填报状态"] == "已填报" and a["留本地过节员工人数"] == 12
    assert a["防疫物资需求（医用口罩）"] == 500 and a["返岗人员排查是否完成"] == "是"
    assert a["计划复工日期"] == dt.datetime(2021, 2, 18)
    assert by_firm[second.name]["填报状态"] == "未填报" and by_firm[second.name]["留本地过节员工人数"] is None
    entry = AuditEntry.objects.get(action="surveys.export")
    assert "共3行" in entry.note


def client_for(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_the_answer_form_shows_every_error_at_once(world, client, make_campaign):
    campaign = make_campaign()
    response = SurveyResponse.objects.get(campaign=campaign, enterprise=world.firm_a)
    client.force_login(world.users["ent_a"])
    form = client.get(reverse("surveys:answer", args=[response.pk]))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'for="f-staying_headcount"' in html and 'id="f-supplies_demand__mask"' in html
    bad = post_answers(
        ALL_ANSWERS | {"staying_headcount": "x", "supplies_demand": {"n95": "-3"}, "notes": ""}
    )
    bad.pop("returner_screening_done")
    page = client.post(reverse("surveys:answer", args=[response.pk]), bad | {"version": "1"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "有3处需要修改" in html
    assert "留本地过节员工人数：应为0至1000000之间的整数" in html
    assert "防疫物资需求（N95口罩）：应为0至1000000之间的整数" in html
    assert "返岗人员排查是否完成：请选择“是”或“否”" in html
    assert 'href="#f-supplies_demand__n95"' in html
    assert 'value="28"' in html  # what was typed is kept
    response.refresh_from_db()
    assert response.status == ResponseStatus.PENDING


def test_a_stale_form_is_refused_not_overwriting(world, client, make_campaign):
    campaign = make_campaign()
    response = SurveyResponse.objects.get(campaign=campaign, enterprise=world.firm_a)
    services.submit_response(world.users["ent_a"], response, ALL_ANSWERS, 1)
    client.force_login(world.users["ent_a"])
    page = client.post(
        reverse("surveys:answer", args=[response.pk]),
        post_answers(ALL_ANSWERS | {"staying_headcount": "99"}) | {"version": "1"},
    )
    assert page.status_code == 400 and "已被他人更新" in page.content.decode()
    response.refresh_from_db()
    assert response.answers["staying_headcount"] == 12


def test_the_firm_list_puts_what_is_due_first(world, client, make_campaign):
    answered = make_campaign(title="已答的摸排")
    due = make_campaign(title="待填的摸排", days=5)
    services.submit_response(
        world.users["ent_a"],
        SurveyResponse.objects.get(campaign=answered, enterprise=world.firm_a),
        ALL_ANSWERS,
        1,
    )
    client.force_login(world.users["ent_a"])
    html = client.get(reverse("surveys:mine")).content.decode()
    assert html.index(due.title) < html.index(answered.title)
    assert "未填报" in html and "已填报" in html


def test_pages_answer_by_role_and_scope(world, make_campaign):
    campaign = make_campaign()
    foreign = make_campaign(world.users["task_force_outside"], world.other_county, title="越城摸排")
    a_response = SurveyResponse.objects.get(campaign=campaign, enterprise=world.firm_a)
    detail = reverse("surveys:detail", args=[campaign.pk])
    for who, index, page in (
        ("task_force", 200, 200),
        ("town_a", 200, 200),
        ("inspector", 200, 200),
        ("grid_a", 200, 200),
        ("outsider", 200, 404),
        ("employee_a", 403, 403),
        ("gate_a", 403, 403),
    ):
        c = client_for(world.users[who])
        assert c.get(reverse("surveys:index")).status_code == index, who
        assert c.get(detail).status_code == page, who
    # A firm's officer is taken to its own surveys.
    firm = client_for(world.users["ent_a"])
    assert firm.get(reverse("surveys:index")).url == reverse("surveys:mine")
    assert firm.get(detail).status_code == 403
    outsider_firm = client_for(world.users["ent_c"])
    assert outsider_firm.get(reverse("surveys:answer", args=[a_response.pk])).status_code == 404
    # The outsider sees only its own campaign and cannot act on ours.
    outsider = client_for(world.users["outsider"])
    listing = outsider.get(reverse("surveys:index")).content.decode()
    assert foreign.title in listing and campaign.title not in listing
    for name in ("surveys:send", "surveys:remind", "surveys:close"):
        assert outsider.post(reverse(name, args=[campaign.pk])).status_code == 404
    assert outsider.get(reverse("surveys:export", args=[campaign.pk])).status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_the_town_page_of_a_county_campaign_lists_its_firms_only(world, client, make_campaign):
    campaign = make_campaign()
    client.force_login(world.users["town_a"])
    html = client.get(reverse("surveys:detail", args=[campaign.pk])).content.decode()
    assert world.firm_a.name in html and world.firm_b.name not in html
    assert "已填报 0/1 家" in html
    assert 'data-testid="survey-send"' not in html and 'data-testid="survey-close"' not in html
    assert 'data-testid="survey-remind"' in html
    _header, rows = workbook_rows(client.get(reverse("surveys:export", args=[campaign.pk])))
    assert [r[0] for r in rows] == [world.firm_a.name]
    index = client.get(reverse("surveys:index")).content.decode()
    assert "已填报 0/1（0%）" in index


def test_the_progress_page_costs_a_fixed_number_of_queries(
    world, client, make_campaign, django_assert_num_queries
):
    for n in range(12):
        EnterpriseFactory(town=world.town_b if n % 2 else world.town_a)
    campaign = make_campaign()
    for firm in (world.firm_a, world.firm_b):
        response = SurveyResponse.objects.get(campaign=campaign, enterprise=firm)
        services.submit_response(_officer(world, firm), response, ALL_ANSWERS, 1)
    client.force_login(world.users["task_force"])
    url = reverse("surveys:detail", args=[campaign.pk])
    client.get(url)
    # Session, user, the user's region, the campaign, its completion, the table's count and page, the
    # answers summary, the shell's unread badge: the same for 14 firms as for 2000.
    with django_assert_num_queries(QUERIES):
        page = client.get(url)
    assert page.status_code == 200 and "已填报 2/14 家" in page.content.decode()
    with django_assert_num_queries(QUERIES):
        client.get(url, {"status": "pending", "sort": "-town"})


QUERIES = 9


def _officer(world, firm):
    from tests.factories import UserFactory

    return UserFactory(username=f"ent_{firm.pk}", role="enterprise", enterprise=firm)


def test_a_manager_creates_edits_and_sees_errors_on_the_campaign_form(world, client):
    client.force_login(world.users["task_force"])
    form = client.get(reverse("surveys:create"))
    assert form.status_code == 200 and "留本地过节员工人数" in form.content.decode()
    bad = client.post(reverse("surveys:create"), {"title": "", "region": world.county.code, "deadline": ""})
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "标题：必须填写" in html and "填报项目：至少选择一项" in html and "截止时间：必须填写" in html
    assert not SurveyCampaign.objects.exists()
    deadline = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("surveys:create"),
        {
            "title": "物资需求摸排",
            "region": world.county.code,
            "fields": ["supplies_demand"],
            "deadline": deadline,
        },
    )
    campaign = SurveyCampaign.objects.get()
    edited = client.post(
        reverse("surveys:edit", args=[campaign.pk]),
        {
            "title": "防疫物资需求摸排",
            "region": world.county.code,
            "fields": ["supplies_demand", "notes"],
            "deadline": deadline,
            "version": "1",
        },
    )
    assert edited.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "防疫物资需求摸排" and campaign.fields == ["supplies_demand", "notes"]
    # A town cannot edit the county's draft.
    town = client_for(world.users["town_a"])
    assert town.get(reverse("surveys:edit", args=[campaign.pk])).status_code == 404


def test_an_overdue_campaign_is_marked_while_firms_still_owe_answers(
    world, client, make_campaign, monkeypatch
):
    campaign = make_campaign(days=1)
    client.force_login(world.users["task_force"])
    assert "已逾期" not in client.get(reverse("surveys:index")).content.decode()
    later = timezone.now() + dt.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    html = client.get(reverse("surveys:index")).content.decode()
    assert f'data-testid="campaign-{campaign.pk}" class="row-alert"' in html and "已逾期" in html
    for firm in (world.firm_a, world.firm_b):
        response = SurveyResponse.objects.get(campaign=campaign, enterprise=firm)
        services.submit_response(_officer(world, firm), response, ALL_ANSWERS, 1)
    assert "已逾期" not in client.get(reverse("surveys:index")).content.decode()
    assert "逾期提交 2 家" in client.get(reverse("surveys:detail", args=[campaign.pk])).content.decode()
