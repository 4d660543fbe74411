"""Excel import of the enterprise register: every row is checked first, then all or nothing (SPEC §11).

Duplicates: a credit code already on file is never registered twice. By default such a row is an
error like any other, so re-importing the same file saves nothing and lists every row as already
registered. With ``on_duplicate="skip"`` the registered firms are skipped (and listed) and only the
new ones are created — for a town that keeps adding to one master sheet. Existing files are not
updated from Excel: that would bypass the version check that protects edits made on the page.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from stdnum.cn import uscc as uscc_std

from fugong.accounts.models import Department
from fugong.accounts.roles import can
from fugong.audit.services import record
from fugong.enterprises import services
from fugong.enterprises.excel import ABOVE_SIZE, BELOW_SIZE, NO, OTHER_TAGS, REGISTER_SHEET, YES
from fugong.enterprises.models import EfficiencyClass, Enterprise, IndustryClass, ResumptionMode
from fugong.regions.models import Region

_EXAMPLE_BODY = "91330681MA2JK7L3X"
EXAMPLE_USCC = _EXAMPLE_BODY + uscc_std.calc_check_digit(_EXAMPLE_BODY)
MAX_ROWS = 5000
ON_DUPLICATE_ERROR = "error"
ON_DUPLICATE_SKIP = "skip"
ON_DUPLICATE_CHOICES = [
    (ON_DUPLICATE_ERROR, gettext_lazy("报错：已登记的企业列为错误，整个文件不导入")),
    (ON_DUPLICATE_SKIP, gettext_lazy("跳过：已登记的企业不导入，只导入新企业")),
]


def _tag_label(name: str) -> str:
    return str(Enterprise._meta.get_field(name).verbose_name)


# Header as printed in the file → column key. Keys are model fields except county/size/is_above_size.
HEADERS = {
    "单位名称": "name",
    "企业名称": "name",
    "统一社会信用代码": "uscc",
    "所属区": "county",
    "所属区县": "county",
    "所属乡镇": "town",
    "所属乡镇街道": "town",
    "所属镇乡街道": "town",
    "单位地址": "address",
    "法定代表人": "legal_representative",
    "法定代表人电话": "legal_representative_phone",
    "联系人": "prevention_lead",
    "防疫负责人": "prevention_lead",
    "联系电话": "prevention_lead_phone",
    "防疫负责人电话": "prevention_lead_phone",
    "行业主管部门": "department",
    "所属大类": "industry_class",
    "企业规模": "size",
    "规上企业": "is_above_size",
    "职工人数": "normal_headcount",
    "正常用工人数": "normal_headcount",
    "正常日产值（万元）": "normal_daily_output",
    "本地员工占比（%）": "local_employee_share",
    "复工模式": "resumption_mode",
    "亩均效益等级": "efficiency_class",
    **{_tag_label(name): name for name in OTHER_TAGS},
}
REQUIRED_KEYS = ["name", "uscc", "town", "address", "legal_representative", "department"]
# How each field is named back to the user: the header of the template.
FIELD_HEADERS = {
    "name": "单位名称",
    "uscc": "统一社会信用代码",
    "county": "所属区",
    "town": "所属乡镇",
    "address": "单位地址",
    "legal_representative": "法定代表人",
    "legal_representative_phone": "法定代表人电话",
    "prevention_lead": "联系人",
    "prevention_lead_phone": "联系电话",
    "department": "行业主管部门",
    "industry_class": "所属大类",
    "size": "企业规模",
    "is_above_size": "企业规模",
    "normal_headcount": "职工人数",
    "normal_daily_output": "正常日产值（万元）",
    "local_employee_share": "本地员工占比（%）",
    "resumption_mode": "复工模式",
    "efficiency_class": "亩均效益等级",
    **{name: _tag_label(name) for name in OTHER_TAGS},
}
_TEXT_KEYS = [
    "name",
    "address",
    "legal_representative",
    "legal_representative_phone",
    "prevention_lead",
    "prevention_lead_phone",
]
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", ""}


class ImportFileError(Exception):
    """The file as a whole cannot be read (not Excel, no header, too many rows)."""


@dataclass
class RowError:
    row: int
    field: str
    reason: str


@dataclass
class SkippedRow:
    row: int
    name: str
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    created: list[Enterprise] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_key(value) -> str:
    text = re.sub(r"[\s*＊]", "", str(value or ""))
    return text.replace("(", "（").replace(")", "）").replace("％", "%")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Lookups:
    """Towns, departments and industry classes resolved from what people write in the cells."""

    def __init__(self, actor):
        region = getattr(actor, "region", None)
        towns = list(Region.objects.towns().within(region).select_related("parent")) if region else []
        self.towns_by_code = {t.code: t for t in towns}
        self.towns_by_name: dict[str, list[Region]] = {}
        for town in towns:
            self.towns_by_name.setdefault(town.name, []).append(town)
        departments = list(Department.objects.filter(is_industry=True))
        self.departments = {d.name: d for d in departments} | {d.code: d for d in departments}
        self.department_names = "、".join(d.name for d in departments)
        classes = list(IndustryClass.objects.all())
        self.industries = {c.code: c for c in classes}
        self.industries_by_name = {c.name: c for c in classes}

    def town(self, value: str, county: str):
        if value in self.towns_by_code:
            return self.towns_by_code[value], None
        candidates = self.towns_by_name.get(value, [])
        if county:
            candidates = [t for t in candidates if t.parent_id and t.parent.name == county]
        if len(candidates) == 1:
            return candidates[0], None
        if not candidates:
            where = _("（%(county)s）") % {"county": county} if county else ""
            return None, _("在您的管辖范围内找不到乡镇/街道「%(name)s」%(where)s") % {
                "name": value,
                "where": where,
            }
        return None, _("乡镇/街道「%(name)s」有重名，请在“所属区”列填写区县名称，或改填区划代码") % {
            "name": value
        }

    def department(self, value: str):
        if value in self.departments:
            return self.departments[value], None
        return None, _("找不到行业主管部门「%(name)s」，可填：%(names)s") % {
            "name": value,
            "names": self.department_names,
        }

    def industry(self, value: str):
        match = re.match(r"^[A-Ta-t]?\s*(\d{1,2})(?!\d)", value)
        found = self.industries.get(match.group(1).zfill(2)) if match else self.industries_by_name.get(value)
        if found is None:
            return None, _("找不到国民经济行业分类大类「%(value)s」，请填写01–97的大类代码") % {
                "value": value
            }
        return found, None


def _parse_row(cells: dict, lookups: _Lookups) -> tuple[dict, dict[str, str]]:
    """The row as service data, and {column key: reason} for the cells that could not be read."""
    data: dict = {}
    errors: dict[str, str] = {}
    for key in _TEXT_KEYS:
        if key in cells:
            data[key] = _text(cells[key])

    if "uscc" in cells:
        raw = cells["uscc"]
        if isinstance(raw, (int, float)):
            errors["uscc"] = _("统一社会信用代码请按文本格式填写（Excel会把长数字改成科学计数或截断）")
        else:
            data["uscc"] = _text(raw)

    town_text = _text(cells.get("town"))
    if town_text:
        town, reason = lookups.town(town_text, _text(cells.get("county")))
        if reason:
            errors["town"] = reason
        else:
            data["town"] = town
    else:
        data["town"] = None

    department_text = _text(cells.get("department"))
    if department_text:
        department, reason = lookups.department(department_text)
        if reason:
            errors["department"] = reason
        else:
            data["department"] = department
    else:
        data["department"] = None

    industry_text = _text(cells.get("industry_class"))
    if industry_text:
        industry, reason = lookups.industry(industry_text)
        if reason:
            errors["industry_class"] = reason
        else:
            data["industry_class"] = industry

    size_text = _text(cells.get("size"))
    if size_text:
        if size_text in (ABOVE_SIZE, "规模以上", YES):
            data["is_above_size"] = True
        elif size_text in (BELOW_SIZE, "规模以下", NO):
            data["is_above_size"] = False
        else:
            errors["size"] = _("企业规模应填“规上”或“规下”，不能填「%(value)s」") % {"value": size_text}

    for key in ["is_above_size", *OTHER_TAGS]:
        if key not in cells or (key == "is_above_size" and "is_above_size" in data):
            continue
        flag = _text(cells[key]).lower()
        if flag in _TRUE:
            data[key] = True
        elif flag in _FALSE:
            data[key] = False
        else:
            errors[key] = _("%(field)s应填“是”或“否”，不能填「%(value)s」") % {
                "field": FIELD_HEADERS[key],
                "value": _text(cells[key]),
            }

    headcount = cells.get("normal_headcount")
    if _text(headcount):
        try:
            number = Decimal(_text(headcount))
            if number != number.to_integral_value() or number < 0:
                raise InvalidOperation
            data["normal_headcount"] = int(number)
        except InvalidOperation:
            errors["normal_headcount"] = _("职工人数必须是不小于0的整数，不能填「%(value)s」") % {
                "value": _text(headcount)
            }

    for key in ("normal_daily_output", "local_employee_share"):
        value = _text(cells.get(key))
        if value:
            try:
                data[key] = Decimal(value)
            except InvalidOperation:
                errors[key] = _("%(field)s必须是数字，不能填「%(value)s」") % {
                    "field": FIELD_HEADERS[key],
                    "value": value,
                }

    mode = _text(cells.get("resumption_mode"))
    if mode:
        modes = {str(label): value for value, label in ResumptionMode.choices} | {
            "点对点": ResumptionMode.POINT_TO_POINT
        }
        if mode in modes or mode in ResumptionMode.values:
            data["resumption_mode"] = modes.get(mode, mode)
        else:
            errors["resumption_mode"] = _(
                "复工模式应为封闭驻厂、点对点通勤或有序出行，不能填「%(value)s」"
            ) % {"value": mode}

    efficiency = _text(cells.get("efficiency_class")).upper().removesuffix("类")
    if efficiency:
        if efficiency in EfficiencyClass.values:
            data["efficiency_class"] = efficiency
        else:
            errors["efficiency_class"] = _("亩均效益等级应为A、B、C或D，不能填「%(value)s」") % {
                "value": efficiency
            }
    return data, errors


def _read(file) -> tuple[dict[str, int], list[tuple[int, tuple]]]:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload gets the same plain answer
        raise ImportFileError(_("无法读取该文件，请上传用模板填写的Excel文件（.xlsx）。")) from exc
    try:
        sheet = workbook[REGISTER_SHEET] if REGISTER_SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(header):
            raise ImportFileError(_("文件第1行应为列名（表头），但它是空的。"))
        columns: dict[str, int] = {}
        for index, title in enumerate(header):
            key = HEADERS.get(_header_key(title))
            if key and key not in columns:
                columns[key] = index
        missing = [FIELD_HEADERS[key] for key in REQUIRED_KEYS if key not in columns]
        if missing:
            raise ImportFileError(
                _("缺少必填列：%(columns)s。请使用导入模板。") % {"columns": "、".join(missing)}
            )
        body = []
        for number, values in enumerate(rows, start=2):
            if not any(_text(v) for v in values):
                continue
            if len(body) >= MAX_ROWS:
                raise ImportFileError(_("一次最多导入%(max)d家企业，请拆分文件。") % {"max": MAX_ROWS})
            body.append((number, values))
    finally:
        workbook.close()
    if not body:
        raise ImportFileError(_("文件中没有企业数据（从第2行起填写）。"))
    return columns, body


def import_enterprises(
    actor, file, *, filename: str = "", on_duplicate: str = ON_DUPLICATE_ERROR
) -> ImportResult:
    """Check every row of the uploaded register; create all firms in one transaction, or none."""
    if not (can(actor, "enterprise.import") and can(actor, "enterprise.create")):
        raise PermissionDenied(_("您没有导入企业档案的权限。"))
    columns, body = _read(file)
    lookups = _Lookups(actor)
    result = ImportResult(rows=len(body))
    pending: list[tuple[int, dict]] = []
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, int], int] = {}

    def error(row: int, key: str, reason: str) -> None:
        result.errors.append(RowError(row, FIELD_HEADERS.get(key) or services.field_label(key), str(reason)))

    for number, values in body:
        cells = {key: values[index] for key, index in columns.items() if index < len(values)}
        data, parse_errors = _parse_row(cells, lookups)
        for key, reason in parse_errors.items():
            error(number, key, reason)

        code = services.normalize_uscc(data.get("uscc"))
        if code and "uscc" not in parse_errors:
            if code in seen_codes:
                error(number, "uscc", _("与第%(row)d行的统一社会信用代码重复") % {"row": seen_codes[code]})
                continue
            seen_codes[code] = number
            existing = Enterprise.objects.filter(uscc=code).first()
            if existing is not None and on_duplicate == ON_DUPLICATE_SKIP:
                reason = services.duplicate_uscc_message(actor, existing)
                result.skipped.append(SkippedRow(number, data.get("name", ""), reason))
                continue

        if data.get("town") is not None and data.get("name"):
            key = (services.normalize_name(data["name"]), data["town"].pk)
            if key in seen_names:
                error(number, "name", _("与第%(row)d行是同一乡镇的同名企业") % {"row": seen_names[key]})
                continue
            seen_names[key] = number

        # A cell that could not be read is reported once, not again as "missing".
        unreadable = set(parse_errors) | ({"is_above_size"} if "size" in parse_errors else set())
        for name, messages in services.validate_enterprise(actor, data).items():
            if name not in unreadable:
                for message in messages:
                    error(number, name, message)
        if not parse_errors:
            pending.append((number, data))

    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result

    current = 0
    try:
        with transaction.atomic():
            for current, data in pending:
                note = _("Excel导入：%(file)s 第%(row)d行") % {"file": filename, "row": current}
                result.created.append(services.create_enterprise(actor, data, note=note))
            record(
                actor,
                "enterprise.import",
                object_type="enterprises.enterprise",
                object_repr=filename[:200],
                after={
                    "created": [e.pk for e in result.created],
                    "skipped_rows": [s.row for s in result.skipped],
                },
                note=_("Excel导入：%(file)s，新建%(created)d家，跳过%(skipped)d家")
                % {"file": filename, "created": len(result.created), "skipped": len(result.skipped)},
            )
    except ValidationError as exc:
        # Someone registered one of these firms while the file was being checked; nothing was kept.
        result.created = []
        for name, messages in exc.message_dict.items():
            for message in messages:
                error(current, name, message)
    return result
