"""The shared table pattern (fugong.core.tables) on the officers' lists: a whitelist of sorts kept in the
URL with the search and filters, aria-sort on the active header, numbered pages with the total, and
nothing foreign in a sorted or searched list."""

import datetime as dt
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from fugong.audit.services import record
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.monitoring.models import Alert
from fugong.operations import services as gate
from fugong.policy.services import apply_preset
from tests.factories import EnterpriseFactory, UserFactory
from tests.workforce.conftest import make_employee, valid_id

pytestmark = pytest.mark.django_db

# (url name, user, sort keys the page allows)
LISTS = [
    ("enterprises:list", "task_force", ["name", "status", "uscc", "town", "department", "headcount"]),
    ("accounts:users", "task_force", ["username", "name", "role", "scope", "active"]),
    ("audit:list", "task_force", ["id", "at", "actor", "action", "object_type"]),
    ("monitoring:alerts", "town_a", ["raised_at", "enterprise", "employee", "kind", "status"]),
    ("operations:records", "town_a", ["result", "at", "firm", "kind", "who", "temperature"]),
]


@pytest.fixture
def preset(world):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    return world


@pytest.fixture
def gate_day(preset):
    """On firm_a today: one employee let in, one refused for fever (which raises an alert), a visitor and a
    vehicle let in; on firm_c (another county) a refused employee."""
    w = preset
    keeper = w.users["gate_a"]
    ok = make_employee(w.firm_a, name="正常员工")
    hot = make_employee(w.firm_a, name="发热员工")
    gate.record_employee_entry(keeper, ok, temperature="36.5", health_code="green")
    gate.record_employee_entry(keeper, hot, temperature="37.6", health_code="green")
    gate.record_visitor(
        keeper,
        w.firm_a,
        name="王访客",
        id_number=valid_id(),
        phone="13800001111",
        company="绍兴物流",
        host="李主任",
        purpose="送货洽谈",
        temperature="36.6",
        health_code="green",
    )
    gate.record_vehicle(
        keeper,
        w.firm_a,
        plate="浙D 12345",
        driver_name="赵师傅",
        driver_phone="13800002222",
        origin="杭州",
        cargo="纱线",
        disinfected=True,
        pass_number="TX-001",
    )
    foreign_keeper = UserFactory(username="gate_c", role="gate_keeper", enterprise=w.firm_c)
    far = make_employee(w.firm_c, name="远方员工")
    gate.record_employee_entry(foreign_keeper, far, temperature="38.0", health_code="green")
    return w


def headers(html: str) -> dict[str, str]:
    """aria-sort of each sortable header, by the sort value its link asks for."""
    found = {}
    for th in re.findall(r"<th scope=\"col\"[^>]*>.*?</th>", html, re.S):
        link = re.search(r'href="\?([^"]*)"', th)
        aria = re.search(r'aria-sort="(\w+)"', th)
        if link:
            params = dict(p.split("=", 1) for p in link.group(1).replace("&amp;", "&").split("&") if "=" in p)
            found[params["sort"].lstrip("-")] = aria.group(1) if aria else ""
    return found


@pytest.mark.parametrize(("name", "who", "keys"), LISTS)
def test_every_allowed_sort_answers_and_marks_its_header(client, gate_day, name, who, keys):
    client.force_login(gate_day.users[who])
    url = reverse(name)
    plain = client.get(url)
    assert plain.status_code == 200
    assert set(headers(plain.content.decode())) == set(keys)  # exactly the whitelist is offered
    for key in keys:
        for value, aria in ((key, "ascending"), (f"-{key}", "descending")):
            response = client.get(url, {"sort": value})
            assert response.status_code == 200, value
            assert response.context["table"].sort == value
            assert headers(response.content.decode())[key] == aria, value


@pytest.mark.parametrize(("name", "who", "keys"), LISTS)
def test_an_unknown_sort_falls_back_to_the_default(client, gate_day, name, who, keys):
    client.force_login(gate_day.users[who])
    default = client.get(reverse(name))
    for bad in ("password", "-enterprise__name", "id;drop", "__class__", "-"):
        response = client.get(reverse(name), {"sort": bad})
        assert response.status_code == 200, bad
        assert response.context["table"].sort == default.context["table"].sort
        assert [getattr(r, "pk", r) for r in response.context["table"].page] == [
            getattr(r, "pk", r) for r in default.context["table"].page
        ]


