"""The 返岗报备 lists on the shared table pattern: the town's pre-reports of a day, 卡口抵达 and 待跟进, and
the firm's own pre-reports sort by their columns, fall back on an unknown sort, number their pages with
the total, keep the date, search and filters in the page links, and show nothing of another town."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.workforce.models import CheckpointArrival, Employee, EmployeeStatus, FollowUp, PreReport
from fugong.workforce.returns import views as returns_views
from tests.tables_support import header_sorts, page_links, total_line
from tests.workforce.returns_support import make_employee

pytestmark = pytest.mark.django_db

RETURNS = reverse("workforce:returns")
ARRIVALS = reverse("workforce:arrivals")
PENDING = reverse("workforce:pending")
PREREPORT = reverse("workforce:prereport")


def rows_of(response):
    assert response.status_code == 200, response.status_code
    return list(response.context["table"].page)


@pytest.fixture
def day():
    return timezone.localdate() + dt.timedelta(days=2)


@pytest.fixture
def reports(world, day):
    """Four pre-reports to 暨阳 for ``day`` (firm_a), one to 店口 (firm_b); 王五 has come through a checkpoint."""
    now = timezone.now()
    people = {name: make_employee(world.firm_a, name) for name in ("赵一", "钱二", "孙三", "王五")}
    # 赵一 and 孙三 reported as expected back; the others still as registered.
    Employee.objects.filter(name__in=["赵一", "孙三"]).update(status=EmployeeStatus.EXPECTED)
    rows = {}
    for i, (name, person) in enumerate(people.items()):
        rows[name] = PreReport.objects.create(
            employee=person,
            town=world.town_a,
            expected_arrival=day,
            reported_at=now - dt.timedelta(days=i),
            reported_by=world.users["ent_a"],
            lead_days=2 + i,
            on_time=i != 1,  # 钱二 reported late
        )
    CheckpointArrival.objects.create(
        town=world.town_a,
        checkpoint="诸暨高速出口",
        arrived_at=now,
        name="王五",
        id_number_encrypted="x",
        id_number_index="wang5",
        id_number_masked="3306**********0011",
        employee=people["王五"],
        enterprise=world.firm_a,
        follow_up=FollowUp.MATCHED,
    )
    other = make_employee(world.firm_b, "店口人")
    PreReport.objects.create(
        employee=other, town=world.town_b, expected_arrival=day, reported_at=now, lead_days=3, on_time=True
    )
    return rows


def test_town_pre_reports_sort_fall_back_page_and_keep_the_filters(client, world, day, reports, monkeypatch):
    client.force_login(world.users["town_a"])
    url = lambda **p: client.get(RETURNS, {"date": day.isoformat(), **p})  # noqa: E731
    plain = url()
    assert set(header_sorts(plain.content.decode())) == {
        "firm",
        "name",
        "reported",
        "lead",
        "on_time",
        "arrived",
    }
    default = [r.employee.name for r in rows_of(plain)]
    assert default == sorted(default)  # one firm: by name
    assert [r.employee.name for r in rows_of(url(sort="-name"))] == sorted(default, reverse=True)
    assert [r.lead_days for r in rows_of(url(sort="-lead"))] == [5, 4, 3, 2]
    # On time first, then the late one; arrived first, those not yet arrived after.
    assert [r.employee.name for r in rows_of(url(sort="on_time"))][-1] == "钱二"
    assert [r.employee.name for r in rows_of(url(sort="arrived"))][0] == "王五"
    assert [r.employee.name for r in rows_of(url(sort="-arrived"))][-1] == "王五"
    for bad in ("employee__name", "-id", "arrived_key", "expected"):
        response = url(sort=bad)
        assert response.context["table"].sort == "firm", bad
        assert [r.employee.name for r in rows_of(response)] == default, bad

    monkeypatch.setattr(returns_views, "PAGE_SIZE", 2)
    params = {"date": day.isoformat(), "firm": str(world.firm_a.pk), "timeliness": "on_time", "sort": "name"}
    response = client.get(RETURNS, params | {"page": 2})
    html = response.content.decode()
    assert total_line(html) == "共 3 条，第 2/2 页"
    assert page_links(html)["1"] == params | {"page": "1"}
    assert [r.employee.name for r in rows_of(response)] == ["赵一"]
    assert '<input type="hidden" name="sort" value="name">' in html


def test_town_pre_reports_stay_in_the_town(client, world, day, reports):
    for who in ("town_b", "outsider"):
        client.force_login(world.users[who])
        for sort in ("firm", "-name", "arrived", "-reported"):
            response = client.get(RETURNS, {"date": day.isoformat(), "sort": sort})
            names = {r.employee.name for r in rows_of(response)}
            assert names == ({"店口人"} if who == "town_b" else set()), (who, sort)
            assert "赵一" not in response.content.decode()
        searched = client.get(RETURNS, {"date": day.isoformat(), "q": "赵"})
        assert searched.context["table"].total == 0


@pytest.fixture
def arrivals(world):
    """Five arrivals today at 暨阳 (three pending), one pending at 府山 (another county)."""
    now = timezone.now().replace(microsecond=0)

    def arrival(name, town, minutes, follow_up, checkpoint="诸暨高速出口", **extra):
        return CheckpointArrival.objects.create(
            town=town,
            checkpoint=checkpoint,
            arrived_at=now - dt.timedelta(minutes=minutes),
            name=name,
            id_number_encrypted="x",
            id_number_index=f"idx-{name}",
            id_number_masked="3306**********0000",
            follow_up=follow_up,
            **extra,
        )

    return [
        arrival("甲", world.town_a, 50, FollowUp.PENDING, stated_employer="某工地"),
        arrival("乙", world.town_a, 40, FollowUp.MATCHED, enterprise=world.firm_a),
        arrival(
            "丙", world.town_a, 30, FollowUp.PENDING, checkpoint="诸暨火车站", stated_employer="大唐袜厂"
        ),
        arrival("丁", world.town_a, 20, FollowUp.RESOLVED, follow_up_note="已劝返"),
        arrival("戊", world.town_a, 10, FollowUp.PENDING, checkpoint="诸暨火车站"),
        arrival("远方", world.other_town, 5, FollowUp.PENDING),
    ]


def test_arrivals_and_pending_sort_fall_back_page_and_keep_the_filters(client, world, arrivals, monkeypatch):
    client.force_login(world.users["town_a"])
    plain = client.get(ARRIVALS)
    html = plain.content.decode()
    assert set(header_sorts(html)) == {"arrived", "checkpoint", "name", "from", "firm", "follow_up"}
    assert [a.name for a in rows_of(plain)] == ["戊", "丁", "丙", "乙", "甲"]  # newest first
    # 跟进状态 in its declared order (已匹配, 待跟进, 已处置), not by code.
    assert [a.follow_up for a in rows_of(client.get(ARRIVALS, {"sort": "follow_up"}))] == [
        "matched",
        "pending",
        "pending",
        "pending",
        "resolved",
    ]
    # 企业 as the row shows it: the matched firm or the employer the person stated.
    by_firm = [a.name for a in rows_of(client.get(ARRIVALS, {"sort": "firm"}))]
    assert by_firm.index("丙") < by_firm.index("甲")  # 大唐袜厂 before 某工地
    assert client.get(ARRIVALS, {"sort": "id_number_masked"}).context["table"].sort == "-arrived"
    # Every pending arrival, oldest first; an action on each row.
    pending = client.get(PENDING)
    assert [a.name for a in rows_of(pending)] == ["甲", "丙", "戊"]
    assert pending.content.decode().count('data-testid="follow-up-link"') == 3
    assert [a.name for a in rows_of(client.get(PENDING, {"sort": "-name"}))] != ["甲", "丙", "戊"]
    assert [a.name for a in rows_of(client.get(PENDING, {"sort": "bogus"}))] == ["甲", "丙", "戊"]

    monkeypatch.setattr(returns_views, "PAGE_SIZE", 1)
    params = {"q": "火车站", "sort": "arrived"}
    response = client.get(PENDING, params | {"page": 2})
    page = response.content.decode()
    assert total_line(page) == "共 2 条，第 2/2 页"
    assert page_links(page)["1"] == params | {"page": "1"}
    assert [a.name for a in rows_of(response)] == ["戊"]
    day = timezone.localdate().isoformat()
    on_day = client.get(ARRIVALS, {"date": day, "follow_up": "pending", "sort": "name", "page": 1})
    assert page_links(on_day.content.decode())["2"] == {
        "date": day,
        "follow_up": "pending",
        "sort": "name",
        "page": "2",
    }


def test_arrivals_and_pending_stay_in_the_town(client, world, arrivals):
    client.force_login(world.users["town_b"])
    for sort in ("name", "-firm", "follow_up"):
        assert rows_of(client.get(ARRIVALS, {"sort": sort})) == []
        assert rows_of(client.get(PENDING, {"sort": sort})) == []
    client.force_login(world.users["outsider"])
    assert [a.name for a in rows_of(client.get(PENDING, {"sort": "-name"}))] == ["远方"]
    assert "甲" not in client.get(PENDING, {"q": "工地"}).content.decode()


def test_firm_pre_reports_sort_page_and_stay_in_the_firm(client, world, reports, monkeypatch):
    client.force_login(world.users["ent_a"])
    plain = client.get(PREREPORT)
    assert set(header_sorts(plain.content.decode())) == {
        "name",
        "expected",
        "reported",
        "on_time",
        "arrived",
        "status",
    }
    default = [r.employee.name for r in rows_of(plain)]
    assert default == sorted(default) and "店口人" not in default  # one date: by name
    assert [r.employee.name for r in rows_of(client.get(PREREPORT, {"sort": "reported"}))] == [
        "王五",
        "孙三",
        "钱二",
        "赵一",
    ]
    assert [r.employee.name for r in rows_of(client.get(PREREPORT, {"sort": "town"}))] == default
    # 当前状态 in the order of the person's course (已登记 before 预计返岗), not by code.
    by_status = [r.employee.name for r in rows_of(client.get(PREREPORT, {"sort": "-status"}))]
    assert by_status == ["孙三", "赵一", "王五", "钱二"]

    monkeypatch.setattr(returns_views, "PAGE_SIZE", 3)
    params = {"date": reports["赵一"].expected_arrival.isoformat(), "q": "赵", "sort": "-name"}
    response = client.get(PREREPORT, params | {"page": 2})
    html = response.content.decode()
    assert total_line(html) == "共 4 条，第 2/2 页"
    assert page_links(html)["1"] == params | {"page": "1"}
    assert [r.employee.name for r in rows_of(response)] == ["孙三"]

    client.force_login(world.users["ent_c"])
    assert rows_of(client.get(PREREPORT, {"sort": "-name"})) == []


def test_returns_lists_statement_counts_are_pinned(
    client, world, day, reports, arrivals, django_assert_num_queries
):
    client.force_login(world.users["town_a"])
    client.get(RETURNS)
    # session, user, region, count, the policy (its notice), the day's figures (4), firm counts (2), not
    # arrived, the menu's unread messages, the firms that reported, the page (employee, firm, town and
    # reporter joined; arrival and later report as subqueries)
    with django_assert_num_queries(15):
        response = client.get(RETURNS, {"date": day.isoformat(), "sort": "-arrived"})
    assert response.context["table"].total == 4
    client.get(PENDING)
    # session, user, region, count, the policy, the figures (4), the menu's unread messages, the page
    with django_assert_num_queries(11):
        response = client.get(PENDING, {"sort": "firm"})
    assert response.context["table"].total == 3
    client.get(ARRIVALS)
    # as 待跟进
    with django_assert_num_queries(11):
        response = client.get(ARRIVALS, {"sort": "follow_up"})
    assert response.context["table"].total == 6  # with 王五's, matched to the pre-report
    client.force_login(world.users["ent_a"])
    client.get(PREREPORT)
    # session, user, firm, town, policy (lead time), people to pick (count and list), count, the menu's
    # unread messages, the page
    with django_assert_num_queries(10):
        response = client.get(PREREPORT, {"sort": "-arrived"})
    assert response.context["table"].total == 4
