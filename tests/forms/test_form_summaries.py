"""Issue 10 item 5 beyond the application: the firm file, policy, employee and account forms show every
error in one summary at the top, linked to the fields; dropdowns never offer "---------"; places are
named without division codes."""

import re

import pytest
from django.urls import reverse

from fugong.policy.models import Policy

pytestmark = pytest.mark.django_db


def summary(html: str) -> str:
    match = re.search(
        r'<div class="msg msg-error form-errors"[^>]*data-testid="form-errors">(.*?)</div>', html, re.S
    )
    assert match, "no error summary on the page"
    return match.group(1)


def assert_no_dashes(html: str):
    assert "---------" not in html


def test_firm_file_form_summary_and_empty_labels(client, world):
    client.force_login(world.users["town_a"])
    url = reverse("enterprises:create")
    assert_no_dashes(client.get(url).content.decode())
    html = client.post(url, {"name": ""}).content.decode()
    box = summary(html)
    assert 'href="#id_name"' in box and "企业名称" in box
    assert_no_dashes(html)


def test_employee_form_summary_without_alert_duplicates(client, world, n0):
    client.force_login(world.users["ent_a"])
    url = reverse("workforce:employee_create")
    assert_no_dashes(client.get(url).content.decode())
    response = client.post(url, {"name": "", "phone": ""})
    html = response.content.decode()
    box = summary(html)
    assert 'href="#id_name"' in box and 'href="#id_phone"' in box and "姓名" in box
    # One alert for the whole form: the per-field messages stay next to the fields, unannounced.
    assert html.count('role="alert"') == 1
    assert_no_dashes(html)


def test_policy_area_forms_each_have_a_summary(client, world, n0):
    client.force_login(world.users["task_force"])
    policy = Policy.objects.get(region=world.county)
    url = reverse("policy:areas", args=[policy.pk])
    html = client.post(
        url, {"kind": "no_return", "noreturn-region_code": "", "noreturn-name": ""}
    ).content.decode()
    assert 'id="no-return-errors"' in html and 'id="risk-errors"' not in html
    html = client.post(url, {"kind": "risk", "risk-region_code": ""}).content.decode()
    assert 'id="risk-errors"' in html


def test_policy_apply_form_names_regions_without_codes(client, world, n0):
    client.force_login(world.users["task_force"])
    html = client.get(reverse("policy:apply")).content.decode()
    assert_no_dashes(html)
    assert world.town_a.code not in html.replace(f'value="{world.town_a.pk}"', "")
    html = client.post(reverse("policy:apply"), {"region": ""}).content.decode()
    assert 'href="#id_region"' in summary(html)


def test_account_forms_have_a_summary(client, world):
    client.force_login(world.users["task_force"])
    url = reverse("accounts:user_create")
    page = client.get(url).content.decode()
    assert_no_dashes(page)
    assert f"（{world.town_a.code}）" not in page
    html = client.post(url, {"username": ""}).content.decode()
    assert 'href="#id_username"' in summary(html)
    html = client.post(reverse("accounts:password_change"), {"old_password": "wrong"}).content.decode()
    assert 'href="#id_old_password"' in summary(html) and 'id="id_old_password"' in html
