"""The shell (issue 10 item 1) and the home page as a to-do list (item 2).

Every role sees the menu groups it works in and none of the items its role may not use; the current item
is marked; the user menu holds the profile, the language switch and sign-out. The to-do list counts, for a
built scenario, what waits for each person, inside their scope and most urgent first.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from fugong.accounts.roles import can
from fugong.core import selectors
from fugong.core.context_processors import NAV_GROUPS, NAV_ITEMS
from fugong.monitoring.models import Alert, AlertKind, AlertStatus, HealthCheckin, TestResult
from fugong.monitoring.models import TestKind as Kind
from fugong.operations.models import Visitor
from fugong.reports.models import DailySummary, SummaryStatus
from fugong.resumption.models import (
    ApplicationStatus,
    Notification,
    ResumptionApplication,
    ReviewStep,
    StepStatus,
)
from fugong.workforce import services as wf
from fugong.workforce.models import CheckpointArrival, Employee, EmployeeStatus, FollowUp
from tests.monitoring.conftest import new_version
from tests.workforce.conftest import make_employee, use_preset

pytestmark = pytest.mark.django_db

GROUP_LABELS = {key: str(label) for key, label in NAV_GROUPS}

# The groups each role works in (SPEC §1), and items it must never be offered.
ROLE_GROUPS = {
    "task_force": (
        {"企业与复工", "人员与返岗", "日常监测", "厂区防控", "督查与服务", "统计报表", "系统"},
        {"我的健康", "打卡链接", "隔离观察"},
    ),
    "dept_industry": (
        {"企业与复工", "人员与返岗", "日常监测", "厂区防控", "督查与服务", "统计报表", "系统"},
        {"用户管理", "审计日志"},
    ),
    "town_a": (
        {"企业与复工", "人员与返岗", "日常监测", "厂区防控", "督查与服务", "统计报表", "系统"},
        {"用户管理", "审计日志", "我的健康"},
    ),
    "grid_a": (
        {"企业与复工", "人员与返岗", "日常监测", "厂区防控", "督查与服务", "系统"},
        {"接口文档", "每日汇总", "用户管理"},
    ),
    "inspector": (
        {"企业与复工", "日常监测", "厂区防控", "督查与服务", "统计报表", "系统"},
        {"返岗报备", "用户管理", "审计日志"},
    ),
    "ent_a": (
        {"企业与复工", "人员与返岗", "日常监测", "厂区防控", "督查与服务", "统计报表", "系统"},
        {"行政区划", "防控政策", "用户管理", "审计日志", "卡口登记", "风险排序", "物资需求"},
    ),
    "gate_a": (
        {"企业与复工", "日常监测"},
        {"接口文档", "复工申请", "我的消息", "防控政策", "员工档案", "消杀记录"},
    ),
    "employee_a": ({"人员与返岗"}, {"企业档案", "接口文档", "我的消息", "复工申请", "健康监测", "防疫物资"}),
}

NAV = re.compile(r'<nav id="site-menu".*?</nav>', re.S)
GROUP = re.compile(r'<p class="nav-group-label"[^>]*>(.*?)</p>')
LINK = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)')


def _menu(html: str) -> tuple[set[str], list[tuple[str, bool, str]]]:
    nav = NAV.search(html)
    assert nav, "the page has no menu"
    links = [(href, bool(current), label.strip()) for href, current, label in LINK.findall(nav.group(0))]
    return set(GROUP.findall(nav.group(0))), links


@pytest.mark.parametrize("who", sorted(ROLE_GROUPS))
def test_each_role_sees_its_groups_and_nothing_forbidden(client, world, who):
    user = world.users[who]
    client.force_login(user)
    html = client.get("/").content.decode()
    groups, links = _menu(html)
    wanted, forbidden = ROLE_GROUPS[who]
    assert groups == wanted, (who, groups)
    labels = {label for _href, _current, label in links}
    assert not (labels & forbidden), (who, labels & forbidden)
    # The menu is the capability table: an item is there exactly when the role may use it.
    for label, _name, capability, _group in NAV_ITEMS:
        allowed = [cap for lab, _n, cap, _g in NAV_ITEMS if str(lab) == str(label)]
        if capability is None or any(can(user, cap) for cap in allowed):
            assert str(label) in labels, (who, label)
        else:
            assert str(label) not in labels, (who, label)
    # Every link answers (no menu entry leads to a refusal).
    for href, _current, label in links:
        if href.startswith("/api/docs"):
            continue
        assert client.get(href).status_code == 200, (who, label, href)


def test_api_docs_only_for_roles_that_use_the_api(client, world):
    for who in ("task_force", "dept_industry", "town_a", "inspector", "ent_a"):
        client.force_login(world.users[who])
        assert "接口文档" in {label for *_x, label in _menu(client.get("/").content.decode())[1]}, who
    for who in ("grid_a", "gate_a", "employee_a"):
        client.force_login(world.users[who])
        assert "接口文档" not in {label for *_x, label in _menu(client.get("/").content.decode())[1]}, who


def test_the_current_item_is_marked_once(client, world):
    client.force_login(world.users["ent_a"])
    _groups, links = _menu(client.get("/monitoring/alerts/").content.decode())
    assert [label for _h, current, label in links if current] == ["健康监测"]
    # The messages live under /resumption/ too: only the longest match is current.
    _groups, links = _menu(client.get("/resumption/notifications/").content.decode())
    assert [label for _h, current, label in links if current] == ["我的消息"]
    _groups, links = _menu(client.get("/resumption/").content.decode())
    assert [label for _h, current, label in links if current] == ["复工申请"]
    _groups, links = _menu(client.get("/").content.decode())
    assert [label for _h, current, label in links if current] == ["首页"]


def test_user_menu_holds_profile_language_and_sign_out(client, world):
    user = world.users["town_a"]
    client.force_login(user)
    html = client.get("/").content.decode()
    menu = re.search(r'<details class="user-menu">.*?</details>', html, re.S).group(0)
    assert f'data-testid="whoami" class="who-name">{user.display_name}</span>' in menu
    assert user.get_role_display() in menu
    assert 'href="/accounts/profile/"' in menu
    assert 'action="/i18n/setlang/"' in menu and 'name="language"' in menu
    assert 'action="/logout/"' in menu and "退出" in menu
    # The drawer's button says what it controls and whether it is open.
    assert 'aria-controls="site-menu" aria-expanded="false"' in html
    # Signed in, the language switch lives in the user menu only.
    assert html.count('name="language"') == 1


def test_unread_messages_show_on_the_menu(client, world):
    user = world.users["ent_a"]
    for n in range(3):
        Notification.objects.create(recipient=user, event="test", message=f"消息{n}")
    Notification.objects.create(recipient=world.users["town_a"], event="test", message="别人的")
    client.force_login(user)
    html = client.get("/enterprises/").content.decode()
    assert re.search(r"我的消息 <span class=\"badge\"[^>]*>3</span>", html)


# -- the to-do list --------------------------------------------------------------------------------------------


def _on_site(firm, name, status=EmployeeStatus.AT_WORK):
    person = make_employee(firm, name=name)
    Employee.objects.filter(pk=person.pk).update(status=status)
    person.refresh_from_db()
    return person


def _arrival(town, name, follow_up=FollowUp.PENDING):
    return CheckpointArrival.objects.create(
        town=town,
        checkpoint="诸暨北高速卡口",
        arrived_at=timezone.now(),
        name=name,
        id_number_encrypted="-",
        id_number_index=f"idx-{name}",
        id_number_masked="330681********0011",
        follow_up=follow_up,
    )


def _summary(firm, day, status):
    return DailySummary.objects.create(enterprise=firm, town=firm.town, day=day, status=status)


@pytest.fixture
def scene(world, pinned_clock):
    """Late evening (every round of the day is due): firm_a has three people at work, one open alert,
    a returned application, an overdue test, drafts of yesterday and today and unread messages; firm_b
    has an application at its town's step; firm_c (another county) has its own alert, arrival, draft."""
    pinned_clock(22, 0)
    policy = use_preset(world, "N0")
    new_version(policy, nucleic_test_interval_days=3)
    today = timezone.localdate()
    ent = world.users["ent_a"]
    worker = _on_site(world.firm_a, "王五")
    wf.link_account(ent, worker, world.users["employee_a"])
    late = _on_site(world.firm_a, "李四")
    _on_site(world.firm_a, "赵六")
    _on_site(world.firm_a, "在家", status=EmployeeStatus.REGISTERED)  # not on site: owes nothing
    HealthCheckin.objects.create(
        employee=worker,
        enterprise=world.firm_a,
        day=today,
        round=1,
        temperature="36.5",
        source="self",
    )
    TestResult.objects.create(
        employee=late,
        enterprise=world.firm_a,
        kind=Kind.NUCLEIC,
        sampled_at=timezone.now() - dt.timedelta(days=4),
        sample_day=today - dt.timedelta(days=4),
        result="negative",
        source="enterprise",
    )
    Alert.objects.create(
        employee=late, enterprise=world.firm_a, town=world.town_a, kind=AlertKind.FEVER, value="38.2"
    )
    Alert.objects.create(
        employee=late,
        enterprise=world.firm_a,
        town=world.town_a,
        kind=AlertKind.FEVER,
        value="37.9",
        status=AlertStatus.ACKNOWLEDGED,
    )
    far = _on_site(world.firm_c, "外县员工")
    Alert.objects.create(
        employee=far, enterprise=world.firm_c, town=world.other_town, kind=AlertKind.FEVER, value="38.5"
    )
    returned = ResumptionApplication.objects.create(
        enterprise=world.firm_a,
        kind="first_resumption",
        status=ApplicationStatus.RETURNED,
        created_by=ent,
        revision=1,
    )
    in_review = ResumptionApplication.objects.create(
        enterprise=world.firm_b,
        kind="first_resumption",
        status=ApplicationStatus.IN_REVIEW,
        created_by=ent,
        revision=1,
        current_step_key="town",
        submitted_at=timezone.now(),
    )
    ReviewStep.objects.create(
        application=in_review,
        revision=1,
        order=1,
        key="town",
        name="属地核查",
        participants=["town"],
        mode="all",
        status=StepStatus.ACTIVE,
        pending=" town ",
    )
    _arrival(world.town_a, "待跟进甲")
    _arrival(world.town_a, "已匹配乙", follow_up=FollowUp.MATCHED)
    _arrival(world.other_town, "外县丙")
    yesterday = today - dt.timedelta(days=1)
    _summary(world.firm_a, yesterday, SummaryStatus.DRAFT)
    _summary(world.firm_a, today, SummaryStatus.DRAFT)
    _summary(world.firm_b, yesterday, SummaryStatus.CONFIRMED)
    _summary(world.firm_c, yesterday, SummaryStatus.DRAFT)
    for n in range(2):
        Notification.objects.create(recipient=ent, application=returned, event="returned", message=f"退回{n}")
    Notification.objects.create(recipient=ent, event="x", message="已读", read_at=timezone.now())
    Notification.objects.create(
        recipient=world.users["town_b"], application=in_review, event="turn", message="轮到"
    )
    Visitor.objects.create(
        enterprise=world.firm_a,
        name="访客甲",
        id_number_encrypted="-",
        id_number_index="v1",
        id_number_masked="330681********0022",
        phone="13800000000",
        host="王五",
        purpose="送货",
        temperature="36.4",
    )
    return {"returned": returned, "in_review": in_review}


