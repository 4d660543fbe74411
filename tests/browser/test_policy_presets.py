"""The task force loads a city's own notice as a preset file in the browser: it uploads the file, reads
what it would change and where every value comes from, applies it to a town from today, and the
policy page then cites the new notice; a bad file is answered with every problem at once."""

import pytest

from fugong.policy.selectors import policy_for
from fugong.policy.services import apply_preset
from tests.test_sixth_city import CITY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_task_force_uploads_previews_and_applies_a_preset(
    world, page, live_server, login, screenshot, tmp_path
):
    import datetime as dt

    apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    good = tmp_path / "city.yaml"
    good.write_text(CITY, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        CITY.replace("value: county", "value: moon").replace("  issuer: 兰溪示范市防控指挥部\n", ""), "utf-8"
    )

    login("tf_zhuji")
    page.goto(f"{live_server.url}/policy/presets/")
    page.set_input_files("input[name=file]", str(bad))
    page.click("text=检查并预览")
    page.wait_for_load_state("networkidle")
    alert = page.get_by_role("alert").inner_text()
    assert "「notice」缺少必填项：issuer" in alert

    page.set_input_files("input[name=file]", str(good))
    page.select_option("select[name=region]", label="暨阳街道")
    page.click("text=检查并预览")
    page.wait_for_load_state("networkidle")
    preview = page.get_by_test_id("preset-preview")
    assert "外地返岗人员隔离观察天数" in preview.inner_text()
    assert "14 天" in preview.inner_text() and "7 天" in preview.inner_text()  # inherited now → the file's
    assert "出处：《兰溪示范市复工防控规定》第一条" in preview.inner_text()
    screenshot("policy-preset-preview")
    page.click("text=确认载入并应用")
    page.wait_for_load_state("networkidle")
    assert "已载入" in page.inner_text("body")
    assert "《兰溪示范市复工防控规定》第二条" in page.inner_text("body")
    screenshot("policy-after-preset")
    assert policy_for(world.town_a).parameters.isolation_days_out_of_region == 7
    assert page.evaluate("document.documentElement.scrollWidth") <= 1300
