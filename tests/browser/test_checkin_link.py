"""Checking in on a phone (390×844) without a password: by the personal link, then by the firm's QR code."""

import pytest

from fugong.monitoring.access import services as access
from fugong.monitoring.models import CheckinSource, HealthCheckin
from fugong.workforce import services
from fugong.workforce.models import EmployeeStatus
from tests.workforce.conftest import make_employee, use_preset, valid_id

# Rounds follow the time of day: "now" is pinned inside the first round.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_clock"),
]


def on_site(world, name, number):
    person = make_employee(world.firm_a, name=name, id_number=number)
    return services.change_status(world.users["ent_a"], person, EmployeeStatus.AT_WORK, "上岗")


def test_personal_link_and_firm_qr_on_a_phone(world, page, live_server, screenshot, login):
    use_preset(world, "N0")
    chen = on_site(world, "陈小明", valid_id(birth="19890101"))
    number = valid_id(birth="19890102")
    qian = on_site(world, "钱小二", number)
    _link, token = access.issue_link(world.users["ent_a"], chen)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/monitoring/c/{token}/")
    assert page.get_by_test_id("masked-name").inner_text() == "陈*明"
    page.get_by_role("button", name="36.5").click()
    assert page.get_by_test_id("temperature").input_value() == "36.5"
    page.get_by_test_id("checkin-submit").click()
    page.wait_for_load_state("networkidle")
    assert "第1轮打卡成功 36.5℃" in page.get_by_test_id("checkin-ok").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("checkin-link")
    row = HealthCheckin.objects.get(employee=chen)
    assert (row.source, row.recorded_by_id) == (CheckinSource.SELF, None)

    page.goto(f"{live_server.url}/monitoring/f/{access.firm_token(world.firm_a)}/")
    assert world.firm_a.name in page.content()
    page.get_by_test_id("id-number").fill("110101199001011234")
    page.get_by_test_id("identify-submit").click()
    page.wait_for_load_state("networkidle")
    assert "本企业没有该身份证号的员工" in page.get_by_test_id("identify-errors").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("checkin-firm-identify")
    page.get_by_test_id("id-number").fill(number)
    page.get_by_test_id("identify-submit").click()
    page.wait_for_load_state("networkidle")
    assert "钱*二" in page.get_by_test_id("masked-name").inner_text()
    page.get_by_role("button", name="36.6").click()
    page.get_by_test_id("checkin-submit").click()
    page.wait_for_load_state("networkidle")
    assert "第1轮打卡成功 36.6℃" in page.get_by_test_id("checkin-ok").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("checkin-firm-qr")
    assert HealthCheckin.objects.filter(employee=qian, source=CheckinSource.SELF).count() == 1
    # The next visit the same day needs no retyping.
    page.goto(f"{live_server.url}/monitoring/f/{access.firm_token(world.firm_a)}/")
    assert page.get_by_test_id("checkin-form").is_visible()

    # The officer's printable poster points at the page used above.
    page.set_viewport_size({"width": 1024, "height": 900})
    login(world.users["ent_a"].username)
    page.goto(f"{live_server.url}/monitoring/qr/")
    assert page.get_by_test_id("poster-firm").inner_text() == world.firm_a.name
    assert access.firm_token(world.firm_a) in page.get_by_test_id("qr-url").inner_text()
    assert page.get_by_test_id("qr").evaluate("img => img.naturalWidth") > 0
    screenshot("firm-qr-poster")

    # The devices page shows a new token once, with the curl example.
    page.goto(f"{live_server.url}/monitoring/devices/")
    page.get_by_test_id("device-name").fill("1号测温门")
    page.get_by_test_id("device-issue").click()
    page.wait_for_load_state("networkidle")
    token = page.get_by_test_id("device-token").inner_text()
    assert token.startswith("fgd_") and token in page.get_by_test_id("curl-example").inner_text()
    screenshot("devices-issued")
    page.goto(f"{live_server.url}/monitoring/links/")
    page.get_by_test_id("links-missing").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("link-url").count() == 2
    screenshot("checkin-links")