EXPECTED_TODO = {
    "ent_a": {
        "open_alerts": 1,
        "missing_rounds": 3,
        "returned_applications": 1,
        "overdue_tests": 1,
        "summary_yesterday": 1,
        "tests_due_today": 2,
        "summary_today": 1,
        "unread_messages": 2,
    },
    "employee_a": {"checkin_rounds": 1},
    "gate_a": {"visitors_inside": 1},
    "town_a": {
        "open_alerts": 1,
        "firms_missing_rounds": 3,
        "pending_arrivals": 1,
        "summaries_yesterday": 1,
        "firms_tests_pending": 3,
        "summaries_today": 1,
    },
    "town_b": {"review_queue": 1, "unread_messages": 1},
    "task_force": {
        "open_alerts": 1,
        "firms_missing_rounds": 3,
        "pending_arrivals": 1,
        "summaries_yesterday": 1,
        "firms_tests_pending": 3,
        "summaries_today": 1,
    },
    "dept_industry": {
        "open_alerts": 1,
        "firms_missing_rounds": 3,
        "summaries_yesterday": 1,
        "firms_tests_pending": 3,
        "summaries_today": 1,
    },
    "dept_commerce": {},
    "inspector": {"summaries_yesterday": 1, "firms_tests_pending": 3, "summaries_today": 1},
    "grid_a": {},
    # Another county: only its own firm's alert, arrival and draft.
    "outsider": {"open_alerts": 1, "pending_arrivals": 1, "summaries_yesterday": 1},
    "task_force_outside": {"open_alerts": 1, "pending_arrivals": 1, "summaries_yesterday": 1},
}


