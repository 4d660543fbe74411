"""The shift sheet as Excel: the template lists the people on site without their ID numbers; the upload
answers per Excel row, in Chinese, and a repeat upload stores nothing new."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fugong.monitoring import shift_excel
from fugong.monitoring.models import Alert, CheckinSource, HealthCheckin
from tests.monitoring.conftest import at_work
from tests.workforce.conftest import valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(world, n0):
    ent = world.users["ent_a"]
    numbers = [valid_id(birth="19880808"), valid_id(birth="19880809")]
    return [
        at_work(world.firm_a, ent, name="甲一", id_number=numbers[0]),
        at_work(world.firm_a, ent, name="乙二", id_number=numbers[1]),
    ], numbers


def sheet_bytes(rows, header=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = shift_excel.SHEET
    sheet.append(header or ["姓名", "员工编号", "身份证号", "轮次", "测量时间", "体温", "症状", "健康码"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, body, round_number=1):
    file = SimpleUploadedFile("sheet.xlsx", body, content_type=shift_excel.XLSX_CONTENT_TYPE)
    return client.post(reverse("monitoring:bulk"), {"action": "upload", "round": round_number, "file": file})


def test_template_lists_people_without_id_numbers(world, people, client):
    (first, second), numbers = people
    at_work(world.firm_c, world.users["ent_c"], name="外企人")
    client.force_login(world.users["ent_a"])
    response = client.get(reverse("monitoring:bulk_template"), {"round": 2})
    assert response.status_code == 200
    assert response["Content-Type"] == shift_excel.XLSX_CONTENT_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book[shift_excel.SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["姓名", "员工编号", "身份证号", "轮次", "测量时间", "体温", "症状", "健康码"]
    assert {(r[0], r[1], r[3]) for r in rows[1:]} == {("甲一", first.pk, 2), ("乙二", second.pk, 2)}
    text = "\n".join(str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)
    assert not any(n in text for n in numbers) and "外企人" not in text


def test_template_and_upload_refused_outside_the_firm(world, people, client):
    for who in ("outsider", "town_a", "employee_a"):
        client.force_login(world.users[who])
        assert client.get(reverse("monitoring:bulk_template")).status_code == 403
        body = sheet_bytes([["甲一", people[0][0].pk, None, 1, None, 36.5, None, None]])
        assert upload(client, body).status_code == 403
    assert not HealthCheckin.objects.exists()


def test_upload_stores_rows_and_reports_per_row(world, people, client):
    (first, second), numbers = people
    foreign = at_work(world.firm_c, world.users["ent_c"], name="外企人", id_number=valid_id(birth="19880810"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)  # a past time whatever the hour of the run
    morning = dt.datetime.combine(yesterday, dt.time(8, 30))
    body = sheet_bytes(
        [
            ["甲一", first.pk, None, 1, morning, 36.5, "无", "绿码"],
            ["乙二", None, numbers[1], 1, f"{yesterday:%Y/%m/%d} 08:40", "37.6", "咳嗽、乏力", None],
            ["外企人", foreign.pk, None, 1, None, 36.5, None, None],  # row 4: not this firm's
            ["甲一", first.pk, None, 2, None, 50, None, None],  # row 5: impossible temperature
            ["空行", None, None, None, None, None, None, None],  # row 6: not measured, skipped
            ["甲一", first.pk, None, 2, None, 36.6, "头疼", None],  # row 7: unknown symptom
        ]
    )
    client.force_login(world.users["ent_a"])
    response = upload(client, body)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Excel：已保存2条，重复0条，错误3条" in html
    assert HealthCheckin.objects.filter(source=CheckinSource.BULK).count() == 2
    fever = HealthCheckin.objects.get(employee=second)
    assert fever.abnormal and sorted(fever.symptoms) == ["cough", "fatigue"]
    assert Alert.objects.filter(employee=second).exists()
    assert HealthCheckin.objects.get(employee=first).health_code == "green"
    assert set(HealthCheckin.objects.values_list("day", flat=True)) == {yesterday}
    sheet = response.context["sheet"]
    by_row = {r.row: r for r in sheet.rows}
    assert by_row[2].status == "stored" and by_row[3].status == "stored" and by_row[3].abnormal
    assert by_row[4].status == "error" and "本企业没有该员工" in by_row[4].message
    assert by_row[5].status == "error" and "「体温」" in by_row[5].message
    assert by_row[6].status == "skipped"
    assert by_row[7].status == "error" and "「症状」无效：头疼" in by_row[7].message
    assert "第4行" in html and "第7行" in html
    assert not HealthCheckin.objects.filter(employee=foreign).exists()


def test_repeat_upload_stores_nothing_new(world, people, client, clock):
    clock(14)  # both rounds open: the second upload names round 2
    (first, second), _numbers = people
    # No round and no time: the round comes from the upload form, the key from the file.
    body = sheet_bytes(
        [
            ["甲一", first.pk, None, None, None, 36.5, None, None],
            ["乙二", second.pk, None, None, None, 36.7, None, None],
        ]
    )
    client.force_login(world.users["ent_a"])
    assert upload(client, body, round_number=1).context["sheet"].stored == 2
    again = upload(client, body, round_number=2).context["sheet"]
    assert (again.stored, again.duplicates, again.errors) == (0, 2, 0)
    assert HealthCheckin.objects.count() == 2
    assert set(HealthCheckin.objects.values_list("round", flat=True)) == {1}


def test_unreadable_file_and_missing_headers(world, people, client):
    client.force_login(world.users["ent_a"])
    bad = upload(client, b"not an excel file")
    assert bad.status_code == 400 and "无法读取该文件" in bad.content.decode()
    headless = upload(client, sheet_bytes([["甲一", 36.5]], header=["姓名", "体温"]))
    assert headless.status_code == 400 and "「员工编号」或「身份证号」" in headless.content.decode()
    assert not HealthCheckin.objects.exists()


def test_bulk_page_reads_only_visible_checkins(world, people, client):
    (first, _second), _numbers = people
    client.force_login(world.users["ent_a"])
    upload(client, sheet_bytes([["甲一", first.pk, None, 1, None, 36.5, None, None]]))
    page = client.get(reverse("monitoring:bulk"), {"round": 1}).content.decode()
    assert "36.5℃" in page


def test_name_must_match_the_numbered_person(world, people):
    (first, second), numbers = people
    body = sheet_bytes(
        [
            ["乙二", first.pk, None, 1, None, "38.2"],  # 甲一's number with 乙二's name: a typo
            ["乙二", None, numbers[0], 1, None, "38.2"],
            ["甲一", first.pk, None, 1, None, "36.5"],
        ]
    )
    result = shift_excel.import_shift_sheet(world.users["ent_a"], world.firm_a, body, default_round=1)
    by_row = {r.row: r for r in result.rows}
    assert by_row[2].status == "error"
    assert by_row[2].message == "「姓名」与员工编号对应的员工（甲一）不一致"
    assert by_row[3].status == "error" and by_row[3].message == "「姓名」与身份证号对应的员工（甲一）不一致"
    assert by_row[4].status == "stored"
    assert not Alert.objects.exists()
    assert list(HealthCheckin.objects.values_list("employee_id", flat=True)) == [first.pk]


def test_id_number_stored_as_an_excel_number_is_refused(world, people):
    (first, _second), numbers = people
    body = sheet_bytes([[None, None, int(numbers[0][:17] + "0"), 1, None, "36.5"]])
    result = shift_excel.import_shift_sheet(world.users["ent_a"], world.firm_a, body, default_round=1)
    assert result.rows[0].status == "error"
    assert "「身份证号」被Excel存成了数字，末几位已丢失" in result.rows[0].message
    assert not HealthCheckin.objects.exists()


def test_template_writes_names_as_text_never_formulas(world, n0, client):
    person = at_work(world.firm_a, world.users["ent_a"], name="=HYPERLINK(1)")
    client.force_login(world.users["ent_a"])
    body = client.get(reverse("monitoring:bulk_template")).content
    sheet = openpyxl.load_workbook(io.BytesIO(body))[shift_excel.SHEET]
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s" and not str(cell.value).startswith("=")
    # The sheet filled in and sent back still names the same person.
    sheet.cell(row=2, column=6, value="36.5")
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    result = shift_excel.import_shift_sheet(
        world.users["ent_a"], world.firm_a, buffer.getvalue(), default_round=1
    )
    assert [r.status for r in result.rows] == ["stored"], result.rows
    assert HealthCheckin.objects.get().employee == person
