"""Confirming and reopening a day; the API's scope and conflicts; the town roll-up."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.audit.models import AuditEntry
from fugong.reports import selectors, services
from fugong.reports.models import FIGURE_NAMES, DailySummary, SummaryStatus
from fugong.resumption.models import Notification
from tests.reports.conftest import local_moment, reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(world, day):
    services.build_summaries(day.day)
    return DailySummary.objects.get(enterprise=world.firm_a, day=day.day)


def test_the_firm_confirms_with_fresh_figures(world, day, built, django_capture_on_commit_callbacks):
    reading(day.partial, day.day, 2)  # after the last refresh: the confirmation sees it
    with django_capture_on_commit_callbacks(execute=True):
        done = services.confirm_summary(world.users["ent_a"], built, note="一人漏测已补", expected_version=1)
    assert done.status == SummaryStatus.CONFIRMED and done.version == 2
    assert done.confirmed_by == world.users["ent_a"] and done.confirmed_at is not None
    assert done.checked_in_full == 4 and done.checkin_missing == 1 and done.note == "一人漏测已补"
    entry = AuditEntry.objects.get(action="reports.confirm", object_id=str(done.pk))
    assert entry.after["status"] == "confirmed" and entry.before["checked_in_full"] == 3
    assert Notification.objects.filter(recipient=world.users["town_a"], event="reports.confirm").exists()
    assert not Notification.objects.filter(recipient=world.users["town_b"]).exists()


@pytest.mark.parametrize("who", ["outsider", "ent_c", "town_a", "task_force", "gate_a", "employee_a"])
def test_only_the_firms_officer_confirms(world, built, who):
    with pytest.raises(PermissionDenied):
        services.confirm_summary(world.users[who], built)
    built.refresh_from_db()
    assert built.status == SummaryStatus.DRAFT and built.version == 1


def test_confirming_twice_or_a_future_day_is_refused(world, day, built):
    services.confirm_summary(world.users["ent_a"], built)
    with pytest.raises(ValidationError) as exc:
        services.confirm_summary(world.users["ent_a"], built)
    assert "已确认上报" in str(exc.value.message_dict["status"])
    future = DailySummary.objects.create(
        enterprise=world.firm_a, town=world.town_a, day=day.day + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as exc:
        services.confirm_summary(world.users["ent_a"], future)
    assert "「日期」" in exc.value.message_dict["day"][0]


def _past_draft(world, day, days_ago=2):
    """A draft stored while its day was live: figures unlike anything today's statuses would give."""
    return DailySummary.objects.create(
        enterprise=world.firm_a,
        town=world.town_a,
        day=day.day - dt.timedelta(days=days_ago),
        on_site=7,
        checked_in_full=6,
        checkin_missing=1,
        isolating=0,
        tests_due=3,
    )


def test_confirming_a_past_day_signs_the_stored_figures(world, day):
    draft = _past_draft(world, day)
    stored = draft.figures()
    reading(day.partial, draft.day, 1)
    done = services.confirm_summary(world.users["ent_a"], draft, note="补报", expected_version=1)
    assert done.status == SummaryStatus.CONFIRMED and done.figures() == stored
    done.refresh_from_db()
    assert done.figures() == stored and done.computed_at is None
    entry = AuditEntry.objects.get(action="reports.confirm", object_id=str(done.pk))
    assert entry.before["on_site"] == entry.after["on_site"] == 7


def test_confirming_yesterday_before_the_cut_off_recomputes(world, day, clock):
    clock(local_moment(day.day, 0, 15))
    draft = _past_draft(world, day, days_ago=1)
    done = services.confirm_summary(world.users["ent_a"], draft)
    assert done.on_site == 5  # yesterday is still live: the records of now


def test_a_reopened_past_day_keeps_the_signed_figures(world, day):
    draft = _past_draft(world, day)
    signed = services.confirm_summary(world.users["ent_a"], draft).figures()
    reopened = services.reopen_summary(world.users["town_a"], draft, "隔离人数有误")
    assert services.build_summaries(draft.day) == 0
    reopened.refresh_from_db()
    assert reopened.status == SummaryStatus.DRAFT and reopened.figures() == signed


def test_stale_version_is_a_conflict(world, built):
    with pytest.raises(services.SummaryConflict):
        services.confirm_summary(world.users["ent_a"], built, expected_version=7)
    built.refresh_from_db()
    assert built.status == SummaryStatus.DRAFT


def test_the_town_reopens_and_the_refresh_resumes(world, day, built, django_capture_on_commit_callbacks):
    services.confirm_summary(world.users["ent_a"], built)
    with pytest.raises(ValidationError):
        services.reopen_summary(world.users["town_a"], built, "")
    for who in ("ent_a", "town_b", "outsider", "task_force"):
        with pytest.raises(PermissionDenied):
            services.reopen_summary(world.users[who], built, "数字有误")
    with django_capture_on_commit_callbacks(execute=True):
        reopened = services.reopen_summary(world.users["town_a"], built, "隔离人数有误")
    assert reopened.status == SummaryStatus.DRAFT and reopened.version == 3 and reopened.confirmed_by is None
    assert AuditEntry.objects.filter(action="reports.reopen", note="隔离人数有误").exists()
    assert Notification.objects.filter(recipient=world.users["ent_a"], event="reports.reopen").exists()
    reading(day.partial, day.day, 2)
    services.build_summaries(day.day)
    reopened.refresh_from_db()
    assert reopened.checked_in_full == 4


