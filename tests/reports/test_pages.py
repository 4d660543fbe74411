"""The pages: the firm's 今日健康汇总 and 确认上报, the town's and county's 每日汇总, the Excel roll-up."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from fugong.reports import services
from fugong.reports.models import FIGURES, DailySummary, SummaryStatus
from tests.reports.conftest import reading

pytestmark = pytest.mark.django_db


def _summary(world, day, firm="firm_a"):
    return DailySummary.objects.get(enterprise=getattr(world, firm), day=day.day)


def test_firm_page_shows_figures_gaps_and_confirms(world, day, client):
    client.force_login(world.users["ent_a"])
    page = client.get(reverse("reports:daily"))
    html = page.content.decode()
    assert page.status_code == 200 and "今日健康汇总" in html and world.firm_a.name in html
    assert world.firm_b.name not in html
    for _name, label in FIGURES:
        assert str(label) in html
    assert "2人未完成当日全部2轮体温检测" in html and reverse("monitoring:missing") in html
    assert reverse("monitoring:alerts") in html and "确认上报" in html
    summary = _summary(world, day)
    reading(day.partial, day.day, 2)
    response = client.post(reverse("reports:confirm", args=[summary.pk]), {"note": "已补测", "version": 1})
    assert response.status_code == 302
    summary.refresh_from_db()
    assert (
        summary.status == SummaryStatus.CONFIRMED
        and summary.note == "已补测"
        and summary.checkin_missing == 1
    )
    html = client.get(response["Location"]).content.decode()
    assert "已确认" in html and 'data-testid="confirm-form"' not in html
    # A second tab with the old version: a clear message, nothing changed.
    again = client.post(reverse("reports:confirm", args=[summary.pk]), {"version": 1}, follow=True)
    assert "刷新" in again.content.decode()


def test_firm_page_of_a_future_day_and_a_past_day(world, day, client):
    client.force_login(world.users["ent_a"])
    future = client.get(reverse("reports:daily"), {"day": (day.day + dt.timedelta(days=2)).isoformat()})
    assert (
        'data-testid="future"' in future.content.decode()
        and 'data-testid="confirm"' not in future.content.decode()
    )
    assert not DailySummary.objects.filter(day__gt=day.day).exists()
    before = day.day - dt.timedelta(days=1)
    past = client.get(reverse("reports:daily"), {"day": before.isoformat()})
    html = past.content.decode()
    # The title names the day, in the one Chinese format: 2026年12月4日健康汇总, not "今日".
    named = f"{before.year}年{before.month}月{before.day}日健康汇总"
    assert past.status_code == 200 and named in html and "今日健康汇总" not in html
    assert f"<title>{named} · " in html


def test_a_past_day_without_a_summary_is_not_built_on_view(world, day, client):
    """Today's statuses say nothing about three days ago: the pages say so rather than invent it."""
    past = (day.day - dt.timedelta(days=3)).isoformat()
    client.force_login(world.users["ent_a"])
    html = client.get(reverse("reports:daily"), {"day": past}).content.decode()
    assert 'data-testid="no-summary"' in html and "该日无汇总" in html and 'data-testid="confirm"' not in html
    for who in ("task_force", "town_a"):
        client.force_login(world.users[who])
        html = client.get(reverse("reports:daily"), {"day": past}).content.decode()
        assert "该日无汇总" in html
        assert client.get(reverse("reports:export"), {"day": past}).status_code == 200
    assert not DailySummary.objects.exists()
    # Today is still built on the first look.
    client.get(reverse("reports:daily"))
    assert DailySummary.objects.filter(day=day.day).exists()


def test_viewing_a_past_draft_does_not_recompute_it(world, day, client):
    past = day.day - dt.timedelta(days=2)
    stored = DailySummary.objects.create(
        enterprise=world.firm_a, town=world.town_a, day=past, on_site=7, checkin_missing=7
    )
    reading(day.partial, past, 1)
    client.force_login(world.users["town_a"])
    assert client.get(reverse("reports:summary", args=[stored.pk])).status_code == 200
    client.force_login(world.users["ent_a"])
    html = client.get(reverse("reports:daily"), {"day": past.isoformat()}).content.decode()
    assert 'data-testid="stored-figures"' in html
    stored.refresh_from_db()
    assert (stored.on_site, stored.checkin_missing, stored.computed_at) == (7, 7, None)


def test_town_page_lists_its_firms_and_filters_unconfirmed(world, day, client):
    services.build_summaries(day.day)
    services.confirm_summary(world.users["ent_a"], _summary(world, day))
    client.force_login(world.users["town_a"])
    html = client.get(reverse("reports:daily")).content.decode()
    assert world.firm_a.name in html and "已确认" in html and world.firm_b.name not in html
    assert "应报企业1家，已确认1家，待确认0家" in html
    empty = client.get(reverse("reports:daily"), {"status": "unconfirmed"}).content.decode()
    assert world.firm_a.name not in empty.split('data-testid="firms"')[1]
    detail = client.get(reverse("reports:summary", args=[_summary(world, day).pk]))
    assert detail.status_code == 200 and 'data-testid="reopen-form"' in detail.content.decode()
    client.force_login(world.users["town_b"])
    html = client.get(reverse("reports:daily")).content.decode()
    assert world.firm_b.name in html and "待确认" in html and world.firm_a.name not in html


