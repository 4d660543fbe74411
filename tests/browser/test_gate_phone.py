"""The gate keeper on a phone (390×844) records a visitor and a vehicle and refuses a feverish visitor
(N2 双控); each refusal is kept with the reason."""

import datetime as dt

import pytest

from fugong.operations.models import VehicleEntry, Visitor
from fugong.policy.services import apply_preset
from tests.browser.conftest import SCREENSHOTS
from tests.workforce.conftest import valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_visitor(page, name, number, temperature):
    page.get_by_test_id("tab-visitor").click()
    page.fill("#gate-name", name)
    page.fill("#gate-id", number)
    page.fill("#gate-phone", "13800001111")
    page.fill("#gate-company", "绍兴物流")
    page.fill("#gate-host", "李主任")
    page.fill("#gate-purpose", "送货")
    page.fill("#gate-temp", temperature)
    page.get_by_test_id("gate-submit").click()
    page.wait_for_load_state("networkidle")


def test_gate_keeper_on_a_phone(world, page, live_server, login):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    page.set_viewport_size({"width": 390, "height": 844})
    login(world.users["gate_a"].username)
    page.goto(f"{live_server.url}/gate/?tab=visitor")
    assert page.locator("#gate-temp").get_attribute("inputmode") == "decimal"
    submit = page.get_by_test_id("gate-submit").bounding_box()
    assert submit["height"] >= 48 and submit["width"] >= 300

    number = valid_id()
    page.get_by_test_id("tab-visitor").click()
    page.fill("#gate-name", "王访客")
    page.fill("#gate-id", number)
    page.fill("#gate-phone", "13800001111")
    page.fill("#gate-company", "绍兴物流")
    page.fill("#gate-host", "李主任")
    page.fill("#gate-purpose", "送货")
    page.get_by_test_id("quick-temperatures").get_by_role("button", name="36.5").click()
    page.get_by_test_id("gate-submit").click()
    page.wait_for_load_state("networkidle")
    result = page.get_by_test_id("gate-result")
    assert "放行" in result.inner_text()
    assert number not in page.content()

    page.get_by_test_id("tab-vehicle").click()
    page.fill("#gate-plate", "浙D12345")
    page.fill("#gate-driver", "赵师傅")
    page.fill("#gate-dphone", "13800002222")
    page.fill("#gate-origin", "杭州")
    page.fill("#gate-cargo", "纱线")
    page.get_by_test_id("gate-submit").click()
    page.wait_for_load_state("networkidle")
    assert "放行" in page.get_by_test_id("gate-result").inner_text()

    fill_visitor(page, "发热访客", valid_id(), "37.5")
    result = page.get_by_test_id("gate-result")
    assert "已拒绝" in result.inner_text()
    assert "体温37.5℃，达到发热标准（≥37.3℃）" in page.get_by_test_id("gate-reason").inner_text()
    assert "发热访客" in page.get_by_test_id("refusals").inner_text()
    assert "王访客" in page.get_by_test_id("visitors-inside").inner_text()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gate-phone.png"), full_page=True)

    assert Visitor.objects.filter(allowed=True).count() == 1
    refused = Visitor.objects.get(allowed=False)
    # The reason cites where the threshold came from (the preset's note: the notice gives no number).
    assert refused.refusal_reason.startswith("《诸暨市企业复工和疫情防控实施方案》")
    assert "体温37.5℃，达到发热标准（≥37.3℃）" in refused.refusal_reason
    assert VehicleEntry.objects.filter(allowed=True, plate="浙D12345").count() == 1
