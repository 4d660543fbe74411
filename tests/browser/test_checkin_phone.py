"""An employee checks in on a phone (390×844); a resend of the same submission is not a second record."""

import pytest

from fugong.monitoring.models import HealthCheckin
from fugong.workforce import services
from fugong.workforce.models import EmployeeStatus
from tests.workforce.conftest import make_employee, use_preset

# Rounds follow the time of day: "now" is pinned inside the first round.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_clock"),
]


def test_employee_checks_in_on_a_phone(world, page, live_server, login, screenshot):
    use_preset(world, "N0")
    me = make_employee(world.firm_a, name="陈打卡")
    services.change_status(world.users["ent_a"], me, EmployeeStatus.AT_WORK, "上岗")
    services.link_account(world.users["ent_a"], me, world.users["employee_a"])

    page.set_viewport_size({"width": 390, "height": 844})
    login(world.users["employee_a"].username)
    page.get_by_role("link", name="我的健康").first.click()
    page.get_by_test_id("me-checkin").click()
    page.wait_for_load_state("networkidle")

    page.get_by_role("button", name="36.5").click()
    assert page.get_by_test_id("temperature").input_value() == "36.5"
    assert page.get_by_test_id("temperature").get_attribute("inputmode") == "decimal"
    # The first tap's answer is lost on a slow network (the request reached the server)…
    status = page.evaluate(
        """async () => { const f = document.getElementById('checkin-form');
           const r = await fetch(location.href, {method: 'POST', body: new FormData(f), credentials: 'same-origin'});
           return r.status; }"""
    )
    assert status == 200
    assert HealthCheckin.objects.filter(employee=me).count() == 1
    # …so the employee taps again: the same submission, not a second record.
    page.get_by_test_id("checkin-submit").click()
    page.wait_for_load_state("networkidle")
    assert "第1轮打卡成功 36.5℃" in page.get_by_test_id("checkin-ok").inner_text()
    assert HealthCheckin.objects.filter(employee=me).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("checkin-phone")
