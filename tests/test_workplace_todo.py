"""The home page's workplace to-dos (issue 12): each appears for the roles that act on it, counts inside
the user's scope, and disappears when there is nothing to do."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.core.selectors import todo_for
from fugong.disinfection import services as disinfection
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.gatherings import services as gatherings
from fugong.policy.services import apply_preset, create_version
from fugong.supplies import demands
from fugong.surveys import services as surveys

pytestmark = pytest.mark.django_db
WORKPLACE_KEYS = {
    "disinfection_overdue",
    "firms_disinfection_overdue",
    "supplies_short",
    "gatherings_pending",
    "supply_demands",
    "surveys_to_answer",
}


def _todos(user) -> dict:
    return {i["key"]: i["count"] for i in todo_for(user) if i["key"] in WORKPLACE_KEYS}


@pytest.fixture
def workplace(world, pinned_clock):
    """诸暨市 under N2 (六个必消) with N1's supplies and N3's gathering rules; firm_a and firm_b at work."""
    policy = apply_preset(world.county, "N2", effective_from=dt.date(2020, 1, 1))
    data = dict(policy.versions.get(number=1).parameters)
    data |= {"required_supplies": ["n95", "mask"], "gathering_plan_threshold": 50}
    create_version(
        policy,
        data,
        effective_from=dt.date(2020, 2, 1),
        based_on=1,
        note="诸防控〔2026〕9号",
        allow_past=True,
    )
    Enterprise.objects.filter(pk__in=[world.firm_a.pk, world.firm_b.pk]).update(
        status=EnterpriseStatus.RESUMED
    )
    world.firm_a.refresh_from_db()
    world.firm_b.refresh_from_db()
    pinned_clock(10)
    # firm_a's before-work round is due by 08:00: every area of it is overdue at 10:00; firm_b set no
    # time, so nothing of today is overdue for it yet.
    disinfection.set_schedule(world.users["ent_a"], world.firm_a, "before_work", dt.time(8, 0))
    return world


def test_nothing_to_do_under_a_policy_without_these_rules(world, pinned_clock):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    for who in ("ent_a", "town_a", "task_force", "inspector"):
        assert _todos(world.users[who]) == {}, who


def test_firm_sees_its_overdue_rounds_and_short_supplies(workplace):
    todos = _todos(workplace.users["ent_a"])
    assert todos == {"disinfection_overdue": 6, "supplies_short": 2}
    day = timezone.localdate()
    disinfection.record_round(
        workplace.users["ent_a"],
        workplace.firm_a,
        day=day,
        area="workshop",
        round="before_work",
        agent="84消毒液",
        concentration="500mg/L",
        operator="王师傅",
        done_at=timezone.now() - dt.timedelta(minutes=5),
    )
    assert _todos(workplace.users["ent_a"])["disinfection_overdue"] == 5


def test_officers_count_firms_with_overdue_rounds_in_their_scope(workplace):
    assert _todos(workplace.users["town_a"]).get("firms_disinfection_overdue") == 1
    assert _todos(workplace.users["town_b"]).get("firms_disinfection_overdue") is None
    assert _todos(workplace.users["outsider"]) == {}


def test_town_sees_gatherings_and_demands_waiting_for_it(workplace):
    start = timezone.now() + dt.timedelta(days=1)
    plan = SimpleUploadedFile("防控方案.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    gatherings.record_gathering(
        workplace.users["ent_a"],
        workplace.firm_a,
        kind="meeting",
        title="全员大会",
        place="大礼堂",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        headcount=60,
        organiser="王主任",
        plan=plan,
    )
    request = demands.request_supplies(
        workplace.users["ent_a"],
        workplace.firm_a,
        "n95",
        500,
        timezone.localdate() + dt.timedelta(days=3),
        "断货",
    )
    town = _todos(workplace.users["town_a"])
    assert town["gatherings_pending"] == 1 and town["supply_demands"] == 1
    assert "supply_demands" not in _todos(workplace.users["task_force"])
    assert "gatherings_pending" not in _todos(workplace.users["town_b"])
    demands.escalate(
        workplace.users["town_a"],
        request,
        "全镇缺货",
        timezone.localdate() + dt.timedelta(days=2),
        request.version,
    )
    assert _todos(workplace.users["task_force"])["supply_demands"] == 1
    assert "supply_demands" not in _todos(workplace.users["town_a"])


def test_firm_sees_surveys_to_answer(workplace):
    campaign = surveys.create_campaign(
        workplace.users["town_a"],
        title="防疫物资需求摸排",
        instructions="",
        region=workplace.town_a,
        fields=["notes"],
        deadline=timezone.now() + dt.timedelta(days=2),
    )
    surveys.send_campaign(workplace.users["town_a"], campaign)
    assert _todos(workplace.users["ent_a"])["surveys_to_answer"] == 1
    assert "surveys_to_answer" not in _todos(workplace.users["town_a"])
