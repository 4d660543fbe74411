"""The employee-file services: validation, encryption at rest, duplicates, versions, status, isolation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from fugong.audit.models import AuditEntry
from fugong.audit.services import VIEW_PERSONAL_DATA
from fugong.enterprises.models import DormRoom, GridUnit, IsolationKind, IsolationRoom
from fugong.workforce import episodes, guards, services
from fugong.workforce.models import Employee, EmployeeStatus, EpisodeKind, ReturnDecision
from tests.workforce.conftest import days_ago, make_employee, returner, risk_area, valid_id

S = EmployeeStatus


def raw_rows(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 — a fixed table name
        return cursor.fetchall()


def test_id_number_is_not_in_the_database_in_clear(world, n0):
    number = valid_id()
    person = make_employee(world.firm_a, id_number=number, name="李四")
    for row in raw_rows(Employee._meta.db_table):
        for value in row:
            assert number not in str(value)
            assert number[6:14] + number[14:] not in str(value)  # not even the tail after the area code
    assert person.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert (person.birth_date, person.gender) == (
        dt.date(1990, 1, 1),
        "male" if int(number[16]) % 2 else "female",
    )
    # Nor in the audit log, whatever the entry.
    for entry in AuditEntry.objects.all():
        assert number not in str(entry.before) + str(entry.after) + entry.note + entry.object_repr


def test_reveal_is_for_roles_that_need_it_and_is_logged(world, n0):
    number = valid_id()
    person = make_employee(world.firm_a, id_number=number)
    assert services.reveal_id_number(world.users["ent_a"], person) == number
    assert services.reveal_id_number(world.users["town_a"], person) == number
    assert services.reveal_id_number(world.users["dept_health"], person) == number
    views = AuditEntry.objects.filter(action=VIEW_PERSONAL_DATA, object_id=str(person.pk))
    assert sorted(views.values_list("actor__username", flat=True)) == ["dept_health", "ent_a", "town_a"]
    assert all(v.after == {"fields": ["id_number"]} for v in views)
    for who in ("inspector", "gate_a", "grid_a", "dept_industry", "task_force", "outsider", "ent_c"):
        with pytest.raises(PermissionDenied):
            services.reveal_id_number(world.users[who], person)
    assert views.count() == 3


def test_bad_input_is_refused_naming_field_and_rule_and_nothing_is_saved(world, n0):
    with pytest.raises(ValidationError) as error:
        services.register_employee(
            world.users["ent_a"],
            world.firm_a,
            {
                "name": "",
                "id_number": "330681199001011231",
                "phone": "12345",
                "return_date": "2099-01-01",
                "return_from_code": "abc",
                "transport": "火箭",
                "salary": 1,
            },
        )
    errors = error.value.message_dict
    assert errors["name"] == ["「姓名」不能为空"]
    assert "校验位" in errors["id_number"][0]
    assert "电话" in errors["phone"][0]
    assert "「返回时间」不能晚于今天" in errors["return_date"][0]
    assert "出发地区划代码" in errors["return_from_code"][0]
    assert "「交通工具」无效" in errors["transport"][0]
    assert "salary" in errors
    assert not Employee.objects.exists()


def test_dates_as_people_write_them_and_choices_by_label(world, n0):
    person = make_employee(
        world.firm_a, return_date="2020年2月3日", left_on="2020/1/20", transport="自驾", has_fever="否"
    )
    assert (person.return_date, person.left_on, person.transport) == (
        dt.date(2020, 2, 3),
        dt.date(2020, 1, 20),
        "car",
    )
    assert person.has_returned and not person.has_fever


def test_same_id_twice_in_a_firm_names_the_person_on_file(world, n0):
    number = valid_id()
    make_employee(world.firm_a, id_number=number, name="王五")
    with pytest.raises(ValidationError) as error:
        make_employee(world.firm_a, id_number=number.lower(), name="王五二")
    assert error.value.message_dict["id_number"] == ["该身份证号已在本企业登记：王五"]
    # Another firm may employ the same person.
    assert make_employee(world.firm_b, id_number=number).enterprise == world.firm_b


def test_grid_unit_dorm_and_route_must_be_the_firms_own(world, n0):
    foreign = GridUnit.objects.create(enterprise=world.firm_c, level="workshop", name="外企车间")
    own = GridUnit.objects.create(enterprise=world.firm_a, level="workshop", name="织造车间")
    room = DormRoom.objects.create(
        enterprise=world.firm_a, building="1号楼", number="101", capacity=4, area_m2=20
    )
    with pytest.raises(ValidationError) as error:
        make_employee(world.firm_a, grid_unit=foreign.pk)
    assert error.value.message_dict["grid_unit"] == ["「网格单元」须为本企业登记的网格单元"]
    person = make_employee(world.firm_a, grid_unit=own.pk, dorm_room=room.pk)
    assert (person.grid_unit, person.dorm_room) == (own, room)


def test_only_the_firms_own_officer_registers(world, n0):
    with pytest.raises(PermissionDenied):
        make_employee(world.firm_a, actor=world.users["ent_c"])
    with pytest.raises(PermissionDenied):
        make_employee(world.firm_a, actor=world.users["town_a"])
    assert make_employee(world.firm_a, actor=world.users["ent_a"]).pk


def test_update_checks_the_version_and_a_retry_is_not_a_conflict(world, n0):
    ent = world.users["ent_a"]
    person = make_employee(world.firm_a, name="赵六")
    assert person.version == 1
    updated = services.update_employee(ent, person, {"job": "挡车工"}, 1)
    assert (updated.job, updated.version) == ("挡车工", 2)
    # The same request again (a phone on a bad network): no change, no conflict.
    assert services.update_employee(ent, person, {"job": "挡车工"}, 1).version == 2
    with pytest.raises(guards.EmployeeConflict) as conflict:
        services.update_employee(ent, person, {"job": "保全工"}, 1)
    assert "第1版" in conflict.value.message and "第2版" in conflict.value.message
    assert Employee.objects.get(pk=person.pk).job == "挡车工"
    entry = AuditEntry.objects.filter(action="workforce.update", object_id=str(person.pk)).get()
    assert entry.before == {"job": "", "version": 1} and entry.after == {"job": "挡车工", "version": 2}


def test_changing_the_return_trip_re_decides(world, n0):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    assert person.decision == ReturnDecision.MAY_RETURN
    person = services.update_employee(
        world.users["ent_a"],
        person,
        {"return_from_code": "4201", "return_from": "武汉市", "return_date": days_ago(1)},
        1,
    )
    assert (person.decision, person.status) == (ReturnDecision.BARRED, S.BARRED)


def test_is_local_by_residence_then_by_id_area(world, n0):
    assert make_employee(world.firm_a, residence_region=world.town_b.code).is_local  # same county, other town
    assert not make_employee(world.firm_a, residence_region=world.other_town.code).is_local
    assert make_employee(world.firm_a, id_number=valid_id("330681")).is_local
    assert not make_employee(world.firm_a, id_number=valid_id("340102")).is_local


def test_status_transitions_follow_the_table(world, n0):
    ent = world.users["ent_a"]
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    person = services.change_status(ent, person, S.LEFT, "离职")
    with pytest.raises(ValidationError, match="只能变更为：已登记"):
        services.change_status(ent, person, S.EXPECTED, "返岗")
    with pytest.raises(ValidationError, match="变更原因"):
        services.change_status(ent, person, S.REGISTERED, " ")
    with pytest.raises(PermissionDenied):
        services.change_status(world.users["inspector"], person, S.REGISTERED, "重新入职")
    with pytest.raises(PermissionDenied):
        services.change_status(world.users["outsider"], person, S.REGISTERED, "重新入职")
    # Another workflow (source) carries its own authority.
    person = services.change_status(world.users["grid_a"], person, S.REGISTERED, "重新入职", source="rehire")
    assert person.status == S.REGISTERED
    entry = AuditEntry.objects.filter(action="workforce.status").order_by("-id").first()
    assert entry.after == {"status": "registered", "source": "rehire"}


def test_isolation_release_before_the_planned_day_is_for_the_health_bureau(world, n0):
    risk_area(n0, "3303", "温州市", "high")
    room = IsolationRoom.objects.create(
        enterprise=world.firm_a, kind=IsolationKind.ISOLATION_ROOM, name="隔离室1", capacity=2
    )
    person = returner(world.firm_a, "3303", "温州市", back_days_ago=2)
    person = services.change_status(world.users["ent_a"], person, S.ARRIVED, "到厂")
    episode = person.episodes.get()
    assert episode.planned_end == days_ago(2) + dt.timedelta(days=14)
    with pytest.raises(PermissionDenied):
        episodes.release_episode(world.users["dept_industry"], episode, "")
    with pytest.raises(ValidationError, match="提前解除须由卫生健康部门决定"):
        episodes.release_episode(world.users["ent_a"], episode, "")
    released = episodes.release_episode(world.users["dept_health"], episode, "核酸阴性，专家评估")
    assert "卫生健康部门决定提前解除隔离" in released.release_note
    person.refresh_from_db()
    assert person.status == S.AT_WORK
    assert person.release_date == days_ago(0)
    # A re-decision does not undo the health bureau's release.
    person = services.apply_evaluation(world.users["ent_a"], person)
    assert (person.status, person.release_date) == (S.AT_WORK, days_ago(0))
    # Releasing again (a retry) changes nothing.
    assert (
        episodes.release_episode(world.users["dept_health"], episode, "").released_at == released.released_at
    )
    # A place in another firm is refused; one of the firm's own rooms is accepted.
    other = IsolationRoom.objects.create(
        enterprise=world.firm_c, kind=IsolationKind.ISOLATION_ROOM, name="x", capacity=1
    )
    with pytest.raises(ValidationError, match="隔离地点"):
        episodes.start_episode(world.users["ent_a"], person, EpisodeKind.ISOLATION, None, other.pk, "发热")
    episode = episodes.start_episode(
        world.users["ent_a"], person, EpisodeKind.ISOLATION, None, room.pk, "发热"
    )
    assert episode.planned_end == days_ago(0) + dt.timedelta(days=14)
    person.refresh_from_db()
    assert person.status == S.ISOLATING
    with pytest.raises(ValidationError, match="请先解除"):
        episodes.start_episode(world.users["ent_a"], person, EpisodeKind.BUFFER, None, None, "再入缓冲区")


def test_barring_ends_an_open_episode(world, n0):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    episodes.start_episode(world.users["ent_a"], person, EpisodeKind.ISOLATION, None, None, "体温异常")
    person = services.change_status(world.users["ent_a"], person, S.BARRED, "转送医院")
    episode = person.episodes.get()
    assert episode.released_at is not None and "暂缓返岗" in episode.release_note


def test_an_id_number_from_before_a_county_was_renamed_is_accepted():
    """330681 became 诸暨市 in 1989; people registered earlier keep their numbers for life."""
    from stdnum.cn import ric

    from fugong.workforce.validation import parse_id_number

    body = "33068119750312421"
    resident = parse_id_number(body + ric.calc_check_digit(body + "0"))
    assert resident.area_code == "330681" and resident.birth_date.year == 1975
