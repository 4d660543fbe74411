from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from fugong.audit.models import AuditEntry
from fugong.enterprises import excel, importing
from fugong.enterprises.models import Enterprise
from fugong.enterprises.selectors import enterprises_for, visible_towns
from tests.enterprises.helpers import import_row, make_xlsx


def _import(world, rows, who="town_a", **kwargs):
    return importing.import_enterprises(world.users[who], make_xlsx(rows), filename="企业名录.xlsx", **kwargs)


def _imported():
    return Enterprise.objects.filter(name__startswith="诸暨导入测试")


def test_good_file_creates_every_firm_in_one_go_and_audits(world):
    result = _import(world, [import_row(1), import_row(2), import_row(3)])
    assert result.ok and len(result.created) == 3
    firm = _imported().get(name="诸暨导入测试纺织有限公司2")
    assert firm.town == world.town_a and firm.department.code == "industry"
    assert firm.industry_class.code == "17" and firm.is_above_size and firm.is_key_exporter
    assert firm.normal_headcount == 52
    creates = AuditEntry.objects.filter(action="enterprise.create")
    assert creates.count() == 3 and "第3行" in creates.get(object_id=str(firm.pk)).note
    summary = AuditEntry.objects.get(action="enterprise.import")
    assert summary.after["created"] == sorted(e.pk for e in result.created)


def test_one_bad_row_among_good_ones_saves_nothing_and_says_where(world):
    rows = [import_row(1), import_row(2, 统一社会信用代码="91330681000000001X"), import_row(3)]
    result = _import(world, rows)
    assert not result.ok and result.created == []
    assert [(e.row, e.field) for e in result.errors] == [(3, "统一社会信用代码")]
    assert "校验位错误" in result.errors[0].reason
    assert not _imported().exists()
    assert not AuditEntry.objects.filter(action__in=["enterprise.create", "enterprise.import"]).exists()


def test_every_bad_cell_is_listed_with_row_field_and_reason(world):
    rows = [
        import_row(1, 所属乡镇="店口镇"),  # another town's ground
        import_row(2, 行业主管部门="经信局", 职工人数="很多"),
        import_row(3, 单位名称="", 企业规模="大"),
        import_row(4, 所属大类="99"),
    ]
    result = _import(world, rows)
    found = {(e.row, e.field): e.reason for e in result.errors}
    assert "找不到乡镇/街道「店口镇」" in found[(2, "所属乡镇")]
    assert "找不到行业主管部门「经信局」" in found[(3, "行业主管部门")]
    assert "职工人数必须是不小于0的整数" in found[(3, "职工人数")]
    assert found[(4, "单位名称")] == "企业名称不能为空"
    assert "企业规模应填“规上”或“规下”" in found[(4, "企业规模")]
    assert "找不到国民经济行业分类大类「99」" in found[(5, "所属大类")]
    assert not _imported().exists()


def test_reimporting_the_same_file_creates_no_duplicates(world):
    rows = [import_row(1), import_row(2)]
    assert _import(world, rows).ok
    again = _import(world, rows)
    assert again.created == []
    found = {(e.row, e.field): e.reason for e in again.errors}
    assert found[(2, "统一社会信用代码")] == "该统一社会信用代码已登记：诸暨导入测试纺织有限公司1"
    assert found[(3, "统一社会信用代码")] == "该统一社会信用代码已登记：诸暨导入测试纺织有限公司2"
    assert found[(2, "单位名称")].startswith("企业名称重复")
    assert _imported().count() == 2


def test_skip_mode_imports_only_the_new_firms(world):
    assert _import(world, [import_row(1), import_row(2)]).ok
    result = _import(
        world, [import_row(1), import_row(2), import_row(3)], on_duplicate=importing.ON_DUPLICATE_SKIP
    )
    assert result.ok
    assert [e.name for e in result.created] == ["诸暨导入测试纺织有限公司3"]
    assert [s.row for s in result.skipped] == [2, 3]
    assert _imported().count() == 3


