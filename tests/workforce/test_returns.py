"""Pre-reports and checkpoint arrivals (N0 提前告知 / 有序对接): services and selectors."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.workforce.models import CheckpointArrival, EmployeeStatus, FollowUp, PreReport
from fugong.workforce.returns import selectors, services
from tests.workforce.returns_support import id_number, make_employee, use_n0

pytestmark = pytest.mark.django_db


@pytest.fixture
def n0(world):
    return use_n0(world)


def today():
    return timezone.localdate()


def arrive(world, user_key="town_a", town=None, **fields):
    data = {"checkpoint": "诸暨高速出口", "name": "张三", "id_number": id_number(), "phone": "13900139000"}
    data.update(fields)
    return services.record_arrival(world.users[user_key], town or world.town_a, **data)


def audit_text(action):
    return json.dumps(
        [[e.before, e.after, e.note] for e in AuditEntry.objects.filter(action=action)], ensure_ascii=False
    )


# -- pre-reports ---------------------------------------------------------------------------------------


def test_pre_report_on_time_goes_to_the_firms_town_and_marks_the_person_expected(world, n0):
    person = make_employee(world.firm_a, "李四")
    reports = services.pre_report(world.users["ent_a"], [person], today() + dt.timedelta(days=3))
    assert len(reports) == 1
    report = reports[0]
    assert (report.town, report.lead_days, report.on_time) == (world.town_a, 3, True)
    person.refresh_from_db()
    assert person.status == EmployeeStatus.EXPECTED
    entry = AuditEntry.objects.get(action="workforce.pre_report", object_id=str(report.pk))
    assert entry.actor == world.users["ent_a"]
    assert entry.after["on_time"] is True


def test_exactly_the_policy_lead_time_is_on_time(world, n0):
    person = make_employee(world.firm_a)
    (report,) = services.pre_report(world.users["ent_a"], [person.pk], today() + dt.timedelta(days=2))
    assert (report.lead_days, report.on_time) == (2, True)


def test_a_late_pre_report_is_accepted_and_flagged_per_the_policy_lead_time(world, n0):
    person = make_employee(world.firm_a)
    (report,) = services.pre_report(world.users["ent_a"], [person], today() + dt.timedelta(days=1))
    assert (report.lead_days, report.on_time) == (1, False)
    note = AuditEntry.objects.get(action="workforce.pre_report", object_id=str(report.pk)).note
    assert "迟报" in note and "至少提前 2 天" in note


def test_without_a_lead_time_in_the_policy_every_report_is_on_time(world):
    # No policy at all for the county: nothing to be late against.
    person = make_employee(world.firm_a)
    (report,) = services.pre_report(world.users["ent_a"], [person], today())
    assert (report.lead_days, report.on_time) == (0, True)


def test_reporting_the_same_person_for_the_same_date_again_changes_nothing(world, n0):
    person = make_employee(world.firm_a)
    day = today() + dt.timedelta(days=4)
    (first,) = services.pre_report(world.users["ent_a"], [person], day)
    entries = AuditEntry.objects.count()
    (again,) = services.pre_report(world.users["ent_a"], [person, person.pk], day)
    assert again.pk == first.pk
    assert PreReport.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_date_in_the_past_is_refused(world, n0):
    person = make_employee(world.firm_a)
    with pytest.raises(ValidationError) as exc:
        services.pre_report(world.users["ent_a"], [person], today() - dt.timedelta(days=1))
    assert "预计抵达日期" in str(exc.value.message_dict["expected_arrival"])
    assert not PreReport.objects.exists()


def test_all_or_nothing_with_each_problem_named(world, n0):
    fine = make_employee(world.firm_a, "王五")
    barred = make_employee(world.firm_a, "赵六", decision_reason="14日内到过不得返还地区")
    left = make_employee(world.firm_a, "钱七")
    type(barred).objects.filter(pk=barred.pk).update(status=EmployeeStatus.BARRED)
    type(left).objects.filter(pk=left.pk).update(status=EmployeeStatus.LEFT)
    with pytest.raises(ValidationError) as exc:
        services.pre_report(world.users["ent_a"], [fine, barred, left], today() + dt.timedelta(days=3))
    messages = exc.value.message_dict["employees"]
    assert any("赵六" in m and "暂缓返岗" in m and "14日内到过不得返还地区" in m for m in messages)
    assert any("钱七" in m and "已离职" in m for m in messages)
    assert not PreReport.objects.exists()
    fine.refresh_from_db()
    assert fine.status == EmployeeStatus.REGISTERED


def test_another_firms_people_cannot_be_reported(world, n0):
    theirs = make_employee(world.firm_b)
    with pytest.raises(ValidationError) as exc:
        services.pre_report(world.users["ent_a"], [theirs], today() + dt.timedelta(days=3))
    assert "不在本企业花名册中" in str(exc.value)
    assert not PreReport.objects.exists()


def test_only_an_enterprise_officer_pre_reports(world, n0):
    person = make_employee(world.firm_a)
    with pytest.raises(PermissionDenied):
        services.pre_report(world.users["town_a"], [person], today() + dt.timedelta(days=3))


def test_town_sees_its_own_pre_reports_only(world, n0):
    day = today() + dt.timedelta(days=3)
    a = make_employee(world.firm_a, "甲")
    c = make_employee(world.firm_c, "丙")
    services.pre_report(world.users["ent_a"], [a], day)
    services.pre_report(world.users["ent_c"], [c], day)
    seen = {r.employee.name for r in selectors.pre_reports_for(world.users["town_a"], on_date=day)}
    assert seen == {"甲"}
    assert not selectors.pre_reports_for(world.users["town_b"], on_date=day).exists()
    assert {r.employee.name for r in selectors.pre_reports_for(world.users["outsider"], on_date=day)} == {
        "丙"
    }
    assert {r.employee.name for r in selectors.pre_reports_for(world.users["task_force"], on_date=day)} == {
        "甲"
    }


def test_filters_by_firm_and_timeliness(world, n0):
    day = today() + dt.timedelta(days=1)
    late = make_employee(world.firm_a, "迟")
    services.pre_report(world.users["ent_a"], [late], day)
    town = world.users["town_a"]
    assert [r.employee.name for r in selectors.pre_reports_for(town, on_date=day, on_time=False)] == ["迟"]
    assert not selectors.pre_reports_for(town, on_date=day, on_time=True).exists()
    assert not selectors.pre_reports_for(town, on_date=day, enterprise=world.firm_b).exists()


# -- checkpoint arrivals -------------------------------------------------------------------------------


def test_an_arrival_is_matched_to_the_person_firm_and_town_and_the_person_arrives(world, n0):
    number = id_number()
    person = make_employee(world.firm_a, "孙八", number)
    services.pre_report(world.users["ent_a"], [person], today() + dt.timedelta(days=2))
    arrival = arrive(world, name="孙八", id_number=number, came_from="江西省上饶市", vehicle="浙D12345")
    assert (arrival.employee, arrival.enterprise, arrival.town) == (person, world.firm_a, world.town_a)
    assert arrival.follow_up == FollowUp.MATCHED
    person.refresh_from_db()
    assert person.status == EmployeeStatus.ARRIVED
    entry = AuditEntry.objects.get(action="workforce.arrival.record", object_id=str(arrival.pk))
    assert entry.after["employee"] == person.pk and "匹配" in entry.note
    # The pre-report now shows the arrival, and the person is off the not-arrived list.
    report = selectors.pre_reports_for(world.users["town_a"]).get()
    assert report.arrived_at == arrival.arrived_at
    assert not selectors.expected_not_arrived(world.users["town_a"], today() + dt.timedelta(days=5)).exists()


def test_the_id_number_is_stored_encrypted_and_shown_masked(world):
    number = id_number()
    arrival = arrive(world, id_number=number)
    row = CheckpointArrival.objects.filter(pk=arrival.pk).values().get()
    assert number not in json.dumps(row, default=str)
    assert arrival.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert number not in audit_text("workforce.arrival.record")


def test_a_firm_in_the_destination_town_is_preferred(world):
    number = id_number()
    in_a = make_employee(world.firm_a, "周九", number)
    in_b = make_employee(world.firm_b, "周九", number)
    assert arrive(world, "task_force", world.town_b, id_number=number).employee == in_b
    in_b.refresh_from_db()
    assert in_b.status == EmployeeStatus.ARRIVED
    in_a.refresh_from_db()
    assert in_a.status == EmployeeStatus.REGISTERED


def test_otherwise_the_firm_that_pre_reported_the_person_and_the_hand_over_goes_to_its_town(world, n0):
    number = id_number()
    make_employee(world.firm_a, "吴十", number)
    in_c = make_employee(world.firm_c, "吴十", number)
    services.pre_report(world.users["ent_c"], [in_c], today() + dt.timedelta(days=2))
    arrival = arrive(world, "task_force", world.town_b, id_number=number)
    assert (arrival.employee, arrival.enterprise, arrival.town) == (in_c, world.firm_c, world.other_town)
    assert (
        AuditEntry.objects.get(action="workforce.arrival.record").after["destination_town"] == world.town_b.pk
    )
    # Handed over: the outside town sees it, the recorder's county no longer does.
    assert selectors.arrivals_for(world.users["outsider"]).filter(pk=arrival.pk).exists()
    assert not selectors.arrivals_for(world.users["task_force"]).filter(pk=arrival.pk).exists()


def test_an_unmatched_arrival_is_pending_and_listed_for_its_town_only(world):
    arrival = arrive(world, name="陌生人", stated_employer="某建筑工地")
    assert (arrival.employee, arrival.enterprise, arrival.follow_up) == (None, None, FollowUp.PENDING)
    assert list(selectors.pending_arrivals(world.users["town_a"])) == [arrival]
    assert list(selectors.pending_arrivals(world.users["task_force"])) == [arrival]
    assert not selectors.pending_arrivals(world.users["town_b"]).exists()
    assert not selectors.pending_arrivals(world.users["outsider"]).exists()
    assert "未匹配" in AuditEntry.objects.get(action="workforce.arrival.record").note


def test_a_barred_person_arriving_is_matched_but_left_for_the_town_to_follow_up(world):
    number = id_number()
    person = make_employee(world.firm_a, "郑一", number, decision_reason="14日内有确诊病例接触史")
    type(person).objects.filter(pk=person.pk).update(status=EmployeeStatus.BARRED)
    arrival = arrive(world, name="郑一", id_number=number)
    assert arrival.employee == person and arrival.follow_up == FollowUp.PENDING
    assert "暂缓返岗" in arrival.follow_up_note and "劝返" in arrival.follow_up_note
    person.refresh_from_db()
    assert person.status == EmployeeStatus.BARRED
    assert list(selectors.pending_arrivals(world.users["town_a"])) == [arrival]


def test_a_retry_with_the_same_client_key_creates_one_row(world):
    number = id_number()
    first = arrive(world, id_number=number, client_key="phone-7f3a9c21")
    again = arrive(world, id_number=number, client_key="phone-7f3a9c21")
    assert again.pk == first.pk and getattr(again, "replayed", False)
    assert CheckpointArrival.objects.count() == 1
    assert AuditEntry.objects.filter(action="workforce.arrival.record").count() == 1
    # Someone else's key is not theirs to replay.
    with pytest.raises(ValidationError) as exc:
        arrive(world, "grid_a", id_number=number, client_key="phone-7f3a9c21")
    assert "提交编号" in str(exc.value)


def test_bad_input_names_field_and_rule_and_saves_nothing(world):
    with pytest.raises(ValidationError) as exc:
        arrive(world, name="", id_number="330681199001011234", phone="12345", checkpoint="")
    errors = exc.value.message_dict
    assert "校验位" in errors["id_number"][0]
    assert "电话" in errors["phone"][0]
    assert "姓名" in errors["name"][0]
    assert "卡口" in errors["checkpoint"][0]
    assert not CheckpointArrival.objects.exists()


def test_a_destination_outside_the_recorders_scope_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        arrive(world, "town_a", world.town_b)
    assert "目的地镇街" in str(exc.value)


def test_only_checkpoint_roles_record(world):
    with pytest.raises(PermissionDenied):
        arrive(world, "ent_a")
    assert arrive(world, "grid_a").town == world.town_a


# -- follow-up -----------------------------------------------------------------------------------------


def test_the_town_resolves_a_pending_arrival(world):
    arrival = arrive(world, name="陌生人")
    town = world.users["town_a"]
    with pytest.raises(ValidationError):
        services.resolve_arrival(town, arrival, "  ")
    resolved = services.resolve_arrival(town, arrival, "已电话联系，系探亲人员，已告知居家观察")
    assert resolved.follow_up == FollowUp.RESOLVED
    assert services.resolve_arrival(town, arrival, "已电话联系，系探亲人员，已告知居家观察").pk == arrival.pk
    assert AuditEntry.objects.filter(action="workforce.arrival.resolve").count() == 1
    assert not selectors.pending_arrivals(town).exists()


def test_another_town_cannot_resolve_or_match(world):
    arrival = arrive(world, name="陌生人")
    person = make_employee(world.firm_b)
    with pytest.raises(PermissionDenied):
        services.resolve_arrival(world.users["town_b"], arrival, "x")
    with pytest.raises(PermissionDenied):
        services.match_arrival(world.users["town_b"], arrival, person)
    assert CheckpointArrival.objects.get(pk=arrival.pk).follow_up == FollowUp.PENDING


def test_the_town_matches_an_arrival_by_hand(world):
    person = make_employee(world.firm_a, "冯二")
    arrival = arrive(world, name="冯二")  # a different ID number than the file's
    matched = services.match_arrival(world.users["town_a"], arrival, person)
    assert (matched.employee, matched.enterprise, matched.follow_up) == (
        person,
        world.firm_a,
        FollowUp.MATCHED,
    )
    assert "不一致" in matched.follow_up_note
    person.refresh_from_db()
    assert person.status == EmployeeStatus.ARRIVED
    entry = AuditEntry.objects.get(action="workforce.arrival.match")
    assert entry.before["follow_up"] == "pending" and entry.after["follow_up"] == "matched"
    # Once matched it is no longer the town's to resolve.
    with pytest.raises(ValidationError):
        services.resolve_arrival(world.users["town_a"], arrival, "x")


def test_a_town_cannot_match_to_a_person_outside_its_scope(world):
    theirs = make_employee(world.firm_b)
    arrival = arrive(world, name="陌生人")
    with pytest.raises(ValidationError) as exc:
        services.match_arrival(world.users["town_a"], arrival, theirs)
    assert "匹配员工" in str(exc.value)


# -- counts --------------------------------------------------------------------------------------------


def test_counts_for_a_day(world, n0):
    day = today()
    on_time = make_employee(world.firm_a, "按时")
    services.pre_report(world.users["ent_a"], [on_time], day + dt.timedelta(days=2))
    late_number = id_number()
    late = make_employee(world.firm_a, "迟报", late_number)
    services.pre_report(world.users["ent_a"], [late], day)
    arrive(world, name="迟报", id_number=late_number)
    arrive(world, name="陌生人")
    unreported_number = id_number()
    make_employee(world.firm_a, "未报", unreported_number)
    arrive(world, name="未报", id_number=unreported_number)

    counts = selectors.summary(world.users["town_a"], day)
    assert counts == {
        "pre_reports": 1,
        "late": 1,
        "on_time": 0,
        "arrivals": 3,
        "matched": 2,
        "unmatched": 1,
        "pending": 1,
        "not_arrived": 0,
    }
    (row,) = selectors.firm_counts(world.users["town_a"], day)
    assert (row["enterprise_name"], row["pre_reports"], row["late"], row["arrived"], row["arrivals"]) == (
        world.firm_a.name,
        1,
        1,
        1,
        2,
    )
    assert selectors.summary(world.users["town_b"], day)["arrivals"] == 0
    later = day + dt.timedelta(days=2)
    assert [r.employee.name for r in selectors.expected_not_arrived(world.users["town_a"], later)] == ["按时"]
    assert not selectors.expected_not_arrived(world.users["town_b"], later).exists()
