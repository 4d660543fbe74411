"""核酸抗原检测's results on the shared table pattern: sorted by the chosen column (type and result in their
declared order, not by code), an unknown sort falls back, numbered pages with the total, the search and
filters (and the chosen firm) kept in the page links, nothing of a firm outside the user's scope."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.monitoring import models
from fugong.monitoring.models import TestResult as Result
from fugong.monitoring.testing import views as test_views
from tests.tables_support import header_sorts, page_links, total_line
from tests.workforce.conftest import make_employee, use_preset

pytestmark = pytest.mark.django_db

URL = "/monitoring/tests/"


def rows_of(response):
    assert response.status_code == 200, response.status_code
    return list(response.context["table"].page)


@pytest.fixture
def results(world):
    """Five results on firm_a (two people), two on firm_b, one on firm_c (another county)."""
    use_preset(world, "N1")
    base = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    people = {
        "李一": make_employee(world.firm_a, name="李一"),
        "周二": make_employee(world.firm_a, name="周二"),
        "店口甲": make_employee(world.firm_b, name="店口甲"),
        "府山乙": make_employee(world.firm_c, name="府山乙"),
    }
    made = []
    for hours, name, kind, outcome, lab in (
        (1, "李一", models.TestKind.ANTIGEN, models.TestOutcome.NEGATIVE, ""),
        (2, "周二", models.TestKind.NUCLEIC, models.TestOutcome.POSITIVE, "诸暨市人民医院"),
        (3, "李一", models.TestKind.NUCLEIC, models.TestOutcome.NEGATIVE, "诸暨市中医院"),
        (4, "周二", models.TestKind.ANTIGEN, models.TestOutcome.NEGATIVE, ""),
        (5, "李一", models.TestKind.NUCLEIC, models.TestOutcome.NEGATIVE, "诸暨市人民医院"),
        (6, "店口甲", models.TestKind.NUCLEIC, models.TestOutcome.NEGATIVE, "店口卫生院"),
        (7, "店口甲", models.TestKind.ANTIGEN, models.TestOutcome.POSITIVE, ""),
        (8, "府山乙", models.TestKind.NUCLEIC, models.TestOutcome.POSITIVE, "越城医院"),
    ):
        person = people[name]
        sampled = base - dt.timedelta(hours=hours)
        made.append(
            Result.objects.create(
                employee=person,
                enterprise=person.enterprise,
                kind=kind,
                sampled_at=sampled,
                sample_day=timezone.localtime(sampled).date(),
                result=outcome,
                lab=lab,
                source=models.TestSource.ENTERPRISE,
            )
        )
    return made


def test_results_sort_by_the_chosen_column_and_fall_back(client, world, results):
    client.force_login(world.users["ent_a"])
    plain = client.get(URL)
    # The firm's own list has no firm column.
    assert set(header_sorts(plain.content.decode())) == {"sampled", "name", "kind", "result", "lab"}
    default = rows_of(plain)
    assert [r.pk for r in default] == [r.pk for r in results[:5]]  # newest sample first
    assert [r.pk for r in rows_of(client.get(URL, {"sort": "sampled"}))] == [r.pk for r in results[4::-1]]
    # 核酸 before 抗原 and 阴性 before 阳性, as declared: not alphabetically by code.
    kinds = [r.kind for r in rows_of(client.get(URL, {"sort": "kind"}))]
    assert kinds == ["nucleic"] * 3 + ["antigen"] * 2
    assert rows_of(client.get(URL, {"sort": "-result"}))[0].result == "positive"
    assert rows_of(client.get(URL, {"sort": "result"}))[-1].result == "positive"
    names = [r.employee.name for r in rows_of(client.get(URL, {"sort": "-name"}))]
    assert names == sorted(names, reverse=True) and names != [r.employee.name for r in default]
    for bad in ("firm", "employee__name", "kind_rank", "-sample_day"):
        response = client.get(URL, {"sort": bad})
        assert response.context["table"].sort == "-sampled", bad
        assert [r.pk for r in rows_of(response)] == [r.pk for r in default], bad


def test_results_pages_are_numbered_and_keep_the_filters(client, world, results, monkeypatch):
    monkeypatch.setattr(test_views, "PAGE_SIZE", 2)
    client.force_login(world.users["task_force"])
    everything = client.get(URL)
    assert "firm" in header_sorts(everything.content.decode())  # several firms: a firm column
    assert total_line(everything.content.decode()) == "共 7 条，第 1/4 页"
    params = {"enterprise": str(world.firm_a.pk), "kind": "nucleic", "q": "李", "sort": "lab"}
    response = client.get(URL, params | {"page": 1})
    html = response.content.decode()
    assert total_line(html) == "共 2 条，第 1/1 页"
    params = {"enterprise": str(world.firm_a.pk), "result": "negative", "sort": "-name"}
    response = client.get(URL, params | {"page": 2})
    html = response.content.decode()
    assert total_line(html) == "共 4 条，第 2/2 页"
    assert page_links(html)["1"] == params | {"page": "1"}
    assert all(r.result == "negative" and r.enterprise_id == world.firm_a.pk for r in rows_of(response))
    # The search form keeps the chosen firm and the sort.
    form = html.split('data-testid="result-search"')[1].split("</form>")[0]
    assert f'name="enterprise" value="{world.firm_a.pk}"' in form and 'name="sort" value="-name"' in form


def test_results_stay_in_scope(client, world, results):
    for who, visible in (("town_b", {"店口甲"}), ("outsider", {"府山乙"}), ("ent_c", {"府山乙"})):
        client.force_login(world.users[who])
        for sort in ("-sampled", "name", "-result"):
            response = client.get(URL, {"sort": sort})
            assert {r.employee.name for r in rows_of(response)} == visible, (who, sort)
            assert "李一" not in response.content.decode()
        assert client.get(URL, {"q": "李"}).context["table"].total == 0
    client.force_login(world.users["town_b"])
    assert client.get(URL, {"enterprise": world.firm_a.pk}).status_code == 404


def test_results_statement_count_is_pinned(client, world, results, django_assert_num_queries):
    client.force_login(world.users["ent_a"])
    client.get(URL)
    # session, user, the firm, and what the page computes besides the list (today's due list, the
    # policy's cadence, the people to pick: 11), the menu's unread messages; the list: count and page
    with django_assert_num_queries(16):
        response = client.get(URL, {"sort": "-result", "kind": "nucleic"})
    assert response.context["table"].total == 3
    client.force_login(world.users["task_force"])
    client.get(URL)
    # session, user, region, the per-firm overview (8), the menu's unread messages; count and page
    with django_assert_num_queries(14):
        response = client.get(URL, {"sort": "firm", "q": "店口"})
    assert response.context["table"].total == 2
