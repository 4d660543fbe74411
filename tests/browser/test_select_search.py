"""Long drop-downs of firms and towns are searchable: typing narrows the options to the matching names
and picks the first, the filter then applies it, and nothing scrolls sideways on a phone."""

import pytest

from tests.browser.test_accessibility import describe, severe_violations
from tests.workforce.conftest import make_employee, use_preset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_roster_firm_filter_is_searched_by_name(world, page, live_server, login, screenshot):
    use_preset(world, "N0")
    make_employee(world.firm_a, name="甲企业员工")
    make_employee(world.firm_b, name="乙企业员工")
    page.set_viewport_size({"width": 390, "height": 844})
    login("tf_zhuji")
    page.goto(f"{live_server.url}/workforce/roster/")
    box = page.get_by_test_id("roster-filters").locator("input.select-search")
    assert box.is_visible()
    box.fill(world.firm_b.name[-6:])
    select = page.locator("select[name=firm]")
    visible = select.evaluate("s => [...s.options].filter(o => !o.hidden && o.value).map(o => o.text)")
    assert visible == [world.firm_b.name]
    assert select.evaluate("s => s.options[s.selectedIndex].text") == world.firm_b.name
    page.get_by_test_id("roster-filters").get_by_role("button", name="筛选").click()
    page.wait_for_load_state("networkidle")
    roster = page.get_by_test_id("roster").inner_text()
    assert "乙企业员工" in roster and "甲企业员工" not in roster
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert [describe(v) for v in severe_violations(page)] == []
    screenshot("select-search-phone")
