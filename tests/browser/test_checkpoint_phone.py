"""A town officer at a checkpoint records two arrivals on a phone (390×844): one on a firm's roster,
matched and handed over; one unknown, left for the town's follow-up list."""

import pytest

from fugong.workforce.models import CheckpointArrival, EmployeeStatus, FollowUp
from tests.browser.conftest import SCREENSHOTS
from tests.workforce.returns_support import id_number, make_employee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone_shot(page, name):
    """What the phone's screen shows (a full-page capture would paint the sticky button mid-page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_recording_arrivals_on_a_phone(world, page, live_server, login, screenshot):
    number = id_number()
    person = make_employee(world.firm_a, "孙八", number)
    page.set_viewport_size({"width": 390, "height": 844})
    login(world.users["town_a"].username)
    page.goto(f"{live_server.url}/workforce/checkpoint/?checkpoint=G60诸暨高速出口")

    id_field = page.locator("#id_id_number")
    assert id_field.get_attribute("inputmode") == "numeric"
    assert page.locator("#id_phone").get_attribute("inputmode") == "tel"
    # Big enough to hit with a thumb, and the submit button stays on screen.
    assert id_field.bounding_box()["height"] >= 44
    submit = page.get_by_test_id("checkpoint-submit")
    box = submit.bounding_box()
    assert box["height"] >= 48 and box["y"] + box["height"] <= 844 and box["width"] >= 300

    page.fill("#id_name", "孙八")
    page.fill("#id_id_number", number)
    page.fill("#id_phone", "13900139000")
    page.fill("#id_came_from", "江西省上饶市")
    page.fill("#id_vehicle", "浙D12345")
    phone_shot(page, "checkpoint-phone-form")
    submit.click()
    page.wait_for_load_state("networkidle")
    result = page.get_by_test_id("checkpoint-result")
    assert "孙八" in result.inner_text() and world.firm_a.name in result.inner_text()
    assert number not in page.content()
    person.refresh_from_db()
    assert person.status == EmployeeStatus.ARRIVED

    # The next person: the checkpoint is remembered; an ID ending in X is typed with the X button.
    x_number = next(n for n in iter(id_number, None) if n.endswith("X"))
    page.fill("#id_name", "陌生人")
    page.fill("#id_id_number", x_number[:17])
    page.get_by_test_id("id-x").click()
    assert page.input_value("#id_id_number") == x_number
    page.get_by_test_id("checkpoint-submit").click()
    page.wait_for_load_state("networkidle")
    assert "未匹配到企业员工档案" in page.get_by_test_id("checkpoint-result").inner_text()
    phone_shot(page, "checkpoint-phone")
    page.mouse.wheel(0, 2000)
    page.wait_for_timeout(200)
    phone_shot(page, "checkpoint-phone-scrolled")

    rows = {a.name: a for a in CheckpointArrival.objects.all()}
    assert rows["孙八"].follow_up == FollowUp.MATCHED and rows["孙八"].checkpoint == "G60诸暨高速出口"
    assert rows["陌生人"].follow_up == FollowUp.PENDING and rows["陌生人"].checkpoint == "G60诸暨高速出口"

    page.goto(f"{live_server.url}/workforce/returns/pending/")
    assert "陌生人" in page.get_by_test_id("pending-arrivals").inner_text()
    screenshot("checkpoint-phone-pending")


def test_town_and_firm_pages_on_a_desktop(world, page, live_server, login, screenshot):
    from django.utils import timezone

    from fugong.workforce.returns.services import pre_report
    from tests.workforce.returns_support import use_n0

    use_n0(world)
    today = timezone.localdate()
    people = [
        make_employee(world.firm_a, name, expected_return_date=today) for name in ("钱一", "孙二", "李三")
    ]
    pre_report(world.users["ent_a"], people[:2], today)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(world.users["ent_a"].username)
    page.get_by_role("link", name="返岗报备").first.click()
    page.check(f"input[name=employees][value='{people[2].pk}']")
    page.fill("#id_expected_arrival", today.isoformat())
    page.get_by_test_id("prereport-submit").click()
    page.wait_for_load_state("networkidle")
    assert "迟报" in page.content()
    screenshot("returns-firm")

    page.context.clear_cookies()
    login(world.users["town_a"].username)
    page.get_by_role("link", name="返岗报备").first.click()
    assert "钱一" in page.get_by_test_id("pre-reports").inner_text()
    assert page.get_by_test_id("not-arrived").inner_text().count("迟报") == 0
    screenshot("returns-town")
