"""Rosters in Excel: template, all-or-nothing import with row-by-row errors, re-import by ID number,
masked and unmasked export, N1 statistics, scope."""

import datetime as dt
import random
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from fugong.audit.models import AuditEntry
from fugong.audit.services import VIEW_PERSONAL_DATA
from fugong.core import crypto
from fugong.core.excel import DATE_NUMBER_FORMAT
from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import ShuttleRoute
from fugong.regions.models import Region, RegionLevel
from fugong.workforce.models import CloseContact, Employee, ResidenceControl, TravelStop
from fugong.workforce.roster import export, importing, parsing, return_statistics
from fugong.workforce.roster import tasks as roster_tasks
from fugong.workforce.roster.excel import COLUMNS, GUIDE_SHEET, HEADER_LOOKUP, ROSTER_SHEET, header_key
from fugong.workforce.validation import parse_id_number

HEADERS = [
    "姓名",
    "所属单位",
    "员工编号",
    "身份证号",
    "性别",
    "部门",
    "岗位",
    "电话",
    "住址",
    "居住区县",
    "居住地管控状态",
]


def make_id(n: int, area: str = "330681", born: dt.date = dt.date(1990, 3, 7)) -> str:
    body = f"{area}{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def person(n: int, **overrides) -> dict:
    row = {
        "姓名": f"员工{n:03d}",
        "所属单位": "",
        "员工编号": f"A{n:04d}",
        "身份证号": make_id(n),
        "性别": "",
        "部门": "织造车间",
        "岗位": "挡车工",
        "电话": f"138{n:08d}",
        "住址": f"暨阳街道望云路{n}号",
        "居住区县": "诸暨市",
        "居住地管控状态": "非管控区",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], headers: list[str] | None = None) -> BytesIO:
    headers = headers or list(dict.fromkeys(h for row in rows for h in row)) or HEADERS
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ROSTER_SHEET
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def read_sheet(content: bytes, name: str = ROSTER_SHEET) -> list[tuple]:
    return list(load_workbook(BytesIO(content), read_only=True)[name].iter_rows(values_only=True))


@pytest.fixture
def places(world):
    """A few places outside the fixture's county to travel to."""
    jiangxi = Region.objects.create(code="36", name="江西省", level=RegionLevel.PROVINCE)
    shangrao = Region.objects.create(code="3611", name="上饶市", level=RegionLevel.CITY, parent=jiangxi)
    xinzhou = Region.objects.create(code="361102", name="信州区", level=RegionLevel.COUNTY, parent=shangrao)
    return {"shangrao": shangrao, "xinzhou": xinzhou}


# Template ----------------------------------------------------------------------------------------


def test_template_has_the_record_layout_drop_downs_and_a_guide(world):
    book = load_workbook(BytesIO(export.roster_template()))
    sheet = book[ROSTER_SHEET]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in COLUMNS]
    assert headers[:4] == ["姓名", "所属单位", "员工编号", "身份证号"]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["D"].width == 21
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    letter = {
        c.header: chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26) for i, c in enumerate(COLUMNS)
    }
    assert lists[letter["性别"] + "2"] == '"男,女"'
    assert "火车/高铁" in lists[letter["交通工具"] + "2"]
    assert lists[letter["是否已返回"] + "2"] == '"是,否"'
    assert "封控区" in lists[letter["居住地管控状态"] + "2"]
    guide = book[GUIDE_SHEET]
    described = {row[0].value for row in guide.iter_rows(min_row=2, max_row=len(COLUMNS) + 1)}
    assert described == set(headers)


def test_every_template_header_is_read_by_the_import(world):
    for column in COLUMNS:
        assert HEADER_LOOKUP[header_key(column.header)] == column.key


def test_the_guide_example_row_imports(world, places):
    guide = list(load_workbook(BytesIO(export.roster_template()))[GUIDE_SHEET].iter_rows(values_only=True))
    headers, example = guide[-2], guide[-1]
    parse_id_number(example[headers.index("身份证号")])
    result = importing.import_roster(
        world.users["ent_a"], world.firm_a, xlsx([dict(zip(headers, example, strict=True))])
    )
    assert result.ok, result.errors
    employee = Employee.objects.get()
    assert employee.left_locality and employee.left_on == dt.date(2022, 1, 25)
    assert employee.travel_stops.get().region_code == "361102"
    assert employee.return_from == "上饶市"


