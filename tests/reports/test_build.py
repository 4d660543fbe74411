"""build_summaries: the figures of a hand-built day, set-based, never over a confirmed summary."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.enterprises.models import EnterpriseStatus
from fugong.monitoring.models import TestResult
from fugong.reports import services
from fugong.reports.models import FIGURE_NAMES, DailySummary, SummaryStatus
from fugong.workforce.models import EmployeeStatus
from tests.factories import EnterpriseFactory
from tests.reports.conftest import at, local_moment, person, reading, set_status

pytestmark = pytest.mark.django_db


def test_figures_of_a_hand_built_day(world, day):
    written = services.build_summaries(day.day)
    assert written == 2
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    # N0 (诸暨) sets no test cadence: nobody is due a test, and full[0]'s negative sample adds nothing.
    due, done, positive = 0, 0, 0
    assert a.status == SummaryStatus.DRAFT and a.town == world.town_a and a.rounds_required == 2
    assert a.figures() == {
        "on_site": 5,  # two full, partial, none, isolating; not the one at home
        "checked_in_full": 3,  # the two full ones and the isolating one
        "checkin_missing": 2,
        "abnormal": 1,  # one person, two abnormal readings
        "alerts": 1,  # yesterday's alert is yesterday's
        "isolating": 1,
        "tests_due": due,
        "tests_done": done,
        "tests_positive": positive,
        "entries": 2,
        "visitors": 1,
        "refusals": 3,  # the refused employee, visitor and vehicle
        "vehicles": 1,
    }
    b = DailySummary.objects.get(enterprise=world.firm_b, day=day.day)
    assert b.on_site == 1 and b.checkin_missing == 1 and b.checked_in_full == 0 and b.refusals == 0
    # firm_c is not resumed and has nobody on site.
    assert not DailySummary.objects.filter(enterprise=world.firm_c).exists()


def _sample(employee, kind, day, result="negative"):
    return TestResult.objects.create(
        employee=employee,
        enterprise_id=employee.enterprise_id,
        kind=kind,
        sampled_at=at(day, 8),
        sample_day=day,
        result=result,
        source="enterprise",
    )


def test_tests_follow_the_n1_cadence(world, day_n1):
    """N1 七、（二）: nucleic every 3 days, antigen every day, counted by hand. firm_a has five people on
    site (full[0], full[1], partial, none, isolating; ``home`` is not on site):

    * nucleic (interval 3: due when the last sample is 3 or more days old, or there is none) —
      full[0] never sampled before, sampled today: due, done; full[1] sampled 2 days ago: not due;
      partial sampled 3 days ago: due; none sampled 4 days ago: due (overdue); isolating never: due
      → due 4, done 1;
    * antigen (daily): all five due; full[1] and isolating sampled today → due 5, done 2;
    * positive: isolating's antigen today → 1 (home's positive nucleic does not belong to the day's
      people on site, but it is the firm's result of the day: positives count results, so 2).
    """
    day = day_n1
    _sample(day.full[1], "nucleic", day.day - dt.timedelta(days=2))
    _sample(day.partial, "nucleic", day.day - dt.timedelta(days=3))
    _sample(day.none, "nucleic", day.day - dt.timedelta(days=4))
    _sample(day.full[1], "antigen", day.day)
    _sample(day.isolating, "antigen", day.day, result="positive")
    _sample(day.home, "nucleic", day.day, result="positive")
    services.build_summaries(day.day)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    assert (a.tests_due, a.tests_done, a.tests_positive) == (4 + 5, 1 + 2, 2)
    # firm_b's one worker, never tested: a nucleic and an antigen due, none done.
    b = DailySummary.objects.get(enterprise=world.firm_b, day=day.day)
    assert (b.tests_due, b.tests_done, b.tests_positive) == (2, 0, 0)


def test_a_firm_not_resumed_is_summarised_when_someone_is_on_site(world, day):
    set_status(world.firm_c, EnterpriseStatus.SEALED)
    person(world.firm_c, status=EmployeeStatus.ISOLATING, name="封闭")
    services.build_summaries(day.day)
    c = DailySummary.objects.get(enterprise=world.firm_c, day=day.day)
    assert c.on_site == 1 and c.isolating == 1


def test_rebuild_refreshes_drafts_and_is_idempotent(world, day):
    services.build_summaries(day.day)
    reading(day.partial, day.day, 2)
    services.build_summaries(day.day)
    services.build_summaries(day.day)
    assert DailySummary.objects.filter(day=day.day).count() == 2
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    assert a.checked_in_full == 4 and a.checkin_missing == 1 and a.version == 1


def test_only_the_firms_asked(world, day):
    assert services.build_summaries(day.day, [world.firm_b.pk]) == 1
    assert list(DailySummary.objects.values_list("enterprise_id", flat=True)) == [world.firm_b.pk]


def test_a_confirmed_summary_is_not_overwritten(world, day):
    services.build_summaries(day.day)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    confirmed = services.confirm_summary(world.users["ent_a"], a, note="正常")
    signed = confirmed.figures()
    reading(day.partial, day.day, 2)
    reading(day.none, day.day, 1)
    written = services.build_summaries(day.day)
    assert written == 1  # firm_b's draft only
    a.refresh_from_db()
    assert a.status == SummaryStatus.CONFIRMED and a.figures() == signed and a.note == "正常"
    assert a.checked_in_full == 3


def test_past_days_count_every_round_and_other_days_are_apart(world, day):
    yesterday = day.day - dt.timedelta(days=1)
    services.build_summaries(yesterday, force=True)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=yesterday)
    assert a.on_site == 5 and a.checked_in_full == 1 and a.entries == 1 and a.alerts == 1


def test_only_today_and_yesterday_before_the_cut_off_are_live(clock):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    assert dt.time(0, 30) == services.YESTERDAY_REFRESH_UNTIL
    clock(local_moment(today, 0, 29))
    assert services.live_days() == (today, yesterday)
    clock(local_moment(today, 0, 30))
    assert services.live_days() == (today,)
    assert not services.is_live(today - dt.timedelta(days=2)) and not services.is_live(yesterday)


def test_a_past_day_is_not_built_without_force(world, day, clock):
    """After 00:30 yesterday is past: who is on site now says nothing about it, so nothing is
    computed; before 00:30 its drafts are still refreshed."""
    yesterday = day.day - dt.timedelta(days=1)
    assert services.build_summaries(yesterday) == 0
    assert services.build_summaries(day.day - dt.timedelta(days=3), [world.firm_a.pk]) == 0
    assert not DailySummary.objects.exists()
    clock(local_moment(day.day, 0, 10))
    assert services.build_summaries(yesterday) == 2


def test_a_past_draft_keeps_its_figures(world, day):
    """A draft stored while its day was live is not recomputed from today's statuses afterwards."""
    past = day.day - dt.timedelta(days=2)
    stored = DailySummary.objects.create(
        enterprise=world.firm_a, town=world.town_a, day=past, on_site=7, isolating=0, checkin_missing=7
    )
    reading(day.partial, past, 1)
    reading(day.partial, past, 2)
    assert services.build_summaries(past) == 0
    assert services.summary_for(world.firm_a, past).pk == stored.pk
    stored.refresh_from_db()
    assert (stored.on_site, stored.isolating, stored.checkin_missing, stored.checked_in_full) == (7, 0, 7, 0)
    assert stored.computed_at is None