@pytest.mark.parametrize("who", sorted(EXPECTED_TODO))
def test_todo_counts_for_each_role(world, scene, who):
    items = selectors.todo_for(world.users[who])
    assert {item["key"]: item["count"] for item in items} == EXPECTED_TODO[who]
    urgencies = [item["urgency"] for item in items]
    assert urgencies == sorted(urgencies), "most urgent first"


def test_firm_todo_is_ordered_and_linked(client, world, scene):
    items = selectors.todo_for(world.users["ent_a"])
    assert [item["key"] for item in items] == [
        "open_alerts",
        "missing_rounds",
        "returned_applications",
        "overdue_tests",
        "summary_yesterday",
        "tests_due_today",
        "summary_today",
        "unread_messages",
    ]
    by_key = {item["key"]: item for item in items}
    assert by_key["returned_applications"]["url"] == f"/resumption/{scene['returned'].pk}/"
    assert by_key["open_alerts"]["url"] == "/monitoring/alerts/?status=open"
    client.force_login(world.users["ent_a"])
    for item in items:
        assert client.get(item["url"]).status_code == 200, item


def test_employee_rounds_left_today(world, scene):
    (item,) = selectors.todo_for(world.users["employee_a"])
    assert item["key"] == "checkin_rounds"
    assert item["urgency"] == selectors.URGENT  # every round of the day is past due at 22:00
    assert "第二轮" in item["hint"] and "第一轮" not in item["hint"]
    assert item["url"] == "/monitoring/checkin/"


