import datetime as dt

import pytest
from django.urls import reverse

from fugong.arrangements import services
from fugong.arrangements.models import Assignment, AssignmentKind
from tests.arrangements.conftest import grid, room, route, sitting, staff, today

D = dt.timedelta


@pytest.fixture
def furnished(n4):
    firm = n4.firm_a
    ent = n4.users["ent_a"]
    people = staff(firm, 8)
    r7 = room(firm, "701", capacity=8, area="40")
    services.assign_many(ent, people[:7], AssignmentKind.DORM, r7, starts_on=today() - D(days=2))
    workshop = grid(firm, "一车间")
    team = grid(firm, "一班", level="team", parent=workshop)
    services.assign_many(ent, people[:5], AssignmentKind.GRID, team, starts_on=today())
    services.assign_many(ent, people[:3], AssignmentKind.CANTEEN, sitting(firm), starts_on=today())
    services.assign(ent, people[0], AssignmentKind.SHUTTLE, route(firm), starts_on=today(), seat="12")
    car = services.create_carpool(ent, firm, {"plate": "浙D12345", "seats": 5})
    services.assign(ent, people[1], AssignmentKind.CARPOOL, car, starts_on=today())
    n4.people, n4.room, n4.team, n4.car = people, r7, team, car
    return n4


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


@pytest.mark.parametrize("tab", ["dorm", "canteen", "commute", "grid", "ungrouped"])
def test_the_firm_sees_each_tab_with_the_flags_on_top(furnished, client, tab):
    w = furnished
    response = _get(client, w.users["ent_a"], reverse("arrangements:index"), tab=tab)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="flag-dorm_max_per_room"' in html and "不超过6人" in html
    assert "安排人员" in html
    if tab == "dorm":
        assert "7 / 8" in html and "5.71 ㎡" in html
    if tab == "grid":
        assert "一车间" in html and "一班" in html
    if tab == "ungrouped":
        assert "员工5" in html and "员工0" not in html
    if tab == "commute":
        assert "浙D12345" in html and "员工0（12）" in html
    assert "2026-" not in html.split("<main", 1)[-1].replace('value="', "").split('"')[0]


def _queries(client, url, **params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured.captured_queries)


TABS = ("dorm", "canteen", "commute", "grid", "ungrouped")


def test_the_firm_page_queries_are_pinned(furnished, client):
    """A fixed number of queries per tab, whatever the number of rooms, people, units and cars."""
    w = furnished
    ent = w.users["ent_a"]
    client.force_login(ent)
    client.get(reverse("arrangements:index"))  # the first request after login also touches the session
    before = {tab: _queries(client, reverse("arrangements:index"), tab=tab) for tab in TABS}
    assert max(before.values()) <= 30, before
    more = staff(w.firm_a, 12, prefix="乙")
    for i in range(3):
        services.assign_many(
            ent, more[i * 3 : i * 3 + 3], AssignmentKind.DORM, room(w.firm_a, f"8{i}"), starts_on=today()
        )
    sub = grid(w.firm_a, "二班", level="team", parent=w.team.parent)
    services.assign_many(ent, more[:6], AssignmentKind.GRID, sub, starts_on=today())
    services.assign_many(
        ent,
        more[6:9],
        AssignmentKind.CANTEEN,
        sitting(w.firm_a, "第二批", starts="12:00", ends="12:30"),
        starts_on=today(),
    )
    services.assign(
        ent,
        more[9],
        AssignmentKind.CARPOOL,
        services.create_carpool(ent, w.firm_a, {"plate": "浙D99999", "seats": 4}),
        starts_on=today(),
    )
    after = {tab: _queries(client, reverse("arrangements:index"), tab=tab) for tab in TABS}
    assert after == before


def test_the_officers_list_is_set_based(furnished, client):
    w = furnished
    client.force_login(w.users["task_force"])
    client.get(reverse("arrangements:index"))
    before = _queries(client, reverse("arrangements:index"))
    assert before <= 30
    people = staff(w.firm_b, 7, prefix="丙")
    from tests.arrangements.conftest import place

    place(people, room(w.firm_b, "901", area="12"), starts_on=today())
    assert _queries(client, reverse("arrangements:index")) == before


