"""The roster's layout and the workbooks written from it: the template, the export and the return statistics.

The layout is the returning-employee record (返岗员工登记) firms filled in 2020–2022 (SPEC §13), in its
order, followed by what the return statistics count (居住区县 and 居住地管控状态) and the firm's
own arrangements (宿舍, 班车线路, 座位号) from which the commute mode is counted. The import
(``fugong.workforce.roster.parsing``) reads columns by these headers; the template and the export write
them, so an exported sheet imports again.

Two columns of the 2020 record have no place in the employee file and are left out: 是否向社区报到 and
是否居家隔离 (home quarantine was the community's measure; FuGong tracks isolation in the plant as episodes).
A firm's own sheet that still has them imports: unknown columns are ignored.
"""

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from fugong.core.excel import DATE_NUMBER_FORMAT
from fugong.enterprises.excel import NO, XLSX_CONTENT_TYPE, YES
from fugong.workforce.models import Gender, HealthCode, ResidenceControl, Transport

ROSTER_SHEET = "员工名册"
GUIDE_SHEET = "填写说明"
STATISTICS_SHEET = "返岗员工统计"
LOCAL, NOT_LOCAL = "本地员工", "外地员工"
NONE_TEXT = "无"
TEMPLATE_ROWS = 5000  # rows that get the drop-downs in the template
__all__ = ["XLSX_CONTENT_TYPE"]


@dataclass(frozen=True)
class RosterColumn:
    header: str
    key: str
    hint: str
    example: object = ""
    width: int = 12
    required: bool = False
    system: bool = False  # written by the export from the system's own state; the import ignores it
    choices: tuple[str, ...] = ()  # a drop-down in the template
    text: bool = False  # formatted as text so Excel keeps 18-digit numbers and leading zeros
    aliases: tuple[str, ...] = ()  # other headers firms use for the same column


def labels(choices) -> tuple[str, ...]:
    return tuple(str(label) for value, label in choices if value)


YES_NO = (YES, NO)

