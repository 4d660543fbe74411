"""The shared table on a phone (390×844): rows become cards with every cell labelled, nothing scrolls
sideways, and the alert and follow-up actions are on screen; on a laptop the headers sort and the pages
are numbered."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.monitoring.models import Alert, AlertKind, AlertStatus
from fugong.workforce.models import CheckpointArrival, FollowUp
from tests.workforce.conftest import make_employee, use_preset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_side_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_alerts_list_is_cards_on_a_phone_with_the_actions_visible(
    world, page, live_server, login, screenshot
):
    use_preset(world, "N0")
    people = [make_employee(world.firm_a, name=name) for name in ("李发热", "王咳嗽", "赵阳性")]
    alerts = [
        Alert.objects.create(
            employee=person,
            enterprise=world.firm_a,
            town=world.town_a,
            kind=kind,
            value=value,
            status=status,
            isolation_note="已转入厂内隔离观察，等待镇街防控办复核并安排核酸检测",
        )
        for person, kind, value, status in (
            (people[0], AlertKind.FEVER, "37.8℃", AlertStatus.OPEN),
            (people[1], AlertKind.SYMPTOM, "咳嗽、乏力、咽痛", AlertStatus.ACKNOWLEDGED),
            (people[2], AlertKind.POSITIVE_TEST, "核酸检测阳性", AlertStatus.CLOSED),
        )
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    login("town_a")
    page.goto(f"{live_server.url}/monitoring/alerts/")
    assert no_side_scroll(page)
    table = page.get_by_test_id("alerts")
    assert (
        table.locator("thead").bounding_box()["height"] <= 1
    )  # the header row is hidden; cells carry labels
    first = page.get_by_test_id(f"alert-{alerts[0].pk}")
    assert (
        first.locator("td[data-label]")
        .first.evaluate("e => getComputedStyle(e, '::before').content")
        .strip('"')
        == "时间"
    )
    for name in ("响应", "关闭"):
        button = first.get_by_role("button", name=name)
        assert button.is_visible()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
    note = first.locator("input[name=note]")
    box = note.bounding_box()
    assert note.is_visible() and box["x"] + box["width"] <= 390
    screenshot("tables-alerts-phone")

    # Acknowledging from the sorted list comes back to the same list.
    page.goto(f"{live_server.url}/monitoring/alerts/?sort=employee")
    page.get_by_test_id(f"alert-{alerts[0].pk}").get_by_role("button", name="响应").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/monitoring/alerts/?sort=employee")
    assert no_side_scroll(page)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/monitoring/alerts/")
    page.get_by_test_id("alerts").get_by_role("link", name="员工", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("th[aria-sort=ascending]").inner_text().strip() == "员工"
    assert page.get_by_test_id("table-total").inner_text() == "共 3 条，第 1/1 页"
    screenshot("tables-alerts-laptop")


def test_register_sort_keeps_the_filters_and_the_gate_records_fit_a_phone(
    world, page, live_server, login, screenshot
):
    page.set_viewport_size({"width": 1366, "height": 768})
    login("tf_zhuji")
    page.goto(f"{live_server.url}/enterprises/?q=诸暨")
    page.get_by_test_id("enterprise-table").get_by_role("link", name="企业名称", exact=True).click()
    page.wait_for_url("**sort=name**")
    assert "q=" in page.url and page.locator("th[aria-sort=ascending]").inner_text().strip() == "企业名称"
    # The filter form now carries the sort.
    page.fill("#id_q", "暨阳")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**q=%E6%9A%A8%E9%98%B3**")
    page.wait_for_load_state("networkidle")
    assert "sort=name" in page.url
    screenshot("tables-register-laptop")

    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/enterprises/", "/gate/records/", "/accounts/users/", "/audit/"):
        page.goto(f"{live_server.url}{path}")
        assert no_side_scroll(page), path
    page.goto(f"{live_server.url}/gate/records/")
    assert page.get_by_test_id("records-firm").is_visible()
    screenshot("tables-gate-records-phone")


def test_pending_arrivals_are_cards_on_a_phone_with_the_follow_up_visible(
    world, page, live_server, login, screenshot
):
    """待跟进 (ten columns) on a phone: one labelled card per arrival, the follow-up action on screen; the
    sort and the search stay in the URL."""
    now = timezone.now()
    arrivals = [
        CheckpointArrival.objects.create(
            town=world.town_a,
            checkpoint=checkpoint,
            arrived_at=now - dt.timedelta(minutes=minutes),
            name=name,
            id_number_encrypted="x",
            id_number_index=f"idx-{name}",
            id_number_masked="3306**********0000",
            came_from="江西省上饶市广丰区",
            vehicle="G1234",
            stated_employer="诸暨市某某针织服饰有限公司第二分厂",
            follow_up=FollowUp.PENDING,
        )
        for name, checkpoint, minutes in (
            ("欧阳陌生人", "诸暨高速出口（杭金衢高速诸暨收费站）", 30),
            ("司马来客", "诸暨火车站出站口", 10),
        )
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    login("town_a")
    page.goto(f"{live_server.url}/workforce/returns/pending/")
    assert no_side_scroll(page)
    table = page.get_by_test_id("pending-arrivals")
    assert table.locator("thead").bounding_box()["height"] <= 1
    card = table.locator(f"tr[data-arrival='{arrivals[0].pk}']")
    label = card.locator("td[data-label]").first.evaluate("e => getComputedStyle(e, '::before').content")
    assert label.strip('"') == "抵达时间"
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    action = card.get_by_test_id("follow-up-link")
    assert action.is_visible()
    box = action.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.get_by_test_id("table-total").inner_text() == "共 2 条，第 1/1 页"
    screenshot("tables-pending-phone")

    # Sorting by name keeps the search; the action opens the arrival.
    page.goto(f"{live_server.url}/workforce/returns/pending/?q=%E6%AC%A7%E9%98%B3")
    assert page.get_by_test_id("pending-arrivals").locator("tbody tr").count() == 1
    page.set_viewport_size({"width": 1366, "height": 768})
    page.get_by_test_id("pending-arrivals").get_by_role("link", name="姓名", exact=True).click()
    page.wait_for_url("**sort=name**")
    assert "q=" in page.url
    assert page.locator("th[aria-sort=ascending]").inner_text().strip() == "姓名"
    page.get_by_test_id("follow-up-link").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/workforce/returns/arrivals/{arrivals[0].pk}/")
