"""A real Chromium walks an application through N0's whole chain on the pages: the firm fills in the form,
uploads, affirms and submits; the town, both departments and the task force decide; the firm resumes."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.enterprises.models import EnterpriseStatus
from fugong.policy.selectors import policy_for
from fugong.resumption.models import ApplicationStatus, ResumptionApplication
from fugong.resumption.selectors import required_documents, required_sections
from tests.resumption.conftest import PDF, use_preset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def switch_to(page, login, user):
    page.context.clear_cookies()
    login(user.username)


def test_n0_chain_in_the_browser(world, page, live_server, login, screenshot):
    use_preset(world, "N0")
    firm, u = world.firm_a, world.users
    params = policy_for(firm.town).parameters
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: officers file from the workshop

    login(u["ent_a"].username)
    page.get_by_role("link", name="复工申请").first.click()
    page.get_by_test_id("new-application").click()
    page.select_option("#id_kind", "first_resumption")
    start = (timezone.localdate() + dt.timedelta(days=30)).strftime("%Y-%m-%dT08:00")
    page.fill("#id_planned_start", start)
    page.fill("#id_reason", "订单交付，防控措施已落实")
    page.fill("#id_scope_lines", "织造一车间\n整经车间")
    page.select_option("#id_resumption_mode", "closed_in_plant")
    page.fill("#id_staff_total", "100")
    page.fill("#id_staff_by_district", "诸暨市: 90\n越城区: 10")
    page.fill("#id_control_precaution", "10")
    page.fill("#id_control_none", "90")
    page.fill("#id_commute_closed_in_plant", "100")
    for section in required_sections(params):
        page.fill(f"#id_section_{section}", "成立由法定代表人牵头的防控小组，落实到车间班组和责任人")
    screenshot("resumption-1-form")
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state("networkidle")
    assert "复工申请草稿已保存" in page.content()

    # Every required document in one upload, each type its own file input.
    for doc in required_documents(params):
        page.set_input_files(
            f"#id_file_{doc}",
            files=[{"name": f"{doc}.pdf", "mimeType": "application/pdf", "buffer": PDF + doc.encode()}],
        )
    page.get_by_test_id("upload").click()
    page.wait_for_function("() => document.body.innerText.includes('份材料：')")
    assert "要求的材料已齐全" in page.content()
    screenshot("resumption-2-attachments")

    page.get_by_role("button", name="下一步：承诺事项").click()
    for box in page.locator("input[name=codes]").all():
        box.check()
    page.fill("#id_affirmed_by_name", firm.legal_representative)
    screenshot("resumption-3-commitments")
    page.get_by_test_id("affirm").click()
    page.wait_for_load_state("networkidle")
    assert "现行政策要求的内容已齐全" in page.content()
    page.get_by_test_id("submit").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("application-status").inner_text() == "审核中"
    screenshot("resumption-4-submitted")
    app = ResumptionApplication.objects.get(enterprise=firm)

    def decide_as(who, screenshot_name=None):
        switch_to(page, login, u[who])
        page.goto(f"{live_server.url}/resumption/")
        page.get_by_test_id("queue-item").filter(has_text=firm.name).get_by_role("link").click()
        page.wait_for_load_state("networkidle")
        if screenshot_name:
            screenshot(screenshot_name)
        page.get_by_test_id("decision-pass").click()
        page.wait_for_load_state("networkidle")
        if page.get_by_test_id("confirm-decision").count():  # the firm's own step confirms at once
            page.get_by_test_id("confirm").click()
            page.wait_for_load_state("networkidle")
        assert "已提交审核意见：通过" in page.content()

    switch_to(page, login, u["town_a"])
    page.goto(f"{live_server.url}/resumption/")
    assert "疫情防控到位" in page.get_by_test_id("queue-item").first.inner_text()
    screenshot("resumption-5-town-queue")
    decide_as("town_a", "resumption-6-town-review")
    decide_as("dept_industry")
    app.refresh_from_db()
    assert app.current_step_key == "joint_review"  # the health bureau has not passed yet
    decide_as("dept_health")
    decide_as("task_force", "resumption-7-task-force-review")
    decide_as("task_force")

    app.refresh_from_db()
    firm.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED and firm.status == EnterpriseStatus.RESUMED

    switch_to(page, login, u["ent_a"])
    page.goto(f"{live_server.url}/resumption/{app.pk}/")
    assert page.get_by_test_id("application-status").inner_text() == "已批准"
    assert page.get_by_test_id("chain-1").locator(".decision").count() == 5
    screenshot("resumption-8-approved")
    response = page.request.get(
        live_server.url + page.get_by_test_id("certificate-pdf").get_attribute("href")
    )
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