def test_register_sorts_by_the_chosen_column(client, world):
    EnterpriseFactory(name="诸暨阿尔法电器有限公司", town=world.town_a, normal_headcount=5)
    EnterpriseFactory(name="诸暨祖尔精密有限公司", town=world.town_b, normal_headcount=900)
    client.force_login(world.users["task_force"])

    def order(sort):
        page = client.get(reverse("enterprises:list"), {"sort": sort}).context["table"].page
        return [e.normal_headcount for e in page]

    assert order("headcount") == sorted(order("headcount"))
    assert order("-headcount") == sorted(order("headcount"), reverse=True)
    names = [e.name for e in client.get(reverse("enterprises:list"), {"sort": "-name"}).context["page_obj"]]
    assert names == sorted(names, reverse=True)


def test_pages_are_numbered_with_the_total_and_keep_the_query(client, world):
    actor = world.users["town_a"]
    for i in range(120):
        record(actor, "regions.grid.create", world.town_a, after={"i": i})
    client.force_login(world.users["task_force"])
    params = {"action": "regions.grid.create", "sort": "at", "page": 2}
    response = client.get(reverse("audit:list"), params)
    html = response.content.decode()
    assert "共 120 条，第 2/3 页" in html
    pager = html.split('data-testid="table-pager"')[1].split("</nav>")[0]
    # Every page link keeps the filter and the sort; the current page is marked.
    links = re.findall(r'href="\?([^"]*)"', pager)
    assert {link.replace("&amp;", "&") for link in links} >= {
        f"action=regions.grid.create&sort=at&page={n}" for n in (1, 2, 3)
    }
    assert re.search(r'aria-current="page" href="\?[^"]*page=2"', pager)
    # The sort links drop the page and keep the filter; the filter form carries the sort.
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert 'href="?action=regions.grid.create&amp;sort=-at"' in head
    assert '<input type="hidden" name="sort" value="at">' in html
    # Ascending by time: the second page starts where the first ended.
    first = client.get(reverse("audit:list"), params | {"page": 1}).context["table"].page
    second = response.context["table"].page
    assert first[0].at <= first[len(first) - 1].at <= second[0].at
    # A page past the end is the last page, not an error.
    assert client.get(reverse("audit:list"), params | {"page": 99}).context["table"].page.number == 3


def test_sorted_table_unit():
    rows = [{"n": n} for n in range(7)]

    class Rows(list):
        def order_by(self, *fields):
            reverse = fields[0].startswith("-")
            return Rows(sorted(self, key=lambda r: r["n"], reverse=reverse))

    request = RequestFactory().get("/", {"sort": "-n", "page": "2", "q": "x"})
    table = sorted_table(
        request, Rows(rows), [Column("N", "n", ("n",)), Column("M")], default="n", page_size=3
    )
    assert [r["n"] for r in table.page] == [3, 2, 1]
    assert table.total == 7 and table.sort == "-n" and table.page_links == [1, 2, 3]
    assert (table.headers[0].aria_sort, table.headers[0].param) == ("descending", "n")
    assert not table.headers[1].sortable


def test_user_list_searches_username_name_and_scope(client, world):
    client.force_login(world.users["task_force"])

    def found(q):
        return {u.username for u in client.get(reverse("accounts:users"), {"q": q}).context["page"]}

    assert found("dept_h") == {"dept_health"}
    assert {"town_a", "grid_a"} <= found("暨阳街道")  # their region's name
    assert {"ent_a", "gate_a", "employee_a"} <= found("暨阳织造")  # their firm's name
    assert not found("府山") and not found("tf_yue")  # the other county's people stay out


