"""Region pickers on a phone (390×844): a residence picked by clicking through 省 → 市 → 区县 → 镇街 and
by searching, a travel destination by search, a risk area and a no-return area anywhere in China, and a
picker in a travel row added after the page loaded. No codes are typed; the page never scrolls sideways
and axe finds no serious violation with the result list open."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from fugong.policy.models import NoReturnArea, Policy, RiskArea
from fugong.workforce.models import Employee
from tests.regions.division_data import write_division_csvs
from tests.workforce.conftest import days_ago, make_employee, use_preset, valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).resolve().parents[2] / "src" / "fugong" / "static" / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id}: ${v.nodes.slice(0, 2).map(n => n.target.join(' '))} — ${v.help}`);
}"""


@pytest.fixture
def nation(tmp_path, settings):
    # The live server runs in this process, so it reads the same small dataset.
    return write_division_csvs(tmp_path, settings)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def no_serious_axe_violations(page):
    assert AXE.exists(), "run `node scripts/build_static.mjs` to copy axe-core into the static vendor folder"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    problems = page.evaluate(RUN_AXE)
    assert not problems, "\n".join(problems)


def pick_in_cascade(page, field_id, names):
    """Choose each name in the next select, waiting for the one below it to load."""
    for depth, name in enumerate(names, start=1):
        select = page.locator(f"#{field_id}_{depth}")
        expect(select).to_be_visible()
        select.select_option(label=name)


def test_employee_residence_by_cascade_and_destination_by_search(
    world, nation, page, live_server, login, screenshot
):
    page.set_viewport_size(PHONE)
    login(world.users["ent_a"].username)
    page.goto(f"{live_server.url}/workforce/employees/new/")
    page.fill("#id_name", "周九")
    page.fill("#id_id_number", valid_id())
    page.fill("#id_phone", "13900001111")

    pick_in_cascade(page, "id_residence_region", ["浙江省", "绍兴市", "诸暨市", "店口镇"])
    expect(page.locator("#id_residence_region")).to_have_value(world.town_b.code)
    expect(page.locator("[data-rp-current]").first).to_have_text("已选：浙江省 / 绍兴市 / 诸暨市 / 店口镇")

    page.check("#id_left_locality")
    page.fill("#id_left_on", days_ago(12).isoformat())
    page.fill("#id_destination_code_search", "双塔")
    option = page.get_by_role("option", name="浙江省 / 衢州市 / 江山市 / 双塔街道")
    expect(option).to_be_visible()
    no_sideways_scroll(page)
    no_serious_axe_violations(page)
    screenshot("region-picker-search-phone")
    option.click()
    expect(page.locator("#id_destination_code")).to_have_value("330881001")
    # The selects now show the pick, and offer its villages one level down.
    expect(page.locator("#id_destination_code_4")).to_have_value("330881001")
    expect(page.locator("#id_destination_code_5")).to_be_visible()
    no_sideways_scroll(page)

    page.get_by_test_id("employee-submit").click()
    page.wait_for_load_state("networkidle")
    person = Employee.objects.get(name="周九")
    assert person.residence_region == world.town_b
    assert (person.destination_code, person.destination) == ("330881001", "衢州市江山市双塔街道")


def test_residence_changed_by_search_with_the_keyboard(world, nation, page, live_server, login):
    person = make_employee(world.firm_a, name="吴庚", residence_region=world.town_a.code)
    page.set_viewport_size(PHONE)
    login(world.users["ent_a"].username)
    page.goto(f"{live_server.url}/workforce/employees/{person.pk}/edit/")
    # The current value is on the page before any script runs, in selects that each have a name.
    expect(page.locator("#id_residence_region_4")).to_have_value(world.town_a.code)
    no_serious_axe_violations(page)

    page.fill("#id_residence_region_search", "店口")
    expect(page.get_by_role("option", name="浙江省 / 绍兴市 / 诸暨市 / 店口镇")).to_be_visible()
    # Places only in the national dataset are not offered for a residence.
    page.fill("#id_residence_region_search", "双塔")
    expect(page.locator("#id_residence_region_results")).to_be_hidden()
    expect(page.locator("[data-rp-status]").first).to_contain_text("没有找到")
    page.fill("#id_residence_region_search", "店口")
    expect(page.get_by_role("option", name="浙江省 / 绍兴市 / 诸暨市 / 店口镇")).to_be_visible()
    page.press("#id_residence_region_search", "ArrowDown")
    page.press("#id_residence_region_search", "Enter")  # picks; does not submit the form
    expect(page.locator("#id_residence_region")).to_have_value(world.town_b.code)
    expect(page.locator("#id_residence_region_4")).to_have_value(world.town_b.code)

    page.get_by_test_id("employee-submit").click()
    page.wait_for_load_state("networkidle")
    person.refresh_from_db()
    assert person.residence_region == world.town_b


def test_risk_area_and_no_return_area_anywhere_in_china(world, nation, page, live_server, login, screenshot):
    use_preset(world, "N0")
    policy = Policy.objects.get(region=world.county)
    page.set_viewport_size(PHONE)
    login(world.users["task_force"].username)
    page.goto(f"{live_server.url}/policy/{policy.pk}/areas/")

    page.get_by_text("登记风险地区").click()
    page.fill("#id_risk-region_code_search", "江岸")
    page.get_by_role("option", name="湖北省 / 武汉市 / 江岸区").click()
    expect(page.locator("#id_risk-region_code")).to_have_value("420102")
    page.select_option("#id_risk-level", "high")
    no_sideways_scroll(page)
    no_serious_axe_violations(page)
    screenshot("region-picker-risk-area-phone")
    page.locator("form:has(input[name=kind][value=risk]) button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    area = RiskArea.objects.get(policy=policy, region_code="420102")
    assert area.name == "武汉市江岸区" and area.level == "high"

    # A whole city: stop the cascade at 市.
    page.get_by_text("登记不得返岗地区").click()
    pick_in_cascade(page, "id_noreturn-region_code", ["湖北省", "武汉市"])
    expect(page.locator("#id_noreturn-region_code_3")).to_be_visible()
    expect(page.locator("#id_noreturn-region_code")).to_have_value("4201")
    page.locator("form:has(input[name=kind][value=no_return]) button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert NoReturnArea.objects.get(policy=policy, region_code="4201").name == "武汉市"


def test_a_travel_row_added_later_has_a_working_picker(world, nation, page, live_server, login):
    person = make_employee(world.firm_a, name="王甲")
    page.set_viewport_size(PHONE)
    login(world.users["ent_a"].username)
    page.goto(f"{live_server.url}/workforce/employees/{person.pk}/travel/")
    page.get_by_test_id("add-stop").click()
    expect(page.locator("#id_stops-1-region_code_search")).to_be_visible()
    pick_in_cascade(page, "id_stops-1-region_code", ["湖北省", "武汉市", "江岸区"])
    expect(page.locator("#id_stops-1-region_code")).to_have_value("420102")
    page.fill("#id_stops-1-from_date", days_ago(6).isoformat())
    page.fill("#id_stops-1-to_date", days_ago(4).isoformat())
    no_sideways_scroll(page)
    page.get_by_test_id("travel-submit").click()
    page.wait_for_load_state("networkidle")
    stop = person.travel_stops.get()
    assert (stop.region_code, stop.place) == ("420102", "武汉市江岸区")
