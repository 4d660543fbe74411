"""DONE-WHEN: given generated assignments, the contact search returns exactly the people who shared a
dorm room, shuttle, car, sitting, grid unit or gate window with the index person inside the window —
each with its reason — and nobody outside it."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.incidents.contacts.search import WEIGHTS, find_contacts
from tests.incidents.furnish_contacts import at, scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(world, pinned_clock):
    return scene(world.firm_a)


def _by_name(results):
    return {
        r["name"] or r["declared"]: [(x["kind"], x["text"], x["count"]) for x in r["reasons"]]
        for r in results
    }


def test_the_search_returns_exactly_the_expected_set_with_reasons(data):
    results = find_contacts(
        [data.index], since=at(1, 9) - dt.timedelta(days=2), until=timezone.now(), gate_window_minutes=5
    )
    assert _by_name(results) == {
        "同屋甲": [("dorm", "同宿舍 2 晚", 2), ("gate", "同时段进厂 1 次", 1)],
        "班车乙": [("shuttle", "同乘班车 4 天", 4)],
        "同餐丙": [("canteen", "同批次就餐 1 天", 1)],
        "车间丁": [("grid", "同网格 4 天", 4)],
        "拼车己": [("carpool", "同车 3 天", 3)],
        "门岗庚": [("gate", "同时段进厂 1 次", 1)],
        "王申报": [("declared", "本人申报的接触者 1 次", 1)],
        "来访客": [("gate", "同时段进厂 1 次", 1)],
        "与快递员当面交接": [("declared", "本人申报，未匹配到本企业员工", 1)],
    }
    # Nobody outside the window, another room, another gate, a post below the unit, or the index person.
    names = {r["name"] for r in results}
    assert not names & {"主病例", "旧室友", "隔壁住", "岗位戊", "门岗迟", "别门辛", "早进壬", "旧餐癸"}


def test_ranked_by_score_with_masked_ids(data):
    results = find_contacts([data.index], since=at(3, 9), until=timezone.now(), gate_window_minutes=5)
    matched = [r for r in results if not r["declared"]]
    scores = [r["score"] for r in matched]
    assert scores == sorted(scores, reverse=True)
    assert [(r["name"], r["score"]) for r in matched[:2]] == [
        ("拼车己", 3 * WEIGHTS["carpool"]),
        ("同屋甲", 2 * WEIGHTS["dorm"] + WEIGHTS["gate"]),
    ]
    assert results[-1]["declared"] == "与快递员当面交接"  # unmatched declarations come last
    for r in matched:
        assert "*" in r["masked_id"] and len(r["masked_id"]) == 18
    guest = next(r for r in results if r["visitor"] is not None)
    assert guest["visitor"] == data.visitor and guest["masked_id"] == data.visitor.id_number_masked


def test_without_a_gate_window_gate_entries_are_no_reason(data):
    results = find_contacts([data.index], since=at(3, 9), until=timezone.now(), gate_window_minutes=None)
    by_name = _by_name(results)
    assert "门岗庚" not in by_name and "来访客" not in by_name
    assert by_name["同屋甲"] == [("dorm", "同宿舍 2 晚", 2)]


def test_a_shorter_window_drops_what_lies_before_it(data):
    results = find_contacts([data.index], since=at(1, 0), until=timezone.now(), gate_window_minutes=5)
    by_name = _by_name(results)
    assert "同屋甲" not in by_name  # their nights were 3 and 2 days ago
    assert by_name["班车乙"] == [("shuttle", "同乘班车 2 天", 2)]
    assert by_name["门岗庚"] == [("gate", "同时段进厂 1 次", 1)]


def test_the_search_is_a_fixed_number_of_statements(world, data, django_assert_num_queries):
    # Ten statements for the scene, and still ten with a second firm's worth of people and entries.
    with django_assert_num_queries(10):
        find_contacts([data.index], since=at(3, 9), until=timezone.now(), gate_window_minutes=5)
    more = scene(world.firm_b)
    with django_assert_num_queries(10):
        find_contacts([data.index, more.index], since=at(3, 9), until=timezone.now(), gate_window_minutes=5)