def test_people_with_all_rounds_reads_only_the_firms_computed(world, day):
    """One firm's refresh groups that firm's readings, not the whole city's day."""
    b_full = day.b_worker
    reading(b_full, day.day, 1)
    reading(b_full, day.day, 2)
    rounds = {world.town_a.pk: 2, world.town_b.pk: 2}
    only_b = {r["employee_id"] for r in services.people_with_all_rounds(day.day, rounds, [world.firm_b.pk])}
    assert only_b == {b_full.pk}
    everyone = {r["employee_id"] for r in services.people_with_all_rounds(day.day, rounds)}
    assert everyone == {day.full[0].pk, day.full[1].pk, day.isolating.pk, b_full.pk}
    assert services.compute_figures(day.day, [world.firm_b.pk])[world.firm_b.pk]["checked_in_full"] == 1


def _firms(world, n):
    firms = []
    for i in range(n):
        firm = EnterpriseFactory(
            town=world.town_a if i % 2 else world.town_b, status=EnterpriseStatus.RESUMED
        )
        worker = person(firm, name=f"员工{i}")
        reading(worker, dt.date.today(), 1)
        firms.append(firm)
    return firms


def _queries(world, n, django_assert_max_num_queries, day):
    _firms(world, n)
    with django_assert_max_num_queries(40) as ctx:
        services.build_summaries(day)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_firms(world, n0, django_assert_max_num_queries):
    from django.utils import timezone

    today = timezone.localdate()
    few = _queries(world, 3, django_assert_max_num_queries, today)
    DailySummary.objects.all().delete()
    many = _queries(world, 27, django_assert_max_num_queries, today)
    assert DailySummary.objects.filter(day=today).count() == 30
    assert many == few


def test_figure_names_are_the_model_fields():
    assert all(DailySummary._meta.get_field(name) for name in FIGURE_NAMES)


