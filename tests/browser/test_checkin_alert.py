"""Under N0 (fever ≥37.3℃) an employee's phone check-in at 37.2 is simply confirmed; at 37.3 the page tells
the employee to wait for the officer, an alert is raised, and the firm's officer and the town see it on
their alerts page — an outsider does not."""

import pytest

from fugong.accounts.roles import Role
from fugong.monitoring.models import Alert
from fugong.workforce import services
from fugong.workforce.models import EmployeeStatus
from tests.factories import UserFactory
from tests.workforce.conftest import make_employee, use_preset

# Rounds follow the time of day: "now" is pinned inside the first round.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_clock"),
]


def check_in(page, live_server, login, username, temperature):
    page.context.clear_cookies()
    login(username)
    page.goto(f"{live_server.url}/monitoring/checkin/")
    page.fill("#temperature", temperature)
    page.get_by_test_id("checkin-submit").click()
    page.wait_for_load_state("networkidle")


def test_fever_check_in_raises_an_alert_seen_by_firm_and_town(world, page, live_server, login, screenshot):
    use_preset(world, "N0")
    officer = world.users["ent_a"]
    well = make_employee(world.firm_a, name="陈正常")
    hot = make_employee(world.firm_a, name="李发热")
    second = UserFactory(
        username="employee_a2", role=Role.EMPLOYEE, enterprise=world.firm_a, full_name="李发热"
    )
    for person, account in ((well, world.users["employee_a"]), (hot, second)):
        services.change_status(officer, person, EmployeeStatus.AT_WORK, "上岗")
        services.link_account(officer, person, account)
    page.set_viewport_size({"width": 390, "height": 844})

    check_in(page, live_server, login, "employee_a", "37.2")
    assert "第1轮打卡成功 37.2℃" in page.get_by_test_id("checkin-ok").inner_text()
    assert page.get_by_test_id("checkin-abnormal").count() == 0
    assert not Alert.objects.exists()

    check_in(page, live_server, login, "employee_a2", "37.3")
    warning = page.get_by_test_id("checkin-abnormal").inner_text()
    assert "37.3℃" in warning and "体温异常" in warning and "防疫专员将与您联系" in warning
    assert page.get_by_test_id("checkin-ok").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("checkin-alert-phone")
    alert = Alert.objects.get()
    assert alert.employee == hot and alert.enterprise == world.firm_a

    page.set_viewport_size({"width": 1280, "height": 900})
    for username in ("ent_a", "town_a"):
        page.context.clear_cookies()
        login(username)
        page.goto(f"{live_server.url}/monitoring/alerts/")
        row = page.get_by_test_id(f"alert-{alert.pk}")
        assert row.count() == 1, username
        assert "李发热" in row.inner_text() and "37.3" in row.inner_text()
        screenshot(f"checkin-alert-{username}")

    page.context.clear_cookies()
    login("outsider")
    response = page.goto(f"{live_server.url}/monitoring/alerts/")
    assert response.status == 200
    assert page.get_by_test_id(f"alert-{alert.pk}").count() == 0
    assert "李发热" not in page.content()
