"""Excel in the layouts towns already use (SPEC §13): the register export and the import template.

The export starts with the columns of the 2020 district resumption register (单位名称, 所属区, 所属乡镇,
单位地址 …, with 统一社会信用代码 where that register had 组织机构代码 and 状态 for 审核状态) and then
adds the file's other fields under the same headers the import reads, so that an exported sheet can be
imported again elsewhere.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from fugong.accounts.models import Department
from fugong.core.excel import date_number_format, local_cell_datetime
from fugong.core.masking import CONTACT, phone_for
from fugong.enterprises.models import TAG_FIELDS, EfficiencyClass, Enterprise, IndustryClass, ResumptionMode

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_SHEET = "企业名录"
YES, NO = "是", "否"
ABOVE_SIZE, BELOW_SIZE = "规上", "规下"


def _label(name: str) -> str:
    return str(Enterprise._meta.get_field(name).verbose_name)


def _local(dt):
    # Excel has no time zones; officers read local time.
    return local_cell_datetime(dt) if dt else None


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _industry(e: Enterprise) -> str:
    return f"{e.industry_class.code} {e.industry_class.name}" if e.industry_class_id else ""


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Enterprise], object]
    width: int = 14
    # A contact phone, written as the exporting user may see it (core.masking).
    phone: bool = False


# Tags other than above-size, which has its own 企业规模 column.
OTHER_TAGS = [name for name in TAG_FIELDS if name != "is_above_size"]

EXPORT_COLUMNS = [
    ExportColumn("单位名称", lambda e: e.name, 34),
    ExportColumn("统一社会信用代码", lambda e: e.uscc, 22),
    ExportColumn("所属区", lambda e: e.town.parent.name if e.town.parent_id else "", 12),
    ExportColumn("所属乡镇", lambda e: e.town.name, 14),
    ExportColumn("单位地址", lambda e: e.address, 34),
    ExportColumn("法定代表人", lambda e: e.legal_representative, 12),
    ExportColumn("法定代表人电话", lambda e: e.legal_representative_phone, 16, phone=True),
    ExportColumn("联系人", lambda e: e.prevention_lead, 12),
    ExportColumn("联系电话", lambda e: e.prevention_lead_phone, 16, phone=True),
    ExportColumn("企业规模", lambda e: ABOVE_SIZE if e.is_above_size else BELOW_SIZE, 10),
    ExportColumn("职工人数", lambda e: e.normal_headcount, 10),
    ExportColumn("所属大类", _industry, 28),
    ExportColumn("所属行业", lambda e: e.industry_class.section_name if e.industry_class_id else "", 20),
    ExportColumn("状态", lambda e: str(e.get_status_display()), 14),
    ExportColumn("行业主管部门", lambda e: e.department.name, 18),
    ExportColumn("复工模式", lambda e: str(e.get_resumption_mode_display()) if e.resumption_mode else "", 12),
    ExportColumn("亩均效益等级", lambda e: e.efficiency_class, 12),
    ExportColumn("正常日产值（万元）", lambda e: e.normal_daily_output, 16),
    ExportColumn("本地员工占比（%）", lambda e: e.local_employee_share, 16),
    *[ExportColumn(_label(name), (lambda e, n=name: _yes_no(getattr(e, n))), 14) for name in OTHER_TAGS],
    ExportColumn("状态变更时间", lambda e: _local(e.status_changed_at), 18),
    ExportColumn("建档时间", lambda e: _local(e.created_at), 18),
]

_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="B71C1C")
_HEADER_FILL = PatternFill("solid", fgColor="FCE4EC")


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """A date or time as a date cell shown in Chinese (2026年12月5日 06:04); anything else as it is."""
    number_format = date_number_format(value)
    if number_format is None:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def export_register(enterprises: Iterable[Enterprise], viewer=None) -> bytes:
    """The register of ``enterprises`` (already scoped and filtered) as .xlsx bytes; the contact phones in
    full only if ``viewer`` may see them."""
    # Write-only mode streams rows, so a city's 20,000 firms do not sit in memory as cell objects.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(REGISTER_SHEET)
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "B2"
    sheet.append([column.header for column in EXPORT_COLUMNS])
    for enterprise in enterprises:
        sheet.append(
            [
                phone_for(viewer, column.value(enterprise), kind=CONTACT)
                if column.phone
                else _cell(sheet, column.value(enterprise))
                for column in EXPORT_COLUMNS
            ]
        )
    return _save(workbook)


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    required: bool
    hint: str
    example: str
    width: int = 16
    choices_key: str = ""  # a column of the 可选值 sheet that feeds a drop-down
    text: bool = False  # stored as text so that Excel does not round 18-digit codes or drop leading zeros


def template_columns(example_town=None) -> list[TemplateColumn]:
    """The import columns; the example row names ``example_town`` (one the officer may register
    firms in) so that it imports as it stands."""
    from fugong.enterprises.importing import EXAMPLE_USCC

    town = example_town.name if example_town is not None else "城关镇"
    county = example_town.parent.name if example_town is not None and example_town.parent_id else ""

    tag_columns = [
        TemplateColumn(_label(name), False, "填“是”或“否”，不填视为否", NO, 14, "yes_no")
        for name in OTHER_TAGS
    ]
    return [
        TemplateColumn("单位名称", True, "与营业执照一致", "示例机械制造有限公司", 34),
        TemplateColumn("统一社会信用代码", True, "18位，含校验位，请按文本填写", EXAMPLE_USCC, 22, text=True),
        TemplateColumn("所属区", False, "区县名称；乡镇重名时必填", county, 12),
        TemplateColumn("所属乡镇", True, "乡镇/街道名称或区划代码，须在您的管辖范围内", town, 14, "towns"),
        TemplateColumn("单位地址", True, "生产经营地址", f"{town}工业路88号", 34),
        TemplateColumn("法定代表人", True, "", "王建国", 12),
        TemplateColumn("法定代表人电话", False, "", "13800000000", 16, text=True),
        TemplateColumn("联系人", False, "防疫负责人", "李红", 12),
        TemplateColumn("联系电话", False, "防疫负责人电话", "13900000000", 16, text=True),
        TemplateColumn("行业主管部门", True, "部门全称", "经济和信息化局", 18, "departments"),
        TemplateColumn(
            "所属大类",
            False,
            "国民经济行业分类大类，填代码或“代码 名称”",
            "34 通用设备制造业",
            28,
            "industries",
        ),
        TemplateColumn("企业规模", False, "“规上”或“规下”，不填视为规下", ABOVE_SIZE, 10, "sizes"),
        TemplateColumn("职工人数", False, "正常用工人数，整数", "120", 10),
        TemplateColumn("正常日产值（万元）", False, "数字，单位万元", "35.5", 16),
        TemplateColumn("本地员工占比（%）", False, "0–100 的数字", "60", 16),
        TemplateColumn("复工模式", False, "封闭驻厂 / 点对点通勤 / 有序出行", "", 12, "modes"),
        TemplateColumn("亩均效益等级", False, "A、B、C 或 D", "B", 12, "efficiency"),
        *tag_columns,
    ]


def import_template(towns) -> bytes:
    """A blank register to fill in: headers (required ones in red), drop-downs, and an example on a second sheet."""
    towns = list(towns)
    columns = template_columns(towns[0] if towns else None)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = REGISTER_SHEET
    options = workbook.create_sheet("可选值")
    guide = workbook.create_sheet("填写说明")

    choice_lists = {
        "towns": [town.name for town in towns],
        "departments": list(Department.objects.filter(is_industry=True).values_list("name", flat=True)),
        "industries": [f"{c.code} {c.name}" for c in IndustryClass.objects.order_by("code")],
        "sizes": [ABOVE_SIZE, BELOW_SIZE],
        "modes": [str(label) for _value, label in ResumptionMode.choices],
        "efficiency": list(EfficiencyClass.values),
        "yes_no": [YES, NO],
    }
    ranges = {}
    for index, (key, values) in enumerate(choice_lists.items(), start=1):
        letter = get_column_letter(index)
        options.cell(row=1, column=index, value=key).font = _HEADER_FONT
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=index, value=value)
        options.column_dimensions[letter].width = 28
        if values:
            ranges[key] = f"'可选值'!${letter}$2:${letter}${len(values) + 1}"

    last_row = 5001
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        note = ("必填。" if column.required else "选填。") + column.hint
        cell.comment = Comment(note, "复工通")
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices_key in ranges:
            validation = DataValidation(type="list", formula1=ranges[column.choices_key], allow_blank=True)
            validation.error = "请从下拉列表中选择"
            validation.showErrorMessage = column.choices_key != "towns"  # town codes are accepted too
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "B2"

    guide.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = _HEADER_FONT
    for column in columns:
        guide.append([column.header, "必填" if column.required else "选填", column.hint, column.example])
    guide.append([])
    guide.append(
        [
            "说明：从“企业名录”表第2行起每行填写一家企业；导入时先检查全部行，任何一行有误则全部不导入，并列出行号、字段和原因。"
        ]
    )
    guide.append(["已登记的统一社会信用代码不会重复建档：可选择报错，或跳过已登记的企业只导入新企业。"])
    for letter, width in zip("ABCD", (20, 10, 48, 30), strict=True):
        guide.column_dimensions[letter].width = width
    return _save(workbook)
