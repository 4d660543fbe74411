"""Health check-ins and the alerts they raise (SPEC §6, issue 5 items 1, 2 and 6)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fugong.monitoring import selectors, services
from fugong.monitoring.models import Alert, AlertStatus, HealthCheckin
from fugong.resumption.models import Notification
from fugong.workforce.models import EmployeeStatus
from tests.monitoring.conftest import at_work

pytestmark = pytest.mark.django_db


def _checkin(world, person, temp, **kw):
    kw.setdefault("source", "self")
    return services.record_checkin(world.users["employee_a"], person, temperature=temp, **kw)


def test_373_under_n0_raises_an_alert_to_firm_and_town(world, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row, created = _checkin(world, worker, "37.3")
    assert created and row.abnormal and row.round == 1 and row.policy_version_id
    alert = Alert.objects.get(employee=worker)
    assert alert.kind == "fever" and alert.status == AlertStatus.OPEN and alert.town == world.town_a
    assert alert.checkin == row and "37.3" in alert.value
    worker.refresh_from_db()
    assert worker.status == EmployeeStatus.ISOLATING
    assert worker.episodes.filter(released_at__isnull=True, kind="isolation").exists()
    for who in ("ent_a", "town_a"):
        assert Notification.objects.filter(recipient=world.users[who], event="monitoring.alert").exists()
    assert not Notification.objects.filter(recipient=world.users["town_b"]).exists()


def test_372_under_n0_does_not(world, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row, created = _checkin(world, worker, "37.2")
    assert created and not row.abnormal
    assert not Alert.objects.exists()
    assert not Notification.objects.filter(event="monitoring.alert").exists()
    worker.refresh_from_db()
    assert worker.status == EmployeeStatus.AT_WORK


def test_symptom_alone_raises(world, worker):
    row, _ = _checkin(world, worker, "36.5", symptoms=["cough"])
    assert row.abnormal
    assert Alert.objects.get(employee=worker).kind == "symptom"


def test_retry_is_not_a_second_record(world, worker, clock):
    first, created = _checkin(world, worker, "36.5", client_key="k1")
    again, created_again = _checkin(world, worker, "36.5", client_key="k1")
    assert created and not created_again and again.pk == first.pk
    # Same round, same values, no key: still the same row.
    same, c = _checkin(world, worker, "36.5", round=1)
    assert same.pk == first.pk and not c
    with pytest.raises(ValidationError, match="第1轮已打卡"):
        _checkin(world, worker, "36.8", round=1)
    # Still in the first round's window: another reading is that round's again.
    with pytest.raises(ValidationError, match="第1轮已打卡"):
        _checkin(world, worker, "36.6")
    clock(14)
    second, c2 = _checkin(world, worker, "36.6")
    assert c2 and second.round == 2
    with pytest.raises(ValidationError, match="第2轮已打卡"):
        _checkin(world, worker, "36.7")
    assert HealthCheckin.objects.count() == 2


def test_temperature_range_in_chinese(world, worker):
    with pytest.raises(ValidationError, match="34.0至43.0"):
        _checkin(world, worker, "45")


def test_outsider_may_not_record(world, worker):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.record_checkin(world.users["ent_c"], worker, temperature="36.5", source="bulk")


def test_raise_alert_keeps_the_alert_when_isolation_is_not_possible(world, n0):
    from fugong.workforce import services as wf

    person = at_work(world.firm_a, world.users["ent_a"], name="赵六")
    wf.change_status(world.users["ent_a"], person, EmployeeStatus.LEFT, "离职")
    alert = services.raise_alert(world.users["gate_a"], person, "gate_fever", "37.6℃")
    assert alert.pk and alert.kind == "gate_fever" and "未自动隔离" in alert.isolation_note


def test_acknowledge_and_close(world, worker):
    _checkin(world, worker, "38.0")
    alert = Alert.objects.get()
    alert = services.acknowledge_alert(world.users["town_a"], alert)
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == world.users["town_a"]
    with pytest.raises(ValidationError):
        services.close_alert(world.users["ent_a"], alert, "")
    alert = services.close_alert(world.users["ent_a"], alert, "已送发热门诊")
    assert alert.status == AlertStatus.CLOSED


def test_alert_scope(world, worker):
    _checkin(world, worker, "38.0")
    alert = Alert.objects.get()
    assert list(selectors.alerts_visible_to(world.users["town_a"])) == [alert]
    assert list(selectors.alerts_visible_to(world.users["ent_a"])) == [alert]
    assert list(selectors.alerts_visible_to(world.users["task_force"])) == [alert]
    assert not selectors.alerts_visible_to(world.users["town_b"]).exists()
    assert not selectors.alerts_visible_to(world.users["outsider"]).exists()


def test_missing_rounds(world, worker):
    at_work(world.firm_a, world.users["ent_a"], name="钱七")
    today = timezone.localdate()
    morning = timezone.make_aware(dt.datetime.combine(today, dt.time(10, 0)))
    afternoon = timezone.make_aware(dt.datetime.combine(today, dt.time(13, 0)))
    evening = timezone.make_aware(dt.datetime.combine(today, dt.time(19, 0)))
    services.record_checkin(
        world.users["ent_a"],
        worker,
        temperature="36.5",
        round=1,
        measured_at=min(morning, timezone.now()),
        source="bulk",
    )
    assert selectors.missing_rounds(world.firm_a, today, morning) == []
    groups = selectors.missing_rounds(world.firm_a, today, afternoon)
    assert [(p["employee"].name, p["missing"]) for p in groups[0]["people"]] == [("钱七", [1])]
    groups = selectors.missing_rounds(world.users["town_a"], today, evening)
    assert {p["employee"].name: p["missing"] for p in groups[0]["people"]} == {"王五": [2], "钱七": [1, 2]}
    assert selectors.missing_rounds(world.users["town_b"], today, evening) == []
    yesterday = selectors.missing_rounds(world.firm_a, today - dt.timedelta(days=1), morning)
    assert {p["employee"].name: p["missing"] for p in yesterday[0]["people"]} == {
        "王五": [1, 2],
        "钱七": [1, 2],
    }


def test_bulk_stores_good_rows_names_bad_ones_and_repeats_store_nothing(world, worker, clock):
    clock(14)  # both rounds open
    other = at_work(world.firm_a, world.users["ent_a"], name="钱七")
    foreign = at_work(world.firm_c, world.users["ent_c"], name="孙八")
    rows = [
        {"employee": worker.pk, "temperature": "36.5", "round": 1, "client_key": "dev-1"},
        {"id_number": "110101199001011234", "temperature": "36.5", "round": 1},
        {"employee": other.pk, "temperature": "36.7", "round": 1},
        {"employee": foreign.pk, "temperature": "36.5", "round": 1},
        {"employee": worker.pk, "temperature": "50", "round": 2},
        {"employee": worker.pk, "temperature": "36.6", "round": 9},
        {"employee": worker.pk, "temperature": "36.6", "round": 2, "symptoms": ["cough"]},
    ]
    result = services.record_bulk(world.users["ent_a"], world.firm_a, rows)
    statuses = [r.status for r in result.rows]
    assert statuses == ["stored", "error", "stored", "error", "error", "error", "stored"]
    assert "本企业没有该员工" in result.rows[1].message and "本企业没有该员工" in result.rows[3].message
    assert "34.0至43.0" in result.rows[4].message and "轮次" in result.rows[5].message
    assert result.rows[6].abnormal and Alert.objects.filter(employee=worker, kind="symptom").exists()
    assert HealthCheckin.objects.count() == 3
    again = services.record_bulk(world.users["ent_a"], world.firm_a, rows)
    assert [r.status for r in again.rows] == [
        "duplicate",
        "error",
        "duplicate",
        "error",
        "error",
        "error",
        "duplicate",
    ]
    assert HealthCheckin.objects.count() == 3 and Alert.objects.count() == 1
    changed = services.record_bulk(
        world.users["ent_a"], world.firm_a, [{"employee": other.pk, "temperature": "37.0", "round": 1}]
    )
    assert changed.rows[0].status == "error" and "第1轮已打卡" in changed.rows[0].message


def test_bulk_finds_people_by_id_number(world, worker):
    from tests.workforce.conftest import valid_id

    number = valid_id()
    person = at_work(world.firm_a, world.users["ent_a"], name="李九", id_number=number)
    result = services.record_bulk(
        world.users["ent_a"], world.firm_a, [{"id_number": number, "temperature": "36.5", "round": 1}]
    )
    assert result.rows[0].status == "stored" and result.rows[0].employee == person.pk


def _set_parameter(policy, **values):
    from fugong.policy.models import PolicyVersion

    version = PolicyVersion.objects.get(policy=policy)
    PolicyVersion.objects.filter(pk=version.pk).update(parameters={**version.parameters, **values})


def test_policy_saying_no_isolation_keeps_the_alert_without_isolating(world, worker, n0):
    _set_parameter(n0, symptomatic_isolated=False)
    row, _ = _checkin(world, worker, "38.1")
    alert = Alert.objects.get(checkin=row)
    assert alert.isolation_note == "现行政策未要求自动隔离"
    worker.refresh_from_db()
    assert worker.status == EmployeeStatus.AT_WORK
    # A positive test is not a reading: it isolates whatever this switch says.
    positive = services.raise_alert(None, worker, "positive_test", "核酸阳性")
    assert positive.isolation_note == "已转入厂内隔离观察"


def test_policy_asking_for_isolation_isolates(world, worker, n0):
    _set_parameter(n0, symptomatic_isolated=True)
    row, _ = _checkin(world, worker, "38.1")
    assert Alert.objects.get(checkin=row).isolation_note == "已转入厂内隔离观察"
    worker.refresh_from_db()
    assert worker.status == EmployeeStatus.ISOLATING
