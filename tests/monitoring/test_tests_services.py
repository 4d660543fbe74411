"""Nucleic and antigen results: validation, idempotency, who records, positives alert, negatives release
the buffer zone (issue 5 item 3; N1 五、（二） and 七、（二））."""

# ruff: noqa: F811 - the fixtures come from tests_support and are parameters by name

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.core import crypto
from fugong.monitoring.devices import issue_device
from fugong.monitoring.models import Alert, AlertKind
from fugong.monitoring.models import TestResult as Result
from fugong.monitoring.testing import services as testing
from fugong.resumption.models import Notification
from fugong.workforce import episodes
from fugong.workforce import services as wf
from fugong.workforce.models import EmployeeStatus
from tests.monitoring.tests_support import at, buffered, n1, now, working  # noqa: F401 - fixtures
from tests.workforce.conftest import make_employee, use_preset

pytestmark = pytest.mark.django_db


def _record(actor, person, **kw):
    kw.setdefault("kind", "nucleic")
    kw.setdefault("sampled_at", at(1))
    kw.setdefault("result", "negative")
    kw.setdefault("lab", "诸暨市人民医院")
    kw.setdefault("source", "enterprise")
    return testing.record_test(actor, person, **kw)


def test_negative_nucleic_releases_the_buffer_zone_under_n1(world, buffered):
    row, created = _record(world.users["ent_a"], buffered, sampled_at=now())
    assert created and row.released and "已解除缓冲区" in row.effect
    buffered.refresh_from_db()
    assert buffered.status == EmployeeStatus.AT_WORK
    episode = buffered.episodes.get()
    assert episode.released_at is not None and "核酸阴性" in episode.release_note
    assert AuditEntry.objects.filter(action="monitoring.test", object_id=str(row.pk)).exists()
    assert AuditEntry.objects.filter(action="workforce.episode.release").exists()
    assert row.policy_version_id and row.sample_day == timezone.localdate()


def test_antigen_or_positive_does_not_release(world, buffered):
    row, _ = _record(world.users["ent_a"], buffered, kind="antigen", sampled_at=now(), lab="")
    assert not row.released
    buffered.refresh_from_db()
    assert buffered.status == EmployeeStatus.BUFFER


def test_a_sample_before_entering_the_buffer_zone_does_not_release(world, buffered):
    row, _ = _record(world.users["ent_a"], buffered, sampled_at=at(3))
    assert not row.released and "采样早于进入缓冲区" in row.effect
    buffered.refresh_from_db()
    assert buffered.status == EmployeeStatus.BUFFER


def test_negative_nucleic_under_n0_does_not_touch_a_buffer_episode(world):
    use_preset(world, "N0")
    person = make_employee(world.firm_a, name="缓冲")
    episodes.start_episode(world.users["ent_a"], person, "buffer", None, None, "待检")
    person.refresh_from_db()
    assert person.status == EmployeeStatus.BUFFER
    row, _ = _record(world.users["ent_a"], person, sampled_at=now())
    assert not row.released
    person.refresh_from_db()
    assert person.status == EmployeeStatus.BUFFER


