"""Second factor for officers (issue 11, item 2): enrolment on 我的账户, the 输入验证码 login step, wrong
codes counted by the login throttle, roles the policy names kept on enrolment, nothing changed by default."""

import re
import time
import uuid

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from fugong.accounts import otp
from fugong.audit.labels import action_label
from fugong.audit.models import AuditEntry

PASSWORD = "pass-12345"  # the fixture users' password (tests/factories.py)


@pytest.fixture(autouse=True)
def own_cache(settings):
    """Failure counts live in the cache; each test gets an empty one of its own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"totp-{uuid.uuid4().hex}",
        }
    }


def code(device, offset=0) -> str:
    """The code the authenticator app shows now (or ``offset`` steps away)."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{value:0{device.digits}d}"


def wrong_code(device) -> str:
    near = {code(device, offset) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in near)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=otp.DEVICE_NAME, confirmed=True)


def login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_enrolment_shows_a_qr_code_and_secret_and_confirms_with_a_code(client, world):
    user = world.users["town_a"]
    client.force_login(user)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "两步验证" in profile and reverse("accounts:otp_setup") in profile
    page = client.get(reverse("accounts:otp_setup"))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    # The secret for typing by hand, in groups of four, is the device's own key.
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert secret.replace(" ", "") == otp.secret_groups(device).replace(" ", "")
    assert all(len(group) == 4 for group in secret.split())
    # Reloading keeps the secret already scanned.
    client.get(reverse("accounts:otp_setup"))
    assert TOTPDevice.objects.get(user=user).pk == device.pk
    bad = client.post(reverse("accounts:otp_setup"), {"code": wrong_code(device)})
    assert bad.status_code == 400 and "验证码不正确" in bad.content.decode()
    short = client.post(reverse("accounts:otp_setup"), {"code": "12345"})
    assert short.status_code == 400 and "验证码须为 6 位数字" in short.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    done = client.post(reverse("accounts:otp_setup"), {"code": code(device)})
    assert done.status_code == 302 and done["Location"] == reverse("accounts:profile")
    device.refresh_from_db()
    assert device.confirmed
    entry = AuditEntry.objects.get(action=otp.ENROL)
    assert entry.actor == user and str(action_label(entry.action)) == "启用两步验证"
    # The enrolling session counts as verified: it goes on working.
    assert client.get(reverse("accounts:profile")).status_code == 200 and logged_in(client)


def test_firm_staff_may_not_enrol(client, world):
    for key in ("ent_a", "gate_a", "employee_a"):
        client.force_login(world.users[key])
        assert "两步验证" not in client.get(reverse("accounts:profile")).content.decode()
        assert client.get(reverse("accounts:otp_setup")).status_code == 403
    assert not TOTPDevice.objects.exists()


def test_login_asks_for_the_code_refuses_a_wrong_one_and_lets_the_right_one_in(client, world):
    user = world.users["town_a"]
    device = enrolled(user)
    response = login(client, "town_a")
    assert response.status_code == 302 and response["Location"] == reverse("login_otp")
    # The password alone has not logged in: pages still send to the login.
    assert not logged_in(client)
    assert client.get(reverse("accounts:profile"))["Location"].startswith(reverse("login"))
    step = client.get(reverse("login_otp"))
    assert step.status_code == 200 and "输入验证码" in step.content.decode()
    wrong = client.post(reverse("login_otp"), {"code": wrong_code(device)})
    assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
    assert not logged_in(client)
    entry = AuditEntry.objects.get(action="accounts.login.otp_failed")
    assert entry.object_id == str(user.pk) and entry.after["failures_account"] == 1
    assert str(action_label(entry.action)) == "两步验证码错误"
    right = client.post(reverse("login_otp"), {"code": code(device)})
    assert right.status_code == 302 and right["Location"] == reverse("home")
    assert logged_in(client)
    assert client.get(reverse("home")).status_code == 200
    # The same code is not taken twice.
    client.post(reverse("logout"))
    login(client, "town_a")
    again = client.post(reverse("login_otp"), {"code": code(device)})
    assert again.status_code == 400 and not logged_in(client)


def test_login_keeps_next_through_the_code_step(client, world):
    device = enrolled(world.users["task_force"])
    response = client.post(
        reverse("login") + "?next=/audit/", {"username": "tf_zhuji", "password": PASSWORD, "next": "/audit/"}
    )
    assert response["Location"] == reverse("login_otp")
    assert client.post(reverse("login_otp"), {"code": code(device)})["Location"] == "/audit/"


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, world, settings):
    device = enrolled(world.users["town_a"])
    login(client, "town_a")
    for _attempt in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert client.post(reverse("login_otp"), {"code": wrong_code(device)}).status_code == 400
        # A right password again does not clear the count: only a right code does.
        login(client, "town_a")
    locked = client.post(reverse("login_otp"), {"code": wrong_code(device)})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    assert "Retry-After" in locked
    # Locked: the right code is refused too, and so is the password.
    assert client.post(reverse("login_otp"), {"code": code(device)}).status_code == 429
    assert not logged_in(client)
    assert login(client, "town_a").status_code == 429
    assert AuditEntry.objects.filter(action="accounts.login.locked").count() == 1


