"""The firm's officer on a phone (390×844) enters a nucleic result on 核酸抗原检测 and reads the due list;
the town officer reads the same list without the forms."""

# ruff: noqa: F811 - the fixtures come from tests_support and are parameters by name

import pytest

from fugong.monitoring.models import Alert
from fugong.monitoring.models import TestResult as Result
from tests.monitoring.tests_support import buffered, n1, working  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_officer_enters_a_result_on_a_phone(world, working, buffered, page, live_server, login, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    login(world.users["ent_a"].username)
    page.goto(f"{live_server.url}/monitoring/tests/")
    assert page.get_by_test_id(f"due-{working.pk}-nucleic").is_visible()
    assert _no_horizontal_scroll(page)
    submit = page.get_by_test_id("test-submit").bounding_box()
    assert submit["height"] >= 44 and submit["width"] >= 300
    screenshot("tests-phone-due")

    page.get_by_test_id("test-employee").select_option(str(buffered.pk))
    page.get_by_test_id("test-kind").get_by_label("核酸").check()
    page.get_by_test_id("test-result").get_by_label("阴性").check()
    page.get_by_test_id("test-lab").fill("诸暨市人民医院")
    page.get_by_test_id("test-submit").click()
    page.wait_for_load_state("networkidle")
    assert "已解除缓冲区" in page.content()
    assert Result.objects.filter(employee=buffered, kind="nucleic").exists()

    page.get_by_test_id("test-employee").select_option(str(working.pk))
    page.get_by_test_id("test-kind").get_by_label("抗原").check()
    page.get_by_test_id("test-result").get_by_label("阳性").check()
    page.get_by_test_id("test-submit").click()
    page.wait_for_load_state("networkidle")
    assert "阳性预警" in page.content()
    assert Alert.objects.filter(employee=working, kind="positive_test").exists()
    assert _no_horizontal_scroll(page)
    screenshot("tests-phone-after")


def test_town_reads_the_due_list(world, working, page, live_server, login, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    login(world.users["town_a"].username)
    page.goto(f"{live_server.url}/monitoring/tests/")
    summary = page.get_by_test_id(f"summary-{world.firm_a.pk}")
    assert summary.is_visible() and page.get_by_test_id("test-form").count() == 0
    assert _no_horizontal_scroll(page)
    screenshot("tests-phone-town-summary")
    summary.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id(f"due-{working.pk}-nucleic").is_visible()
    assert _no_horizontal_scroll(page)
    screenshot("tests-phone-town")
