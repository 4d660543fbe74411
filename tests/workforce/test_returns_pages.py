"""The town's 返岗报备 pages, the checkpoint page and the firm's pre-report page."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.workforce.models import CheckpointArrival, FollowUp, PreReport
from fugong.workforce.returns.services import pre_report
from tests.workforce.returns_support import id_number, make_employee, use_n0

pytestmark = pytest.mark.django_db


@pytest.fixture
def n0(world):
    return use_n0(world)


def login(client, world, key):
    client.force_login(world.users[key])
    return client


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def table(page, testid):
    """The one table of a page marked with ``data-testid``."""
    match = re.search(rf'<table[^>]*\bdata-testid="{testid}"[^>]*>(.*?)</table>', page, re.S)
    assert match, testid
    return match.group(1)


def checkpoint_post(client, **overrides):
    page = client.get(reverse("workforce:checkpoint"))
    key = re.search(r'name="client_key" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "checkpoint": "诸暨高速出口",
        "name": "张三",
        "id_number": id_number(),
        "phone": "13900139000",
        "client_key": key,
    }
    data.update(overrides)
    return client.post(reverse("workforce:checkpoint"), data), data


def test_town_page_lists_its_own_pre_reports_with_masked_ids(client, world, n0):
    day = timezone.localdate() + dt.timedelta(days=1)
    number = id_number()
    person = make_employee(world.firm_a, "李四", number)
    pre_report(world.users["ent_a"], [person], day)
    page = html(login(client, world, "town_a").get(reverse("workforce:returns"), {"date": day.isoformat()}))
    assert "李四" in page and person.id_number_masked in page and number not in page
    assert "迟报" in page  # one day ahead under N0's two
    assert world.firm_a.name in page
    late_only = html(
        client.get(reverse("workforce:returns"), {"date": day.isoformat(), "timeliness": "on_time"})
    )
    assert "李四" not in table(late_only, "pre-reports")
    assert "李四" in table(late_only, "not-arrived")

    for who in ("town_b", "outsider"):
        other = html(login(client, world, who).get(reverse("workforce:returns"), {"date": day.isoformat()}))
        assert "李四" not in other and world.firm_a.name not in other


def test_arrivals_and_pending_pages_stay_in_the_town(client, world):
    number = id_number()
    login(client, world, "town_a")
    response, _ = checkpoint_post(client, name="陌生人", id_number=number, stated_employer="某工地")
    assert response.status_code == 302
    arrival = CheckpointArrival.objects.get()
    for name in ("workforce:arrivals", "workforce:pending"):
        page = html(client.get(reverse(name)))
        assert "陌生人" in page and arrival.id_number_masked in page and number not in page
    detail = html(client.get(reverse("workforce:arrival", args=[arrival.pk])))
    assert arrival.id_number_masked in detail and number not in detail

    for who in ("town_b", "outsider"):
        login(client, world, who)
        assert "陌生人" not in html(client.get(reverse("workforce:pending")))
        assert "陌生人" not in html(client.get(reverse("workforce:arrivals")))
        assert client.get(reverse("workforce:arrival", args=[arrival.pk])).status_code == 404
        response = client.post(reverse("workforce:arrival_resolve", args=[arrival.pk]), {"note": "x"})
        assert response.status_code == 404
    assert CheckpointArrival.objects.get().follow_up == FollowUp.PENDING


def test_town_resolves_and_matches_from_the_pages(client, world):
    person = make_employee(world.firm_a, "冯二")
    login(client, world, "town_a")
    checkpoint_post(client, name="冯二")
    checkpoint_post(client, name="陌生人")
    by_name = {a.name: a for a in CheckpointArrival.objects.all()}

    detail = html(client.get(reverse("workforce:arrival", args=[by_name["冯二"].pk])))
    assert "同名员工" in detail and person.id_number_masked in detail
    response = client.post(
        reverse("workforce:arrival_match", args=[by_name["冯二"].pk]), {"employee": person.pk}
    )
    assert response.status_code == 302
    assert CheckpointArrival.objects.get(pk=by_name["冯二"].pk).employee == person

    empty = client.post(reverse("workforce:arrival_resolve", args=[by_name["陌生人"].pk]), {"note": ""})
    assert empty.status_code == 400 and "处置说明" in empty.content.decode()
    done = client.post(reverse("workforce:arrival_resolve", args=[by_name["陌生人"].pk]), {"note": "已劝返"})
    assert done.status_code == 302
    assert CheckpointArrival.objects.get(pk=by_name["陌生人"].pk).follow_up == FollowUp.RESOLVED
    assert "没有待跟进的抵达人员" in html(client.get(reverse("workforce:pending")))


def test_checkpoint_page_records_once_per_submission(client, world):
    number = id_number()
    person = make_employee(world.firm_a, "孙八", number)
    login(client, world, "grid_a")
    page = html(client.get(reverse("workforce:checkpoint")))
    assert 'inputmode="numeric"' in page and 'inputmode="tel"' in page
    response, data = checkpoint_post(client, name="孙八", id_number=number)
    assert response.status_code == 302
    # The phone resends the same form after a dropped connection.
    again = client.post(reverse("workforce:checkpoint"), data)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert CheckpointArrival.objects.count() == 1
    result = html(client.get(response["Location"]))
    assert world.firm_a.name in result and person.id_number_masked in result and number not in result
    # The checkpoint's name is remembered for the next person.
    assert 'value="诸暨高速出口"' in html(client.get(reverse("workforce:checkpoint")))


def test_checkpoint_page_shows_errors_on_the_fields(client, world):
    login(client, world, "town_a")
    response, _ = checkpoint_post(client, id_number="330681199001011234", phone="123")
    assert response.status_code == 400
    body = response.content.decode()
    assert "校验位" in body and "电话" in body
    assert not CheckpointArrival.objects.exists()


def test_checkpoint_page_is_for_checkpoint_roles(client, world):
    for who in ("ent_a", "gate_a", "employee_a", "inspector", "dept_health"):
        assert login(client, world, who).get(reverse("workforce:checkpoint")).status_code == 403, who
    for who in ("town_a", "grid_a", "task_force"):
        assert login(client, world, who).get(reverse("workforce:checkpoint")).status_code == 200, who


def test_firm_pre_reports_from_its_page_and_sees_arrivals(client, world, n0):
    on_time = make_employee(
        world.firm_a, "按时", expected_return_date=timezone.localdate() + dt.timedelta(days=3)
    )
    number = id_number()
    late = make_employee(world.firm_a, "晚报", number)
    make_employee(world.firm_b, "别家")
    login(client, world, "ent_a")
    page = html(client.get(reverse("workforce:prereport")))
    assert "按时" in page and "晚报" in page and "别家" not in page
    assert "至少提前 2 天" in page
    assert number not in page and late.id_number_masked in page

    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("workforce:prereport"), {"expected_arrival": day, "employees": [on_time.pk]}
    )
    assert response.status_code == 302
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("workforce:prereport"), {"expected_arrival": tomorrow, "employees": [late.pk]}, follow=True
    )
    assert "迟报" in response.content.decode()
    assert PreReport.objects.get(employee=late).on_time is False

    login(client, world, "town_a")
    checkpoint_post(client, name="晚报", id_number=number)
    login(client, world, "ent_a")
    mine = html(client.get(reverse("workforce:prereport")))
    assert mine.count('class="flag flag-matched"') == 1  # 晚报 arrived, 按时 not yet
    assert "未抵达" in mine


def test_pre_report_page_reports_problems_on_the_form(client, world, n0):
    person = make_employee(world.firm_a)
    login(client, world, "ent_a")
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("workforce:prereport"), {"expected_arrival": past, "employees": [person.pk]}
    )
    assert response.status_code == 400 and "早于今天" in response.content.decode()
    foreign = make_employee(world.firm_b)
    response = client.post(
        reverse("workforce:prereport"), {"expected_arrival": past, "employees": [foreign.pk]}
    )
    assert response.status_code == 400
    assert not PreReport.objects.exists()


def test_who_reaches_which_page(client, world):
    login(client, world, "ent_a")
    assert client.get(reverse("workforce:returns"))["Location"] == reverse("workforce:prereport")
    for who in ("gate_a", "employee_a", "grid_a"):
        assert login(client, world, who).get(reverse("workforce:returns")).status_code == 403, who
    assert login(client, world, "town_a").get(reverse("workforce:prereport")).status_code == 403


def test_menu_entries(client, world):
    town = html(login(client, world, "town_a").get(reverse("home")))
    assert reverse("workforce:returns") in town and reverse("workforce:checkpoint") in town
    firm = html(login(client, world, "ent_a").get(reverse("home")))
    assert reverse("workforce:prereport") in firm and reverse("workforce:checkpoint") not in firm


def test_the_returns_page_shows_the_notice_of_the_users_policy_with_its_citation(client, world, n0):
    from fugong.policy.selectors import policy_for

    policy = policy_for(world.town_a, timezone.localdate())
    text = policy.parameters.page_notice("returns")
    assert text
    page = html(login(client, world, "town_a").get(reverse("workforce:returns")))
    assert f'<p data-testid="page-notice">{policy.cite("page_notices")}：{text}</p>' in page
    # As a word: a random CSRF token in the page may hold the letters "N0".
    assert not re.search(r"(?<![A-Za-z0-9])N0(?![A-Za-z0-9])", page)


def test_the_returns_page_shows_no_notice_where_the_policy_sets_none(client, world):
    from fugong.policy.services import apply_preset

    apply_preset(world.county, "N4", effective_from=dt.date(2020, 1, 1))
    page = html(login(client, world, "town_a").get(reverse("workforce:returns")))
    assert 'data-testid="page-notice"' not in page