COLUMNS: list[RosterColumn] = [
    RosterColumn("姓名", "name", "与身份证一致", "王小明", 10, required=True),
    RosterColumn(
        "所属单位", "enterprise_name", "可不填；填写时须为本企业名称", "", 24, aliases=("单位名称",)
    ),
    RosterColumn(
        "员工编号", "employee_no", "企业内部工号，可不填", "A0001", 10, text=True, aliases=("工号",)
    ),
    RosterColumn(
        "身份证号",
        "id_number",
        "18位居民身份证号码，请按文本填写；同一企业内按身份证号识别同一人，再次导入即更新",
        "",
        21,
        required=True,
        text=True,
        aliases=("身份证号码", "公民身份号码"),
    ),
    RosterColumn("性别", "gender", "男或女；不填按身份证号第17位", "男", 6, choices=labels(Gender.choices)),
    RosterColumn("部门", "department_name", "", "织造车间", 12),
    RosterColumn("岗位", "job", "", "挡车工", 12),
    RosterColumn(
        "电话",
        "phone",
        "11位手机号或带区号的固定电话",
        "13857500001",
        14,
        required=True,
        text=True,
        aliases=("联系电话", "手机号", "手机号码"),
    ),
    RosterColumn(
        "住址",
        "residence_address",
        "现居住详细地址",
        "某某街道望云路18号",
        28,
        aliases=("家庭住址", "现住址"),
    ),
    RosterColumn("在岗状态", "status", "由系统按返岗流程维护，导入时不读取", "", 12, system=True),
    RosterColumn(
        "预计返岗日期",
        "expected_return_date",
        "日期，如2022-04-20",
        "2022-04-20",
        12,
        aliases=("预计返岗时间",),
    ),
    RosterColumn(
        "是否离开驻地及时间",
        "left",
        "“否”，或“是 离开日期”，如“是 2022-01-25”",
        "是 2022-01-25",
        18,
        aliases=("是否离开驻地",),
    ),
    RosterColumn("所赴城市", "destination", "离开驻地期间所去城市", "上饶市", 12),
    RosterColumn("是否已返回", "has_returned", "是或否", NO, 10, choices=YES_NO),
    RosterColumn("目前所在城市", "current_city", "", "上饶市", 12),
    RosterColumn(
        "返回时间",
        "return_date",
        "已返回的填实际返回日期（不能晚于今天）；尚未返回的只填预计返岗日期",
        "2022-04-18",
        12,
        aliases=("返回日期",),
    ),
    RosterColumn(
        "交通工具",
        "transport",
        "从下拉列表选择",
        str(Transport.TRAIN.label),
        10,
        choices=labels(Transport.choices),
        aliases=("交通方式",),
    ),
    RosterColumn(
        "车次/航班",
        "transport_number",
        "车次、航班号或车牌号",
        "G1234",
        10,
        aliases=("车次航班", "车次/航班/车牌"),
    ),
    RosterColumn(
        "14日内重点地区旅居史",
        "travel",
        "“无”，或“地点 起始日期至截止日期”，多处用“；”分隔；地点填区县名称或6位区划代码",
        "信州区（361102） 2022-04-05至2022-04-17",
        34,
        aliases=("14日内旅居史", "14天内重点地区旅居史"),
    ),
    RosterColumn(
        "14日内接触史",
        "contacts",
        "“无”，或“日期 接触情况”，多条用“；”分隔；与确诊、疑似病例或阳性感染者的接触请写明",
        NONE_TEXT,
        28,
        aliases=("14天内接触史",),
    ),
    RosterColumn("是否发热", "has_fever", "是或否", NO, 8, choices=YES_NO),
    RosterColumn("其他症状", "other_symptoms", "无症状可不填", "", 12),
    RosterColumn("同返家属及身体状况", "family_health", "", "", 18),
    RosterColumn(
        "人群类型",
        "crowd",
        "本地员工或外地员工，由系统按居住区县（未填时按身份证号前6位）是否在企业所在区县判定，导入时不读取",
        "",
        10,
        system=True,
    ),
    RosterColumn("籍贯", "native_place", "", "江西上饶", 10),
    RosterColumn(
        "解除日期",
        "release_date",
        "隔离解除日期，由系统计算，导入时不读取",
        "",
        12,
        system=True,
        aliases=("解除隔离日期",),
    ),
    RosterColumn(
        "居住区县",
        "residence_region",
        "现居住地所在区县或乡镇街道的名称，或区划代码；用于按区县统计",
        "330681",
        12,
        aliases=("居住地区县", "所在区县"),
    ),
    RosterColumn(
        "居住地管控状态",
        "residence_control",
        "封控区、管控区、防范区或非管控区；不填视为非管控区",
        str(ResidenceControl.NONE.label),
        12,
        choices=labels(ResidenceControl.choices),
    ),
    RosterColumn(
        "健康码",
        "health_code",
        "绿码、黄码或红码；不使用健康码可不填",
        str(HealthCode.GREEN.label),
        8,
        choices=labels(HealthCode.choices),
    ),
    RosterColumn("宿舍", "dorm", "封闭在厂住宿的，填“楼栋-房间号”，须为本企业已登记的宿舍", "", 12),
    RosterColumn("班车线路", "shuttle_route", "点对点班车通勤的，填本企业已登记的线路名称", "", 14),
    RosterColumn("座位号", "shuttle_seat", "班车上的固定座位", "", 8, text=True),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


def header_key(value) -> str:
    """A header as written, reduced so that 身份证号 * and （身份证号） match 身份证号."""
    text = re.sub(r"[\s*＊]", "", str(value or ""))
    return text.replace("(", "（").replace(")", "）")


HEADER_LOOKUP = {
    header_key(name): column.key for column in COLUMNS for name in (column.header, *column.aliases)
}

_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="B71C1C")
_SYSTEM_FONT = Font(bold=True, color="757575")
_HEADER_FILL = PatternFill("solid", fgColor="FCE4EC")
_SYSTEM_FILL = PatternFill("solid", fgColor="EEEEEE")


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def example_id_number() -> str:
    """A valid ID number for the example row (division 330681, born 1990-03-07), check character computed."""
    from stdnum.cn import ric

    body = "33068119900307123"
    return body + ric.calc_check_digit(body + "0")


def _example(column: RosterColumn):
    return example_id_number() if column.key == "id_number" else column.example


