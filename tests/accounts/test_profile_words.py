"""The profile names what a person may do in words, never by capability code."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.accounts.roles import CAPABILITIES, CAPABILITY_LABELS, capability_label

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_capability_has_a_chinese_name():
    assert set(CAPABILITY_LABELS) == set(CAPABILITIES)
    assert all(HAN.search(str(label)) for label in CAPABILITY_LABELS.values())
    assert capability_label("no.such") == "其他功能"


@pytest.mark.parametrize("who", ["task_force", "ent_a", "employee_a", "gate_a", "town_a"])
def test_profile_shows_no_capability_codes(client, world, who):
    user = world.users[who]
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    tags = html[html.index('data-testid="capabilities"') :].split("</dd>")[0]
    for code, roles in CAPABILITIES.items():
        assert code not in html, code
        if user.role in roles:
            assert f"<span>{CAPABILITY_LABELS[code]}</span>" in tags, code


def test_profile_shows_no_division_code_and_a_local_login_time(client, world):
    user = world.users["town_a"]
    client.force_login(user)  # a login stamps last_login
    user.refresh_from_db()
    assert user.last_login is not None
    html = client.get(reverse("accounts:profile")).content.decode()
    assert world.town_a.code not in html
    local = timezone.localtime(user.last_login)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in html
