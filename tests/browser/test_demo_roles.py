"""Logs in as every demo account of `make demo` and checks what each role is shown."""

import pytest

from fugong.accounts.models import User
from fugong.demo.city import DEMO_PASSWORD, build_city
from fugong.enterprises.models import Enterprise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Menu entries each role must and must not have (SPEC §1).
MENUS = {
    "zhuanban": ({"企业档案", "防控政策", "用户管理", "审计日志"}, set()),
    "jingxin": ({"企业档案", "防控政策"}, {"用户管理", "审计日志"}),
    "weijian": ({"企业档案", "防控政策"}, {"用户管理", "审计日志"}),
    "diankou": ({"企业档案", "行政区划"}, {"用户管理", "审计日志"}),
    "wangge": ({"企业档案"}, {"用户管理", "审计日志"}),
    "ducha": ({"企业档案"}, {"用户管理", "审计日志"}),
    "qiye": ({"企业档案"}, {"行政区划", "防控政策", "用户管理", "审计日志"}),
    "menggang": ({"企业档案"}, {"防控政策", "用户管理", "审计日志"}),
    "yuangong": (set(), {"企业档案", "防控政策", "用户管理", "审计日志"}),
    "waibu": ({"企业档案"}, {"用户管理", "审计日志"}),
}


def test_every_demo_login_sees_its_own_scope(live_server, page, screenshot):
    build_city(size=40)
    for username, (present, absent) in MENUS.items():
        user = User.objects.get(username=username)
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=whoami]")
        menu = set(page.locator("header.shell .menu a").all_inner_texts())
        assert present <= menu, (username, menu)
        assert not (absent & menu), (username, menu)
        screenshot(f"demo-home-{username}")

        visible = Enterprise.objects.visible_to(user)
        if "企业档案" in menu:
            page.goto(f"{live_server.url}/enterprises/")
            body = page.content()
            for name in visible.values_list("name", flat=True)[:5]:
                assert name in body
            for name in Enterprise.objects.exclude(pk__in=visible.values("pk")).values_list(
                "name", flat=True
            )[:20]:
                assert name not in body, (username, name)
            screenshot(f"demo-enterprises-{username}")
        else:
            response = page.goto(f"{live_server.url}/enterprises/")
            assert response.status in (403, 404)


def test_gate_keeper_on_a_phone(live_server, browser, screenshot):
    build_city(size=40)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    phone = context.new_page()
    phone.goto(f"{live_server.url}/login/")
    phone.fill("input[name=username]", "menggang")
    phone.fill("input[name=password]", DEMO_PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_selector("[data-testid=whoami]")
    # Nothing may force a phone to scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.screenshot(path="var/screenshots/phone-gate.png", full_page=True)
    context.close()
