import os

import pytest

from fugong.regions.models import Region, RegionLevel

# Playwright's sync API runs an event loop in this thread; the live server's DB access is fine with it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
    }


def test_tree_expands_with_htmx_and_creates_a_grid(world, page, live_server):
    Region.objects.create(
        code="330681001001", name="江东社区", level=RegionLevel.VILLAGE, parent=world.town_a
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "tf_zhuji")
    page.fill("input[name=password]", "pass-12345")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.goto(f"{live_server.url}/regions/")
    town = page.locator('li[data-code="330681001"]')
    assert "江东社区" not in town.inner_text()
    town.locator("summary").first.click()
    page.wait_for_selector('li[data-code="330681001001"]')
    assert "江东社区" in town.inner_text()

    page.locator('li[data-code="330681001001"] a').click()
    page.fill("input[name=name]", "江东一网格")
    page.click("text=创建网格")
    page.wait_for_load_state("networkidle")
    assert "330681001001001" in page.content()