# Import: errors, all or nothing --------------------------------------------------------------------


def bad_roster():
    rows = [person(n) for n in range(1, 6)]
    rows[1]["身份证号"] = rows[1]["身份证号"][:-1] + ("0" if rows[1]["身份证号"][-1] != "0" else "1")
    rows[2]["电话"] = "1234"
    rows.append(person(6, 身份证号=rows[3]["身份证号"]))  # row 7 repeats row 5
    return rows


def test_bad_id_bad_phone_and_duplicate_are_refused_with_three_messages_and_nothing_saved(world):
    result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(bad_roster()))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, "身份证号"), (4, "电话"), (7, "身份证号")]
    assert "校验位" in result.errors[0].message
    assert "手机号" in result.errors[1].message
    assert result.errors[2].message == "与第5行的身份证号重复，同一人只能填一行"
    assert Employee.objects.count() == 0
    assert not AuditEntry.objects.filter(action="workforce.roster_import").exists()


def test_corrected_file_imports_and_reimport_changes_nothing(world):
    rows = [person(n) for n in range(1, 7)]
    result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 6, 0, 0)
    assert Employee.objects.filter(enterprise=world.firm_a).count() == 6
    entry = AuditEntry.objects.get(action="workforce.roster_import")
    assert entry.after["created"] == 6 and entry.object_id == str(world.firm_a.pk)
    assert rows[0]["身份证号"] not in str(entry.after) + entry.note

    again = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert Employee.objects.count() == 6


def test_changing_one_phone_updates_exactly_that_person(world):
    rows = [person(n) for n in range(1, 5)]
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    before = {e.pk: (e.phone, e.version, e.updated_at) for e in Employee.objects.all()}
    rows[2]["电话"] = "13999990000"
    result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    # Found by the blind index: the import set it with the new number.
    changed = Employee.objects.get(phone_index=crypto.phone_index("13999990000"))
    assert changed.name == rows[2]["姓名"]
    assert changed.version == before[changed.pk][1] + 1
    for employee in Employee.objects.exclude(pk=changed.pk):
        assert (employee.phone, employee.version, employee.updated_at) == before[employee.pk]
    assert result.employee_ids == [changed.pk]


def test_a_column_left_out_of_the_file_is_left_alone(world):
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1, 岗位="挡车工")]))
    result = importing.import_roster(
        world.users["ent_a"], world.firm_a, xlsx([person(1)], headers=["姓名", "身份证号", "电话"])
    )
    assert (result.updated, result.unchanged) == (0, 1)
    assert Employee.objects.get().job == "挡车工"


def test_id_number_is_not_readable_in_the_database(world):
    number = make_id(42)
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(42)]))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Employee._meta.db_table}")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert number not in stored
    assert number[6:14] + number[14:] not in stored
    employee = Employee.objects.get()
    assert employee.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert crypto.decrypt(employee.id_number_encrypted) == number


def test_cells_are_checked_against_each_columns_rule(world):
    rows = [
        person(1, 性别="女"),  # the 17th digit of make_id(1) is odd: male
        person(2, 所属单位="别的公司"),
        person(3, 居住区县="火星"),
        person(4, 居住地管控状态="高风险"),
        person(5, 姓名=""),
        person(6, 身份证号=int(make_id(6)[:-1] + "0")),
        person(7, 身份证号=make_id(7)[:4] + "**********" + make_id(7)[-4:]),
    ]
    extra = {"预计返岗日期": "2022-13-01", "是否已返回": "也许", "交通工具": "骑马"}
    rows.append(person(8, **extra))
    result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    got = {(e.row, e.column) for e in result.errors}
    assert got == {
        (2, "性别"),
        (3, "所属单位"),
        (4, "居住区县"),
        (5, "居住地管控状态"),
        (6, "姓名"),
        (7, "身份证号"),
        (8, "身份证号"),
        (9, "预计返岗日期"),
        (9, "是否已返回"),
        (9, "交通工具"),
    }
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert "文本格式" in messages[(7, "身份证号")]
    assert "脱敏" in messages[(8, "身份证号")]
    assert "找不到地区「火星」" in messages[(4, "居住区县")]
    assert Employee.objects.count() == 0