def test_duplicates_inside_one_file_are_errors(world):
    first = import_row(1)
    rows = [
        first,
        import_row(2, 统一社会信用代码=first["统一社会信用代码"]),
        import_row(3, 单位名称=first["单位名称"]),
    ]
    result = _import(world, rows)
    found = {(e.row, e.field): e.reason for e in result.errors}
    assert found[(3, "统一社会信用代码")] == "与第2行的统一社会信用代码重复"
    assert found[(4, "单位名称")] == "与第2行是同一乡镇的同名企业"
    assert not _imported().exists()


def test_credit_code_typed_as_a_number_is_refused(world):
    result = _import(world, [import_row(1, 统一社会信用代码=913306810000007011)])
    assert result.errors[0].field == "统一社会信用代码" and "文本格式" in result.errors[0].reason


def test_missing_required_columns_refuse_the_file(world):
    with pytest.raises(importing.ImportFileError) as exc:
        importing.import_enterprises(
            world.users["town_a"], make_xlsx([import_row(1)], header=["单位名称", "单位地址"])
        )
    assert "缺少必填列" in str(exc.value) and "统一社会信用代码" in str(exc.value)


def test_a_file_that_is_not_excel_is_refused(world):
    with pytest.raises(importing.ImportFileError):
        importing.import_enterprises(world.users["town_a"], BytesIO(b"name,uscc\n"))


@pytest.mark.parametrize("who", ["ent_a", "dept_industry", "inspector"])
def test_roles_without_import_capability_are_refused(world, who):
    with pytest.raises(PermissionDenied):
        _import(world, [import_row(1)], who=who)


def test_the_downloadable_template_can_be_filled_in_and_imported(world):
    content = excel.import_template(visible_towns(world.users["town_a"]))
    workbook = load_workbook(BytesIO(content))
    assert workbook.sheetnames == ["企业名录", "可选值", "填写说明"]
    sheet = workbook["企业名录"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["单位名称", "统一社会信用代码", "所属区", "所属乡镇"]
    assert sheet.max_row == 1  # blank: the example lives on the guide sheet
    example = {
        row[0]: row[3]
        for row in workbook["填写说明"].iter_rows(min_row=2, values_only=True)
        if row and row[0]
    }
    assert example["单位名称"] == "示例机械制造有限公司"
    # The example names a town the officer may register firms in, so it imports as it stands.
    assert example["所属乡镇"] in {t.name for t in visible_towns(world.users["town_a"])}
    sheet.append([example.get(h) for h in header])
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    result = importing.import_enterprises(world.users["town_a"], buffer, filename="模板.xlsx")
    assert result.ok, result.errors
    firm = result.created[0]
    assert (
        firm.uscc == importing.EXAMPLE_USCC
        and firm.industry_class.code == "34"
        and firm.efficiency_class == "B"
    )


def test_an_export_can_be_imported_elsewhere_and_skips_what_exists(world):
    content = excel.export_register(enterprises_for(world.users["town_a"]))
    result = importing.import_enterprises(
        world.users["town_a"], BytesIO(content), on_duplicate=importing.ON_DUPLICATE_SKIP
    )
    assert result.ok and result.created == [] and [s.name for s in result.skipped] == [world.firm_a.name]


def test_the_export_writes_its_times_in_local_time_in_chinese(world):
    """建档时间 at 22:04 UTC reads 2026年12月5日 06:04 in the sheet: a date cell, in Asia/Shanghai."""
    import datetime as dt

    from fugong.core.excel import DATETIME_NUMBER_FORMAT

    Enterprise.objects.filter(pk=world.firm_a.pk).update(
        created_at=dt.datetime(2026, 12, 4, 22, 4, tzinfo=dt.UTC)
    )
    content = excel.export_register(Enterprise.objects.filter(pk=world.firm_a.pk))
    sheet = load_workbook(BytesIO(content))[excel.REGISTER_SHEET]
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("建档时间") + 1)
    assert cell.value == dt.datetime(2026, 12, 5, 6, 4)
    assert cell.number_format == DATETIME_NUMBER_FORMAT
