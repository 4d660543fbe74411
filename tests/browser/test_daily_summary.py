"""The firm's officer reads the day on a phone, confirms it (确认上报); the town officer then sees the firm
as 已确认 on 每日汇总, the other town's firm as 待确认, and the task force the towns side by side."""

import pytest

from fugong.reports import services
from fugong.reports.models import DailySummary, SummaryStatus
from tests.reports.conftest import day, n0  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_firm_confirms_and_town_sees_it(world, day, page, live_server, login, screenshot, pinned_clock):  # noqa: F811
    pinned_clock(19)  # after the day's last round is due: the firm may confirm the day finally
    services.build_summaries(day.day)
    page.set_viewport_size({"width": 390, "height": 844})
    login("ent_a")
    page.goto(f"{live_server.url}/reports/")
    assert page.get_by_test_id("fig-checkin_missing").inner_text().endswith("2")
    assert "漏测名单" in page.get_by_test_id("gaps").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("daily-summary-firm-phone")
    page.fill("#note", "两人漏测，已通知补测")
    page.get_by_test_id("confirm").click()
    page.wait_for_load_state("networkidle")
    assert "已确认" in page.get_by_test_id("status").inner_text()
    assert page.get_by_test_id("confirm").count() == 0
    summary = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    assert summary.status == SummaryStatus.CONFIRMED and summary.note == "两人漏测，已通知补测"
    screenshot("daily-summary-firm-confirmed")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    login("town_a")
    page.goto(f"{live_server.url}/reports/")
    row = page.get_by_test_id(f"firm-{world.firm_a.pk}")
    assert "已确认" in row.inner_text()
    screenshot("daily-summary-town")

    page.context.clear_cookies()
    login("tf_zhuji")
    page.goto(f"{live_server.url}/reports/")
    assert "暨阳街道" in page.get_by_test_id("towns").inner_text()
    # Above one town the names are folded; the officer opens them.
    assert not page.get_by_test_id("unconfirmed-330681104").is_visible()
    page.get_by_text("待确认企业名单").click()
    assert world.firm_b.name in page.get_by_test_id("unconfirmed-330681104").inner_text()
    screenshot("daily-summary-task-force")
