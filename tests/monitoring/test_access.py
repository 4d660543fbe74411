"""Checking in without a password: the personal link and the firm's QR code (SPEC §6)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.monitoring import services
from fugong.monitoring.access import services as access
from fugong.monitoring.models import CheckinLink, CheckinSource, HealthCheckin
from tests.monitoring.conftest import at_work
from tests.workforce.conftest import valid_id

pytestmark = pytest.mark.django_db

INVALID = "链接无效或已失效"


def link_url(token):
    return reverse("monitoring:link_checkin", args=[token])


def firm_url(firm):
    return reverse("monitoring:firm_checkin", args=[access.firm_token(firm)])


@pytest.fixture
def chen(world, n0):
    return at_work(world.firm_a, world.users["ent_a"], name="陈小明", id_number=valid_id(birth="19910303"))


def test_mask_name():
    assert access.mask_name("陈小明") == "陈*明"
    assert access.mask_name("王五") == "王*"
    assert access.mask_name("欧阳小明") == "欧**明"


def test_personal_link_checks_in_without_login(world, chen, client):
    _link, token = access.issue_link(world.users["ent_a"], chen)
    page = client.get(link_url(token))
    assert page.status_code == 200
    html = page.content.decode()
    assert "陈*明" in html and "陈小明" not in html
    assert chen.id_number_masked not in html and world.firm_a.name not in html

    form = {"temperature": "36.5", "health_code": "green", "client_key": "k-1"}
    done = client.post(link_url(token), form)
    assert done.status_code == 302
    row = HealthCheckin.objects.get(employee=chen)
    assert (row.source, row.recorded_by, row.round) == (CheckinSource.SELF, None, 1)
    confirmation = client.get(done["Location"]).content.decode()
    assert "第1轮打卡成功 36.5℃" in confirmation

    # A resend after a dropped answer is the same record.
    again = client.post(link_url(token), form)
    assert again.status_code == 302 and again["Location"] == done["Location"]
    assert HealthCheckin.objects.filter(employee=chen).count() == 1


def test_link_shows_errors_in_chinese(world, chen, client):
    _link, token = access.issue_link(world.users["ent_a"], chen)
    bad = client.post(link_url(token), {"temperature": "50", "client_key": "k-2"})
    assert bad.status_code == 400
    assert "「体温」须在34.0至43.0℃之间" in bad.content.decode()
    assert not HealthCheckin.objects.exists()


def test_regenerated_link_revokes_the_old(world, chen, client):
    _link, old = access.issue_link(world.users["ent_a"], chen)
    _link, new = access.issue_link(world.users["ent_a"], chen)
    assert old != new
    refused = client.get(link_url(old))
    assert refused.status_code == 404 and INVALID in refused.content.decode()
    assert client.post(link_url(old), {"temperature": "36.5"}).status_code == 404
    assert not HealthCheckin.objects.exists()
    assert client.get(link_url(new)).status_code == 200
    assert CheckinLink.objects.filter(employee=chen).count() == 1
    assert AuditEntry.objects.filter(action="monitoring.link.regenerate").exists()


def test_forged_and_foreign_salt_tokens_fail(world, chen, client):
    link, token = access.issue_link(world.users["ent_a"], chen)
    from django.core import signing

    other_salt = signing.Signer(salt="something-else").sign_object([chen.pk, link.nonce])
    firm_token = access.firm_token(world.firm_a)
    for bad in ("abc", token[:-2] + "xx", other_salt, firm_token):
        response = client.get(link_url(bad))
        assert response.status_code == 404 and INVALID in response.content.decode(), bad
    # A firm token is no personal link, and a personal link no firm token.
    assert client.get(reverse("monitoring:firm_checkin", args=[token])).status_code == 404


def test_link_grants_nothing_else(world, chen, client):
    _link, token = access.issue_link(world.users["ent_a"], chen)
    assert client.get(link_url(token)).status_code == 200
    # The page logs nobody in: every other page still asks for a login.
    for name in (
        "monitoring:checkin",
        "monitoring:bulk",
        "monitoring:alerts",
        "workforce:me",
        "monitoring:links",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"], name
    assert client.get("/api/v1/checkins/").status_code in (401, 403)
    # ?done= never shows another person's row.
    other = at_work(world.firm_a, world.users["ent_a"], name="李四")
    row, _ = services.record_checkin(None, other, temperature="37.9", source="bulk")
    page = client.get(link_url(token) + f"?done={row.pk}").content.decode()
    assert "37.9" not in page and "李四" not in page


def test_only_the_firms_officer_issues_links(world, chen):
    for who in ("outsider", "town_a", "gate_a", "employee_a", "ent_c"):
        with pytest.raises(PermissionDenied):
            access.issue_link(world.users[who], chen)
    assert not CheckinLink.objects.exists()


def test_links_page_issues_for_all_on_site(world, chen, client):
    second = at_work(world.firm_a, world.users["ent_a"], name="赵六")
    client.force_login(world.users["ent_a"])
    response = client.post(reverse("monitoring:links"), {"action": "all"})
    assert response.status_code == 302
    assert set(CheckinLink.objects.values_list("employee_id", flat=True)) == {chen.pk, second.pk}
    page = client.get(reverse("monitoring:links")).content.decode()
    token = access.link_token(CheckinLink.objects.get(employee=chen))
    assert token in page
    # Regenerate one: the old link stops working.
    client.post(reverse("monitoring:links"), {"employee": chen.pk})
    client.logout()
    assert client.get(link_url(token)).status_code == 404


def test_links_page_refuses_others(world, chen, client):
    for who in ("outsider", "gate_a", "town_a"):
        client.force_login(world.users[who])
        assert client.get(reverse("monitoring:links")).status_code == 403
        assert client.get(reverse("monitoring:firm_qr")).status_code == 403
    client.force_login(world.users["ent_c"])
    assert client.post(reverse("monitoring:links"), {"employee": chen.pk}).status_code == 404
    assert not CheckinLink.objects.exists()


def test_qr_poster_shows_firm_and_code(world, client):
    client.force_login(world.users["ent_a"])
    page = client.get(reverse("monitoring:firm_qr"))
    html = page.content.decode()
    assert page.status_code == 200
    assert world.firm_a.name in html and "扫码测温打卡" in html
    assert "data:image/svg+xml;charset=utf-8," in html
    assert access.firm_token(world.firm_a) in html


def test_qr_identifies_by_id_within_the_firm(world, chen, client):
    number = valid_id(birth="19920404")
    at_work(world.firm_c, world.users["ent_c"], name="外企人", id_number=number)
    url = firm_url(world.firm_a)
    ask = client.get(url)
    assert ask.status_code == 200 and "身份证号" in ask.content.decode()

    # Another firm's employee is not found here, and the page says nothing more.
    foreign = client.post(url, {"id_number": number})
    assert foreign.status_code == 400
    text = foreign.content.decode()
    assert "本企业没有该身份证号的员工" in text and "外企人" not in text and "外*人" not in text


def test_qr_flow_checks_in_and_remembers_the_day(world, chen, client):
    number = valid_id(birth="19930505")
    person = at_work(world.firm_a, world.users["ent_a"], name="钱小二", id_number=number)
    url = firm_url(world.firm_a)
    identified = client.post(url, {"id_number": number})
    assert identified.status_code == 302
    form_page = client.get(url).content.decode()
    assert "钱*二" in form_page and "钱小二" not in form_page
    done = client.post(url, {"temperature": "36.6", "health_code": "green", "client_key": "qr-1"})
    assert done.status_code == 302
    again = client.post(url, {"temperature": "36.6", "health_code": "green", "client_key": "qr-1"})
    assert again["Location"] == done["Location"]
    row = HealthCheckin.objects.get(employee=person)
    assert (row.source, row.recorded_by) == (CheckinSource.SELF, None)
    assert "第1轮打卡成功 36.6℃" in client.get(done["Location"]).content.decode()
    # The identification is for this firm's page only: another firm's QR asks again.
    other = client.get(firm_url(world.firm_c)).content.decode()
    assert "钱*二" not in other and 'name="id_number"' in other
    # "不是本人" forgets it.
    client.post(url, {"action": "forget"})
    assert 'name="id_number"' in client.get(url).content.decode()


def test_forged_identity_cookie_is_ignored(world, chen, client):
    url = firm_url(world.firm_a)
    client.cookies[access.IDENTITY_COOKIE] = access.identity_value(world.firm_a, chen)  # unsigned
    page = client.get(url).content.decode()
    assert 'name="id_number"' in page and "陈*明" not in page
    assert not HealthCheckin.objects.exists()
    assert client.post(url, {"temperature": "36.5"}).status_code == 200
    assert not HealthCheckin.objects.exists()


def test_bad_firm_token(world, client):
    response = client.get(reverse("monitoring:firm_checkin", args=["nope"]))
    assert response.status_code == 404 and INVALID in response.content.decode()


def test_link_and_qr_stop_when_the_person_leaves(world, chen, client):
    from fugong.workforce import services as wf
    from fugong.workforce.models import EmployeeStatus

    number = valid_id(birth="19940606")
    person = at_work(world.firm_a, world.users["ent_a"], name="孙离职", id_number=number)
    _link, token = access.issue_link(world.users["ent_a"], person)
    wf.change_status(world.users["ent_a"], person, EmployeeStatus.LEFT, "离职")
    assert client.get(link_url(token)).status_code == 404
    refused = client.post(firm_url(world.firm_a), {"id_number": number})
    assert refused.status_code == 400 and "本企业没有该身份证号的员工" in refused.content.decode()
    assert not HealthCheckin.objects.filter(employee=person).exists()


def _known(world):
    number = valid_id(birth="19950505")
    return at_work(world.firm_a, world.users["ent_a"], name="孙七", id_number=number), number


def test_qr_identify_locks_out_after_five_failures(world, chen, client):
    _person, number = _known(world)
    url = firm_url(world.firm_a)
    for _attempt in range(4):
        wrong = client.post(url, {"id_number": valid_id(birth="19800101")})
        assert wrong.status_code == 400
        assert "「身份证号」本企业没有该身份证号的员工" in wrong.content.decode()
    fifth = client.post(url, {"id_number": valid_id(birth="19800102")})
    assert fifth.status_code == 429 and "尝试次数过多，请10分钟后再试" in fifth.content.decode()
    # Locked, even the right number answers nothing, here and at another firm from the same address.
    right = client.post(url, {"id_number": number})
    assert right.status_code == 429 and access.IDENTITY_COOKIE not in right.cookies
    assert client.post(firm_url(world.firm_c), {"id_number": "x"}).status_code == 429
    locks = AuditEntry.objects.filter(action="monitoring.qr.locked")
    assert locks.count() == 1 and locks.get().after["by"] == "ip"
    # Another address may still identify at this firm.
    other = client.post(url, {"id_number": number}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_qr_identify_locks_a_firm_probed_from_many_addresses(world, chen, client):
    _person, number = _known(world)
    url = firm_url(world.firm_a)
    for n in range(access.QR_FAILS_PER_FIRM):
        answer = client.post(url, {"id_number": "1"}, REMOTE_ADDR=f"10.1.0.{n}")
    assert answer.status_code == 429
    assert client.post(url, {"id_number": number}, REMOTE_ADDR="10.2.0.1").status_code == 429
    assert AuditEntry.objects.get(action="monitoring.qr.locked").after["by"] == "firm"


def test_anonymous_checkins_leave_their_channel_in_the_audit(world, chen, client):
    _link, token = access.issue_link(world.users["ent_a"], chen)
    form = {"temperature": "36.5", "health_code": "green", "client_key": "k-audit"}
    assert client.post(link_url(token), form, REMOTE_ADDR="10.3.0.1").status_code == 302
    assert client.post(link_url(token), form, REMOTE_ADDR="10.3.0.1").status_code == 302  # a replay
    entry = AuditEntry.objects.get(action="monitoring.checkin.link")
    assert entry.after["channel"] == "link" and entry.after["ip"] == "10.3.0.1"
    assert entry.object_id == str(HealthCheckin.objects.get(employee=chen).pk)

    person, number = _known(world)
    url = firm_url(world.firm_a)
    assert client.post(url, {"id_number": number}).status_code == 302
    second = {"temperature": "36.6", "health_code": "green", "client_key": "k-qr"}
    assert client.post(url, second).status_code == 302
    assert client.post(url, second).status_code == 302
    entry = AuditEntry.objects.get(action="monitoring.checkin.qr")
    assert entry.after == {"employee": person.pk, "channel": "qr", "ip": "127.0.0.1"}


def test_all_links_is_one_transaction_whatever_the_headcount(world, chen, django_assert_max_num_queries):
    officer = world.users["ent_a"]
    access.issue_link(officer, chen)
    old = access.link_token(CheckinLink.objects.get(employee=chen))
    people = [at_work(world.firm_a, officer, name=f"员工{n}") for n in range(12)]
    with django_assert_max_num_queries(14):
        made = access.issue_links_for_on_site(officer, world.firm_a)
    assert len(made) == 13
    assert set(CheckinLink.objects.values_list("employee_id", flat=True)) == {chen.pk} | {
        p.pk for p in people
    }
    assert access.employee_for_link(old) is None
    assert access.employee_for_link(access.link_token(CheckinLink.objects.get(employee=chen))) == chen
    entry = AuditEntry.objects.get(action="monitoring.link.issue_all")
    assert entry.after["regenerated"] == [chen.pk]
    assert sorted(entry.after["issued"]) == sorted(p.pk for p in people)
    assert access.issue_links_for_on_site(officer, world.firm_a, only_missing=True) == []


def test_qr_identify_counts_the_client_behind_the_proxy(world, chen, client, settings):
    """Behind the production proxy every phone arrives from the proxy's address: the count is per client
    address as the proxy forwards it, so one phone's failures do not lock out the next phone."""
    settings.TRUSTED_PROXY_COUNT = 1
    _person, number = _known(world)
    url = firm_url(world.firm_a)
    proxy = {"REMOTE_ADDR": "10.9.9.9"}
    for n in range(5):
        client.post(
            url, {"id_number": valid_id(birth=f"1980010{n + 1}")}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy
        )
    locked = client.post(url, {"id_number": number}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert locked.status_code == 429
    other = client.post(url, {"id_number": number}, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert other.status_code == 302
