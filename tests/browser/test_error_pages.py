"""The error pages in a real browser: Chinese, in the layout, a way back, no sideways scroll on a laptop
or a phone, and the audit page in words and local time."""

import pytest

from fugong.audit.services import record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", SIZES)
def test_foreign_firm_page_is_a_chinese_404_with_a_way_back(
    world, page, live_server, login, screenshot, size
):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    login("outsider")
    page.goto(f"{live_server.url}/enterprises/")
    response = page.goto(f"{live_server.url}/enterprises/{world.firm_a.pk}/")
    assert response.status == 404
    assert page.get_by_test_id("error-page").is_visible()
    assert "找不到您要的页面" in page.inner_text("main")
    _no_sideways_scroll(page)
    screenshot(f"error-404-{size}")
    page.get_by_test_id("error-back").click()
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/").endswith("/enterprises")


@pytest.mark.parametrize("size", SIZES)
def test_forbidden_page(world, page, live_server, login, screenshot, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    login("ent_a")
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403
    assert "您没有权限访问此页面" in page.inner_text("main")
    _no_sideways_scroll(page)
    screenshot(f"error-403-{size}")
    page.get_by_test_id("error-home").click()
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/"


@pytest.mark.urls("tests.core_pages.urls")
@pytest.mark.parametrize("size", SIZES)
def test_server_error_page(world, page, live_server, login, screenshot, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    login("town_a")
    response = page.goto(f"{live_server.url}/test-errors/boom/")
    assert response.status == 500
    assert "服务器出错了" in page.inner_text("main")
    _no_sideways_scroll(page)
    screenshot(f"error-500-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_audit_page_in_words(world, page, live_server, login, screenshot, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    record(world.users["task_force"], "resumption.pass", world.firm_a, note="材料齐全")
    record(None, "enterprise.status", world.firm_a, after={"status": "resumed"})
    login("tf_zhuji")
    page.goto(f"{live_server.url}/audit/")
    text = page.inner_text("main")
    assert "审核通过" in text and "resumption.pass" not in text and "enterprises.enterprise" not in text
    screenshot(f"audit-list-{size}")
    page.goto(f"{live_server.url}/accounts/profile/")
    profile = page.inner_text("main")
    assert "查看审计日志" in profile and "audit.view" not in profile
    screenshot(f"profile-{size}")