def test_missing_required_column_or_empty_file_is_a_file_error(world):
    with pytest.raises(ImportFileError, match="电话"):
        importing.import_roster(
            world.users["ent_a"], world.firm_a, xlsx([person(1)], headers=["姓名", "身份证号"])
        )
    with pytest.raises(ImportFileError, match="没有员工数据"):
        importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([], headers=HEADERS))
    with pytest.raises(ImportFileError, match="无法读取"):
        importing.import_roster(world.users["ent_a"], world.firm_a, BytesIO(b"not a workbook"))


def test_travel_and_contacts_are_stored_and_compared_on_reimport(world, places):
    rows = [
        person(
            1,
            **{
                "是否离开驻地及时间": "是 2022-04-01",
                "所赴城市": "上饶市",
                "是否已返回": "否",
                "目前所在城市": "上饶",
                "14日内重点地区旅居史": "信州区 2022-04-05至2022-04-10；诸暨市 2022-04-11",
                "14日内接触史": "2022-04-08 与确诊病例同乘G1234",
            },
        )
    ]
    result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert result.ok, result.errors
    employee = Employee.objects.get()
    assert employee.left_on == dt.date(2022, 4, 1)
    assert (employee.return_from, employee.return_from_code) == ("上饶", "3611")
    stops = list(TravelStop.objects.order_by("from_date").values_list("region_code", "from_date", "to_date"))
    assert stops == [
        ("361102", dt.date(2022, 4, 5), dt.date(2022, 4, 10)),
        ("330681", dt.date(2022, 4, 11), dt.date(2022, 4, 11)),
    ]
    contact = CloseContact.objects.get()
    assert contact.with_case and contact.contact_date == dt.date(2022, 4, 8)

    again = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert (again.updated, again.unchanged) == (0, 1)
    rows[0]["14日内重点地区旅居史"] = "无"
    third = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert third.updated == 1
    assert not TravelStop.objects.exists()
    assert CloseContact.objects.count() == 1


def test_a_return_date_in_the_future_is_refused_as_on_the_form(world):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1, 返回时间=tomorrow)]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "返回时间")]


def test_progress_is_reported_while_a_big_roster_runs(world):
    calls = []
    rows = [person(n, 身份证号=make_id(n, born=dt.date(1990 + n // 1000, 1, 1))) for n in range(2100)]
    result = importing.import_roster(
        world.users["ent_a"], world.firm_a, xlsx(rows), progress=lambda d, t: calls.append((d, t))
    )
    assert result.created == 2100
    assert calls[0] == (1000, 4200)
    assert calls[-1] == (4200, 4200)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)


def test_fast_id_check_agrees_with_parse_id_number(world):
    """The import's shortcut must accept and refuse exactly what parse_id_number does, with its message."""
    rng = random.Random(20200210)
    checker = parsing._IdChecker()
    areas = ["330681", "110101", "420106", "999999", "330625", "000000"]
    for _ in range(3000):
        body = f"{rng.choice(areas)}{rng.randint(1890, 2030)}{rng.randint(0, 13):02d}{rng.randint(0, 32):02d}{rng.randint(0, 999):03d}"
        check = ric.calc_check_digit(body + "0") if rng.random() < 0.8 else rng.choice("0123456789X")
        number = body + check
        try:
            expected = parse_id_number(number)
        except ValidationError as exc:
            with pytest.raises(parsing._Bad) as caught:
                checker(number)
            assert str(caught.value) == exc.messages[0], number
        else:
            assert checker(number) == (expected.number, expected.birth_date, expected.gender)


# Scope and permission --------------------------------------------------------------------------


def test_another_firms_officer_cannot_import_or_export_this_firm(world):
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1)]))
    with pytest.raises(PermissionDenied):
        importing.import_roster(world.users["ent_c"], world.firm_a, xlsx([person(2)]))
    with pytest.raises(PermissionDenied):
        roster_tasks.import_roster_async(world.users["ent_c"], world.firm_a, "/nonexistent.xlsx")
    content = export.export_roster(world.users["ent_c"], Employee.objects.filter(enterprise=world.firm_a))
    assert len(read_sheet(content)) == 1  # the header only
    with pytest.raises(PermissionDenied):
        return_statistics.export_return_statistics(world.users["ent_c"], world.firm_a)
    assert Employee.objects.count() == 1


