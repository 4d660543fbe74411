"""The task force edits the review chain as rows in the browser: adds a step by clicking, chooses its
participants by name, moves it up, removes another step, publishes, and sees the new chain; on a
390 px phone the edit page does not scroll sideways."""

import datetime as dt

import pytest

from fugong.policy.selectors import policy_for
from fugong.policy.services import apply_preset
from tests.browser.test_accessibility import severe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_task_force_adds_moves_and_removes_review_steps(world, page, live_server, login, screenshot):
    policy = apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    login("tf_zhuji")
    page.goto(f"{live_server.url}/policy/{policy.pk}/edit/")
    chain = page.locator('[data-row-editor="review_chain"]')
    steps = chain.locator("[data-row]")
    assert steps.count() == 4  # the spare empty row is for pages without JavaScript
    assert not page.locator("textarea").filter(has_text="participants").count()

    chain.get_by_role("button", name="添加一步").click()
    assert steps.count() == 5
    new = steps.nth(4)
    assert new.locator("legend").first.inner_text() == "第5步"
    assert new.get_by_label("环节名称").evaluate("el => el === document.activeElement")
    new.get_by_label("环节名称").fill("卫健局复核")
    new.get_by_label("卫生健康局").check()
    new.get_by_label("企业的行业主管部门").check()
    new.get_by_label("审核方式").select_option(label="联合（全部通过，顺序不限）")
    new.get_by_role("button", name="上移").click()
    assert steps.nth(3).get_by_label("环节名称").input_value() == "卫健局复核"
    assert steps.nth(3).locator("legend").first.inner_text() == "第4步"
    # The step that was last ("报…备案") is now fifth: remove it.
    assert steps.nth(4).get_by_label("环节名称").input_value() == "报市疫情联防联控指挥部备案"
    steps.nth(4).get_by_role("button", name="删除").click()
    assert steps.count() == 4
    screenshot("policy-edit-review-chain")
    assert not severe_violations(page)

    page.get_by_label("修改依据").fill("指挥部第6次会议：增加卫健局复核")
    page.get_by_role("button", name="发布新版本").click()
    page.wait_for_load_state("networkidle")
    assert "已发布第2版" in page.inner_text("body")

    saved = policy_for(world.county).parameters.review_chain
    assert [s.name for s in saved] == [
        "属地镇乡核查",
        "行业主管部门和卫健局联合审核",
        "市防疫指挥部批准",
        "卫健局复核",
    ]
    assert (saved[3].key, saved[3].participants, saved[3].mode) == (
        "step_4",
        ("dept:@industry", "dept:health"),
        "all",
    )
    page.goto(f"{live_server.url}/policy/")
    shown = page.locator('[data-param="review_chain"] li').all_inner_texts()
    assert len(shown) == 4 and "卫健局复核" in shown[3] and "卫生健康局" in shown[3]


def test_edit_page_fits_a_phone(world, page, live_server, login, screenshot):
    policy = apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    page.set_viewport_size({"width": 390, "height": 844})
    login("tf_zhuji")
    page.goto(f"{live_server.url}/policy/{policy.pk}/edit/")
    page.locator('[data-row-editor="review_chain"]').get_by_role("button", name="添加一步").click()
    page.wait_for_load_state("networkidle")
    screenshot("policy-edit-390")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (width, inner)
    assert not severe_violations(page)
