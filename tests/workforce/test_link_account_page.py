"""关联登录账号 on the employee file: the firm's officer picks one of the firm's employee accounts not yet
linked (``services.link_account``); others cannot; and the isolation board is in the menu."""

import html as htmlmod

import pytest
from django.urls import reverse

from fugong.accounts.roles import Role
from fugong.audit.models import AuditEntry
from tests.factories import UserFactory
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


def text_of(response, status=200):
    assert response.status_code == status, response.status_code
    return htmlmod.unescape(response.content.decode())


@pytest.fixture
def person(world, n0):
    return make_employee(world.firm_a, name="王甲", residence_region=world.town_a.code)


def test_officer_links_one_of_the_firms_free_employee_accounts(client, world, person):
    taken = make_employee(world.firm_a, name="李乙", residence_region=world.town_a.code)
    taken.user = UserFactory(username="emp_taken", role=Role.EMPLOYEE, enterprise=world.firm_a)
    taken.save(update_fields=["user"])
    other_firm = UserFactory(username="emp_firm_b", role=Role.EMPLOYEE, enterprise=world.firm_b)
    card = reverse("workforce:employee", args=[person.pk])
    client.force_login(world.users["ent_a"])
    page = text_of(client.get(card))
    assert 'data-testid="link-form"' in page and "未关联" in page
    # Offered: the firm's employee account without a file; not one already linked, not another firm's.
    assert "employee_a" in page and "emp_taken" not in page and "emp_firm_b" not in page

    link = reverse("workforce:employee_account", args=[person.pk])
    refused = text_of(client.post(link, {"user": other_firm.pk}), 400)
    assert "「登录账号」须为本企业尚未关联员工档案的员工账号" in refused
    refused = text_of(client.post(link, {"user": taken.user.pk}), 400)
    assert "「登录账号」须为本企业尚未关联员工档案的员工账号" in refused
    person.refresh_from_db()
    assert person.user_id is None

    assert client.post(link, {"user": world.users["employee_a"].pk}).status_code == 302
    person.refresh_from_db()
    assert person.user == world.users["employee_a"]
    assert AuditEntry.objects.filter(action="workforce.link_account").count() == 1
    page = text_of(client.get(card))
    assert 'data-testid="link-form"' not in page and "employee_a" in page


def test_no_free_account_says_what_to_do(client, world, person):
    world.users["employee_a"].delete()
    client.force_login(world.users["ent_a"])
    page = text_of(client.get(reverse("workforce:employee", args=[person.pk])))
    assert "本企业没有尚未关联的员工账号" in page and 'data-testid="link-submit"' not in page


def test_others_cannot_link(client, world, person):
    link = reverse("workforce:employee_account", args=[person.pk])
    data = {"user": world.users["employee_a"].pk}
    for key in ("outsider", "ent_c"):
        client.force_login(world.users[key])
        assert client.post(link, data).status_code == 404
    client.force_login(world.users["town_a"])
    assert 'data-testid="link-form"' not in text_of(
        client.get(reverse("workforce:employee", args=[person.pk]))
    )
    assert client.post(link, data).status_code == 403
    person.refresh_from_db()
    assert person.user_id is None


def test_isolation_board_is_in_the_menu_for_those_who_run_it(client, world):
    board = reverse("workforce:isolation")
    for key in ("ent_a", "town_a"):
        client.force_login(world.users[key])
        assert f'href="{board}"' in text_of(client.get(reverse("home")))
    for key in ("employee_a", "gate_a"):
        client.force_login(world.users[key])
        assert f'href="{board}"' not in text_of(client.get(reverse("home")))