def test_gate_records_city_wide_refusals_first(client, gate_day):
    w = gate_day
    client.force_login(w.users["task_force"])
    response = client.get(reverse("operations:records"))
    assert response.status_code == 200
    rows = list(response.context["table"].page)
    assert [r["r_allowed"] for r in rows] == [False, True, True, True]
    assert rows[0]["r_who"] == "发热员工" and rows[0]["r_reason"]
    assert {r["r_kind"] for r in rows} == {"employee", "visitor", "vehicle"}
    html = response.content.decode()
    assert "共 4 条，第 1/1 页" in html and "远方员工" not in html
    # A searchable firm picker, not a dropdown: a text field with suggestions of the firms in scope only.
    assert 'list="records-firms"' in html and '<select id="rec-firm"' not in html
    assert w.firm_a.name in html and w.firm_c.name not in html
    # Filters stay in the URL and combine with the sort.
    refused = client.get(reverse("operations:records"), {"result": "refused", "sort": "-who"})
    assert [r["r_who"] for r in refused.context["table"].page] == ["发热员工"]
    vehicles = client.get(reverse("operations:records"), {"kind": "vehicle", "firm": "暨阳"})
    assert [r["r_who"] for r in vehicles.context["table"].page] == ["浙D12345"]
    # A firm row opens that firm's day, as before.
    assert f"?enterprise={w.firm_a.pk}&date=" in html
    day = client.get(reverse("operations:records"), {"enterprise": w.firm_a.pk})
    assert "王访客" in day.content.decode()
    # Another day is empty.
    other = client.get(reverse("operations:records"), {"date": (timezone.localdate() - dt.timedelta(days=3))})
    assert other.context["table"].total == 0


@pytest.mark.parametrize("sort", ["firm", "-firm", "who", "result", "-temperature"])
def test_outsider_sees_nothing_foreign_in_a_sorted_or_searched_list(client, gate_day, sort):
    w = gate_day
    client.force_login(w.users["outsider"])  # a town of the other county: sees firm_c only
    records = client.get(reverse("operations:records"), {"sort": sort, "firm": "诸暨"})
    assert records.context["table"].total == 0
    html = client.get(reverse("operations:records"), {"sort": sort}).content.decode()
    assert "远方员工" in html
    for foreign in ("发热员工", "正常员工", "王访客", "浙D12345", w.firm_a.name, w.firm_b.name):
        assert foreign not in html, foreign
    alerts = client.get(reverse("monitoring:alerts"), {"sort": "enterprise", "q": "发热"})
    assert alerts.context["table"].total == 0
    alerts_html = client.get(reverse("monitoring:alerts"), {"sort": "-employee"}).content.decode()
    assert "发热员工" not in alerts_html
    assert w.firm_a.name not in alerts_html
    register = client.get(reverse("enterprises:list"), {"sort": "-name", "q": "诸暨"})
    assert register.context["table"].total == 0 and w.firm_a.name not in register.content.decode()
    client.force_login(w.users["task_force_outside"])
    users = client.get(reverse("accounts:users"), {"sort": "-scope", "q": "暨阳"})
    assert users.context["table"].total == 0 and "town_a" not in users.content.decode()


def test_alerts_search_sort_and_actions_return_to_the_same_list(client, gate_day):
    w = gate_day
    client.force_login(w.users["town_a"])
    response = client.get(reverse("monitoring:alerts"), {"q": "发热", "sort": "-raised_at"})
    alert = Alert.objects.get(employee__name="发热员工")
    assert [a.pk for a in response.context["table"].page] == [alert.pk]
    html = response.content.decode()
    assert 'name="next" value="/monitoring/alerts/?q=' in html
    back = "/monitoring/alerts/?q=%E5%8F%91%E7%83%AD&sort=-raised_at"
    done = client.post(reverse("monitoring:alert_acknowledge", args=[alert.pk]), {"next": back})
    assert done.status_code == 302 and done.url == back
    elsewhere = client.post(
        reverse("monitoring:alert_close", args=[alert.pk]),
        {"note": "已处置", "next": "https://evil.example/"},
    )
    assert elsewhere.url == reverse("monitoring:alerts")


def test_register_list_statement_count_is_pinned(client, world, django_assert_num_queries):
    for i in range(30):
        EnterpriseFactory(name=f"诸暨批量企业{i:02d}", town=world.town_a if i % 2 else world.town_b)
    assert Enterprise.objects.count() == 33
    client.force_login(world.users["task_force"])
    client.get(reverse("enterprises:list"))  # warm the session and caches
    # session, user, region, count, status counts, unread messages, three filter choices, the rows
    with django_assert_num_queries(10):
        response = client.get(reverse("enterprises:list"), {"sort": "-headcount", "page": 1})
    assert response.status_code == 200 and response.context["table"].total == 32
