"""The contact page and API: ranked list with reasons and masked IDs, search with its time, bulk
confirm/dismiss, second degree; who sees it and who may decide."""

import pytest
from django.urls import reverse

from fugong.incidents.contacts import services as cs
from fugong.incidents.models import Contact, ContactStatus
from tests.arrangements.conftest import staff
from tests.incidents.furnish import incident_policy
from tests.incidents.furnish_contacts import CONTACT_POLICY, incident_for, scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world, pinned_clock):
    incident_policy(world, **CONTACT_POLICY)
    data = scene(world.firm_a)
    data.incident = incident_for(world, world.firm_a, data.index)
    return data


def test_the_town_searches_confirms_and_sees_the_time(client, world, case):
    client.force_login(world.users["town_a"])
    url = reverse("incidents:contacts", args=[case.incident.pk])
    page = client.post(url, {"action": "search"}, follow=True)
    text = page.content.decode()
    assert "排查完成，用时" in text and "上次排查用时" in text
    assert "同宿舍 2 晚" in text and "与快递员当面交接" in text
    assert case.people["同屋甲"].id_number_masked in text and "**********" in text
    assert case.people["旧室友"].name not in text
    ids = list(
        Contact.objects.filter(incident=case.incident, employee__name__in=["同屋甲", "班车乙"]).values_list(
            "pk", flat=True
        )
    )
    confirm = reverse("incidents:contacts_confirm", args=[case.incident.pk])
    page = client.post(confirm, {"action": "confirm", "contact": ids}, follow=True)
    assert page.status_code == 200
    assert Contact.objects.filter(pk__in=ids, status=ContactStatus.CONFIRMED).count() == 2
    assert 'data-testid="contacts-expand"' in page.content.decode()
    page = client.post(url, {"action": "expand"}, follow=True)
    assert "排查完成" in page.content.decode()


def test_the_page_says_why_there_is_no_search_without_a_lookback(client, world, pinned_clock):
    incident_policy(world, drop=("contact_lookback_days",))
    data = scene(world.firm_a)
    incident = incident_for(world, world.firm_a, data.index)
    client.force_login(world.users["town_a"])
    text = client.get(reverse("incidents:contacts", args=[incident.pk])).content.decode()
    assert "未规定追溯天数" in text and 'data-testid="contacts-search"' not in text


@pytest.mark.parametrize(
    "who,status", [("ent_a", 200), ("dept_industry", 200), ("town_b", 404), ("outsider", 404), ("ent_c", 404)]
)
def test_who_sees_the_page(client, world, case, who, status):
    cs.run_search(world.users["town_a"], case.incident)
    client.force_login(world.users[who])
    response = client.get(reverse("incidents:contacts", args=[case.incident.pk]))
    assert response.status_code == status
    if status == 200:
        # Firm and other departments read, but have no boxes to tick.
        assert 'name="contact"' not in response.content.decode()


def test_a_firm_cannot_confirm_through_the_page(client, world, case):
    cs.run_search(world.users["town_a"], case.incident)
    pk = Contact.objects.filter(incident=case.incident).first().pk
    client.force_login(world.users["ent_a"])
    response = client.post(reverse("incidents:contacts_confirm", args=[case.incident.pk]), {"contact": [pk]})
    assert response.status_code == 403
    assert not Contact.objects.filter(status=ContactStatus.CONFIRMED).exists()


def test_api_search_list_confirm(api_client, world, case):
    api_client.force_authenticate(world.users["dept_health"])
    response = api_client.post(
        "/api/v1/incident-contacts/search/", {"incident": case.incident.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["added"] == 8 and "took_ms" in response.json()
    rows = api_client.get(f"/api/v1/incident-contacts/?incident={case.incident.pk}").json()
    rows = rows.get("results", rows)
    assert len(rows) == 8 and all("*" in r["masked_id"] for r in rows)
    response = api_client.post(
        "/api/v1/incident-contacts/confirm/",
        {"incident": case.incident.pk, "contacts": [rows[0]["id"]]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["contacts"][0]["status"] == "confirmed"


@pytest.mark.parametrize(
    "who,status", [("dept_industry", 403), ("ent_a", 403), ("town_b", 404), ("outsider", 404)]
)
def test_api_refuses_others(api_client, world, case, who, status):
    api_client.force_authenticate(world.users[who])
    response = api_client.post(
        "/api/v1/incident-contacts/search/", {"incident": case.incident.pk}, format="json"
    )
    assert response.status_code == status
    assert not Contact.objects.exists()


def test_the_page_reads_in_a_fixed_number_of_statements(client, world, case, django_assert_max_num_queries):
    cs.run_search(world.users["town_a"], case.incident)
    client.force_login(world.users["town_a"])
    url = reverse("incidents:contacts", args=[case.incident.pk])
    client.get(url)  # the session and the user's caches
    with django_assert_max_num_queries(25) as first:
        client.get(url)
    # Ten more people on the list: the page still reads in the same statements.
    for person in staff(world.firm_a, 10, prefix="加"):
        Contact.objects.create(incident=case.incident, employee=person, reasons=[], score=1)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)