def test_roles_without_the_edit_capability_cannot_import(world):
    for name in ("town_a", "task_force", "gate_a", "employee_a"):
        with pytest.raises(PermissionDenied):
            importing.import_roster(world.users[name], world.firm_a, xlsx([person(1)]))
    assert Employee.objects.count() == 0


# Export --------------------------------------------------------------------------------------------


def test_export_masks_ids_for_a_role_without_unmask(world):
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1), person(2)]))
    for name in ("task_force", "dept_industry"):
        rows = read_sheet(export.export_roster(world.users[name], Employee.objects.all()))
        ids = [row[3] for row in rows[1:]]
        assert ids == [
            make_id(1)[:4] + "*" * 10 + make_id(1)[-4:],
            make_id(2)[:4] + "*" * 10 + make_id(2)[-4:],
        ]
        with pytest.raises(PermissionDenied):
            export.export_roster(world.users[name], Employee.objects.all(), unmasked=True)
    assert not AuditEntry.objects.filter(action=VIEW_PERSONAL_DATA).exists()


def test_unmasked_export_shows_full_ids_and_is_logged_with_the_count(world):
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1), person(2)]))
    content = export.export_roster(world.users["ent_a"], Employee.objects.all(), unmasked=True)
    assert [row[3] for row in read_sheet(content)[1:]] == [make_id(1), make_id(2)]
    entry = AuditEntry.objects.get(action=VIEW_PERSONAL_DATA)
    assert entry.actor == world.users["ent_a"]
    assert entry.after == {"fields": ["身份证号"], "count": 2, "export": True}
    assert make_id(1) not in str(entry.after) + entry.note


def test_export_then_import_round_trip_changes_nothing(world, places):
    route = ShuttleRoute.objects.create(
        enterprise=world.firm_a, name="城东线", vehicle_plate="浙D12345", driver_name="赵师傅", seats=30
    )
    rows = [
        person(
            1,
            **{
                "交通工具": "火车/高铁",
                "车次/航班": "G1234",
                "是否离开驻地及时间": "是 2022-04-01",
                "所赴城市": "上饶市",
                "返回时间": dt.date(2022, 4, 12),
                "预计返岗日期": "2022/4/20",
                "14日内重点地区旅居史": "信州区 2022-04-05至2022-04-10",
                "班车线路": "城东线",
                "座位号": "12",
                "居住地管控状态": "管控区",
                "健康码": "绿码",
                "是否发热": "否",
                "籍贯": "江西上饶",
            },
        ),
        person(2, 居住区县="", 身份证号=make_id(2, area="361102", born=dt.date(2001, 5, 1))),
    ]
    first = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert first.ok, first.errors
    content = export.export_roster(world.users["ent_a"], Employee.objects.all(), unmasked=True)
    exported = read_sheet(content)
    assert list(exported[0]) == [c.header for c in COLUMNS]
    sheet = load_workbook(BytesIO(content))[ROSTER_SHEET]
    assert sheet.freeze_panes == "C2"
    assert (
        sheet["K2"].value == dt.datetime(2022, 4, 20)
        and sheet["K2"].number_format == DATE_NUMBER_FORMAT == 'yyyy"年"m"月"d"日"'
    )
    again = importing.import_roster(world.users["ent_a"], world.firm_a, BytesIO(content))
    assert again.ok, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    one = Employee.objects.get(name="员工001")
    assert one.shuttle_route == route and one.has_returned and one.is_local
    assert not Employee.objects.get(name="员工002").is_local  # ID area outside the firm's county


