"""A lab's result sheet (检测结果表): the template a firm hands its lab, and the import that feeds
``record_tests_bulk`` with source=upload.

The import answers per row with the sheet's own row numbers and the column at fault. Good rows are stored
even when others are wrong (a lab sheet is a list of separate facts, unlike the roster), and importing the
same sheet again stores nothing new: a sample is (person, kind, sampling time).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from fugong.enterprises.excel import XLSX_CONTENT_TYPE
from fugong.enterprises.importing import ImportFileError
from fugong.monitoring.models import TestSource
from fugong.monitoring.services import MAX_BATCH, RowCounts
from fugong.monitoring.testing.services import record_tests_bulk

SHEET = "检测结果"
GUIDE_SHEET = "填写说明"
TEMPLATE_ROWS = 2000
__all__ = ["XLSX_CONTENT_TYPE", "ImportFileError", "template_workbook", "import_lab_sheet"]


@dataclass(frozen=True)
class LabColumn:
    header: str
    key: str
    hint: str
    example: str
    width: int
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


COLUMNS = [
    LabColumn("姓名", "name", "与身份证一致；填写时须与本企业登记的姓名相同", "王小明", 10),
    LabColumn(
        "身份证号",
        "id_number",
        "18位居民身份证号码，请按文本填写；按身份证号在本企业员工中查找",
        "",
        21,
        required=True,
        aliases=("身份证号码", "公民身份号码", "证件号码"),
    ),
    LabColumn("检测类型", "kind", "核酸或抗原", "核酸", 10, required=True, choices=("核酸", "抗原")),
    LabColumn(
        "采样时间",
        "sampled_at",
        "须含时分，如2022-04-10 08:30；不能晚于现在",
        "2022-04-10 08:30",
        18,
        required=True,
        aliases=("采样日期时间",),
    ),
    LabColumn("检测结果", "result", "阴性或阳性", "阴性", 10, required=True, choices=("阴性", "阳性")),
    LabColumn("检测机构", "lab", "核酸检测必填：出具报告的机构", "市人民医院", 22, aliases=("检测单位",)),
    LabColumn("报告时间", "reported_at", "可不填；不能早于采样时间", "2022-04-10 20:00", 18),
]
BY_KEY = {c.key: c for c in COLUMNS}
NUMERIC_ID = "_numeric_id"
FIELD_COLUMN = {"employee": "id_number", **{c.key: c.key for c in COLUMNS}}


def header_key(value) -> str:
    """身份证号 *, （身份证号） and 身份证号(必填) all read as 身份证号."""
    text = re.sub(r"[\s*＊]", "", str(value or ""))
    return re.sub(r"[（(].*?[)）]", "", text)


HEADERS = {header_key(name): c.key for c in COLUMNS for name in (c.header, *c.aliases)}

_RED = Font(bold=True, color="B71C1C")
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="E3F2FD")


def template_workbook() -> bytes:
    """The blank sheet: header (required in red) with notes and drop-downs, and a 填写说明 sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = (_RED if column.required else _BOLD), _FILL
        cell.comment = Comment(("必填。" if column.required else "选填。") + column.hint, "复工通")
        sheet.column_dimensions[letter].width = column.width
        if column.key in ("id_number", "sampled_at", "reported_at"):
            # Text keeps 18-digit numbers whole and the times as written.
            sheet.column_dimensions[letter].number_format = "@"
        if column.choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            validation.error, validation.errorTitle, validation.showErrorMessage = (
                "请从下拉列表中选择",
                column.header,
                True,
            )
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.freeze_panes = "A2"
    guide = book.create_sheet(GUIDE_SHEET)
    guide.append(["列名", "是否必填", "填写要求", "示例"])
    for cell in guide[1]:
        cell.font = _BOLD
    for column in COLUMNS:
        guide.append([column.header, "必填" if column.required else "选填", column.hint, column.example])
    guide.append([])
    for line in (
        "从“检测结果”表第2行起每行填写一份样本的结果；一次最多5000行。",
        "按身份证号在本企业员工中查找本人；填写姓名时须与登记的姓名一致。",
        "有误的行不保存，并列出行号、列名和原因；其余行照常保存。改正后重新导入整张表即可，已保存的行不会重复保存。",
        "同一人同一采样时间的同类检测只算一份样本；已登记的结果不能通过导入改为另一结果。",
        "阳性结果保存后立即向企业和属地镇街发出预警；缓冲区人员核酸阴性，按政策自动解除缓冲区。",
    ):
        guide.append([line])
    for letter, width in zip("ABCD", (12, 10, 60, 22), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class LabRow:
    number: int  # the sheet's row number
    status: str  # stored / duplicate / error
    message: str
    columns: list[str] = field(default_factory=list)  # headers of the columns at fault
    positive: bool = False
    released: bool = False


@dataclass
class LabImport(RowCounts):
    rows: list[LabRow]

    @property
    def positives(self) -> int:
        return sum(1 for r in self.rows if r.positive)

    @property
    def released(self) -> int:
        return sum(1 for r in self.rows if r.released)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(header) -> dict[str, int]:
    if not header or not any(v not in (None, "") for v in header):
        raise ImportFileError(_("文件第1行应为列名（表头），但它是空的。请使用检测结果模板。"))
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = HEADERS.get(header_key(title))
        if key and key not in columns:
            columns[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        raise ImportFileError(
            _("缺少必填列：%(cols)s。表头须为：%(all)s，请使用检测结果模板。")
            % {"cols": "、".join(missing), "all": "、".join(c.header for c in COLUMNS)}
        )
    return columns


def read_sheet(file_obj) -> list[tuple[int, dict]]:
    """(row number, {key: value}) for every non-blank row; ImportFileError for an unreadable file, a bad
    header or too many rows."""
    try:
        book = load_workbook(file_obj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload gets the same plain answer
        raise ImportFileError(_("无法读取该文件，请上传用检测结果模板填写的Excel文件（.xlsx）。")) from exc
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        columns = _columns(next(rows, None))
        out = []
        for number, values in enumerate(rows, start=2):
            data = {key: _cell(values[i]) if i < len(values) else "" for key, i in columns.items()}
            if not any(v not in ("", None) for v in data.values()):
                continue
            raw_id = values[columns["id_number"]] if columns["id_number"] < len(values) else None
            if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
                data[NUMERIC_ID] = True
            out.append((number, data))
            if len(out) > MAX_BATCH:
                raise ImportFileError(_("一次最多导入%(n)s行，请拆分文件。") % {"n": MAX_BATCH})
    finally:
        book.close()
    if not out:
        raise ImportFileError(_("文件中没有数据行：请从第2行起填写。"))
    return out


def import_lab_sheet(actor, enterprise, file_obj) -> LabImport:
    """Read the sheet and store its good rows through ``record_tests_bulk`` (source=upload)."""
    rows = read_sheet(file_obj)
    # Excel keeps 15 significant digits: an ID number typed as a number has lost its last ones.
    numeric = [(n, d) for n, d in rows if d.get(NUMERIC_ID)]
    rows = [(n, d) for n, d in rows if not d.get(NUMERIC_ID)]
    result = record_tests_bulk(actor, enterprise, [data for _n, data in rows], source=TestSource.UPLOAD)
    header = BY_KEY["id_number"].header
    out = [
        LabRow(
            number,
            "error",
            _("「身份证号」被Excel存成了数字，末几位已丢失：请把该列设为文本后重新填写"),
            [header],
        )
        for number, _data in numeric
    ]
    for (number, _data), row in zip(rows, result.rows, strict=True):
        columns = []
        for name in row.fields:
            key = FIELD_COLUMN.get(name)
            header = BY_KEY[key].header if key else ""
            if header and header not in columns:
                columns.append(header)
        out.append(LabRow(number, row.status, row.message, columns, row.positive, row.released))
    return LabImport(sorted(out, key=lambda r: r.number))
