"""The health card's 旅居史/接触史 form: rows added and removed, saved through the API's service, errors
in Chinese on the row and field they concern, nothing half-saved, no lost update; scoped."""

import html as htmlmod
import re

import pytest
from django.urls import reverse

from fugong.workforce.models import ReturnDecision
from tests.workforce.conftest import days_ago, make_employee, risk_area

pytestmark = pytest.mark.django_db


def text_of(response, status=200):
    assert response.status_code == status, response.status_code
    return htmlmod.unescape(response.content.decode())


def post_rows(stops=(), contacts=(), *, version, initial_stops=0, initial_contacts=0, **extra):
    data = {
        "version": str(version),
        "stops-TOTAL_FORMS": str(len(stops)),
        "stops-INITIAL_FORMS": str(initial_stops),
        "contacts-TOTAL_FORMS": str(len(contacts)),
        "contacts-INITIAL_FORMS": str(initial_contacts),
        **extra,
    }
    for i, row in enumerate(stops):
        data.update({f"stops-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(contacts):
        data.update({f"contacts-{i}-{k}": v for k, v in row.items()})
    return data


@pytest.fixture
def person(world, n0):
    risk_area(n0, "3303", "温州市", "high")
    return make_employee(world.firm_a, name="王甲", residence_region=world.town_a.code)


def url(person):
    return reverse("workforce:employee_travel", args=[person.pk])


def test_the_card_links_to_the_form_for_the_firm_officer_only(client, world, person):
    card = reverse("workforce:employee", args=[person.pk])
    client.force_login(world.users["ent_a"])
    assert url(person) in text_of(client.get(card))
    client.force_login(world.users["town_a"])
    assert url(person) not in text_of(client.get(card))


def test_rows_are_saved_and_the_decision_redone(client, world, person):
    client.force_login(world.users["ent_a"])
    page = text_of(client.get(url(person)))
    assert 'name="stops-TOTAL_FORMS"' in page and 'id="stops-empty"' in page
    assert person.decision == ReturnDecision.MAY_RETURN
    stop = {"region_code": "330302", "place": "温州鹿城", "from_date": days_ago(6), "to_date": days_ago(4)}
    contact = {"contact_date": days_ago(5), "description": "同桌吃饭", "with_case": ""}
    response = client.post(url(person), post_rows([stop], [contact], version=person.version))
    assert response.status_code == 302
    person.refresh_from_db()
    assert list(person.travel_stops.values_list("place", flat=True)) == ["温州鹿城"]
    assert list(person.close_contacts.values_list("description", "with_case")) == [("同桌吃饭", False)]
    assert person.decision == ReturnDecision.ISOLATE and "温州市" in person.decision_reason

    # The form opens with what is on file; 删除 removes a row, an empty row is ignored.
    page = text_of(client.get(url(person)))
    assert 'value="温州鹿城"' in page and 'value="同桌吃饭"' in page
    data = post_rows(
        [{**stop, "DELETE": "on"}, {"region_code": "", "place": "", "from_date": "", "to_date": ""}],
        [contact],
        version=person.version,
        initial_stops=1,
        initial_contacts=1,
    )
    assert client.post(url(person), data).status_code == 302
    person.refresh_from_db()
    assert not person.travel_stops.exists() and person.close_contacts.count() == 1
    assert person.decision == ReturnDecision.MAY_RETURN


def test_bad_rows_say_which_field_in_chinese_and_nothing_is_saved(client, world, person):
    client.force_login(world.users["ent_a"])
    good = {"region_code": "330302", "place": "温州鹿城", "from_date": days_ago(6), "to_date": days_ago(4)}
    # No place picked and none named (a picked place would name an empty 地点 itself).
    bad = {"region_code": "", "place": "", "from_date": "昨天", "to_date": days_ago(4)}
    contact = {"contact_date": days_ago(5), "description": "", "with_case": "on"}
    page = text_of(client.post(url(person), post_rows([good, bad], [contact], version=person.version)), 400)
    assert "第2条旅居史：「地点」不能为空" in page
    assert "第2条旅居史：「起始日期」须为日期" in page
    assert "第1条接触史：「接触情况」不能为空" in page
    # Each message stands in its own row (the hidden template row comes after the two).
    rows = re.findall(r'<fieldset data-testid="stop-row">(.*?)</fieldset>', page, re.S)[:2]
    assert "不能为空" not in rows[0] and "「地点」不能为空" in rows[1]
    assert 'value="温州鹿城"' in page  # what was typed stays
    assert not person.travel_stops.exists() and not person.close_contacts.exists()


def test_add_row_without_javascript_posts_back_with_one_more_row(client, world, person):
    client.force_login(world.users["ent_a"])
    row = {"region_code": "330302", "place": "温州鹿城", "from_date": days_ago(6), "to_date": days_ago(4)}
    page = text_of(client.post(url(person), post_rows([row], [], version=person.version, add="stops")))
    assert page.count('data-testid="stop-row"') == 3  # two rows plus the hidden template
    assert 'name="stops-1-place"' in page and 'value="温州鹿城"' in page
    assert not person.travel_stops.exists()


def test_a_stale_form_does_not_overwrite_a_newer_save(client, world, person):
    client.force_login(world.users["ent_a"])
    row = {"region_code": "330302", "place": "温州鹿城", "from_date": days_ago(6), "to_date": days_ago(4)}
    stale = person.version
    assert client.post(url(person), post_rows([row], [], version=stale)).status_code == 302
    other = {**row, "place": "温州瓯海"}
    page = text_of(client.post(url(person), post_rows([other], [], version=stale)), 400)
    assert "该员工档案已被他人修改" in page
    assert list(person.travel_stops.values_list("place", flat=True)) == ["温州鹿城"]


def test_outside_the_firm_is_404_and_readers_cannot_edit(client, world, person):
    data = post_rows([], [], version=person.version)
    for key in ("outsider", "ent_c"):
        client.force_login(world.users[key])
        assert client.get(url(person)).status_code == 404
        assert client.post(url(person), data).status_code == 404
    client.force_login(world.users["town_a"])  # sees the card, may not edit the file
    assert client.get(url(person)).status_code == 403
    assert client.post(url(person), data).status_code == 403
