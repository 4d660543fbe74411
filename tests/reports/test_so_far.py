"""Rounds that mean something in the day's summary: a round not yet due is nobody's gap, a day is
confirmed finally only once its last round is due, and before that only "so far" (截至目前) — stored,
shown and rolled up as provisional, and replaced by the final confirmation.

The clock is pinned (``clock`` pins the reports' "now" and ``pinned_clock`` the system's). N0 sets two
rounds: 上午 05:00–12:00 and 下午 13:00–18:00. The hand-built day (conftest): two people with both
rounds, ``partial`` with the first only, ``none`` with none, ``isolating`` with both; firm_b's worker
with none.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.reports import selectors, services
from fugong.reports.models import DailySummary, SummaryStatus
from tests.reports.conftest import local_moment, reading

pytestmark = pytest.mark.django_db


def _summary(firm, day):
    return DailySummary.objects.get(enterprise=firm, day=day)


def test_rounds_not_yet_due_are_nobodys_gap(world, day, clock):
    # 09:00: no round is due yet (the first is due at 12:00): nobody is missing one.
    clock(local_moment(day.day, 9))
    services.build_summaries(day.day)
    a = _summary(world.firm_a, day.day)
    assert (a.rounds_required, a.rounds_due, a.checked_in_full, a.checkin_missing) == (2, 0, 0, 0)
    assert a.partial_day
    # 12:30: the first round is due — only ``none`` lacks it (``partial`` did it).
    clock(local_moment(day.day, 12, 30))
    services.build_summaries(day.day)
    a = _summary(world.firm_a, day.day)
    assert (a.rounds_due, a.checked_in_full, a.checkin_missing) == (1, 4, 1)
    b = _summary(world.firm_b, day.day)
    assert (b.rounds_due, b.checkin_missing) == (1, 1)
    # 18:00: both are due — ``partial`` now lacks the second.
    clock(local_moment(day.day, 18))
    services.build_summaries(day.day)
    a = _summary(world.firm_a, day.day)
    assert (a.rounds_due, a.checked_in_full, a.checkin_missing) == (2, 3, 2) and not a.partial_day


def test_the_morning_page_marks_the_figures_and_counts_no_round_not_due(world, day, clock, client):
    clock(local_moment(day.day, 9))
    client.force_login(world.users["ent_a"])
    body = client.get(reverse("reports:daily")).content.decode()
    assert "尚无到期轮次" in body and 'data-testid="as-of"' in body
    assert "以下数字截至 09:00" in body and "尚未到期的轮次不计为缺漏" in body
    assert "未完成当日全部" not in body  # no gap listed for rounds not due
    clock(local_moment(day.day, 12, 30))
    body = client.get(reverse("reports:daily")).content.decode()
    assert "体温检测缺漏（已到期1轮）" in body and "1人未完成已到期的1轮体温检测" in body


def test_confirming_before_the_last_round_is_due_is_refused_except_so_far(world, day, clock):
    clock(local_moment(day.day, 9, 5))
    services.build_summaries(day.day)
    a = _summary(world.firm_a, day.day)
    with pytest.raises(ValidationError) as exc:
        services.confirm_summary(world.users["ent_a"], a)
    message = exc.value.message_dict["day"][0]
    assert message.endswith(
        "：当日最后一轮第二轮（下午）18:00 到期后方可确认上报；此前只能确认截至目前的情况"
    )
    assert message.startswith("《")  # the policy's citation of its rounds
    a.refresh_from_db()
    assert a.status == SummaryStatus.DRAFT and a.version == 1

    so_far = services.confirm_summary(world.users["ent_a"], a, note="上午情况", so_far=True)
    assert so_far.status == SummaryStatus.PROVISIONAL and so_far.as_of == so_far.confirmed_at
    assert (so_far.rounds_due, so_far.checkin_missing) == (0, 0)
    entry = AuditEntry.objects.filter(action="reports.confirm", object_id=str(a.pk)).get()
    assert entry.after["status"] == "provisional"

    # The refresh leaves what the firm signed alone, even once rounds fall due.
    clock(local_moment(day.day, 12, 30))
    services.build_summaries(day.day)
    a.refresh_from_db()
    assert a.status == SummaryStatus.PROVISIONAL and a.checkin_missing == 0 and a.rounds_due == 0
    # Still before 18:00: only "so far" again, which replaces the first.
    with pytest.raises(ValidationError):
        services.confirm_summary(world.users["ent_a"], a)
    again = services.confirm_summary(world.users["ent_a"], a, so_far=True)
    assert again.status == SummaryStatus.PROVISIONAL and (again.rounds_due, again.checkin_missing) == (1, 1)

    # After the last round is due, the final confirmation replaces it with the whole day.
    clock(local_moment(day.day, 18, 1))
    final = services.confirm_summary(world.users["ent_a"], again, note="全天情况")
    assert final.status == SummaryStatus.CONFIRMED and final.note == "全天情况"
    assert (final.rounds_due, final.checked_in_full, final.checkin_missing) == (2, 3, 2)
    with pytest.raises(ValidationError):
        services.confirm_summary(world.users["ent_a"], final)


def test_so_far_after_the_last_due_time_is_final(world, day, clock):
    services.build_summaries(day.day)  # 19:00
    done = services.confirm_summary(world.users["ent_a"], _summary(world.firm_a, day.day), so_far=True)
    assert done.status == SummaryStatus.CONFIRMED


def test_without_rounds_there_is_no_round_gate(world, day, n0, clock):
    from tests.monitoring.conftest import new_version

    new_version(n0, drop=("temperature_rounds",))
    clock(local_moment(day.day, 6))
    services.build_summaries(day.day)
    a = _summary(world.firm_a, day.day)
    assert (a.rounds_required, a.rounds_due, a.checkin_missing) == (0, 0, 0) and not a.partial_day
    done = services.confirm_summary(world.users["ent_a"], a)
    assert done.status == SummaryStatus.CONFIRMED


def test_the_firm_page_offers_only_so_far_before_the_last_round(world, day, clock, client):
    clock(local_moment(day.day, 9, 5))
    client.force_login(world.users["ent_a"])
    body = client.get(reverse("reports:daily")).content.decode()
    assert 'data-testid="confirm-so-far"' in body and 'data-testid="confirm"' not in body
    assert "确认截至目前（09:05）" in body and "18:00 到期后方可确认上报" in body
    a = _summary(world.firm_a, day.day)
    url = reverse("reports:confirm", args=[a.pk])
    # A final confirmation posted anyway (an old page) is refused with the reason.
    response = client.post(url, {"version": a.version}, follow=True)
    assert "18:00 到期后方可确认上报" in response.content.decode()
    assert _summary(world.firm_a, day.day).status == SummaryStatus.DRAFT
    response = client.post(url, {"version": a.version, "so_far": "1"}, follow=True)
    body = response.content.decode()
    assert "已确认" in body and "截至09:05的健康汇总" in body
    assert "仅确认截至 09:05" in body and 'data-testid="provisional"' in body
    assert _summary(world.firm_a, day.day).status == SummaryStatus.PROVISIONAL
    clock(local_moment(day.day, 18, 30))
    body = client.get(reverse("reports:daily")).content.decode()
    assert 'data-testid="confirm"' in body and 'data-testid="confirm-so-far"' not in body


def test_the_town_sees_who_confirmed_only_so_far(world, day, clock, client):
    clock(local_moment(day.day, 10, 15))
    services.build_summaries(day.day)
    services.confirm_summary(world.users["ent_a"], _summary(world.firm_a, day.day), so_far=True)
    rows = {row.region.pk: row for row in selectors.town_rollup(world.users["task_force"], day.day)}
    a_row = rows[world.town_a.pk]
    assert (a_row.confirmed, a_row.provisional_count, a_row.unconfirmed_count) == (0, 1, 0)
    assert a_row.provisional[0][:2] == (world.firm_a.pk, world.firm_a.name)
    client.force_login(world.users["town_a"])
    body = client.get(reverse("reports:daily")).content.decode()
    assert "仅确认截至 10:15" in body and "仅确认截至目前1家" in body
    # "只看待确认" lists the firms not finally confirmed, "so far" included.
    body = client.get(reverse("reports:daily"), {"status": "unconfirmed"}).content.decode()
    assert f'data-testid="firm-{world.firm_a.pk}"' in body
    # The task force's county view names them.
    client.force_login(world.users["task_force"])
    body = client.get(reverse("reports:daily")).content.decode()
    assert "仅确认截至目前的企业（1家）" in body and f"{world.firm_a.name}（截至 10:15）" in body
    # The town may send a provisional day back too.
    reopened = services.reopen_summary(world.users["town_a"], _summary(world.firm_a, day.day), "数字有误")
    assert reopened.status == SummaryStatus.DRAFT


def test_api_confirms_so_far(world, day, clock, api_client):
    clock(local_moment(day.day, 9))
    services.build_summaries(day.day)
    a = _summary(world.firm_a, day.day)
    api_client.force_authenticate(world.users["ent_a"])
    url = f"/api/v1/daily-summaries/{a.pk}/confirm/"
    refused = api_client.post(url, {"version": 1}, format="json")
    assert refused.status_code == 400 and "18:00 到期后方可确认上报" in str(refused.json())
    ok = api_client.post(url, {"version": 1, "so_far": True}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "provisional" and ok.json()["rounds_due"] == 0
    rollup = api_client.get("/api/v1/daily-rollup/").json()
    # A firm's officer sees its own town's row.
    assert [p["enterprise"] for t in rollup["towns"] for p in t["provisional"]] == [a.enterprise_id]


def test_a_late_reading_after_so_far_counts_in_the_final_figures(world, day, clock):
    clock(local_moment(day.day, 12, 30))
    services.build_summaries(day.day)
    a = services.confirm_summary(world.users["ent_a"], _summary(world.firm_a, day.day), so_far=True)
    assert a.checkin_missing == 1
    clock(local_moment(day.day, 18, 5))
    reading(day.none, day.day, 1)
    reading(day.none, day.day, 2)
    final = services.confirm_summary(world.users["ent_a"], a)
    # ``partial`` still lacks the second round; ``none`` caught up.
    assert final.status == SummaryStatus.CONFIRMED and final.checkin_missing == 1