def test_code_step_expires(client, world, monkeypatch):
    device = enrolled(world.users["town_a"])
    login(client, "town_a")
    later = time.time() + otp.PENDING_SECONDS + 1
    monkeypatch.setattr(otp.time, "time", lambda: later)
    response = client.post(reverse("login_otp"), {"code": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not logged_in(client)


def test_required_role_without_device_is_sent_to_enrolment(client, world, settings):
    settings.OTP_REQUIRED_ROLES = ["town", "task_force"]
    user = world.users["town_a"]
    response = login(client, "town_a")
    assert response.status_code == 302 and response["Location"] == reverse("accounts:otp_setup")
    assert logged_in(client)
    # Every other page sends back to enrolment; the API refuses; logout and enrolment stay open.
    for url in (reverse("home"), reverse("accounts:profile"), reverse("enterprises:list")):
        assert client.get(url)["Location"] == reverse("accounts:otp_setup"), url
    assert client.get("/api/v1/ping/").status_code == 403
    page = client.get(reverse("accounts:otp_setup"))
    assert page.status_code == 200 and 'data-testid="otp-required"' in page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    done = client.post(reverse("accounts:otp_setup"), {"code": code(device)})
    assert done["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    # A required role may not switch it off.
    client.post(reverse("accounts:otp_disable"), {"code": code(device, 1)})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    # Roles the policy does not name are not held to it.
    client.post(reverse("logout"))
    assert login(client, "inspector")["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    # Nor is firm staff, whatever the list says (they could not enrol).
    settings.OTP_REQUIRED_ROLES = ["enterprise"]
    client.post(reverse("logout"))
    assert login(client, "ent_a")["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_disable_needs_a_current_code(client, world):
    user = world.users["inspector"]
    device = enrolled(user)
    login(client, "inspector")
    client.post(reverse("login_otp"), {"code": code(device)})
    assert logged_in(client)
    refused = client.post(reverse("accounts:otp_disable"), {"code": wrong_code(device)}, follow=True)
    assert "未能停用两步验证" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
    done = client.post(reverse("accounts:otp_disable"), {"code": code(device, 1)}, follow=True)
    assert "两步验证已停用" in done.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert str(action_label(AuditEntry.objects.get(action=otp.DISABLE).action)) == "停用两步验证"
    client.post(reverse("logout"))
    assert login(client, "inspector")["Location"] == reverse("home")


def test_a_session_the_password_alone_opened_ends_once_the_account_has_a_device(client, world):
    """The admin's own login page, or a session opened before enrolling elsewhere, is not verified."""
    user = world.users["town_a"]
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    enrolled(user)
    session = client.session
    session[otp._CHECKED] = [user.pk, time.time() - otp.RECHECK_SECONDS - 1]
    session.save()
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not logged_in(client)


def test_default_settings_change_nothing_for_password_logins(client, world, settings):
    assert settings.OTP_REQUIRED_ROLES == []
    for key in ("task_force", "town_a", "ent_a", "employee_a"):
        client.post(reverse("logout"))
        response = login(client, world.users[key].username)
        assert response.status_code == 302 and response["Location"] == reverse("home"), key
        assert client.get(reverse("home")).status_code == 200
    assert not TOTPDevice.objects.exists()


def test_the_api_token_needs_the_code_too(client, world, settings):
    """A token is as good as a session: an enrolled officer gives the current code with the password, and a
    role required to use the second factor must enrol on the web first."""
    user = world.users["town_a"]
    url = "/api/v1/auth/token/"
    assert client.post(url, {"username": user.username, "password": PASSWORD}).status_code == 200
    device = enrolled(user)
    missing = client.post(url, {"username": user.username, "password": PASSWORD})
    assert missing.status_code == 400 and "两步验证" in missing.content.decode()
    wrong = client.post(url, {"username": user.username, "password": PASSWORD, "otp": wrong_code(device)})
    assert wrong.status_code == 400
    assert AuditEntry.objects.filter(action="accounts.login.otp_failed").exists()
    right = client.post(url, {"username": user.username, "password": PASSWORD, "otp": code(device)})
    assert right.status_code == 200 and right.json()["token"]
    settings.OTP_REQUIRED_ROLES = [world.users["task_force"].role]
    refused = client.post(url, {"username": world.users["task_force"].username, "password": PASSWORD})
    assert refused.status_code == 403 and "两步验证" in refused.content.decode()