def test_positive_raises_an_alert_to_firm_and_town_and_isolates(
    world, working, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row, created = _record(world.users["ent_a"], working, result="阳性", sampled_at=now())
    assert created and row.result == "positive"
    alert = Alert.objects.get(employee=working, kind=AlertKind.POSITIVE_TEST)
    assert alert.test == row and alert.value == "核酸阳性" and alert.town == world.town_a
    working.refresh_from_db()
    assert working.status == EmployeeStatus.ISOLATING
    for who in ("ent_a", "town_a"):
        note = Notification.objects.get(recipient=world.users[who], event="monitoring.alert")
        assert "核酸阳性" in note.message and working.name in note.message
    assert not Notification.objects.filter(recipient=world.users["town_b"]).exists()
    assert "阳性预警" in row.effect


def test_retry_and_same_sample_are_not_a_second_row(world, working):
    ent = world.users["ent_a"]
    first, created = _record(ent, working, client_key="lab-1")
    again, created_again = _record(ent, working, client_key="lab-1")
    same, created_same = _record(ent, working, result="阴性")  # the same sample from another channel
    assert created and not created_again and not created_same
    assert first.pk == again.pk == same.pk and Result.objects.count() == 1


def test_other_result_for_the_same_sample_is_refused(world, working):
    _record(world.users["ent_a"], working)
    with pytest.raises(ValidationError) as exc:
        _record(world.users["ent_a"], working, result="positive")
    message = exc.value.message_dict["result"][0]
    assert "已登记为阴性" in message and "更正" in message
    assert not Alert.objects.exists()
    assert Result.objects.get().result == "negative"


def test_client_key_reused_for_another_sample_is_refused(world, working):
    _record(world.users["ent_a"], working, client_key="k")
    with pytest.raises(ValidationError, match="提交编号"):
        _record(world.users["ent_a"], working, sampled_at=at(2), client_key="k")


@pytest.mark.parametrize(
    "kw,field,words",
    [
        ({"kind": "pcr"}, "kind", "「检测类型」"),
        ({"kind": ""}, "kind", "「检测类型」不能为空"),
        ({"result": "weak"}, "result", "「检测结果」"),
        ({"sampled_at": ""}, "sampled_at", "「采样时间」不能为空"),
        ({"sampled_at": "昨天上午"}, "sampled_at", "「采样时间」格式无效"),
        ({"sampled_at": "2022-04-10"}, "sampled_at", "「采样时间」须含时分"),
        ({"lab": ""}, "lab", "「检测机构」不能为空"),
        ({"lab": "实" * 101}, "lab", "「检测机构」不能超过100个字"),
        ({"reported_at": "2000-01-01 08:00"}, "reported_at", "「报告时间」不能早于采样时间"),
    ],
)
def test_bad_input_names_the_field(world, working, kw, field, words):
    with pytest.raises(ValidationError) as exc:
        _record(world.users["ent_a"], working, **kw)
    assert words in exc.value.message_dict[field][0]
    assert not Result.objects.exists()


def test_future_sample_time_is_refused(world, working):
    later = timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(ValidationError) as exc:
        _record(world.users["ent_a"], working, sampled_at=later)
    assert "不能晚于现在" in exc.value.message_dict["sampled_at"][0]


@pytest.mark.parametrize(
    "pattern",
    [
        "{y}-{m:02d}-{d:02d} 08:30",
        "{y}/{m}/{d} 8:30",
        "{y}年{m}月{d}日 08:30",
        "{y}-{m:02d}-{d:02d}T08:30:00+08:00",
    ],
)
def test_sample_time_formats(world, working, pattern):
    day = timezone.localdate() - dt.timedelta(days=3)
    text = pattern.format(y=day.year, m=day.month, d=day.day)
    row, _ = _record(world.users["ent_a"], working, sampled_at=text)
    local = timezone.localtime(row.sampled_at)
    assert (local.date(), local.hour, local.minute) == (day, 8, 30)
    assert row.sample_day == day


def test_sample_time_more_than_30_days_back_is_refused(world, working):
    with pytest.raises(ValidationError) as exc:
        _record(world.users["ent_a"], working, sampled_at=timezone.now() - dt.timedelta(days=31))
    assert exc.value.message_dict["sampled_at"] == ["「采样时间」不能早于30天前"]
    row, created = _record(world.users["ent_a"], working, sampled_at=at(29))
    assert created
    rows = _rows(working)
    rows[0]["sampled_at"] = "2022-04-10 08:30"
    result = testing.record_tests_bulk(world.users["ent_a"], world.firm_a, rows, source="upload")
    assert result.rows[0].fields == {"sampled_at": ["「采样时间」不能早于30天前"]}
    assert Result.objects.count() == 1


def test_who_may_record(world, working):
    working_user = world.users["employee_a"]
    wf.link_account(world.users["ent_a"], working, working_user)
    working.refresh_from_db()
    # The employee: own antigen self-test only.
    row, created = _record(working_user, working, kind="抗原", lab="", source="self")
    assert created and row.recorded_by == working_user
    with pytest.raises(PermissionDenied, match="抗原"):
        _record(working_user, working, source="self")
    other = make_employee(world.firm_a, name="同事")
    with pytest.raises(PermissionDenied):
        _record(working_user, other, kind="antigen", lab="", source="self")
    # Officers outside the firm, and those who only read.
    for who in ("outsider", "ent_c", "town_a", "gate_a"):
        with pytest.raises(PermissionDenied):
            _record(world.users[who], working, sampled_at=at(2))
    assert Result.objects.count() == 1


def test_device_records_only_for_its_own_firm(world, working):
    device, _token = issue_device(world.users["ent_a"], world.firm_a, "检测系统", "lab")
    row, created = _record(None, working, device=device, source="device")
    assert created and row.device == device
    foreign, _t = issue_device(world.users["ent_c"], world.firm_c, "他企系统", "lab")
    with pytest.raises(PermissionDenied):
        _record(None, working, device=foreign, source="device", sampled_at=at(2))
    with pytest.raises(PermissionDenied):
        testing.record_tests_bulk(None, world.firm_a, [], source="device", device=foreign)


# -- bulk ----------------------------------------------------------------------------------------------------
def _rows(*people):
    return [
        {
            "id_number": crypto.decrypt(p.id_number_encrypted),
            "kind": "核酸",
            "sampled_at": timezone.localtime(at(3)).strftime("%Y-%m-%d %H:%M"),
            "result": "阴性",
            "lab": "市疾控",
        }
        for p in people
    ]


def test_bulk_stores_good_rows_names_bad_ones_and_a_repeat_stores_nothing(world, working, buffered):
    ent = world.users["ent_a"]
    rows = [
        {
            "employee": working.pk,
            "kind": "nucleic",
            "sampled_at": at(1),
            "result": "negative",
            "lab": "市疾控",
        },
        {"employee": buffered.pk, "kind": "核酸", "sampled_at": now(), "result": "阴性", "lab": "市疾控"},
        {
            "id_number": crypto.decrypt(working.id_number_encrypted),
            "kind": "抗原",
            "sampled_at": at(1, 7),
            "result": "阴性",
        },
        {"employee": working.pk, "kind": "nucleic", "sampled_at": "明天", "result": "negative"},
        {"id_number": "110101199003070000", "kind": "nucleic", "sampled_at": at(1), "result": "negative"},
        {
            "employee": working.pk,
            "kind": "nucleic",
            "sampled_at": at(1),
            "result": "negative",
            "lab": "市疾控",
        },
        {
            "employee": working.pk,
            "name": "别人",
            "kind": "antigen",
            "sampled_at": at(2),
            "result": "negative",
        },
    ]
    result = testing.record_tests_bulk(ent, world.firm_a, rows, source="upload")
    statuses = [r.status for r in result.rows]
    assert statuses == ["stored", "stored", "stored", "error", "error", "duplicate", "error"]
    assert "采样时间" in result.rows[3].message and "sampled_at" in result.rows[3].fields
    assert "本企业没有该员工" in result.rows[4].message
    assert "与本批第1条重复" in result.rows[5].message
    assert "姓名" in result.rows[6].message
    assert result.rows[1].released
    buffered.refresh_from_db()
    assert buffered.status == EmployeeStatus.AT_WORK
    assert Result.objects.count() == 3
    entry = AuditEntry.objects.get(action="monitoring.tests.bulk")
    assert sorted(entry.after["ids"]) == sorted(r.id for r in result.rows if r.status == "stored")

    again = testing.record_tests_bulk(ent, world.firm_a, rows, source="upload")
    assert again.stored == 0 and again.duplicates == 4 and Result.objects.count() == 3


def test_bulk_positive_alerts_and_conflict_is_named(world, working):
    ent = world.users["ent_a"]
    testing.record_tests_bulk(ent, world.firm_a, _rows(working), source="upload")
    rows = _rows(working)
    rows[0]["result"] = "阳性"
    rows.append({**rows[0], "kind": "抗原", "lab": ""})
    result = testing.record_tests_bulk(ent, world.firm_a, rows, source="upload")
    assert [r.status for r in result.rows] == ["error", "stored"]
    assert "已登记为阴性" in result.rows[0].message
    assert result.rows[1].positive
    alert = Alert.objects.get(kind=AlertKind.POSITIVE_TEST)
    assert alert.value == "抗原阳性" and alert.test_id == result.rows[1].id


def test_bulk_only_in_scope(world, working):
    for who in ("outsider", "ent_c", "town_a", "employee_a"):
        with pytest.raises(PermissionDenied):
            testing.record_tests_bulk(world.users[who], world.firm_a, _rows(working), source="upload")
    # Someone of another firm is not found by ID number.
    other = make_employee(world.firm_b, name="外企")
    result = testing.record_tests_bulk(world.users["ent_a"], world.firm_a, _rows(other), source="upload")
    assert result.errors == 1 and not Result.objects.exists()


def test_bulk_limit(world, working):
    with pytest.raises(ValidationError, match="5000"):
        testing.record_tests_bulk(world.users["ent_a"], world.firm_a, [{}] * 5001, source="upload")


def test_the_same_sample_to_the_minute_from_two_channels(world, working):
    moment = at(1).replace(minute=30)
    first, _ = _record(world.users["ent_a"], working, sampled_at=moment.replace(second=12), source="device")
    again, created = _record(
        world.users["ent_a"], working, sampled_at=timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    )
    assert not created and again.pk == first.pk and first.sampled_at == moment


def test_same_client_key_at_two_firms_both_store(world, working):
    other = make_employee(world.firm_c, name="他企员工")
    mine, created = _record(world.users["ent_a"], working, client_key="S0001")
    theirs, created_too = _record(world.users["ent_c"], other, client_key="S0001")
    assert created and created_too and mine.pk != theirs.pk
    again, created_again = _record(world.users["ent_a"], working, client_key="S0001")
    assert not created_again and again.pk == mine.pk
    # The bulk path: two labs' systems sending the same barcode.
    long_key = "B" * 70  # longer than the column: truncated the same way on every path
    rows_a = _rows(working)
    rows_a[0].update(client_key=long_key, sampled_at=at(2))
    rows_c = _rows(other)
    rows_c[0].update(client_key=long_key, sampled_at=at(2))
    first = testing.record_tests_bulk(world.users["ent_a"], world.firm_a, rows_a, source="upload")
    second = testing.record_tests_bulk(world.users["ent_c"], world.firm_c, rows_c, source="upload")
    assert (first.stored, second.stored) == (1, 1)
    repeat = testing.record_tests_bulk(world.users["ent_a"], world.firm_a, rows_a, source="upload")
    assert repeat.duplicates == 1 and Result.objects.count() == 4
    single, created = _record(world.users["ent_a"], working, sampled_at=at(2), client_key=long_key)
    assert not created and single.pk == first.rows[0].id