def test_officers_list_firms_by_flag_count_and_open_a_read_only_view(furnished, client):
    w = furnished
    response = _get(client, w.users["town_a"], reverse("arrangements:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert w.firm_a.name in html and w.firm_b.name not in html
    response = _get(client, w.users["task_force"], reverse("arrangements:index"), sort="-flags")
    rows = list(response.context["table"].page)
    assert rows[0].pk == w.firm_a.pk and rows[0].n_flags == 1
    view = _get(client, w.users["town_a"], reverse("arrangements:firm", args=[w.firm_a.pk]))
    assert view.status_code == 200 and "不超过6人" in view.content.decode()
    assert "安排人员" not in view.content.decode()
    assert (
        _get(client, w.users["town_b"], reverse("arrangements:firm", args=[w.firm_a.pk])).status_code == 404
    )


def test_who_was_in_a_room_on_a_past_day(furnished, client):
    w = furnished
    ent = w.users["ent_a"]
    other = room(w.firm_a, "702")
    services.assign(ent, w.people[0], AssignmentKind.DORM, other, starts_on=today())
    url = reverse("arrangements:on_day", args=["dorm", w.room.pk])
    past = _get(client, ent, url, date=(today() - D(days=1)).isoformat())
    assert [p.pk for p in past.context["people"]] == sorted(
        [p.pk for p in w.people[:7]], key=lambda pk: next(x.name for x in w.people if x.pk == pk)
    )
    now = _get(client, ent, url)
    assert w.people[0] not in now.context["people"] and len(now.context["people"]) == 6
    assert "至今" in now.content.decode()
    assert _get(client, w.users["ent_c"], url).status_code == 404
    assert _get(client, w.users["outsider"], url).status_code in (403, 404)


def test_the_assign_form_shows_every_error_and_a_refused_car(n1, client):
    firm = n1.firm_a
    ent = n1.users["ent_a"]
    client.force_login(ent)
    response = client.post(reverse("arrangements:assign"), {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"employee", "target", "starts_on"}
    driver, a, b, c = staff(firm, 4)
    car = services.create_carpool(ent, firm, {"plate": "浙D54321", "seats": 5, "driver": driver.pk})
    services.assign_many(ent, [a, b], AssignmentKind.CARPOOL, car, starts_on=today())
    response = client.post(
        reverse("arrangements:assign"),
        {"employee": c.pk, "target": f"carpool:{car.pk}", "starts_on": today().isoformat(), "seat": ""},
    )
    assert response.status_code == 400
    assert "不超过3人（包括驾驶员）" in response.content.decode()
    assert not Assignment.objects.filter(employee=c).exists()


def test_assigning_and_ending_through_the_pages(n4, client):
    firm = n4.firm_a
    ent = n4.users["ent_a"]
    client.force_login(ent)
    people = staff(firm, 7)
    r = room(firm, capacity=8, area="40")
    services.assign_many(ent, people[:6], AssignmentKind.DORM, r, starts_on=today())
    response = client.post(
        reverse("arrangements:assign"),
        {"employee": people[6].pk, "target": f"dorm:{r.pk}", "starts_on": today().isoformat(), "seat": "7"},
        follow=True,
    )
    html = response.content.decode()
    assert "已安排员工6" in html and "msg-warning" in html and "不超过6人" in html
    a = Assignment.objects.get(employee=people[6])
    response = client.post(reverse("arrangements:end", args=[a.pk]), {"ends_on": today().isoformat()})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.ends_on == today()


def test_others_cannot_assign_or_end(furnished, client):
    w = furnished
    a = Assignment.objects.filter(enterprise=w.firm_a).first()
    for who in ("town_a", "ent_c", "outsider", "employee_a"):
        client.force_login(w.users[who])
        if who != "ent_c":  # another firm's officer has its own form, not this firm's rows
            assert client.get(reverse("arrangements:assign")).status_code == 403
        assert client.post(reverse("arrangements:end", args=[a.pk])).status_code == (
            404 if who == "ent_c" else 403
        )
    a.refresh_from_db()
    assert a.ends_on is None
    client.force_login(w.users["outsider"])
    assert client.get(reverse("arrangements:index")).status_code in (200, 403)
    if client.get(reverse("arrangements:index")).status_code == 200:
        assert w.firm_a.name not in client.get(reverse("arrangements:index")).content.decode()
    client.force_login(w.users["employee_a"])
    assert client.get(reverse("arrangements:index")).status_code == 403


def test_carpool_pages(n1, client):
    client.force_login(n1.users["ent_a"])
    response = client.post(reverse("arrangements:carpool_new"), {"plate": "坏", "seats": "0"})
    assert response.status_code == 400 and {"plate", "seats"} <= set(response.context["form"].errors)
    response = client.post(reverse("arrangements:carpool_new"), {"plate": "浙d11111", "seats": "5"})
    assert response.status_code == 302
    from fugong.arrangements.models import Carpool

    car = Carpool.objects.get(enterprise=n1.firm_a)
    assert car.plate == "浙D11111"
    assert client.get(reverse("arrangements:carpool_edit", args=[car.pk])).status_code == 200
    client.force_login(n1.users["ent_c"])
    assert client.get(reverse("arrangements:carpool_edit", args=[car.pk])).status_code == 404
