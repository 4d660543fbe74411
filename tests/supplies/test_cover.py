import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fugong.supplies import selectors, services
from fugong.supplies.models import StockMovement

pytestmark = pytest.mark.django_db


def _issue_days_ago(actor, firm, item, quantity, days):
    movement = services.issue(actor, firm, item, quantity, counterparty="一车间")
    StockMovement.objects.filter(pk=movement.pk).update(at=timezone.now() - dt.timedelta(days=days))


def _row(cover, firm, item):
    return next(r for r in cover[firm.pk] if r["item"] == item)


def test_daily_use_and_days_of_cover(world, ent_a, stocked):
    _issue_days_ago(ent_a, world.firm_a, "n95", 14, 1)
    _issue_days_ago(ent_a, world.firm_a, "n95", 7, 7)
    # Eight days ago is outside the week, today is not in it yet.
    _issue_days_ago(ent_a, world.firm_a, "n95", 30, 8)
    services.issue(ent_a, world.firm_a, "n95", 5, counterparty="二车间")
    row = _row(selectors.cover_by_firm(timezone.localdate()), world.firm_a, "n95")
    assert row["quantity"] == 44
    assert row["daily_use"] == Decimal(21) / 7 == Decimal(3)
    assert row["days_of_cover"] == Decimal(44) / Decimal(3)
    assert row["unit"] == "个" and row["item_name"] == "N95口罩"
    # No policy: nothing is required and nothing is short.
    assert row["required"] is False and row["short"] is False and row["reason"] == ""


def test_no_issues_means_no_cover_figure(world, ent_a, stocked):
    row = _row(selectors.cover_by_firm(timezone.localdate()), world.firm_a, "n95")
    assert row["daily_use"] == 0 and row["days_of_cover"] is None


def test_no_policy_nothing_short(world):
    assert selectors.cover_by_firm(timezone.localdate(), [world.firm_a.pk]) == {world.firm_a.pk: []}
    assert selectors.shortages_by_firm(timezone.localdate(), [world.firm_a.pk]) == {world.firm_a.pk: []}


def test_required_items_listed_and_empty_ones_short(world, ent_a, n1_policy, stocked):
    cover = selectors.cover_by_firm(timezone.localdate(), [world.firm_a.pk, world.firm_b.pk])
    items = [r["item"] for r in cover[world.firm_a.pk]]
    assert items == ["n95", "protective_suit", "disinfectant", "antigen_kit"]
    assert _row(cover, world.firm_a, "n95")["short"] is False
    suit = _row(cover, world.firm_a, "protective_suit")
    assert suit["short"] and suit["quantity"] == 0 and suit["required"]
    assert suit["reason"].startswith("《") and "八、（二）" in suit["reason"] and "防护服" in suit["reason"]
    shortages = selectors.shortages_by_firm(timezone.localdate())
    assert [r["item"] for r in shortages[world.firm_b.pk]] == [
        "n95",
        "protective_suit",
        "disinfectant",
        "antigen_kit",
    ]
    # firm_c's county has no policy.
    assert shortages[world.firm_c.pk] == []


def test_min_days_of_cover_only_when_set(world, ent_a, n1_policy, stocked):
    _issue_days_ago(ent_a, world.firm_a, "n95", 70, 2)  # 10 a day, 30 left: 3 days
    day = timezone.localdate()
    assert _row(selectors.cover_by_firm(day), world.firm_a, "n95")["short"] is False
    from tests.supplies.conftest import edit_policy

    edit_policy(n1_policy, supplies_min_days_of_cover=7)
    row = _row(selectors.cover_by_firm(day), world.firm_a, "n95")
    assert row["days_of_cover"] == 3 and row["short"]
    from fugong.policy.selectors import find_policy_for

    assert row["reason"].startswith(
        find_policy_for(world.town_a, day).cite("supplies_min_days_of_cover") + "："
    )
    assert "诸防控〔2026〕9号" in row["reason"] and "3天" in row["reason"] and "低于7天" in row["reason"]


def test_not_required_item_never_short(world, ent_a, cover_policy):
    services.receive(ent_a, world.firm_a, "goggles", 1)
    _issue_days_ago(ent_a, world.firm_a, "goggles", 1, 1)
    row = _row(selectors.cover_by_firm(timezone.localdate()), world.firm_a, "goggles")
    assert row["quantity"] == 0 and not row["required"] and not row["short"]


def test_set_based(world, ent_a, cover_policy, stocked):
    """The same few statements however many firms and towns there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EnterpriseFactory

    day = timezone.localdate()
    with CaptureQueriesContext(connection) as few:
        selectors.cover_by_firm(day)
    for town in (world.town_a, world.town_b, world.other_town):
        firm = EnterpriseFactory(town=town)
        services.receive(ent_a, world.firm_a, "mask", 5)
        assert firm.pk
    with CaptureQueriesContext(connection) as many:
        cover = selectors.cover_by_firm(day)
    assert len(cover) == 6
    assert len(many) == len(few) <= 7
