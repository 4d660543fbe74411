"""The lab's result sheet: template, header check, per-row answers with the sheet's row numbers."""

# ruff: noqa: F811 - the fixtures come from tests_support and are parameters by name

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fugong.core import crypto
from fugong.monitoring import lab_excel
from fugong.monitoring.models import Alert
from fugong.monitoring.models import TestResult as Result
from fugong.workforce.models import EmployeeStatus
from tests.monitoring.tests_support import at, buffered, n1, now, working  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号", "检测类型", "采样时间", "检测结果", "检测机构", "报告时间"]


def _sheet(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "检测结果"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _text(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _id(person):
    return crypto.decrypt(person.id_number_encrypted)


def test_template_has_the_columns_and_drop_downs():
    book = openpyxl.load_workbook(io.BytesIO(lab_excel.template_workbook()))
    sheet = book["检测结果"]
    assert [c.value for c in sheet[1]] == HEADER
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert '"核酸,抗原"' in formulas and '"阴性,阳性"' in formulas
    assert "填写说明" in book.sheetnames


def test_import_answers_per_row_and_a_repeat_stores_nothing(world, working, buffered):
    rows = [
        [working.name, _id(working), "核酸", _text(at(1)), "阴性", "诸暨市人民医院", _text(at(1, 20))],
        [None, None, None, None, None, None, None],  # a blank row is skipped, numbering goes on
        [buffered.name, _id(buffered), "核酸", _text(now()), "阴性", "诸暨市人民医院", None],
        ["王五", _id(working), "核酸", _text(at(2)), "阴性", "诸暨市人民医院", None],
        [working.name, _id(working), "血清", "昨天", "阴性", "", None],
        [
            working.name,
            _id(working),
            "抗原",
            timezone.localtime(at(1, 7)).replace(tzinfo=None),
            "阳性",
            None,
            None,
        ],
    ]
    answer = lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, _sheet(rows))
    assert [(r.number, r.status) for r in answer.rows] == [
        (2, "stored"),
        (4, "stored"),
        (5, "error"),
        (6, "error"),
        (7, "stored"),
    ]
    assert answer.rows[2].columns == ["姓名"] and "不一致" in answer.rows[2].message
    assert answer.rows[3].columns == ["检测类型", "采样时间"]
    assert "「检测类型」" in answer.rows[3].message and "「采样时间」" in answer.rows[3].message
    assert answer.rows[1].released and answer.released == 1
    assert answer.rows[4].positive and answer.positives == 1
    assert Alert.objects.get().value == "抗原阳性"
    buffered.refresh_from_db()
    assert buffered.status == EmployeeStatus.AT_WORK
    stored = Result.objects.filter(source="upload")
    assert stored.count() == 3
    assert stored.get(kind="nucleic", employee=working).lab == "诸暨市人民医院"

    again = lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, _sheet(rows))
    assert (again.stored, again.duplicates, again.errors) == (0, 3, 2)
    assert Result.objects.count() == 3 and Alert.objects.count() == 1


def test_id_number_written_as_a_number_is_named(world, working):
    rows = [
        [None, 330681199001011234, "核酸", _text(at(1)), "阴性", "医院", None],
        [working.name, _id(working), "核酸", _text(at(1)), "阴性", "医院", None],
    ]
    answer = lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, _sheet(rows))
    assert [(r.number, r.status) for r in answer.rows] == [(2, "error"), (3, "stored")]
    assert answer.rows[0].columns == ["身份证号"] and "文本" in answer.rows[0].message


@pytest.mark.parametrize(
    "header,words",
    [
        (["姓名", "检测类型", "采样时间", "检测结果"], "缺少必填列：身份证号"),
        (["姓名", "身份证号码", "类型", "采样时间", "结果"], "检测类型、检测结果"),
        ([], "第1行应为列名"),
    ],
)
def test_header_is_checked(world, working, header, words):
    with pytest.raises(lab_excel.ImportFileError, match=words):
        lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, _sheet([["x"]], header))


def test_headers_with_marks_and_aliases_are_read(world, working):
    header = ["姓名*", "身份证号码(必填)", "检测类型 *", "采样时间", "检测结果", "检测单位"]
    rows = [[working.name, _id(working), "核酸", _text(at(1)), "阴性", "医院"]]
    answer = lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, _sheet(rows, header))
    assert answer.stored == 1


def test_not_an_excel_file_or_empty(world, working):
    with pytest.raises(lab_excel.ImportFileError, match="无法读取"):
        lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, io.BytesIO(b"not a workbook"))
    with pytest.raises(lab_excel.ImportFileError, match="没有数据行"):
        lab_excel.import_lab_sheet(world.users["ent_a"], world.firm_a, _sheet([]))


def test_only_the_firm_imports(world, working):
    rows = [[working.name, _id(working), "核酸", _text(at(1)), "阴性", "医院", None]]
    for who in ("outsider", "ent_c", "town_a"):
        with pytest.raises(PermissionDenied):
            lab_excel.import_lab_sheet(world.users[who], world.firm_a, _sheet(rows))
    assert not Result.objects.exists()
