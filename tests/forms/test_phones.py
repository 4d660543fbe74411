"""The legal representative's and the prevention lead's phone: a mainland mobile or a landline with its
area code, on the enterprise file form and over the API, with a Chinese message naming the field."""

import pytest
from django.urls import reverse

from fugong.enterprises import services

pytestmark = pytest.mark.django_db

GOOD = [
    "13805751234",
    "19912345678",
    "0575-87012345",
    "057587012345",
    "010-1234567",
    "１３８ ０５７５ １２３４",
]
BAD = ["123", "12345678901", "23805751234", "0575-123", "575-87012345", "1380575123x", "+8613805751234"]


@pytest.mark.parametrize("value", GOOD)
def test_valid_phones_pass(value):
    assert services.phone_error("legal_representative_phone", services.normalize_phone(value)) is None


@pytest.mark.parametrize("value", BAD)
def test_invalid_phones_name_the_field(value):
    message = services.phone_error("prevention_lead_phone", services.normalize_phone(value))
    assert message and message.startswith("防疫负责人电话") and "11位手机号" in message


def _edit(client, world, **data):
    client.force_login(world.users["ent_a"])
    firm = world.firm_a
    post = {
        "address": firm.address,
        "normal_headcount": firm.normal_headcount or "10",
        "normal_daily_output": firm.normal_daily_output or "20",
        "version": firm.version,
        "legal_representative_phone": firm.legal_representative_phone,
        "prevention_lead": firm.prevention_lead,
        "prevention_lead_phone": firm.prevention_lead_phone,
    } | data
    return client.post(reverse("enterprises:edit", args=[firm.pk]), post)


def test_enterprise_form_refuses_a_bad_phone(client, world):
    response = _edit(client, world, legal_representative_phone="123", prevention_lead_phone="0575-1")
    errors = response.context["form"].errors
    assert "法定代表人电话“123”不是有效的电话号码" in str(errors["legal_representative_phone"])
    assert "防疫负责人电话" in str(errors["prevention_lead_phone"])
    world.firm_a.refresh_from_db()
    assert world.firm_a.legal_representative_phone != "123"


def test_enterprise_form_accepts_and_normalises_a_good_phone(client, world):
    response = _edit(
        client, world, legal_representative_phone="138 0575 1234", prevention_lead_phone="0575-87012345"
    )
    assert response.status_code == 302
    world.firm_a.refresh_from_db()
    assert world.firm_a.legal_representative_phone == "13805751234"
    assert world.firm_a.prevention_lead_phone == "0575-87012345"


def test_the_form_marks_phones_as_tel(client, world):
    client.force_login(world.users["ent_a"])
    html = client.get(reverse("enterprises:edit", args=[world.firm_a.pk])).content.decode()
    assert 'type="tel" name="legal_representative_phone"' in html and 'inputmode="tel"' in html


def test_api_refuses_a_bad_phone_in_chinese(api_client, world):
    api_client.force_authenticate(world.users["town_a"])
    url = f"/api/v1/enterprises/{world.firm_a.pk}/"
    response = api_client.patch(
        url, {"legal_representative_phone": "123", "version": world.firm_a.version}, format="json"
    )
    assert response.status_code == 400
    assert "法定代表人电话“123”不是有效的电话号码" in str(response.json())
    response = api_client.patch(
        url, {"prevention_lead_phone": "0575-87012345", "version": world.firm_a.version}, format="json"
    )
    assert response.status_code == 200
