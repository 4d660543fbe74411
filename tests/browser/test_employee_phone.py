"""An employee in in-plant isolation opens their own page on a phone (390×844): status, days left,
release date and what is due, in large type and without sideways scrolling."""

import pytest

from fugong.workforce import services
from fugong.workforce.models import EmployeeStatus
from tests.workforce.conftest import returner, risk_area, use_preset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_employee_sees_status_and_days_left_on_a_phone(world, page, live_server, login, screenshot):
    policy = use_preset(world, "N0")
    risk_area(policy, "3303", "温州市", "high")
    me = returner(world.firm_a, "3303", "温州市", back_days_ago=2, name="陈癸")
    services.link_account(world.users["ent_a"], me, world.users["employee_a"])
    services.change_status(world.users["ent_a"], me, EmployeeStatus.ARRIVED, "到厂")

    page.set_viewport_size({"width": 390, "height": 844})
    login(world.users["employee_a"].username)
    page.get_by_role("link", name="我的健康").first.click()
    page.wait_for_load_state("networkidle")

    assert "隔离观察中" in page.get_by_test_id("me-status").inner_text()
    assert page.get_by_test_id("days-left").inner_text().strip() == "12"
    assert "须厂内隔离观察" in page.get_by_test_id("me-decision").inner_text()
    assert page.get_by_test_id("me-due").is_visible()
    # Large type, and nothing wider than the phone.
    size = page.get_by_test_id("days-left").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 40
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("employee-phone")