def test_towns_with_different_rounds(world, day, monkeypatch):
    """Rounds come from each town's policy: three in 暨阳, one in 店口 (one query either way)."""
    real = services._rounds_by_town

    def rounds(policies):
        found = real(policies)
        assert set(found) == {world.town_a.pk, world.town_b.pk}
        return {world.town_a.pk: 3, world.town_b.pk: 1}

    monkeypatch.setattr(services, "_rounds_by_town", rounds)
    # At 19:00 every round of the day is due.
    monkeypatch.setattr(services, "_rounds_due_by_town", lambda policies, day, now: rounds(policies))
    reading(day.full[0], day.day, 3)
    reading(day.b_worker, day.day, 1)
    services.build_summaries(day.day)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    b = DailySummary.objects.get(enterprise=world.firm_b, day=day.day)
    assert (a.rounds_required, a.checked_in_full, a.checkin_missing) == (3, 1, 4)
    assert (b.rounds_required, b.checked_in_full, b.checkin_missing) == (1, 1, 0)


def test_management_command_and_task(world, day):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from fugong.reports.tasks import build_today_summaries

    out = StringIO()
    call_command("build_summaries", "--day", day.day.isoformat(), stdout=out)
    assert "2 drafts" in out.getvalue()
    call_command(
        "build_summaries", "--day", day.day.isoformat(), "--enterprise", str(world.firm_b.pk), stdout=out
    )
    with pytest.raises(CommandError):
        call_command("build_summaries", "--day", "02/03/2020")
    with pytest.raises(CommandError):
        call_command("build_summaries", "--day", "2020-02-30")
    DailySummary.objects.all().delete()
    assert build_today_summaries.delay().get() >= 2
    assert DailySummary.objects.filter(day=day.day).count() == 2


def test_the_command_rebuilds_a_past_day_only_with_force(world, day):
    from io import StringIO

    from django.core.management import CommandError, call_command

    past = (day.day - dt.timedelta(days=2)).isoformat()
    with pytest.raises(CommandError, match="--force"):
        call_command("build_summaries", "--day", past)
    assert not DailySummary.objects.exists()
    out, err = StringIO(), StringIO()
    call_command("build_summaries", "--day", past, "--force", stdout=out, stderr=err)
    assert "2 drafts" in out.getvalue() and "CURRENT statuses" in err.getvalue()
    assert DailySummary.objects.filter(day=past).count() == 2


def test_the_task_builds_yesterday_until_the_cut_off(world, day, clock):
    from fugong.reports.tasks import build_today_summaries

    yesterday = day.day - dt.timedelta(days=1)
    build_today_summaries()
    assert set(DailySummary.objects.values_list("day", flat=True)) == {day.day}
    clock(local_moment(day.day, 0, 20))
    build_today_summaries()
    assert DailySummary.objects.filter(day=yesterday).count() == 2


def test_beat_refreshes_every_half_hour():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["reports.build_today_summaries"]
    assert entry["task"] == "reports.build_today_summaries" and entry["schedule"] == 30 * 60


def test_a_future_day_is_not_built(world, day):
    assert services.build_summaries(day.day + dt.timedelta(days=1)) == 0
    assert not DailySummary.objects.exists()


def test_rounds_and_version_of_the_policy_in_force(world, day, n0, clock):
    """A version with three rounds of its own replaces the two: the summary counts three, and records the
    version its figures were computed under; a refreshed draft moves to the new version. At 19:00 the
    third round (due 20:00) is not yet anybody's gap; at 20:00 it is."""
    from tests.monitoring.conftest import THREE_ROUNDS, new_version

    services.build_summaries(day.day)
    first = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    assert first.rounds_required == 2 and first.policy_version.policy == n0
    version = new_version(n0, temperature_rounds=THREE_ROUNDS)
    reading(day.full[0], day.day, 3)
    services.build_summaries(day.day)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    b = DailySummary.objects.get(enterprise=world.firm_b, day=day.day)
    assert a.policy_version_id == b.policy_version_id == version.pk != first.policy_version_id
    assert (a.rounds_required, a.rounds_due, a.checked_in_full, a.checkin_missing) == (3, 2, 3, 2)
    clock(local_moment(day.day, 20))
    services.build_summaries(day.day)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    b = DailySummary.objects.get(enterprise=world.firm_b, day=day.day)
    assert (a.rounds_required, a.rounds_due, a.checked_in_full, a.checkin_missing) == (3, 3, 1, 4)
    assert (b.rounds_required, b.checked_in_full, b.checkin_missing) == (3, 0, 1)
    done = services.confirm_summary(world.users["ent_a"], a)
    assert done.policy_version_id == version.pk and done.status == SummaryStatus.CONFIRMED


def test_a_policy_without_rounds_requires_none_and_nobody_misses_one(world, day, n0):
    from tests.monitoring.conftest import new_version

    version = new_version(n0, drop=("temperature_rounds",))
    services.build_summaries(day.day)
    a = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    assert a.policy_version_id == version.pk
    assert (a.rounds_required, a.checked_in_full, a.checkin_missing) == (0, 0, 0)
    assert a.on_site == 5 and a.abnormal == 1  # the other figures are what they were