def template_workbook() -> bytes:
    """The blank roster: header (required red, system grey), notes, drop-downs, and the 填写说明 sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ROSTER_SHEET
    guide = workbook.create_sheet(GUIDE_SHEET)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        if column.system:
            cell.font, cell.fill = _SYSTEM_FONT, _SYSTEM_FILL
        else:
            cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
            cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.comment = Comment(_rule(column), "复工通")
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            # Short lists fit in the formula itself, so the template needs no hidden sheet.
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            validation.error = "请从下拉列表中选择"
            validation.errorTitle = column.header
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.freeze_panes = "C2"
    sheet.row_dimensions[1].height = 32

    guide.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = _HEADER_FONT
    for column in COLUMNS:
        guide.append([column.header, _need(column), column.hint, _text_of(_example(column))])
    guide.append([])
    for line in (
        "从“员工名册”表第2行起每行填写一名员工。红色列名为必填项，灰色列由系统填写，导入时不读取。",
        "导入时先检查全部行，任何一行有误则全部不导入，并列出行号、列名和原因；改正后重新导入即可。",
        "同一企业内按身份证号识别同一人：再次导入同一名册只更新有变化的人，不会重复建档。",
        "身份证号、电话、员工编号请按文本填写，以免Excel把长数字改成科学计数。",
        "不在本表中的列（如“是否向社区报到”“是否居家隔离”）导入时会被忽略。",
    ):
        guide.append([line])
    guide.append([])
    guide.append(["示例行"])
    guide.append([column.header for column in COLUMNS])
    guide.append([_example(column) or None for column in COLUMNS])
    for cell in guide[guide.max_row]:
        if isinstance(cell.value, dt.date):
            cell.number_format = DATE_NUMBER_FORMAT
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 34
    guide.freeze_panes = "A2"
    return _save(workbook)


def _need(column: RosterColumn) -> str:
    if column.system:
        return "系统填写"
    return "必填" if column.required else "选填"


def _rule(column: RosterColumn) -> str:
    return f"{_need(column)}。{column.hint}" if column.hint else _need(column)


def _text_of(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value or "")


def write_roster(rows: Iterable[list]) -> bytes:
    """The roster sheet from ``rows`` (lists in COLUMNS order; None for an empty cell) as .xlsx bytes.

    Written as SpreadsheetML directly rather than through openpyxl: even in write-only mode openpyxl
    spends ~6 µs per cell on this machine, ~20 s for 100,000 people × 32 columns, against a 15 s target
    for the whole export. This writer streams each row as text into the zip (inline strings, dates as
    serial numbers with a date format), ~1 µs per cell; openpyxl and Excel read it like any workbook
    (the tests read every export back with openpyxl).
    """
    buffer = BytesIO()
    letters = [get_column_letter(i) for i in range(1, len(COLUMNS) + 1)]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in _PACKAGE_PARTS.items():
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
                for i, c in enumerate(COLUMNS, 1)
            )
            sheet.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                    '<sheetViews><sheetView workbookViewId="0">'
                    '<pane xSplit="2" ySplit="1" topLeftCell="C2" activePane="bottomRight" state="frozen"/>'
                    "</sheetView></sheetViews>"
                    f"<cols>{cols}</cols><sheetData>"
                    + _row_xml(1, [c.header for c in COLUMNS], letters, style=' s="2"')
                ).encode()
            )
            chunk: list[str] = []
            for number, row in enumerate(rows, start=2):
                chunk.append(_row_xml(number, row, letters))
                if len(chunk) == 1000:
                    sheet.write("".join(chunk).encode())
                    chunk = []
            sheet.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_PACKAGE_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG_REL}">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<sheets><sheet name="{ROSTER_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG_REL}">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    # Style 0: plain; 1: date (2026年12月5日, DATE_NUMBER_FORMAT); 2: bold header on the template's pink.
    "xl/styles.xml": (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{_MAIN_NS}">'
        f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{escape(DATE_NUMBER_FORMAT, {chr(34): "&quot;"})}"/>'
        "</numFmts>"
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFFCE4EC"/></patternFill></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_EPOCH = dt.date(1899, 12, 30)
# XML 1.0 forbids these control characters; a stray one pasted into a cell must not break the file.
_XML_SAFE = str.maketrans(
    {
        **{c: None for c in range(32) if c not in (9, 10, 13)},
        ord("&"): "&amp;",
        ord("<"): "&lt;",
        ord(">"): "&gt;",
    }
)


def _row_xml(number: int, values, letters: list[str], style: str = "") -> str:
    cells = []
    for letter, value in zip(letters, values, strict=False):
        if value is None or value == "":
            continue
        kind = type(value)
        if kind is str:
            cells.append(
                f'<c r="{letter}{number}"{style} t="inlineStr"><is><t xml:space="preserve">'
                f"{value.translate(_XML_SAFE)}</t></is></c>"
            )
        elif kind is bool:
            cells.append(f'<c r="{letter}{number}" t="b"><v>{int(value)}</v></c>')
        elif kind is int or kind is float:
            cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
        elif isinstance(value, dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
            cells.append(f'<c r="{letter}{number}" s="1"><v>{(day - _EPOCH).days}</v></c>')
        else:
            cells.append(
                f'<c r="{letter}{number}" t="inlineStr"><is><t xml:space="preserve">'
                f"{str(value).translate(_XML_SAFE)}</t></is></c>"
            )
    return f'<row r="{number}">{"".join(cells)}</row>'


@dataclass
class StatisticsTable:
    title: str
    header: list[str]
    rows: list[list]


def write_statistics(
    title: str, subtitle: str, tables: list[StatisticsTable], by_firm: StatisticsTable | None
) -> bytes:
    """The return statistics: one sheet with a table per item, and the firms side by side when there are several."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = STATISTICS_SHEET
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([subtitle])
    for table in tables:
        sheet.append([])
        sheet.append([table.title])
        sheet.cell(row=sheet.max_row, column=1).font = _HEADER_FONT
        sheet.append(table.header)
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        for row in table.rows:
            sheet.append(row)
    for letter, width in zip("ABCDEFG", (26, 12, 12, 12, 12, 30, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    if by_firm is not None:
        firms = workbook.create_sheet("分企业")
        firms.append(by_firm.header)
        for cell in firms[1]:
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        for row in by_firm.rows:
            firms.append(row)
        firms.column_dimensions["A"].width = 34
        firms.freeze_panes = "B2"
    return _save(workbook)