# Statistics ----------------------------------------------------------------------------------------


def test_return_statistics_count_by_district_control_and_commute(world, places):
    ShuttleRoute.objects.create(
        enterprise=world.firm_a, name="城东线", vehicle_plate="浙D12345", driver_name="赵师傅", seats=1
    )
    rows = [
        person(1, 居住区县="诸暨市", 居住地管控状态="管控区", 班车线路="城东线"),
        person(2, 居住区县="暨阳街道", 居住地管控状态="封控区", 班车线路="城东线"),
        person(3, 居住区县="信州区", 居住地管控状态="防范区"),
    ]
    assert importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows)).ok
    rows = read_sheet(
        return_statistics.export_return_statistics(world.users["ent_a"], world.firm_a), "返岗员工统计"
    )
    cells = {row[0]: row[1:] for row in rows if row and row[0]}
    assert cells["诸暨市"][:3] == (2, 0, 2)
    assert cells["信州区"][:3] == (1, 0, 0)
    assert cells[str(ResidenceControl.SEALED.label)][0] == 1
    assert cells[str(ResidenceControl.CONTROLLED.label)][0] == 1
    assert cells["点对点通勤"][0] == 2
    assert cells["封闭驻厂"][0] == 1
    assert cells["城东线"][:4] == ("浙D12345", 1, 2, None)
    assert cells["城东线"][5] == 1  # one rider beyond the seats


def test_statistics_across_firms_list_each_firm(world):
    importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1)]))
    Employee.objects.create(
        enterprise=world.firm_b,
        name="乙",
        phone="13800000000",
        id_number_encrypted="x",
        id_number_index="y",
        id_number_masked="z",
    )
    book = load_workbook(
        BytesIO(return_statistics.export_return_statistics(world.users["task_force"], Employee.objects.all()))
    )
    firms = [row[0] for row in book["分企业"].iter_rows(min_row=2, values_only=True)]
    assert firms == sorted([world.firm_a.name, world.firm_b.name])


# Background job ----------------------------------------------------------------------------------


def test_async_import_reports_progress_and_result_and_removes_the_file(world, tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx([person(1), person(2)]).getvalue())
    job = roster_tasks.import_roster_async(world.users["ent_a"], world.firm_a, str(path))
    status = roster_tasks.job_status(job)
    assert status["state"] == "done" and status["percent"] == 100
    assert status["result"]["created"] == 2 and status["user_id"] == world.users["ent_a"].pk
    assert not path.exists()
    assert roster_tasks.job_status("unknown") is None


def test_async_import_of_a_bad_file_keeps_the_errors(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(bad_roster()).getvalue())
    status = roster_tasks.job_status(
        roster_tasks.import_roster_async(world.users["ent_a"], world.firm_a, str(path))
    )
    assert status["state"] == "done"
    assert status["result"]["error_count"] == 3
    assert status["result"]["errors"][0][:2] == [3, "身份证号"]
    assert Employee.objects.count() == 0


# After the import: the return rules decide ------------------------------------------------------


def test_imported_people_are_decided_by_the_return_rules(
    world, places, n0, django_capture_on_commit_callbacks
):
    from tests.workforce.conftest import days_ago, no_return_area

    no_return_area(n0, "361102", "信州区")
    back = days_ago(2)
    rows = [
        person(1),  # stayed home
        person(
            2,
            **{
                "是否离开驻地及时间": f"是 {days_ago(10)}",
                "所赴城市": "信州区",
                "返回时间": back,
                "14日内重点地区旅居史": f"信州区 {days_ago(10)}至{days_ago(3)}",
            },
        ),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert result.ok, result.errors
    home, away = Employee.objects.get(name="员工001"), Employee.objects.get(name="员工002")
    assert home.decision == "may_return"
    assert away.decision == "barred" and "信州区" in away.decision_reason

    # Nothing changed, nothing queued: a re-import does not re-decide anyone.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = importing.import_roster(world.users["ent_a"], world.firm_a, xlsx(rows))
    assert again.updated == 0 and callbacks == []