def test_home_page_shows_the_todo_list(client, world, scene):
    client.force_login(world.users["town_b"])
    html = client.get("/").content.decode()
    assert 'data-testid="firm-count"' in html  # the overview cards stay above for officers
    assert html.index('data-testid="firm-count"') < html.index('data-testid="todo"')
    assert 'data-testid="todo-review_queue"' in html
    assert '<span class="todo-count">1</span>' in html
    client.force_login(world.users["grid_a"])
    assert 'data-testid="todo-empty"' in client.get("/").content.decode()


def test_an_outsider_sees_nothing_of_another_scope(client, world, scene):
    client.force_login(world.users["outsider"])
    html = client.get("/").content.decode()
    for foreign in (world.firm_a.name, world.firm_b.name, "李四", "王五", "待跟进甲"):
        assert foreign not in html
    items = {item["key"]: item for item in selectors.todo_for(world.users["outsider"])}
    assert "review_queue" not in items and "returned_applications" not in items
    # The list it links to shows its own alert, not firm_a's.
    alerts = client.get(items["open_alerts"]["url"]).content.decode()
    assert "外县员工" in alerts and "李四" not in alerts


def test_home_statement_count_is_pinned_for_the_firm(client, world, scene, django_assert_num_queries):
    client.force_login(world.users["ent_a"])
    client.get("/")  # warm: the first request may touch content types and the like
    # 8 of them are the workplace to-dos: the day's disinfection gaps and the supplies' cover (each reads
    # the firm and its stock or records; the policy is resolved once for both), surveys to answer; 1 the
    # incident steps the firm handles.
    with django_assert_num_queries(27):
        assert client.get("/").status_code == 200


def test_home_statement_count_is_pinned_for_the_task_force(client, world, scene, django_assert_num_queries):
    client.force_login(world.users["task_force"])
    client.get("/")
    # Constant in the number of firms and towns: policies of all towns are resolved together (1 of them:
    # the late incident steps).
    with django_assert_num_queries(20):
        assert client.get("/").status_code == 200


def test_a_firm_not_resumed_with_nothing_filed_is_told_to_apply(client, world):
    assert world.firm_a.status == "not_resumed"
    items = {item["key"]: item for item in selectors.todo_for(world.users["ent_a"])}
    assert items["no_application"]["count"] is None
    assert items["no_application"]["url"] == "/resumption/"
    client.force_login(world.users["ent_a"])
    html = client.get("/").content.decode()
    assert 'data-testid="todo-no_application"' in html and '<span class="todo-count">!</span>' in html
    # A draft going: the draft is the to-do, not a new application.
    ResumptionApplication.objects.create(
        enterprise=world.firm_a,
        kind="first_resumption",
        status=ApplicationStatus.DRAFT,
        created_by=world.users["ent_a"],
    )
    keys = {item["key"] for item in selectors.todo_for(world.users["ent_a"])}
    assert "no_application" not in keys and "draft_applications" in keys


@pytest.mark.parametrize("who", ["town_a", "task_force", "dept_industry", "outsider"])
def test_officer_counts_agree_with_the_lists_they_link_to(world, scene, who):
    """The home's set-based counts are the per-person lists' totals: the missing-rounds page's people and
    the tests page's pending (person, kind) pairs, in the same scope."""
    from fugong.monitoring.selectors import missing_overview
    from fugong.monitoring.testing.selectors import due_summary

    user = world.users[who]
    items = {item["key"]: item["count"] for item in selectors.todo_for(user)}
    groups, _unset = missing_overview(user)
    assert items.get("firms_missing_rounds", 0) == sum(len(g["people"]) for g in groups)
    assert items.get("firms_tests_pending", 0) == sum(row["pending"] for row in due_summary(user))
