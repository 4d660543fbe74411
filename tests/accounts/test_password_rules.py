"""Password rules (issue 11, item 2): at least 10 characters, not all digits, not a common password, not
like the user's name, login or phone; in Django's own Chinese words, wherever a password is set."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.accounts.services import create_user
from fugong.demo import city as demo_city

README = Path(__file__).resolve().parents[2] / "README.md"
TOO_SHORT = "密码太短，至少需要 10 个字符。"
ALL_DIGITS = "密码只包含数字。"
COMMON = "这个密码太常见了。"


def password_errors(world, password, **fields) -> list[str]:
    fields = {"username": "nongye", "full_name": "王芳", "phone": "13800001111", **fields}
    with pytest.raises(ValidationError) as exc:
        create_user(
            world.users["task_force"], password=password, role=Role.TOWN, region=world.town_a, **fields
        )
    assert not User.objects.filter(username=fields["username"]).exists()
    return exc.value.message_dict["password"]


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("58203947", [TOO_SHORT, ALL_DIGITS]),  # the example
        ("5820394712", [ALL_DIGITS]),
        ("Zj-2026", [TOO_SHORT]),
        ("qwertyuiop", [COMMON]),
        ("nongye2026", ["密码跟 用户名 太相似了。"]),  # the example, for the account "nongye"
        ("13800001111", ["密码跟 手机号 太相似了。", ALL_DIGITS]),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(world, password, expected):
    assert password_errors(world, password) == expected


def test_a_password_like_the_full_name_is_refused(world):
    errors = password_errors(world, "wangfang-zhuji", full_name="wangfang zhuji")
    assert errors == ["密码跟 姓名 太相似了。"]


def test_a_sound_password_is_accepted(world):
    user = create_user(
        world.users["task_force"],
        username="nongye",
        password="Jiyang-Rice-7731",
        role=Role.TOWN,
        region=world.town_a,
        full_name="王芳",
    )
    assert user.check_password("Jiyang-Rice-7731")


def test_the_user_form_states_and_applies_the_rules(client, world):
    client.force_login(world.users["task_force"])
    page = client.get(reverse("accounts:user_create")).content.decode()
    assert "至少 10 位，不能全是数字，不能是常见密码，也不能与用户名、姓名或手机号相近" in page
    data = {
        "username": "nongye",
        "full_name": "王芳",
        "role": Role.TOWN,
        "region": world.town_a.pk,
        "password1": "5820394712",
        "password2": "5820394712",
    }
    refused = client.post(reverse("accounts:user_create"), data)
    assert refused.status_code == 400 and ALL_DIGITS in refused.content.decode()
    assert not User.objects.filter(username="nongye").exists()


def test_the_password_change_page_applies_the_rules(client, world):
    user = world.users["town_b"]
    client.force_login(user)
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "新密码至少 10 位" in page
    for weak, message in [("Zj-2026", TOO_SHORT), ("5820394712", ALL_DIGITS), ("town_b2026", "太相似")]:
        response = client.post(
            reverse("accounts:password_change"),
            {"old_password": "pass-12345", "new_password1": weak, "new_password2": weak},
        )
        assert response.status_code == 200 and message in response.content.decode(), weak
    user.refresh_from_db()
    assert user.check_password("pass-12345")


def test_the_demo_password_in_the_readme_passes_for_every_printed_login():
    readme = README.read_text(encoding="utf-8")
    assert f"password `{demo_city.DEMO_PASSWORD}`" in readme
    table = readme.split("`make demo` prints the demo logins", 1)[1].split("\n\n", 2)[1]
    logins = re.findall(r"`([a-z]+)`", table)
    assert {"zhuanban", "qiye", "yuangong", "waibu"} <= set(logins)
    for username in logins:
        validate_password(demo_city.DEMO_PASSWORD, User(username=username, full_name="王芳"))


def test_the_demo_loader_refuses_a_password_the_rules_refuse(world, monkeypatch):
    monkeypatch.setattr(demo_city, "DEMO_PASSWORD", "12345678")
    user = world.users["town_a"]
    with pytest.raises(ValidationError):
        demo_city.set_demo_password(user)
    user.refresh_from_db()
    assert user.check_password("pass-12345")