# -- API --------------------------------------------------------------------------------------------------
def test_api_confirm_and_conflict(world, built, api_client):
    url = f"/api/v1/daily-summaries/{built.pk}/confirm/"
    api_client.force_authenticate(world.users["ent_a"])
    stale = api_client.post(url, {"version": 5, "note": ""}, format="json")
    assert stale.status_code == 409 and "刷新" in stale.json()["error"]["message"]
    ok = api_client.post(url, {"version": 1, "note": "正常"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed" and ok.json()["version"] == 2
    again = api_client.post(url, {"version": 2}, format="json")
    assert again.status_code == 400 and "status" in again.json()["error"]["fields"]


@pytest.mark.parametrize(
    "who,status", [("ent_c", 404), ("town_a", 403), ("outsider", 403), ("employee_a", 403)]
)
def test_api_confirm_refused(world, built, api_client, who, status):
    api_client.force_authenticate(world.users[who])
    response = api_client.post(f"/api/v1/daily-summaries/{built.pk}/confirm/", {"version": 1}, format="json")
    assert response.status_code == status
    built.refresh_from_db()
    assert built.status == SummaryStatus.DRAFT


@pytest.mark.parametrize("who", ["gate_a", "grid_a", "employee_a"])
def test_api_reading_needs_reports_view(world, built, api_client, who):
    """The 每日汇总 page needs reports.view; so does its API, though these users see firm_a otherwise."""
    api_client.force_authenticate(world.users[who])
    assert api_client.get("/api/v1/daily-summaries/").status_code == 403
    assert api_client.get(f"/api/v1/daily-summaries/{built.pk}/").status_code == 403


@pytest.mark.parametrize("who,status", [("ent_a", 200), ("town_a", 200), ("outsider", 404), ("ent_c", 404)])
def test_api_reading_with_reports_view_is_scoped(world, built, api_client, who, status):
    api_client.force_authenticate(world.users[who])
    assert api_client.get(f"/api/v1/daily-summaries/{built.pk}/").status_code == status
    listed = api_client.get("/api/v1/daily-summaries/", {"page_size": 50})
    assert listed.status_code == 200
    rows = listed.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert (built.pk in {r["id"] for r in rows}) == (status == 200)


def test_api_list_is_scoped_and_filters(world, day, built, api_client):
    api_client.force_authenticate(world.users["task_force"])
    rows = api_client.get("/api/v1/daily-summaries/", {"day": day.day.isoformat(), "page_size": 50}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {r["enterprise"] for r in rows} == {world.firm_a.pk, world.firm_b.pk}
    town = api_client.get("/api/v1/daily-summaries/", {"town": world.town_b.pk}).json()
    town = town["results"] if isinstance(town, dict) else town
    assert [r["enterprise"] for r in town] == [world.firm_b.pk]
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"/api/v1/daily-summaries/{built.pk}/").status_code == 404


def test_api_rollup(world, day, built, api_client):
    services.confirm_summary(world.users["ent_a"], built)
    api_client.force_authenticate(world.users["task_force"])
    body = api_client.get("/api/v1/daily-rollup/", {"day": day.day.isoformat()}).json()
    towns = {t["town_code"]: t for t in body["towns"]}
    assert towns["330681001"]["confirmed"] == 1 and towns["330681001"]["unconfirmed"] == []
    assert [u["enterprise"] for u in towns["330681104"]["unconfirmed"]] == [world.firm_b.pk]
    assert body["total"]["firms"] == 2 and body["total"]["sums"]["on_site"] == 6
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get("/api/v1/daily-rollup/").status_code == 200
    text = api_client.get("/api/v1/daily-rollup/", {"day": day.day.isoformat()}).content.decode()
    assert world.firm_a.name not in text and world.firm_b.name not in text
    api_client.force_authenticate(world.users["gate_a"])
    assert api_client.get("/api/v1/daily-rollup/").status_code == 403
    api_client.force_authenticate(world.users["task_force"])
    for bad in ("2020-02-30", "yesterday"):
        response = api_client.get("/api/v1/daily-rollup/", {"day": bad})
        assert response.status_code == 400 and "day" in response.json()["error"]["fields"]


# -- roll-up ----------------------------------------------------------------------------------------------
def test_town_rollup_sums_and_unconfirmed(world, day, built):
    b = DailySummary.objects.get(enterprise=world.firm_b, day=day.day)
    services.confirm_summary(world.users["ent_a"], built)
    rows = {r.region.code: r for r in selectors.town_rollup(world.users["task_force"], day.day)}
    assert set(rows) == {"330681001", "330681104"}  # every town of the county, and nothing of 越城区
    a_row, b_row = rows["330681001"], rows["330681104"]
    assert (a_row.firms, a_row.confirmed, a_row.unconfirmed) == (1, 1, [])
    assert (b_row.firms, b_row.confirmed, b_row.unconfirmed) == (1, 0, [(world.firm_b.pk, world.firm_b.name)])
    built.refresh_from_db()
    assert a_row.sums == built.figures() and b_row.sums == b.figures()
    county = selectors.region_rollup(world.users["task_force"], day.day)
    assert [c.region.code for c in county] == ["330681"]
    assert county[0].firms == 2 and county[0].unconfirmed_count == 1
    assert county[0].sums == {n: built.figures()[n] + b.figures()[n] for n in FIGURE_NAMES}
    city = selectors.region_rollup(world.users["task_force"], day.day, level=2)
    assert [c.region.code for c in city] == ["3306"] and city[0].firms == 2
    # The town officer sees their town only; the outsider none of it.
    mine = selectors.town_rollup(world.users["town_b"], day.day)
    assert [r.region.code for r in mine] == ["330681104"] and mine[0].firms == 1
    theirs = selectors.town_rollup(world.users["outsider"], day.day)
    assert all(r.firms == 0 for r in theirs)
    assert not selectors.summaries_visible_to(world.users["outsider"], day.day).exists()