def test_task_force_sees_towns_and_picks_one(world, day, client):
    services.build_summaries(day.day)
    client.force_login(world.users["task_force"])
    html = client.get(reverse("reports:daily")).content.decode()
    assert "暨阳街道" in html and "店口镇" in html and "府山街道" not in html
    assert world.firm_b.name in html  # in the unconfirmed list of 店口镇
    picked = client.get(reverse("reports:daily"), {"town": world.town_b.pk}).content.decode()
    assert world.firm_b.name in picked.split('data-testid="firms"')[1]
    assert client.get(reverse("reports:daily"), {"town": world.other_town.pk}).status_code == 404


def test_a_county_page_built_on_first_look(world, day, client):
    client.force_login(world.users["task_force"])
    assert not DailySummary.objects.exists()
    client.get(reverse("reports:daily"))
    assert set(DailySummary.objects.values_list("enterprise_id", flat=True)) == {
        world.firm_a.pk,
        world.firm_b.pk,
    }


def test_outsiders_and_other_roles(world, day, client):
    services.build_summaries(day.day)
    summary = _summary(world, day)
    for who in ("outsider", "ent_c", "town_b"):
        client.force_login(world.users[who])
        assert client.get(reverse("reports:summary", args=[summary.pk])).status_code == 404
        html = client.get(reverse("reports:daily")).content.decode()
        assert world.firm_a.name not in html
    client.force_login(world.users["ent_c"])
    assert client.post(reverse("reports:confirm", args=[summary.pk]), {"version": 1}).status_code == 404
    client.force_login(world.users["town_a"])
    assert client.post(reverse("reports:confirm", args=[summary.pk]), {"version": 1}).status_code == 403
    for who in ("employee_a", "gate_a"):
        client.force_login(world.users[who])
        assert client.get(reverse("reports:daily")).status_code == 403
        assert client.get(reverse("reports:export")).status_code == 403
    summary.refresh_from_db()
    assert summary.status == SummaryStatus.DRAFT
    client.logout()
    assert client.get(reverse("reports:daily")).status_code == 302


def test_excel_export_opens_with_chinese_headers(world, day, client):
    services.build_summaries(day.day)
    client.force_login(world.users["task_force"])
    response = client.get(reverse("reports:export"), {"day": day.day.isoformat()})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    towns, firms = book["镇街汇总"], book["企业明细"]
    headers = [c.value for c in towns[1]]
    assert headers[:7] == ["日期", "镇街", "区划代码", "企业数", "已确认", "仅确认截至目前", "待确认"]
    assert headers[7:] == [str(label) for _n, label in FIGURES]
    rows = {r[1]: r for r in towns.iter_rows(min_row=2, values_only=True)}
    assert rows["暨阳街道"][7] == 5 and rows["合计"][7] == 6
    names = [r[2] for r in firms.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted([world.firm_a.name, world.firm_b.name])
    client.force_login(world.users["outsider"])
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("reports:export")).content))
    text = str([c for row in book["企业明细"].iter_rows(values_only=True) for c in row])
    assert world.firm_a.name not in text and world.firm_b.name not in text


def test_nav_entry(world, client):
    client.force_login(world.users["town_a"])
    assert "每日汇总" in client.get(reverse("home")).content.decode()
    client.force_login(world.users["employee_a"])
    assert reverse("reports:daily") not in client.get(reverse("home")).content.decode()


def test_a_firm_with_nothing_to_report(world, day, client):
    """firm_c has not resumed and nobody is on site: its page says so and no draft appears."""
    client.force_login(world.users["ent_c"])
    html = client.get(reverse("reports:daily")).content.decode()
    assert 'data-testid="nothing"' in html and 'data-testid="confirm"' not in html
    assert not DailySummary.objects.filter(enterprise=world.firm_c).exists()


def test_a_bureau_sees_its_own_sector(world, day, client):
    services.build_summaries(day.day)
    client.force_login(world.users["dept_commerce"])
    html = client.get(reverse("reports:daily")).content.decode()
    assert world.firm_b.name in html and world.firm_a.name not in html
    assert client.get(reverse("reports:summary", args=[_summary(world, day).pk])).status_code == 404
    assert client.get(reverse("reports:summary", args=[_summary(world, day, "firm_b").pk])).status_code == 200


def test_firm_page_of_a_policy_without_rounds(world, day, n0, client):
    from tests.monitoring.conftest import new_version

    version = new_version(n0, drop=("temperature_rounds",))
    client.force_login(world.users["ent_a"])
    page = client.get(reverse("reports:daily"))
    html = page.content.decode()
    assert "现行政策未规定每日体温检测的轮次" in html and "未完成当日全部" not in html
    figures = {name: value for name, _label, value, _numeric in page.context["figures"]}
    assert figures["checked_in_full"] == figures["checkin_missing"] == "不适用"
    assert figures["on_site"] == 5
    assert str(version) in html  # 依据：the version the figures were computed under
