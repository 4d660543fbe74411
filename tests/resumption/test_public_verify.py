"""The public verify page a certificate's QR code opens (issue 3): no login, only the firm's name,
the kind, the status and the validity with the number; unknown tokens answer 404 in Chinese."""

import datetime
import itertools
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fugong.policy.services import apply_preset
from fugong.resumption import certificates, services
from fugong.resumption.approval import services as approval
from fugong.resumption.models import (
    ApplicationKind,
    ApplicationStatus,
    Certificate,
    CertificateStatus,
    ResumptionApplication,
)

NOT_FOUND = "未找到该证明，请核对二维码"
_numbers = itertools.count(1)


def _certificate(world, *, firm=None, **fields) -> Certificate:
    firm = firm or world.firm_a
    application = ResumptionApplication.objects.create(
        enterprise=firm,
        kind=fields.pop("kind", ApplicationKind.FIRST_RESUMPTION),
        status=ApplicationStatus.APPROVED,
        created_by=world.users["ent_a"],
    )
    number = next(_numbers)
    now = timezone.now()
    values = {
        "application": application,
        "enterprise": firm,
        "number": f"诸暨复工〔2026〕{number:05d}号",
        "kind": application.kind,
        "issued_at": now - datetime.timedelta(days=2),
        "valid_from": now - datetime.timedelta(days=1),
        "valid_until": now + datetime.timedelta(days=60),
        "verify_token": f"pub_{number:04d}-Qw8Er7Ty6Ui5Op4As",
    }
    values.update(fields)
    return Certificate.objects.create(**values)


def _page(client, cert_or_token):
    token = cert_or_token if isinstance(cert_or_token, str) else cert_or_token.verify_token
    return client.get(f"/verify/{token}/")


@pytest.fixture
def firm_a_details(world):
    firm = world.firm_a
    firm.legal_representative = "王建国"
    firm.legal_representative_phone = "13805751234"
    firm.prevention_lead = "李秀英"
    firm.address = "暨阳街道艮塔西路138号"
    firm.save()
    return firm


def test_valid_certificate_shows_only_the_public_facts(client, world, firm_a_details):
    cert = _certificate(world, kind=ApplicationKind.KEY_STAFF_PREPARATION)
    response = _page(client, cert)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="valid"' in html
    for shown in ("诸暨暨阳织造有限公司", "关键岗位人员返岗准备", "有效", cert.number):
        assert shown in html, shown
    valid_from = timezone.localtime(cert.valid_from).date()
    assert f"{valid_from.year}年{valid_from.month}月{valid_from.day}日" in html
    # Nothing else from the firm's file.
    firm = firm_a_details
    for hidden in (
        firm.uscc,
        firm.legal_representative,
        firm.legal_representative_phone,
        firm.prevention_lead,
        firm.address,
        "暨阳街道",
        cert.application.created_by.username,
    ):
        assert hidden not in html, hidden
    for absent in ("已撤销", "已过期", "尚未生效"):
        assert absent not in html


def test_page_needs_no_login_and_is_kept_out_of_search_and_caches(client, world):
    cert = _certificate(world)
    response = _page(client, cert)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    assert "/login/" not in response.get("Location", "")
    assert "退出" not in response.content.decode()  # the anonymous shell: no user menu


def test_logged_in_outsider_sees_the_same_public_facts(client, world):
    cert = _certificate(world)
    client.force_login(world.users["outsider"])
    response = _page(client, cert)
    assert response.status_code == 200
    assert "诸暨暨阳织造有限公司" in response.content.decode()
    assert world.firm_a.uscc not in response.content.decode()


def test_revoked_certificate(client, world):
    cert = _certificate(
        world,
        status=CertificateStatus.REVOKED,
        revoked_at=timezone.now(),
        revoked_by=world.users["task_force"],
        revoke_reason="企业发生聚集性疫情，停工整改",
    )
    html = _page(client, cert).content.decode()
    assert 'data-status="revoked"' in html
    assert "已撤销" in html
    assert "停工整改" not in html  # the reason is for the firm and officials, not the public


def test_expired_certificate(client, world):
    now = timezone.now()
    cert = _certificate(
        world, valid_from=now - datetime.timedelta(days=40), valid_until=now - datetime.timedelta(minutes=5)
    )
    html = _page(client, cert).content.decode()
    assert 'data-status="expired"' in html
    assert "已过期" in html


