"""Login throttling (issue 11, item 2): the login form and the token endpoint lock an account after five
wrong passwords and an address after twenty, say in Chinese when to try again, and log every failure."""

import datetime as dt
import json
import uuid
import zoneinfo

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from fugong.accounts import throttle
from fugong.audit.models import AuditEntry
from fugong.audit.services import verify_chain

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PASSWORD = "pass-12345"  # the fixture users' password (tests/factories.py)
WRONG = "wrong-pass-1"
# 10:03:20 in Shanghai: a lock-out of 15 minutes ends at 10:19, on the whole minute after 10:18:20.
START = dt.datetime(2026, 12, 5, 10, 3, 20, tzinfo=SHANGHAI)
LOCKED_TEXT = "登录失败次数过多，请于 10:19 后再试。"
WRONG_TEXT = "用户名或密码不正确，请重新输入。"


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Counts and locks live in the cache, which outlives a test's database; each test gets an empty one
    of its own, which no other test (nor, on a shared Redis, another xdist worker) can clear or add to."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"login-throttle-{uuid.uuid4().hex}",
        }
    }


class Clock:
    def __init__(self, at: dt.datetime):
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at.astimezone(dt.UTC)  # as Django's own clock answers


@pytest.fixture
def clock(monkeypatch):
    now = Clock(START)
    monkeypatch.setattr(timezone, "now", now)
    return now


