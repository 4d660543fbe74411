"""The resumption lists on the shared table pattern: the officers' 全部申请, 我的消息 and the task force's
审批批次 sort by their columns (codes by the order people read, not by the code), fall back on an unknown
sort, number their pages with the total, keep search and filters in the page links, and stay in scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.resumption import views
from fugong.resumption.batches import views as batch_views
from fugong.resumption.models import (
    ApplicationKind,
    ApplicationStatus,
    ApprovalBatch,
    Notification,
    ResumptionApplication,
)
from tests.factories import EnterpriseFactory
from tests.tables_support import header_sorts, page_links, total_line

pytestmark = pytest.mark.django_db

INDEX = reverse("resumption:index")
INBOX = reverse("resumption:notifications")
BATCHES = reverse("resumption:batches")
STATUS_ORDER = [code for code, _label in ApplicationStatus.choices]


def application(firm, user, status, *, kind=ApplicationKind.FIRST_RESUMPTION, days_ago=None, score=0):
    submitted = None if days_ago is None else timezone.now() - dt.timedelta(days=days_ago)
    return ResumptionApplication.objects.create(
        enterprise=firm,
        kind=kind,
        status=status,
        created_by=user,
        submitted_at=submitted,
        priority_score=Decimal(score),
    )


@pytest.fixture
def applications(world):
    """Seven applications of firm_a and firm_b (the task force's county), one of firm_c (another county)."""
    u = world.users
    rows = [
        application(world.firm_a, u["ent_a"], ApplicationStatus.APPROVED, days_ago=9, score=10),
        application(world.firm_a, u["ent_a"], ApplicationStatus.REJECTED, days_ago=7, score=40),
        application(world.firm_a, u["ent_a"], ApplicationStatus.IN_REVIEW, days_ago=1, score=20),
        application(
            world.firm_b, u["ent_a"], ApplicationStatus.APPROVED, kind=ApplicationKind.BACKFILL, days_ago=5
        ),
        application(world.firm_b, u["ent_a"], ApplicationStatus.REJECTED, days_ago=3, score=30),
        application(world.firm_b, u["ent_a"], ApplicationStatus.DRAFT),
        application(world.firm_b, u["ent_a"], ApplicationStatus.APPROVED, days_ago=2, score=5),
    ]
    application(world.firm_c, u["ent_c"], ApplicationStatus.IN_REVIEW, days_ago=1)
    return rows


def rows_of(response):
    return list(response.context["table"].page)


def test_applications_sort_by_the_chosen_column(client, world, applications):
    client.force_login(world.users["task_force"])
    plain = client.get(INDEX)
    assert plain.status_code == 200
    html = plain.content.decode()
    assert set(header_sorts(html)) == {
        "enterprise",
        "town",
        "kind",
        "status",
        "step",
        "priority",
        "submitted",
    }
    # The default: newest submission first, the draft (never submitted) last; the header says so.
    default = rows_of(plain)
    assert header_sorts(html)["submitted"] == "descending"
    assert default[-1].status == ApplicationStatus.DRAFT
    submitted = [a.submitted_at for a in default[:-1]]
    assert submitted == sorted(submitted, reverse=True)

    by_status = rows_of(client.get(INDEX, {"sort": "status"}))
    # In the workflow's order (草稿, 审核中, …, 已批准), not alphabetically by code (approved first).
    assert [a.status for a in by_status] == sorted((a.status for a in applications), key=STATUS_ORDER.index)
    assert by_status[0].status == ApplicationStatus.DRAFT
    assert [a.pk for a in rows_of(client.get(INDEX, {"sort": "-status"}))][0] != by_status[0].pk

    by_firm = [a.enterprise.name for a in rows_of(client.get(INDEX, {"sort": "-enterprise"}))]
    assert by_firm == sorted(by_firm, reverse=True) and by_firm[0] != by_firm[-1]
    scores = [a.priority_score for a in rows_of(client.get(INDEX, {"sort": "-priority"}))]
    assert scores == sorted(scores, reverse=True)
    assert [a.pk for a in rows_of(client.get(INDEX, {"sort": "-priority"}))] != [a.pk for a in default]


def test_applications_unknown_sort_falls_back_and_the_score_is_no_sort_for_a_non_reviewer(
    client, world, applications
):
    client.force_login(world.users["task_force"])
    default = [a.pk for a in rows_of(client.get(INDEX))]
    for bad in ("password", "enterprise__name", "-submitted_at", "kind_rank", "-"):
        response = client.get(INDEX, {"sort": bad})
        assert response.status_code == 200, bad
        assert response.context["table"].sort == "-submitted", bad
        assert [a.pk for a in rows_of(response)] == default, bad
    # A grid worker sees applications but no priority score: not as a column, not as a sort.
    client.force_login(world.users["grid_a"])
    html = client.get(INDEX).content.decode()
    assert "priority" not in header_sorts(html) and "优先分" not in html
    assert client.get(INDEX, {"sort": "-priority"}).context["table"].sort == "-submitted"


def test_applications_pages_are_numbered_and_keep_the_filters(client, world, applications, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(world.users["task_force"])
    params = {"status": "approved", "q": "诸暨", "sort": "enterprise"}
    response = client.get(INDEX, params | {"page": 2})
    html = response.content.decode()
    assert total_line(html) == "共 3 条，第 2/2 页"
    links = page_links(html)
    assert links["1"] == params | {"page": "1"} and links["上一页"] == params | {"page": "1"}
    assert links["2"] == params | {"page": "2"}
    # The filter form carries the sort; the sort links keep the filters and drop the page.
    assert '<input type="hidden" name="sort" value="enterprise">' in html
    head = html.split("<thead>")[1].split("</thead>")[0]
    assert 'href="?status=approved&amp;q=%E8%AF%B8%E6%9A%A8&amp;sort=-enterprise"' in head
    assert {a.status for a in rows_of(response)} == {ApplicationStatus.APPROVED}


def test_applications_stay_in_scope_whatever_the_sort_or_search(client, world, applications):
    for who, visible in (("town_a", {world.firm_a.pk}), ("outsider", {world.firm_c.pk})):
        client.force_login(world.users[who])
        for sort in ("enterprise", "-town", "status", "-submitted", "step"):
            response = client.get(INDEX, {"sort": sort})
            assert {a.enterprise_id for a in rows_of(response)} == visible, (who, sort)
        assert client.get(INDEX, {"q": world.firm_b.name}).context["table"].total == 0
        html = client.get(INDEX, {"sort": "-enterprise"}).content.decode()
        assert world.firm_b.name not in html


def test_applications_list_statement_count_is_pinned(client, world, applications, django_assert_num_queries):
    for i in range(12):
        firm = EnterpriseFactory(name=f"诸暨批量企业{i:02d}", town=world.town_a if i % 2 else world.town_b)
        application(firm, world.users["ent_a"], ApplicationStatus.IN_REVIEW, days_ago=i, score=i)
    client.force_login(world.users["task_force"])
    client.get(INDEX)
    # session, user, unread count (the page's and the menu's), region, the review queue, count, the town
    # choices, the page (firm, town and batch joined, current step in a subquery), recent batches
    with django_assert_num_queries(10):
        response = client.get(INDEX, {"sort": "-priority", "status": "in_review"})
    assert response.context["table"].total == 13


# -- 我的消息 -------------------------------------------------------------------------------------------------


@pytest.fixture
def inbox(world):
    """Five messages to town_a (two read, about firm_a's application), one to town_b."""
    u = world.users
    app = application(world.firm_a, u["ent_a"], ApplicationStatus.IN_REVIEW, days_ago=1)
    now = timezone.now()
    rows = [
        Notification.objects.create(
            recipient=u["town_a"],
            application=app if i % 2 else None,
            event="submitted",
            message=f"消息{i}：复工申请待您办理",
            created_at=now - dt.timedelta(hours=i),
            read_at=now if i in (1, 4) else None,
        )
        for i in range(5)
    ]
    Notification.objects.create(recipient=u["town_b"], event="submitted", message="店口的消息")
    return rows


def test_messages_sort_fall_back_page_and_filter(client, world, inbox, monkeypatch):
    client.force_login(world.users["town_a"])
    default = rows_of(client.get(INBOX))
    assert [n.message[:3] for n in default] == ["消息0", "消息1", "消息2", "消息3", "消息4"]
    oldest = rows_of(client.get(INBOX, {"sort": "at"}))
    assert [n.pk for n in oldest] == [n.pk for n in reversed(default)]
    # 状态: unread first, newest first within each.
    by_read = rows_of(client.get(INBOX, {"sort": "read"}))
    assert [n.message[:3] for n in by_read] == ["消息0", "消息2", "消息3", "消息1", "消息4"]
    assert [n.pk for n in rows_of(client.get(INBOX, {"sort": "message"}))] == [n.pk for n in default]
    assert client.get(INBOX, {"sort": "recipient"}).context["table"].sort == "-at"

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    response = client.get(INBOX, {"unread": "1", "q": "办理", "page": 1})
    html = response.content.decode()
    assert total_line(html) == "共 3 条，第 1/2 页"
    assert page_links(html)["2"] == {"unread": "1", "q": "办理", "page": "2"}
    assert all(n.read_at is None for n in rows_of(response))


def test_marking_a_message_read_returns_to_the_same_list(client, world, inbox):
    client.force_login(world.users["town_a"])
    back = f"{INBOX}?unread=1&sort=at"
    done = client.post(INBOX, {"ids": [inbox[0].pk], "next": back})
    assert done.status_code == 302 and done.url == back
    inbox[0].refresh_from_db()
    assert inbox[0].read_at is not None
    elsewhere = client.post(INBOX, {"ids": [inbox[2].pk], "next": "https://evil.example/"})
    assert elsewhere.url == INBOX


def test_messages_are_the_users_own(client, world, inbox):
    client.force_login(world.users["town_b"])
    for sort in ("at", "-read"):
        response = client.get(INBOX, {"sort": sort})
        assert [n.message for n in rows_of(response)] == ["店口的消息"]
        assert "消息0" not in response.content.decode()
    assert client.get(INBOX, {"q": "办理"}).context["table"].total == 0


def test_messages_statement_count_is_pinned(client, world, inbox, django_assert_num_queries):
    client.force_login(world.users["town_a"])
    client.get(INBOX)
    # session, user, region, count, the page (application and firm joined), unread count, the menu's
    # unread badge
    with django_assert_num_queries(7):
        response = client.get(INBOX, {"sort": "read"})
    assert response.context["table"].total == 5


# -- 审批批次 ---------------------------------------------------------------------------------------------------


@pytest.fixture
def batches(world):
    tf = world.users["task_force"]
    now = timezone.now()
    rows = [
        ApprovalBatch.objects.create(
            region=world.county,
            number=n,
            name=f"第{n}批企业",
            created_by=tf,
            created_at=now - dt.timedelta(days=10 - n),
            released_at=None if n == 3 else now - dt.timedelta(days=9 - n),
            released_by=None if n == 3 else tf,
        )
        for n in range(1, 5)
    ]
    foreign = world.users["task_force_outside"]
    ApprovalBatch.objects.create(region=world.other_county, number=1, name="越城批次", created_by=foreign)
    return rows


def test_batches_sort_fall_back_page_and_scope(client, world, batches, monkeypatch):
    client.force_login(world.users["task_force"])
    html = client.get(BATCHES).content.decode()
    assert set(header_sorts(html)) == {"number", "region", "created", "released"}
    default = [b.number for b in rows_of(client.get(BATCHES))]
    assert default == [4, 3, 2, 1]
    assert [b.number for b in rows_of(client.get(BATCHES, {"sort": "number"}))] == [1, 2, 3, 4]
    # Newest release first, the unreleased batch before all of them.
    assert [b.number for b in rows_of(client.get(BATCHES, {"sort": "-released"}))] == [3, 4, 2, 1]
    assert [b.number for b in rows_of(client.get(BATCHES, {"sort": "name"}))] == default

    monkeypatch.setattr(batch_views, "PAGE_SIZE", 3)
    second = client.get(BATCHES, {"sort": "number", "page": 2})
    page = second.content.decode()
    assert total_line(page) == "共 4 条，第 2/2 页"
    assert page_links(page)["1"] == {"sort": "number", "page": "1"}
    assert [b.number for b in rows_of(second)] == [4]
    assert "越城批次" not in page

    client.force_login(world.users["task_force_outside"])
    assert [b.name for b in rows_of(client.get(BATCHES, {"sort": "-created"}))] == ["越城批次"]


def test_batches_statement_count_is_pinned(client, world, batches, django_assert_num_queries):
    client.force_login(world.users["task_force"])
    client.get(BATCHES)
    # session, user, region, the applications waiting for a batch, count, the menu's unread messages,
    # the page (region, creator and releaser joined)
    with django_assert_num_queries(7):
        response = client.get(BATCHES, {"sort": "-released"})
    assert response.context["table"].total == 4