def test_certificate_not_yet_valid(client, world):
    cert = _certificate(world, valid_from=timezone.now() + datetime.timedelta(days=3))
    html = _page(client, cert).content.decode()
    assert 'data-status="not_yet_valid"' in html
    assert "尚未生效" in html


def test_open_ended_certificate(client, world):
    cert = _certificate(world, valid_until=None)
    html = _page(client, cert).content.decode()
    assert 'data-status="valid"' in html
    assert "未设截止日期" in html


@pytest.mark.parametrize("token", ["no-such-token-0000000", "a.b", "x" * 200, "%E4%B8%AD%E6%96%87"])
def test_unknown_token_is_a_chinese_404(client, world, token):
    _certificate(world)
    response = _page(client, token)
    assert response.status_code == 404
    html = response.content.decode()
    assert NOT_FOUND in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_lookup_is_one_read_and_no_write(client, world):
    cert = _certificate(world)
    with CaptureQueriesContext(connection) as queries:
        assert _page(client, cert).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert len(sql) == 1, sql
    assert sql[0].lstrip().upper().startswith("SELECT")
    # Only the public columns are read (plus the keys a join needs).
    for column in ("uscc", "legal_representative", "revoke_reason", "address"):
        assert column not in sql[0], column
    # A token that cannot exist is turned away without a query.
    with CaptureQueriesContext(connection) as queries:
        assert _page(client, "a.b").status_code == 404
    assert not queries.captured_queries


def test_only_get_and_head(client, world):
    cert = _certificate(world)
    assert client.post(f"/verify/{cert.verify_token}/").status_code == 405
    assert client.head(f"/verify/{cert.verify_token}/").status_code == 200


def test_the_qr_address_opens_this_page(client, world, settings):
    settings.PUBLIC_BASE_URL = "https://fugong.example.gov.cn"
    cert = _certificate(world)
    url = certificates.verify_url(cert)
    assert url.startswith("https://fugong.example.gov.cn/verify/")
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200
    assert cert.number in response.content.decode()


def test_index_explains_without_a_lookup_form(client, db):
    response = client.get("/verify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "复工证明核验" in html
    assert "<form" not in html.split("<footer", 1)[0]  # only the footer's language switch
    assert response["X-Robots-Tag"] == "noindex, nofollow"


# Through the services: the certificate an approval issues, and its revocation ---------------------


def _filed_application(world, planned_start):
    """诸暨市 on the N3 preset, which files without a review chain: a complete submission is approved
    at once and issues the certificate."""
    apply_preset(world.county, "N3", effective_from=datetime.date(2020, 2, 1))
    data = {
        "kind": ApplicationKind.FIRST_RESUMPTION,
        "planned_start": planned_start,
        "reason": "外贸订单恢复，原料已到厂",
        "scope_lines": ["织造一车间"],
        "resumption_mode": "closed_in_plant",
        "staff_summary": {"total": 50},
    }
    application = services.create_draft(world.users["ent_a"], world.firm_a, data)
    approval.submit(world.users["ent_a"], application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    return application


def test_issued_certificate_verifies_and_its_revocation_shows_at_once(client, world):
    application = _filed_application(world, timezone.now() - datetime.timedelta(hours=1))
    cert = application.certificate
    assert certificates.certificate_title(cert) == certificates.TITLE_FILING  # no approving step

    html = client.get(urlsplit(certificates.verify_url(cert)).path).content.decode()
    assert 'data-status="valid"' in html
    assert cert.number in html and "诸暨暨阳织造有限公司" in html and "首次复工" in html

    approval.revoke_certificate(world.users["task_force"], cert, "企业未落实封闭管理")
    html = client.get(f"/verify/{cert.verify_token}/").content.decode()
    assert 'data-status="revoked"' in html
    assert "企业未落实封闭管理" not in html


def test_certificate_issued_ahead_of_the_planned_start_is_not_yet_valid(client, world):
    application = _filed_application(world, timezone.now() + datetime.timedelta(days=1))
    html = client.get(f"/verify/{application.certificate.verify_token}/").content.decode()
    assert 'data-status="not_yet_valid"' in html
    assert "尚未生效" in html
