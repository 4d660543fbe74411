"""DONE WHEN (issue 12): a firm's compliance picture for a day lists each checklist item with met / not met
and its reason, and agrees with the data; the firms ordered by risk put the one with a fever, a missed
disinfection round and no masks first, and show why."""

import datetime as dt

import pytest
from django.urls import reverse

from fugong.accounts.roles import Role
from fugong.compliance import services
from fugong.compliance.models import ComplianceDay
from fugong.disinfection.models import DisinfectionSchedule
from fugong.monitoring import schedule
from fugong.policy.selectors import find_policy_for
from tests.compliance.conftest import (
    ITEMS,
    all_rounds,
    checkin,
    commitments,
    disinfect,
    dorm,
    entry,
    grid,
    isolation_room,
    item,
    leader,
    person,
    photo,
    resume,
    stock,
    today,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def good_firm(world):
    """firm_a: everything in order."""
    firm, day = world.firm_a, today()
    rounds = len(schedule.rounds_of(find_policy_for(firm.town, day)))
    people = [person(firm, "甲一"), person(firm, "甲二")]
    isolation_room(firm)
    stock(firm, "mask", 500)
    grid(firm, *people)
    dorm(firm, people, area="30")
    for p in people:
        for n in range(1, rounds + 1):
            checkin(p, day - dt.timedelta(days=1), n)
        checkin(p, day, 1)
        entry(p, day)
    all_rounds(firm, day)
    leader(firm)
    commitments(firm, world.users["ent_a"])
    services.self_assess(world.users["ent_a"], item("T-SELF"), True, "已开展培训", photo())
    services.inspect(world.users["inspector"], firm, item("T-INSP"), True, "现场查看符合要求")
    return people


def bad_firm(world):
    """firm_b: no isolation room, no masks, nobody in a grid unit, six in 12 m², a missed round yesterday,
    disinfection rounds past their time limit, a check-in without a gate entry, a fever, no team leader,
    one commitment missing, a self-assessment overturned, an inspection not met."""
    firm, day = world.firm_b, today()
    officer = UserFactory(username="ent_b", role=Role.ENTERPRISE, enterprise=firm)
    fever = person(firm, "乙发热")
    others = [person(firm, f"乙{n}") for n in range(5)]
    dorm(firm, [fever, *others], area="12")
    checkin(fever, day - dt.timedelta(days=1), 1)
    checkin(fever, day, 1, "38.2", abnormal=True)
    disinfect(firm, day, "workshop", "before_work")
    DisinfectionSchedule.objects.create(enterprise=firm, round="before_work", due_by=dt.time(7, 0))
    DisinfectionSchedule.objects.create(enterprise=firm, round="after_work", due_by=dt.time(8, 0))
    commitments(firm, officer, codes=("C-1",))
    answer = services.self_assess(officer, item("T-SELF"), True, "已培训", photo())
    services.verify(world.users["inspector"], answer, "overturned", "培训签到表系补签")
    services.inspect(world.users["town_b"], firm, item("T-INSP"), False, "车辆未消毒即放行")
    return fever


EXPECTED = {
    # code: (firm_a, firm_b, a fragment of firm_b's reason)
    "T-ISO": ("met", "not_met", "未登记隔离室"),
    "T-STOCK": ("met", "not_met", "医用口罩"),
    "T-GRID": ("met", "not_met", "6名在岗人员未纳入网格单元"),
    "T-DORM": ("met", "not_met", "2.5平方米"),
    "T-CHECK": ("met", "not_met", "6人未完成全部2轮"),
    "T-DIS-W": ("met", "not_met", "车间下班后"),
    "T-DIS": ("met", "not_met", "办公室上班前"),
    "T-GATE": ("met", "not_met", "1人没有门岗进厂测温登记"),
    "T-TEAM": ("met", "not_met", "未登记防疫工作小组组长"),
    "T-COMMIT": ("met", "not_met", "C-2"),
    "T-SELF": ("met", "not_met", "培训签到表系补签"),
    "T-INSP": ("met", "not_met", "车辆未消毒即放行"),
}


def test_the_picture_lists_every_item_and_agrees_with_the_data(world, policy, pinned_clock):
    resume(world.firm_a, world.firm_b)
    good_firm(world)
    bad_firm(world)
    assert services.build_compliance(today()) == 2
    a = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    b = ComplianceDay.objects.get(enterprise=world.firm_b, day=today())
    assert [i["code"] for i in a.items] == [code for code, *_ in ITEMS]
    for row in (a, b):
        for entry_ in row.items:
            assert entry_["reason"], entry_
            assert entry_["checklist_name"] == "测试清单" and entry_["link"]
    by_code_a = {i["code"]: i for i in a.items}
    by_code_b = {i["code"]: i for i in b.items}
    for code, (want_a, want_b, fragment) in EXPECTED.items():
        assert by_code_a[code]["status"] == want_a, (code, by_code_a[code]["reason"])
        assert by_code_b[code]["status"] == want_b, (code, by_code_b[code]["reason"])
        assert fragment in by_code_b[code]["reason"], (code, by_code_b[code]["reason"])
    # Every reason of a policy-valued rule starts with the value's citation; item-based ones with the
    # item's source in its notice.
    assert all(i["reason"].startswith("《") or "版（" in i["reason"].split("：")[0] for i in b.items)
    assert (a.met, a.not_met, a.unknown) == (12, 0, 0)
    assert (b.met, b.not_met, b.unknown) == (0, 12, 0)
    assert a.policy_version_id == policy.pk
    # The firm's page shows the same, item by item.
    from django.test import Client

    client = Client()
    client.force_login(world.users["ent_a"])
    html = client.get(reverse("compliance:index")).content.decode()
    for code in EXPECTED:
        assert f'data-testid="status-{code}">达标<' in html


def test_the_risk_order_puts_fever_missed_round_and_no_masks_first(world, policy, pinned_clock, client):
    resume(world.firm_a, world.firm_b)
    good_firm(world)
    bad_firm(world)
    services.build_compliance(today())
    b = ComplianceDay.objects.get(enterprise=world.firm_b, day=today())
    a = ComplianceDay.objects.get(enterprise=world.firm_a, day=today())
    assert a.risk_score == 0 and a.risk_reasons == []
    # 12 unmet × 5 + 1 fever × 30 + 3 missed rounds × 4 + 1 short item × 10
    assert b.risk_score == 12 * 5 + 30 + 3 * 4 + 10
    reasons = "\n".join(b.risk_reasons)
    assert "乙发热（38.2℃）" in reasons
    assert "车间下班后" in reasons and "办公室上班前" in reasons
    assert "医用口罩（无库存）" in reasons
    assert all("分＝" in r for r in b.risk_reasons)
    assert b.signals["abnormal_temperatures"]["count"] == 1
    assert b.signals["missed_disinfection_rounds"]["count"] == 3
    assert b.signals["stock_shortages"]["items"][0]["item"] == "mask"

    client.force_login(world.users["task_force"])
    html = client.get(reverse("compliance:risk")).content.decode()
    assert html.index(world.firm_b.name) < html.index(world.firm_a.name)
    for fragment in ("乙发热（38.2℃）", "车间下班后", "医用口罩（无库存）"):
        assert fragment in html
