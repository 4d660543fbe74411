"""An attachment whose file has gone from the media root: a Chinese 404 on its page and in the API, and an
error in the log for the administrators; a stored one still downloads."""

import datetime as dt
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fugong.policy.services import apply_preset
from fugong.resumption import services
from fugong.resumption.attachments import services as attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def draft(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    officer = world.users["ent_a"]
    application = services.create_draft(
        officer, world.firm_a, {"kind": "first_resumption", "reason": "订单交付"}
    )

    def attach(name):
        # Each its own content: the same file uploaded again is the same attachment.
        upload = SimpleUploadedFile(name, PDF + name.encode(), content_type="application/pdf")
        return attachments.add_attachment(officer, application, "other", upload)

    kept, lost = attach("防控方案.pdf"), attach("员工名单.pdf")
    lost.file.storage.delete(lost.file.name)
    return application, kept, lost


def _logged(caplog, attachment):
    errors = [
        r for r in caplog.records if r.levelno == logging.ERROR and r.name == "fugong.resumption.downloads"
    ]
    assert len(errors) == 1
    assert attachment.file.name in errors[0].getMessage()


@pytest.mark.parametrize("who", ["ent_a", "task_force"])
def test_the_api_answers_404_in_chinese_and_logs_it(world, api_client, draft, caplog, who):
    application, kept, lost = draft
    api_client.force_authenticate(world.users[who])
    base = f"/api/v1/resumption-applications/{application.pk}/attachments"
    response = api_client.get(f"{base}/{lost.pk}/download/")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"].startswith("附件「员工名单.pdf」的文件在服务器上找不到")
    _logged(caplog, lost)

    stored = api_client.get(f"{base}/{kept.pk}/download/")
    assert stored.status_code == 200
    assert b"".join(stored.streaming_content) == PDF + "防控方案.pdf".encode()


@pytest.mark.parametrize("who", ["ent_a", "task_force"])
def test_the_page_answers_404_in_chinese_and_logs_it(world, client, draft, caplog, who):
    application, kept, lost = draft
    client.force_login(world.users[who])
    response = client.get(f"/resumption/{application.pk}/attachments/{lost.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "附件文件缺失" in page and "附件「员工名单.pdf」的文件在服务器上找不到" in page
    assert f'href="/resumption/{application.pk}/"' in page  # back to the application
    _logged(caplog, lost)

    stored = client.get(f"/resumption/{application.pk}/attachments/{kept.pk}/")
    assert stored.status_code == 200
    assert b"".join(stored.streaming_content) == PDF + "防控方案.pdf".encode()


def test_an_outsider_still_gets_the_plain_404(world, api_client, client, draft, caplog):
    """The missing-file wording is for those who may see the application; others learn nothing."""
    application, _, lost = draft
    api_client.force_authenticate(world.users["outsider"])
    answer = api_client.get(
        f"/api/v1/resumption-applications/{application.pk}/attachments/{lost.pk}/download/"
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "未找到该对象，或不在您的管辖范围内。"
    client.force_login(world.users["outsider"])
    page = client.get(f"/resumption/{application.pk}/attachments/{lost.pk}/")
    assert page.status_code == 404 and "员工名单" not in page.content.decode()
    assert not [r for r in caplog.records if r.name == "fugong.resumption.downloads"]
