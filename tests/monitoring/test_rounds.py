"""The day's rounds come from the policy alone: their number, their names and their windows; a reading
before a round's window opens is refused with the time it opens; a policy with no rounds has none due."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from fugong.monitoring import schedule, selectors, services
from fugong.monitoring.models import Alert, HealthCheckin
from fugong.policy.selectors import policy_for
from tests.monitoring.conftest import THREE_ROUNDS, at_work, new_version, today_at

pytestmark = pytest.mark.django_db


def _checkin(world, person, temp="36.5", **kw):
    kw.setdefault("source", "bulk")
    return services.record_checkin(world.users["ent_a"], person, temperature=temp, **kw)


def _message(exc) -> str:
    return "；".join(m for ms in exc.value.message_dict.values() for m in ms)


def test_second_round_before_its_window_is_refused_with_the_opening_time(world, worker, clock):
    cite = policy_for(world.town_a).cite("temperature_rounds")
    with pytest.raises(ValidationError) as exc:
        _checkin(world, worker, round=2)  # now 09:00: the afternoon round opens at 13:00
    assert _message(exc) == f"{cite}：第二轮（下午）13:00 起方可打卡"
    clock(20)
    with pytest.raises(ValidationError) as exc:
        _checkin(world, worker, round=2, measured_at=today_at(9, 0))
    assert _message(exc) == f"{cite}：第二轮（下午）13:00 起方可打卡"
    # Between the two windows, no round takes a reading: the next one's opening is named.
    with pytest.raises(ValidationError, match="第二轮（下午）13:00 起方可打卡"):
        _checkin(world, worker, measured_at=today_at(12, 30))
    # Before the first window, the first one's.
    with pytest.raises(ValidationError, match="第一轮（上午）05:00 起方可打卡"):
        _checkin(world, worker, measured_at=today_at(4, 30))
    assert not HealthCheckin.objects.exists()


def test_a_reading_belongs_to_the_window_that_holds_it_and_late_ones_to_the_last(world, worker, clock):
    clock(20)
    other = at_work(world.firm_a, world.users["ent_a"], name="钱七")
    first, _ = _checkin(world, worker, measured_at=today_at(11, 59))
    assert first.round == 1
    # A round named explicitly after its window closed: the firm entering its sheet late.
    late_first, _ = _checkin(world, other, round=1, measured_at=today_at(12, 30))
    assert late_first.round == 1
    second, _ = _checkin(world, worker, measured_at=today_at(13, 0))
    assert second.round == 2
    late, _ = _checkin(world, other, measured_at=today_at(19, 30))  # after the last due time
    assert late.round == 2


def test_three_rounds_with_their_own_times(world, worker, n0, clock):
    version = new_version(n0, temperature_rounds=THREE_ROUNDS)
    policy = policy_for(world.town_a)
    assert policy.version_id == version.pk
    assert [w["label"] for w in schedule.windows(schedule.rounds_of(policy))] == [
        "第一轮（早班）",
        "第二轮（午间）",
        "第三轮（晚班）",
    ]
    clock(21)
    assert _checkin(world, worker, measured_at=today_at(8, 0))[0].round == 1
    with pytest.raises(ValidationError, match="第二轮（午间）11:00 起方可打卡"):
        _checkin(world, worker, "36.6", measured_at=today_at(10, 0))
    assert _checkin(world, worker, "36.6", measured_at=today_at(13, 30))[0].round == 2
    assert _checkin(world, worker, "36.7", measured_at=today_at(20, 30))[0].round == 3
    assert set(HealthCheckin.objects.values_list("policy_version_id", flat=True)) == {version.pk}
    # Missing rounds follow the same windows: at 14:00 the first two are due.
    other = at_work(world.firm_a, world.users["ent_a"], name="钱七")
    groups = selectors.missing_rounds(world.firm_a, timezone.localdate(), today_at(14, 0))
    assert groups[0]["rounds"] == 3 and groups[0]["due"] == [1, 2]
    people = {p["employee"].pk: p for p in groups[0]["people"]}
    assert list(people) == [other.pk]
    assert people[other.pk]["labels"] == ["第一轮（早班）", "第二轮（午间）"]


def test_three_rounds_in_the_bulk_page_the_api_and_the_missing_page(
    world, worker, n0, client, api_client, clock
):
    new_version(n0, temperature_rounds=THREE_ROUNDS)
    clock(12)
    client.force_login(world.users["ent_a"])
    page = client.get(reverse("monitoring:bulk"))
    assert [w["label"] for w in page.context["rounds"]] == [
        "第一轮（早班）",
        "第二轮（午间）",
        "第三轮（晚班）",
    ]
    assert page.context["chosen"] == 2  # the window open at 12:00
    api_client.force_authenticate(world.users["ent_a"])
    records = [
        {"employee": worker.pk, "temperature": "36.5", "round": 3, "client_key": "r-3"},
        {"employee": worker.pk, "temperature": "36.5", "client_key": "r-2"},
    ]
    body = api_client.post(
        "/api/v1/checkins/batch/", {"source": "bulk", "records": records}, format="json"
    ).json()
    assert [r["status"] for r in body["results"]] == ["error", "stored"]
    assert "第三轮（晚班）17:00 起方可打卡" in body["results"][0]["message"]
    assert body["results"][1]["round"] == 2
    clock(21)
    client.force_login(world.users["town_a"])
    missing = client.get(reverse("monitoring:missing")).content.decode()
    assert "第一轮（早班）" in missing and "第三轮（晚班）20:00前" in missing
    api_client.force_authenticate(world.users["town_a"])
    groups = api_client.get("/api/v1/missing-rounds/").json()
    assert groups[0]["rounds"] == 3
    assert [(w["name"], w["opens"], w["due"]) for w in groups[0]["windows"]] == [
        ("早班", "06:00", "09:00"),
        ("午间", "11:00", "13:30"),
        ("晚班", "17:00", "20:00"),
    ]


def test_check_in_page_shows_the_windows_and_when_the_next_one_opens(world, worker, client, clock):
    client.force_login(world.users["employee_a"])
    body = client.get(reverse("monitoring:checkin")).content.decode()
    assert "第一轮（上午）05:00–12:00" in body and "第二轮（下午）13:00–18:00" in body
    assert 'data-testid="checkin-form"' in body
    clock(12, 30)
    body = client.get(reverse("monitoring:checkin")).content.decode()
    assert "第二轮（下午）13:00 起方可打卡" in body and 'data-testid="checkin-form"' not in body


def test_no_rounds_set_means_none_due_and_no_check_in_by_round(world, worker, n0, client):
    new_version(n0, drop=("temperature_rounds",))
    policy = policy_for(world.town_a)
    with pytest.raises(ValidationError) as exc:
        _checkin(world, worker, "38.5")
    assert _message(exc).startswith(policy.cite("temperature_rounds"))
    assert "未规定每日体温检测的轮次" in _message(exc)
    assert not HealthCheckin.objects.exists() and not Alert.objects.exists()
    evening = today_at(23, 0)
    assert selectors.missing_rounds(world.firm_a, timezone.localdate(), evening) == []
    # Yesterday is under yesterday's version, which set two rounds.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert selectors.missing_rounds(world.firm_a, yesterday, evening)[0]["due"] == [1, 2]
    groups, unset = selectors.missing_overview(world.users["town_a"], timezone.localdate(), evening)
    assert groups == [] and unset == [{"label": policy.label, "firms": 1}]
    client.force_login(world.users["town_a"])
    body = client.get(reverse("monitoring:missing")).content.decode()
    assert f"{policy.label}未规定每日体温检测的轮次" in body
    client.force_login(world.users["employee_a"])
    body = client.get(reverse("monitoring:checkin")).content.decode()
    assert "未规定每日体温检测的轮次" in body and 'data-testid="checkin-form"' not in body
    client.force_login(world.users["ent_a"])
    page = client.get(reverse("monitoring:bulk"))
    assert page.status_code == 200 and "未规定每日体温检测的轮次" in page.content.decode()


def test_no_policy_at_all_refuses_by_round_without_a_made_up_schedule(world):
    person = at_work(world.firm_c, world.users["ent_c"], name="孙八")
    with pytest.raises(ValidationError, match="尚无现行防控政策"):
        services.record_checkin(world.users["ent_c"], person, temperature="36.5", source="bulk")
    assert selectors.missing_rounds(world.firm_c, timezone.localdate(), today_at(23, 0)) == []


def test_alert_records_the_policy_version(world, worker, n0):
    row, _ = _checkin(world, worker, "38.0")
    alert = Alert.objects.get(checkin=row)
    assert alert.policy_version_id == policy_for(world.town_a).version_id == row.policy_version_id
    version = new_version(n0, fever_threshold_c="37.5")
    other = at_work(world.firm_a, world.users["ent_a"], name="钱七")
    assert not _checkin(world, other, "37.4")[0].abnormal  # below the new threshold
    third = at_work(world.firm_a, world.users["ent_a"], name="孙九")
    bulk = services.record_bulk(
        world.users["ent_a"], world.firm_a, [{"employee": third.pk, "temperature": "37.6", "round": 1}]
    )
    assert bulk.rows[0].abnormal
    assert Alert.objects.get(employee=third).policy_version_id == version.pk
    # A positive test and a direct alert record the version in force too.
    assert services.raise_alert(None, other, "positive_test", "核酸阳性").policy_version_id == version.pk
    assert alert.policy_version_id != version.pk


def test_no_fever_threshold_means_no_fever_alert(world, worker, n0):
    new_version(n0, drop=("fever_threshold_c",))
    row, _ = _checkin(world, worker, "38.5")
    assert not row.abnormal and not Alert.objects.exists()
