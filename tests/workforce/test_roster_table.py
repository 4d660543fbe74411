"""员工档案 on the shared table pattern: sortable columns (status and decision in their declared order),
numbered pages with the total, filters kept in the page links, nothing of another scope."""

import pytest
from django.urls import reverse

from fugong.workforce import views
from fugong.workforce.models import Employee, EmployeeStatus
from tests.tables_support import header_sorts, page_links, total_line
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db
ROSTER = reverse("workforce:roster")


def names(response):
    assert response.status_code == 200
    return [e.name for e in response.context["table"].page]


@pytest.fixture
def people(world, n0):
    made = {name: make_employee(world.firm_a, name=name) for name in ("丙", "甲", "乙")}
    Employee.objects.filter(pk=made["乙"].pk).update(status=EmployeeStatus.AT_WORK)
    make_employee(world.firm_c, name="外县丁")
    return made


def test_roster_sorts_by_columns_and_falls_back(client, world, people):
    client.force_login(world.users["ent_a"])
    by_name = names(client.get(ROSTER))
    assert by_name == sorted(by_name)
    assert names(client.get(ROSTER, {"sort": "-name"})) == list(reversed(by_name))
    # 在岗 comes after 登记 in the declared order of a return, whatever the stored codes say.
    order = [choice for choice, _label in EmployeeStatus.choices]
    statuses = [e.status for e in client.get(ROSTER, {"sort": "status"}).context["table"].page]
    assert statuses == sorted(statuses, key=order.index)
    assert names(client.get(ROSTER, {"sort": "no-such-column"})) == by_name
    html = client.get(ROSTER).content.decode()
    assert {"name", "status", "decision", "release"} <= set(header_sorts(html))
    assert "firm" not in header_sorts(html)  # the firm's own officer sees one firm


def test_roster_numbers_pages_keeps_filters_and_scope(client, world, people, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(world.users["town_a"])
    response = client.get(ROSTER, {"local": "", "sort": "-name"})
    html = response.content.decode()
    assert "共 3 条" in total_line(html)
    links = page_links(html)
    assert links["2"]["sort"] == "-name" and links["2"]["page"] == "2"
    assert "外县丁" not in html
    client.force_login(world.users["outsider"])
    assert names(client.get(ROSTER)) == ["外县丁"]


def test_roster_statement_count_is_pinned(client, world, people, django_assert_num_queries):
    client.force_login(world.users["town_a"])
    client.get(ROSTER)
    with django_assert_num_queries(9):
        assert client.get(ROSTER, {"sort": "firm"}).status_code == 200
