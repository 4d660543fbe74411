"""The firm's shift sheet (体温登记表) as Excel: the template and the upload (SPEC §6).

The template lists the firm's people on site by 姓名 and 员工编号 (the system's number of the person);
it never carries the full ID number, which a sheet passed around the workshop would leak. A row names its
person by 员工编号 or by 身份证号 (for a firm's own sheet). Upload results are per row, by Excel row
number, with the reason in Chinese; a row left without a temperature is someone not measured and is
skipped. Every row carries a submission key made of the file's digest and the row number, so uploading the
same file again stores nothing new even when the rounds are worked out from the time of the upload.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from fugong.audit.services import record_export
from fugong.core import crypto
from fugong.core.excel import FORMULA_TRIGGERS, safe_cell_text
from fugong.enterprises.excel import XLSX_CONTENT_TYPE
from fugong.monitoring import schedule, selectors, services
from fugong.monitoring.models import CheckinSource, Symptom
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import Employee, HealthCode

SHEET = "体温登记表"
GUIDE_SHEET = "填写说明"
MAX_ROWS = services.MAX_BATCH
__all__ = ["XLSX_CONTENT_TYPE", "template_workbook", "import_shift_sheet"]

# (header, key, hint, width); aliases are other headers firms use for the same column.
COLUMNS = [
    ("姓名", "name", "仅供核对，系统按员工编号或身份证号识别本人", 10),
    ("员工编号", "employee", "系统员工编号（模板已预填）；与身份证号二选一", 10),
    ("身份证号", "id_number", "18位身份证号，按文本填写；未填员工编号时必填", 21),
    ("轮次", "round", "第几轮测温，如1；不填按上传时选择的轮次", 6),
    ("测量时间", "measured_at", "如 2020-02-20 08:30；不填为上传时间", 18),
    ("体温", "temperature", "34.0至43.0，如36.5；不填表示本轮未测，跳过该行", 8),
    ("症状", "symptoms", "无症状留空；多个用顿号分隔，如 咳嗽、乏力", 18),
    ("健康码", "health_code", "绿码、黄码或红码，可不填", 8),
]
ALIASES = {
    "系统编号": "employee",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "测温时间": "measured_at",
    "时间": "measured_at",
    "体温（℃）": "temperature",
    "体温(℃)": "temperature",
    "温度": "temperature",
}
HEADER_KEYS = {header: key for header, key, _hint, _w in COLUMNS} | ALIASES
LABELS = {key: header for header, key, _hint, _w in COLUMNS}
NONE_WORDS = {"", "无", "否", "没有", "正常", "-", "—"}

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E3F2FD")
_KEY_FONT = Font(bold=True, color="C62828")


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(user, enterprise, round_number: int | None = None) -> bytes:
    """The sheet for one round, prefilled with the people on site ``user`` may see (姓名, 员工编号).

    A list of the firm's people leaves the system with it, so it is logged as an export (one row a person).
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    for index, (header, key, hint, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = _KEY_FONT if key == "temperature" else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        cell.comment = Comment(hint, "复工通")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        if key == "id_number":
            sheet.column_dimensions[letter].number_format = "@"
    people = list(selectors.on_site_people(user, enterprise))
    for row, person in enumerate(people, start=2):
        sheet.cell(row=row, column=1, value=safe_cell_text(person.name))
        sheet.cell(row=row, column=2, value=person.pk)
        if round_number:
            sheet.cell(row=row, column=4, value=round_number)
    last = max(len(people) + 1, 200)
    codes = DataValidation(
        type="list",
        formula1='"' + ",".join(str(c.label) for c in HealthCode if c.value) + '"',
        allow_blank=True,
    )
    sheet.add_data_validation(codes)
    codes.add(f"H2:H{last}")
    temps = DataValidation(type="decimal", operator="between", formula1="34", formula2="43", allow_blank=True)
    temps.error, temps.errorTitle, temps.showErrorMessage = "体温须在34.0至43.0之间", "体温", True
    sheet.add_data_validation(temps)
    temps.add(f"F2:F{last}")
    sheet.freeze_panes = "C2"

    guide = workbook.create_sheet(GUIDE_SHEET)
    guide.append(["列名", "填写要求"])
    for cell in guide[1]:
        cell.font = _HEADER_FONT
    for header, _key, hint, _width in COLUMNS:
        guide.append([header, hint])
    guide.append([])
    guide.append(["症状可填：" + "、".join(str(label) for _v, label in Symptom.choices)])
    guide.append(["每行一人一轮；体温留空的行不导入。同一文件重复上传不会重复保存。"])
    policy = find_policy_for(enterprise.town, timezone.localdate())
    rounds = schedule.rounds_of(policy)
    if rounds:
        guide.append(["现行政策的检测轮次：" + schedule.describe(rounds)])
        guide.append(["测量时间早于该轮开始时间的不能计入该轮；不填轮次的，按测量时间所在的时段计入。"])
    else:
        guide.append([schedule.no_rounds_message(policy)])
    guide.append(["体温达到发热标准或有症状的，系统立即发出健康预警。"])
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 60
    content = _save(workbook)
    filters = {}
    if round_number:
        with translation.override("zh-hans"):
            filters[gettext_lazy("轮次")] = schedule.round_label(rounds, round_number)
    record_export(
        user,
        "monitoring.shift_sheet_export",
        gettext_lazy("体温登记表（预填在岗人员）"),
        filters,
        len(people),
        target=enterprise,
    )
    return content


# -- upload ------------------------------------------------------------------------------------------------
@dataclass
class SheetRow:
    row: int  # the Excel row number
    status: str  # stored / duplicate / error / skipped
    message: str
    name: str = ""
    abnormal: bool = False


@dataclass
class ShiftImport(services.RowCounts):
    rows: list[SheetRow] = field(default_factory=list)
    error: str = ""  # the whole file was refused


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _symptoms(value) -> list[str]:
    text = _text(value)
    if text in NONE_WORDS:
        return []
    by_label = {str(label): key for key, label in Symptom.choices}
    out = []
    for part in (
        text.replace("，", "、").replace(",", "、").replace("；", "、").replace(" ", "、").split("、")
    ):
        part = part.strip()
        if not part or part in NONE_WORDS:
            continue
        key = by_label.get(part, part)
        if key not in Symptom.values:
            raise ValidationError(
                {
                    "symptoms": [
                        _("「症状」无效：%(v)s，可填：%(opts)s")
                        % {"v": part, "opts": "、".join(str(label) for _k, label in Symptom.choices)}
                    ]
                }
            )
        out.append(key)
    return out


def _health_code(value) -> str:
    text = _text(value)
    if text in NONE_WORDS:
        return ""
    by_label = {str(label): key for key, label in HealthCode.choices if key}
    by_label.update({label[:1]: key for label, key in list(by_label.items())})  # 绿 / 黄 / 红
    code = by_label.get(text, text.lower())
    if code not in HealthCode.values or not code:
        raise ValidationError({"health_code": [_("「健康码」无效，可填：绿码、黄码、红码")]})
    return code


def _measured_at(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.time):
        moment = dt.datetime.combine(timezone.localdate(), value)
        return timezone.make_aware(moment)
    if isinstance(value, dt.date):
        raise ValidationError({"measured_at": [_("「测量时间」须包含时刻，如2020-02-20 08:30")]})
    text = _text(value).replace("/", "-").replace("T", " ")
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%H:%M", "%H:%M:%S"):
        try:
            moment = dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern.startswith("%H"):
            moment = dt.datetime.combine(timezone.localdate(), moment.time())
        return timezone.make_aware(moment)
    raise ValidationError({"measured_at": [_("「测量时间」格式无效，如2020-02-20 08:30")]})


def _first_message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(m for ms in exc.message_dict.values() for m in ms)
    return "；".join(exc.messages)


def _sheet_name(value) -> str:
    """The 姓名 as typed, without the apostrophe the template puts before text Excel would run."""
    name = " ".join(_text(value).split())
    if name.startswith("'") and name[1:].startswith(FORMULA_TRIGGERS):
        name = name[1:]
    return name


def _check_names(enterprise, records: list[dict], names: list[str]) -> list[str | None]:
    """Per record, the reason its 姓名 does not match the person its 员工编号 or 身份证号 names (None when
    it matches, is blank or the person is not found: record_bulk says so). A typo in the number would
    otherwise put one person's fever on another."""
    pks = {int(r["employee"]) for r in records if r["employee"]}
    indexes = {crypto.blind_index(r["id_number"]) for r in records if not r["employee"] and r["id_number"]}
    people = Employee.objects.filter(enterprise=enterprise).only("pk", "name", "id_number_index")
    by_pk, by_index = {}, {}
    if pks:
        by_pk = {e.pk: e for e in people.filter(pk__in=pks)}
    if indexes:
        by_index = {e.id_number_index: e for e in people.filter(id_number_index__in=indexes)}
    out: list[str | None] = []
    for record, name in zip(records, names, strict=True):
        if record["employee"]:
            person, label = by_pk.get(int(record["employee"])), _("员工编号")
        else:
            person, label = by_index.get(crypto.blind_index(record["id_number"] or "")), _("身份证号")
        if not name or person is None or name == person.name:
            out.append(None)
        else:
            out.append(_("「姓名」与%(by)s对应的员工（%(n)s）不一致") % {"by": label, "n": person.name})
    return out


def import_shift_sheet(actor, enterprise, upload, *, default_round: int | None = None) -> ShiftImport:
    """Read the uploaded sheet and store its readings through ``record_bulk`` (source BULK); answers the
    result of every row that was not blank."""
    outcome = ShiftImport()
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    digest = hashlib.sha256(data).hexdigest()[:40]
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        outcome.error = _("无法读取该文件，请上传 .xlsx 格式的Excel文件")
        return outcome
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None) or ()
    columns = {}
    for index, value in enumerate(header):
        key = HEADER_KEYS.get(_text(value))
        if key and key not in columns:
            columns[key] = index
    if "temperature" not in columns or not ({"employee", "id_number"} & set(columns)):
        outcome.error = _("表头须包含「体温」，以及「员工编号」或「身份证号」；请使用下载的模板")
        return outcome
    records, sheet_rows = [], []
    for number, line in enumerate(lines, start=2):
        cells = {key: (line[i] if i < len(line) else None) for key, i in columns.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue
        name = _sheet_name(cells.get("name"))
        if _text(cells.get("temperature")) == "":
            outcome.rows.append(SheetRow(number, "skipped", _("未填体温，跳过"), name))
            continue
        if len(records) >= MAX_ROWS:
            outcome.error = _("一次最多上传%(n)s行") % {"n": MAX_ROWS}
            outcome.rows = []
            return outcome
        try:
            record = {
                "employee": _text(cells.get("employee")) or None,
                "id_number": _text(cells.get("id_number")).upper() or None,
                "temperature": _text(cells.get("temperature")),
                "symptoms": _symptoms(cells.get("symptoms")),
                "health_code": _health_code(cells.get("health_code")),
                "round": _text(cells.get("round")) or default_round,
                "measured_at": _measured_at(cells.get("measured_at")),
                "client_key": f"xl:{digest}:{number}",
            }
            if record["employee"] is not None and not record["employee"].isdigit():
                raise ValidationError({"employee": [_("「员工编号」须为系统员工编号（数字）")]})
            raw_id = cells.get("id_number")
            if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
                # Stored as a number, an 18-digit ID has lost its last digits: it would match nobody,
                # or the wrong person.
                raise ValidationError(
                    {
                        "id_number": [
                            _("「身份证号」被Excel存成了数字，末几位已丢失：请把该列设为文本后重新填写")
                        ]
                    }
                )
        except ValidationError as exc:
            outcome.rows.append(SheetRow(number, "error", _first_message(exc), name))
            continue
        records.append(record)
        sheet_rows.append(SheetRow(number, "error", "", name))
    if records:
        # Who may upload comes before what the rows say: the name check below reads the firm's people.
        services._check_firm(actor, enterprise)
        mismatched = _check_names(enterprise, records, [r.name for r in sheet_rows])
        for target, reason in zip(sheet_rows, mismatched, strict=True):
            if reason:
                target.message = reason
        kept = [(r, t) for r, t, reason in zip(records, sheet_rows, mismatched, strict=True) if not reason]
        outcome.rows.extend(t for t, reason in zip(sheet_rows, mismatched, strict=True) if reason)
        records, sheet_rows = [r for r, _t in kept], [t for _r, t in kept]
    if records:
        result = services.record_bulk(actor, enterprise, records, source=CheckinSource.BULK)
        for row_result in result.rows:
            target = sheet_rows[row_result.index]
            target.status, target.abnormal = row_result.status, row_result.abnormal
            target.message = row_result.message
            if row_result.status == "error" and row_result.fields:
                target.message = _first_message(ValidationError(row_result.fields))
        outcome.rows.extend(sheet_rows)
    outcome.rows.sort(key=lambda r: r.row)
    return outcome
