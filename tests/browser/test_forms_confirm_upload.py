"""Forms in a real Chromium: a too-large file is refused before it is sent, a good upload shows its
progress and lands; a final decision asks for confirmation stating its consequence before it is sent."""

import pytest

from fugong.resumption.models import Attachment, ReviewDecision
from tests.resumption.conftest import PDF, fill, submitted, use_preset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_upload_checks_size_and_type_before_sending(world, page, live_server, login, screenshot):
    use_preset(world, "N0")
    app = fill(world.users["ent_a"], world.firm_a)
    Attachment.objects.all().delete()
    login(world.users["ent_a"].username)
    page.goto(f"{live_server.url}/resumption/{app.pk}/attachments/")
    requests = []
    page.on("request", lambda r: requests.append(r) if r.method == "POST" else None)
    big = b"%PDF" + b"0" * (20 * 1024 * 1024 + 10)
    page.set_input_files(
        "#id_file_prevention_plan",
        files=[{"name": "大方案.pdf", "mimeType": "application/pdf", "buffer": big}],
    )
    page.set_input_files(
        "#id_file_commitment_letter",
        files=[{"name": "承诺书.exe", "mimeType": "application/pdf", "buffer": PDF}],
    )
    check = page.get_by_test_id("upload-check")
    assert check.is_visible()
    text = check.inner_text()
    assert "大方案.pdf" in text and "超过20MB的上限" in text and "承诺书.exe" in text
    page.get_by_test_id("upload").click()
    assert not requests and not Attachment.objects.exists()
    screenshot("forms-upload-refused")

    page.set_input_files(
        "#id_file_prevention_plan",
        files=[
            {"name": "方案.pdf", "mimeType": "application/pdf", "buffer": PDF + b"1"},
            {"name": "方案附件.pdf", "mimeType": "application/pdf", "buffer": PDF + b"2"},
        ],
    )
    page.set_input_files(
        "#id_file_commitment_letter",
        files=[{"name": "承诺书.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    assert not check.is_visible()
    page.get_by_test_id("upload").click()
    page.wait_for_function("() => document.querySelector('.msg-success')")
    assert "已上传3份材料" in page.content()
    assert Attachment.objects.count() == 3
    screenshot("forms-upload-done")


def test_a_final_decision_is_confirmed_with_its_consequence(world, page, live_server, login, screenshot):
    use_preset(world, "N0")
    app = submitted(world.users["ent_a"], world.firm_a)
    login(world.users["town_a"].username)
    page.goto(f"{live_server.url}/resumption/{app.pk}/review/")
    page.fill("#id_reasons", "隔离观察点未落实")
    page.get_by_test_id("decision-reject").click()
    page.wait_for_load_state("networkidle")
    confirm = page.get_by_test_id("confirm-decision")
    assert "不予批准后本申请即办结" in confirm.inner_text()
    screenshot("forms-confirm-reject")
    assert not ReviewDecision.objects.exists()
    page.get_by_test_id("confirm-back").click()
    page.wait_for_load_state("networkidle")
    assert page.input_value("#id_reasons") == "隔离观察点未落实"
    page.get_by_test_id("decision-return").click()
    page.wait_for_load_state("networkidle")
    assert "退回后申请回到企业修改" in page.get_by_test_id("consequence").inner_text()
    page.get_by_test_id("confirm").click()
    page.wait_for_load_state("networkidle")
    assert "已提交审核意见：退回修改" in page.content()
    assert ReviewDecision.objects.get().decision == "return"