def login(client, username, password, ip="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def token(api_client, username, password, ip="10.1.1.1"):
    return api_client.post(
        reverse("api-token"), {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sixth_wrong_password_is_refused_with_the_time_to_try_again(client, world, clock):
    user = world.users["town_a"]
    for attempt in range(1, 5):
        response = login(client, "town_a", WRONG)
        assert response.status_code == 200, attempt
        assert WRONG_TEXT in response.content.decode()
    # The fifth failure locks the account; its answer says so already.
    fifth = login(client, "town_a", WRONG)
    assert fifth.status_code == 429 and LOCKED_TEXT in fifth.content.decode()
    assert WRONG_TEXT not in fifth.content.decode()
    # The sixth attempt is refused before the password is looked at: the right one does not get in either.
    sixth = login(client, "town_a", PASSWORD)
    assert sixth.status_code == 429 and LOCKED_TEXT in sixth.content.decode()
    assert int(sixth["Retry-After"]) == 15 * 60 + 40
    assert not logged_in(client)
    # The name counts however it is capitalised.
    assert login(client, "TOWN_A", PASSWORD).status_code == 429
    # The lock is the account's: another officer behind the same address signs in.
    assert login(client, "town_b", PASSWORD).status_code == 302 and logged_in(client)
    client.logout()

    clock.at = START.replace(minute=18, second=59)
    assert login(client, "town_a", PASSWORD).status_code == 429
    clock.at = START.replace(minute=19, second=0)  # the time the message named
    assert login(client, "town_a", PASSWORD).status_code == 302
    assert logged_in(client) and int(client.session["_auth_user_id"]) == user.pk


def test_failures_and_the_lock_out_are_in_the_audit_log(client, world, clock):
    user = world.users["town_a"]
    for _ in range(6):
        login(client, "town_a", WRONG, ip="10.9.8.7")
    failures = list(AuditEntry.objects.filter(action=throttle.FAILED).order_by("id"))
    # Five wrong passwords; the sixth attempt met the lock and is not logged (see fugong.accounts.throttle).
    assert len(failures) == 5
    first = failures[0]
    assert first.actor is None and first.object_type == "accounts.user" and first.object_id == str(user.pk)
    assert first.after == {
        "username": "town_a",
        "ip": "10.9.8.7",
        "path": "/login/",
        "failures_account": 1,
        "failures_ip": 1,
    }
    assert first.note == "登录失败：用户名或密码不正确"
    [lock] = AuditEntry.objects.filter(action=throttle.LOCKED)
    assert lock.object_id == str(user.pk) and lock.id > failures[-1].id
    assert lock.after["by"] == "account" and lock.after["failures"] == 5
    assert dt.datetime.fromisoformat(lock.after["until"]) == START.replace(minute=19, second=0)
    assert lock.note == "该账号登录失败 5 次，已锁定至 2026年12月5日 10:19"
    assert all(WRONG not in json.dumps([e.after, e.note], ensure_ascii=False) for e in [*failures, lock])
    assert verify_chain().ok
    # The log's pages name the new actions in Chinese.
    client.force_login(world.users["task_force"])
    page = client.get(reverse("audit:list")).content.decode()
    assert "登录失败" in page and "登录失败过多，已锁定" in page


def test_an_unknown_name_is_counted_and_logged_by_the_name_tried(client, world, clock):
    login(client, "no-such-officer", WRONG)
    entry = AuditEntry.objects.get(action=throttle.FAILED)
    assert entry.object_id == "" and entry.object_repr == "no-such-officer"


def test_one_address_is_locked_across_usernames(client, world, clock):
    names = ["town_a", "town_b", "tf_zhuji", "dept_health", "nobody"]
    answers = [login(client, name, WRONG, ip="10.2.2.2").status_code for _ in range(4) for name in names]
    # No account reached five failures, but the address reached twenty with the last one.
    assert answers == [200] * 19 + [429]
    refused = login(client, "inspector", PASSWORD, ip="10.2.2.2")
    assert refused.status_code == 429 and LOCKED_TEXT in refused.content.decode()
    [lock] = AuditEntry.objects.filter(action=throttle.LOCKED)
    assert lock.after["by"] == "ip" and lock.after["ip"] == "10.2.2.2" and lock.after["failures"] == 20
    assert lock.note.startswith("该来源地址登录失败 20 次")
    # From elsewhere the same officer, and every account tried above, still signs in.
    assert login(client, "inspector", PASSWORD, ip="10.3.3.3").status_code == 302
    client.logout()
    assert login(client, "town_a", PASSWORD, ip="10.3.3.3").status_code == 302


def test_token_endpoint_is_throttled_the_same_way(api_client, client, world, clock):
    for attempt in range(1, 5):
        response = token(api_client, "ent_a", WRONG)
        assert response.status_code == 400, attempt
        assert response.json()["error"]["code"] == "invalid"
    fifth = token(api_client, "ent_a", WRONG)
    assert fifth.status_code == 429
    assert fifth.json() == {"error": {"code": "throttled", "message": LOCKED_TEXT, "fields": {}}}
    sixth = token(api_client, "ent_a", PASSWORD)
    assert sixth.status_code == 429 and sixth.json()["error"]["message"] == LOCKED_TEXT
    assert int(sixth["Retry-After"]) == 15 * 60 + 40
    assert not Token.objects.filter(user=world.users["ent_a"]).exists()
    assert [e.after["path"] for e in AuditEntry.objects.filter(action=throttle.FAILED)] == [
        "/api/v1/auth/token/"
    ] * 5
    # One count for both doors: the login form is locked for this account too.
    assert login(client, "ent_a", PASSWORD).status_code == 429

    clock.at = START.replace(minute=19, second=0)
    issued = token(api_client, "ent_a", PASSWORD)
    assert issued.status_code == 200
    assert issued.json() == {"token": Token.objects.get(user=world.users["ent_a"]).key}


def test_token_endpoint_counts_addresses_across_usernames(api_client, world, clock):
    names = ["ent_a", "ent_c", "gate_a", "town_a", "nobody"]
    answers = [token(api_client, name, WRONG, ip="10.4.4.4").status_code for _ in range(4) for name in names]
    assert answers == [400] * 19 + [429]
    assert token(api_client, "inspector", PASSWORD, ip="10.4.4.4").status_code == 429
    assert token(api_client, "inspector", PASSWORD, ip="10.5.5.5").status_code == 200


def test_a_success_ends_the_accounts_run_of_failures(client, world, clock):
    for _ in range(4):
        assert login(client, "town_a", WRONG).status_code == 200
    assert login(client, "town_a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert login(client, "town_a", WRONG).status_code == 200
    assert login(client, "town_a", PASSWORD).status_code == 302


def test_a_success_does_not_clear_the_address(client, world, clock, settings):
    """One valid account must not let an address go on guessing other accounts' passwords."""
    settings.LOGIN_FAILURES_PER_IP = 6
    for _ in range(4):
        login(client, "town_b", WRONG)
    assert login(client, "town_a", PASSWORD).status_code == 302
    client.logout()
    assert login(client, "tf_zhuji", WRONG).status_code == 200
    assert login(client, "tf_zhuji", WRONG).status_code == 429


def test_locks_and_counts_do_not_touch_force_login(client, world, clock):
    """Tests and the demo's links sign in without a password: nothing is counted or refused there."""
    for _ in range(5):
        login(client, "town_a", WRONG)
    client.force_login(world.users["town_a"])
    assert client.get(reverse("home")).status_code == 200


def test_client_address_behind_trusted_proxies(settings):
    factory = RequestFactory()
    # What the client wrote itself is on the left; each of our proxies appends what it saw.
    request = factory.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert throttle.client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert throttle.client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer entries than proxies: the header is not ours
    assert throttle.client_ip(request) == "10.0.0.2"


def test_a_lock_into_the_next_day_names_the_date(clock):
    clock.at = dt.datetime(2026, 12, 5, 23, 50, tzinfo=SHANGHAI)
    until = dt.datetime(2026, 12, 6, 0, 6, tzinfo=SHANGHAI)
    assert throttle.lock_message(until) == "登录失败次数过多，请于 2026年12月6日 00:06 后再试。"
