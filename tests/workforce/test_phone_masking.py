"""Phones in full only for those who call the person (issue 11): the firm's officer and the town; every
other role reads 138****0000 — in the API, on the pages and in the roster export."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fugong.core.masking import mask_phone, phone_for
from fugong.workforce import selectors
from fugong.workforce.models import Employee
from fugong.workforce.returns.services import pre_report, record_arrival
from fugong.workforce.roster.export import export_roster
from fugong.workforce.services import link_account
from tests.workforce.conftest import make_employee, valid_id

PHONE = "13905751234"
MASKED = "139****1234"
FULL = ["ent_a", "town_a"]
MASKED_ROLES = ["gate_a", "grid_a", "task_force", "dept_health", "dept_industry", "inspector"]


@pytest.fixture
def person(world, n0):
    return make_employee(world.firm_a, name="钱七", phone=PHONE)


def test_mask_keeps_the_prefix_and_the_last_four():
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone("0575-87012345") == "057******2345"
    assert mask_phone("1234567") == "*******"
    assert mask_phone("") == ""


@pytest.mark.parametrize("who", FULL + MASKED_ROLES)
def test_api_list_and_detail_mask_the_phone_by_role(world, api_client, person, who):
    api_client.force_authenticate(world.users[who])
    listing = api_client.get("/api/v1/employees/")
    detail = api_client.get(f"/api/v1/employees/{person.pk}/")
    assert listing.status_code == detail.status_code == 200
    expected = PHONE if who in FULL else MASKED
    assert [row["phone"] for row in listing.json()["results"]] == [expected]
    assert detail.json()["phone"] == expected
    if who not in FULL:
        for response in (listing, detail):
            assert PHONE not in response.content.decode()


def test_an_employee_sees_their_own_number_in_full(world, api_client, person):
    link_account(world.users["ent_a"], person, world.users["employee_a"])
    api_client.force_authenticate(world.users["employee_a"])
    assert api_client.get(f"/api/v1/employees/{person.pk}/").json()["phone"] == PHONE


@pytest.mark.parametrize("who", FULL + MASKED_ROLES)
def test_the_health_card_page_masks_the_phone_by_role(client, world, person, who):
    client.force_login(world.users[who])
    text = client.get(reverse("workforce:employee", args=[person.pk])).content.decode()
    if who in FULL:
        assert f'<a href="tel:{PHONE}">{PHONE}</a>' in text
    else:
        assert MASKED in text and PHONE not in text and "tel:" not in text


def test_the_pre_report_list_masks_the_phone_for_the_task_force(client, world, person):
    arrival = dt.date.today() + dt.timedelta(days=3)
    pre_report(world.users["ent_a"], [person], arrival)
    url = reverse("workforce:returns") + f"?date={arrival.isoformat()}"
    for who, shown, hidden in (("town_a", PHONE, MASKED), ("task_force", MASKED, PHONE)):
        client.force_login(world.users[who])
        text = client.get(url).content.decode()
        assert "钱七" in text and shown in text and hidden not in text, who


def test_checkpoint_arrivals_mask_the_phone_outside_the_town(world, api_client, n0):
    arrival = record_arrival(
        world.users["town_a"],
        world.town_a,
        checkpoint="诸暨东高速卡口",
        name="路人甲",
        id_number=valid_id(),
        phone=PHONE,
    )
    for who, expected in (("town_a", PHONE), ("task_force", MASKED)):
        api_client.force_authenticate(world.users[who])
        row = api_client.get(f"/api/v1/checkpoint-arrivals/{arrival.pk}/").json()
        assert row["phone"] == expected, who


def test_roster_export_masks_the_phone_by_role(world, person):
    def phones(who):
        content = export_roster(world.users[who], Employee.objects.all())
        sheet = load_workbook(BytesIO(content)).worksheets[0]
        header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
        column = header.index("电话")
        return [row[column] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]

    assert phones("ent_a") == phones("town_a") == [PHONE]
    assert phones("task_force") == phones("grid_a") == [MASKED]


def test_search_by_phone_goes_through_the_blind_index(world, api_client, person):
    api_client.force_authenticate(world.users["ent_a"])
    for typed in (PHONE, "139 0575 1234", "+86 139-0575-1234"):
        found = api_client.get("/api/v1/employees/", {"q": typed}).json()
        assert [row["id"] for row in found["results"]] == [person.pk], typed
    assert api_client.get("/api/v1/employees/", {"q": "13905750000"}).json()["count"] == 0
    assert list(selectors.roster(world.users["town_a"], search=PHONE)) == [person]


def test_phone_for_follows_the_capability(world):
    assert phone_for(world.users["town_a"], PHONE) == PHONE
    assert phone_for(world.users["gate_a"], PHONE) == MASKED
    assert phone_for(None, PHONE) == MASKED
