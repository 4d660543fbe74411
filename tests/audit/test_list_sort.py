"""The audit list's 动作 and 对象类型 columns sort by the names the rows show (labels.py), not by the stored
codes; the rest of the table pattern (fallback, numbered pages keeping the filters, scope) holds."""

import pytest
from django.urls import reverse
from django.utils import translation

from fugong.audit import labels
from fugong.audit.services import record
from tests.tables_support import header_sorts, page_links, total_line

pytestmark = pytest.mark.django_db

URL = reverse("audit:list")


@pytest.fixture
def entries(world):
    u = world.users
    return [
        record(u["task_force"], "resumption.pass", world.firm_a),  # 审核通过 · 企业
        record(u["task_force"], "accounts.user.create", u["town_a"]),  # 新建用户 · 用户
        record(u["town_a"], "regions.grid.create", world.town_a),  # 新建网格 · 行政区划
        record(u["task_force"], "enterprise.update", world.firm_b),  # 修改企业档案 · 企业
        record(u["town_a"], "regions.grid.create", world.town_a),
        record(u["outsider"], "enterprise.update", world.firm_c),  # another county
    ]


def shown(response, attribute):
    return [getattr(e, attribute) for e in response.context["table"].page]


def test_action_and_object_type_sort_by_their_names(client, world, entries):
    client.force_login(world.users["task_force"])
    actions = shown(client.get(URL, {"sort": "action"}), "action")
    names = [labels.action_label(a) for a in actions]
    assert names == sorted(names)
    assert names[0] == "修改企业档案" and names[-1] == "新建网格"
    # Not the codes' order, which would start with accounts.user.create (新建用户).
    assert actions != sorted(actions)
    descending = [labels.action_label(a) for a in shown(client.get(URL, {"sort": "-action"}), "action")]
    assert descending == sorted(names, reverse=True)

    types = shown(client.get(URL, {"sort": "object_type"}), "object_type")
    type_names = [labels.object_type_label(t) for t in types]
    assert type_names == sorted(type_names) and type_names[0] == "企业"
    assert types != sorted(types)  # by code, accounts.user would come first
    # Equal names tie, and the newest entry comes first among them.
    same = [e.pk for e in client.get(URL, {"sort": "object_type"}).context["table"].page][:2]
    assert same == sorted(same, reverse=True)


def test_the_names_sort_in_the_language_of_the_page(client, world, entries):
    client.force_login(world.users["task_force"])
    with translation.override("en"):
        client.cookies["django_language"] = "en"
        response = client.get(URL, {"sort": "action"})
        assert response["Content-Language"] == "en"
        names = [labels.action_label(a) for a in shown(response, "action")]
    # 审核通过 sorts second in Chinese, "Pass review" last in English.
    assert names == sorted(names) and names[-1] == "Pass review"


def test_audit_fallback_pages_filters_and_scope(client, world, entries):
    client.force_login(world.users["task_force"])
    default = client.get(URL).context["table"]
    for bad in ("action_rank", "object_type_rank", "-actor__password", "note"):
        table = client.get(URL, {"sort": bad}).context["table"]
        assert table.sort == "-id" and [e.pk for e in table.page] == [e.pk for e in default.page], bad
    assert set(header_sorts(client.get(URL).content.decode())) == {
        "id",
        "at",
        "actor",
        "action",
        "object_type",
    }
    # The other county's entry stays out, whatever the sort.
    for sort in ("action", "-object_type", "actor"):
        assert entries[-1].pk not in [e.pk for e in client.get(URL, {"sort": sort}).context["table"].page]
    client.force_login(world.users["task_force_outside"])
    response = client.get(URL, {"sort": "-action", "action": "regions.grid.create"})
    assert response.context["table"].total == 0


def test_audit_pages_keep_the_filter_with_the_name_sort(client, world, entries):
    for i in range(60):
        record(world.users["town_a"], "regions.grid.create", world.town_a, after={"i": i})
    client.force_login(world.users["task_force"])
    params = {"actor": "town", "sort": "-action"}
    html = client.get(URL, params | {"page": 2}).content.decode()
    assert total_line(html) == "共 62 条，第 2/2 页"
    assert page_links(html)["1"] == params | {"page": "1"}


def test_audit_list_statement_count_is_pinned(client, world, entries, django_assert_num_queries):
    client.force_login(world.users["task_force"])
    client.get(URL)
    # session, user, region, the actions and object types in scope (for the filters and the name sorts),
    # count, the menu's unread messages, the page
    with django_assert_num_queries(8):
        response = client.get(URL, {"sort": "action"})
    assert response.context["table"].total == 5
