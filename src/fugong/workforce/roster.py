"""Rosters in Excel (SPEC §5, §13): template, import, export, statistics.

The public API, for the pages and the API views:

* ``roster_template() -> bytes`` — the blank 员工名册 to fill in, with drop-downs and a 填写说明 sheet.
* ``import_roster(actor, enterprise, file_obj, *, progress=None) -> RosterImportResult`` — every row
  checked first; any bad row and nothing is saved (``result.errors`` lists row, column header and the
  rule in Chinese); otherwise new people are created and known people (same firm, same resident ID
  number) updated in one transaction, with one audit entry. Re-importing the same file changes nothing.
* ``export_roster(actor, queryset, *, unmasked=False, filters=None, target=None) -> bytes`` — the same
  layout; ID numbers masked unless the actor may unmask and asked to (then the view is logged too).
* ``export_return_statistics(actor, enterprise_or_queryset, *, filters=None) -> bytes`` — the 返岗员工统计.

Every export writes one audit entry (``audit.services.record_export``): who, the filters in force
(``filters``: ``{label: value}`` as the page shows them) and how many rows the file holds.
* ``roster_tasks.import_roster_async`` / ``roster_tasks.job_status`` run a big import in the background.

The column layout is the returning-employee record firms filled in 2020–2022 (SPEC §13), followed by the
columns the return statistics need (居住区县, 居住地管控状态) and the firm's own arrangements (宿舍, 班车).
Columns are found by their header, so a firm's own sheet with extra columns or another order imports too;
a column that is absent leaves that field of known people untouched.

Speed (benchmarks/roster_scale.py): a roster of 100,000 rows goes through this same path. Rows are read
with openpyxl's read-only reader and checked in plain Python as they stream in; the resident ID number
takes a fast path that gives exactly ``parse_id_number``'s answers (see ``_IdChecker``); the firm's
existing people are loaded in one query; writes are ``bulk_create``/``bulk_update`` in batches.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.db.models import Case, CharField, Count, DateField, DateTimeField, F, Q, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from fugong.accounts.roles import Role, can
from fugong.audit.services import VIEW_PERSONAL_DATA, record, record_export
from fugong.core import crypto, dates
from fugong.core.fields import EncryptedCharField, PhoneIndexField, index_fields_for, refresh_indexes
from fugong.core.masking import mask_phone, may_see_phone
from fugong.enterprises.excel import NO, YES
from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import DormRoom, Enterprise, ResumptionMode, ShuttleRoute
from fugong.regions.models import Region, RegionLevel
from fugong.workforce import services
from fugong.workforce.models import (
    CloseContact,
    Employee,
    EmployeeStatus,
    Gender,
    HealthCode,
    ResidenceControl,
    Transport,
    TravelStop,
)
from fugong.workforce.roster_excel import (
    COLUMN_BY_KEY,
    COLUMNS,
    HEADER_LOOKUP,
    LOCAL,
    NONE_TEXT,
    NOT_LOCAL,
    ROSTER_SHEET,
    StatisticsTable,
    header_key,
    labels,
    template_workbook,
    write_roster,
    write_statistics,
)
from fugong.workforce.services import compute_is_local
from fugong.workforce.validation import mask_id_number, normalize_phone, parse_id_number

MAX_ROWS = 200_000
PROGRESS_EVERY = 1000
BATCH_SIZE = 2000
# Capabilities (fugong.accounts.roles): who may load a roster into a firm, read it, and see ID numbers.
EDIT_CAPABILITY = "workforce.edit"
VIEW_CAPABILITY = "workforce.view"
UNMASK_CAPABILITY = "workforce.unmask"


ProgressCallback = Callable[[int, int], None]


class RowError(NamedTuple):
    """One problem: the Excel row number, the column header as printed, and the rule in Chinese."""

    row: int
    column: str
    message: str


@dataclass
class RosterImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # People created or changed by this import, whose return the rules then evaluated.
    employee_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, max_errors: int = 1000) -> dict:
        """JSON-safe summary for a job's cache entry; a file full of errors keeps the first ``max_errors``."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [list(e) for e in self.errors[:max_errors]],
        }


# Text columns and the model field each fills, checked against the field's length.
_TEXT_FIELDS = {
    "name": "name",
    "employee_no": "employee_no",
    "department_name": "department_name",
    "job": "job",
    "residence_address": "residence_address",
    "destination": "destination",
    "current_city": "current_city",
    "transport_number": "transport_number",
    "other_symptoms": "other_symptoms",
    "family_health": "family_health",
    "native_place": "native_place",
    "shuttle_seat": "shuttle_seat",
}
_MAX_LENGTH = {key: Employee._meta.get_field(name).max_length for key, name in _TEXT_FIELDS.items()}
_YES_NO_FIELDS = {"has_returned": "has_returned", "has_fever": "has_fever"}
_DATE_FIELDS = {"expected_return_date": "expected_return_date", "return_date": "return_date"}
_CHOICE_FIELDS = {
    "gender": ("gender", Gender),
    "transport": ("transport", Transport),
    "residence_control": ("residence_control", ResidenceControl),
    "health_code": ("health_code", HealthCode),
}
_CHOICE_ALIASES = {
    "gender": {"男性": "male", "女性": "female"},
    "transport": {
        "火车": "train",
        "高铁": "train",
        "动车": "train",
        "铁路": "train",
        "大巴": "coach",
        "客车": "coach",
        "长途汽车": "coach",
        "汽车": "coach",
        "自驾车": "car",
        "私家车": "car",
        "航班": "plane",
        "包车": "company_bus",
    },
    "residence_control": {
        "封控": "sealed",
        "管控": "controlled",
        "防范": "precaution",
        "无": "none",
        "非管控": "none",
    },
    "health_code": {"绿": "green", "黄": "yellow", "红": "red", "无": ""},
}
# Model fields the import writes; the comparison that keeps a re-import from updating anything
# looks at exactly these.
_DERIVED_RETURN_FIELDS = ["left_locality", "left_on", "destination_code", "return_from", "return_from_code"]
_KEY_FIELDS: dict[str, list[str]] = {
    **{k: [f] for k, f in _TEXT_FIELDS.items()},
    **{k: [f] for k, f in _YES_NO_FIELDS.items()},
    **{k: [f] for k, f in _DATE_FIELDS.items()},
    **{k: [f] for k, (f, _c) in _CHOICE_FIELDS.items()},
    "phone": ["phone"],
    "residence_region": ["residence_region_id", "is_local"],
    "dorm": ["dorm_room_id"],
    "shuttle_route": ["shuttle_route_id"],
    "left": _DERIVED_RETURN_FIELDS,
    "destination": ["destination", *_DERIVED_RETURN_FIELDS],
    "has_returned": ["has_returned", *_DERIVED_RETURN_FIELDS],
    "current_city": ["current_city", *_DERIVED_RETURN_FIELDS],
    "return_date": ["return_date", "has_returned", *_DERIVED_RETURN_FIELDS],
}
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "无", ""}
_CASE_WORDS = ("确诊", "疑似", "阳性", "感染者", "病例")
_LIST_SPLIT = re.compile(r"[；;\n]+")
_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_DATE_RANGE = re.compile(
    r"^(.*?)\s*("
    + _DATE_TEXT.pattern
    + r")(?:\s*(?:至|到|~|～|—|-{1,2})\s*("
    + _DATE_TEXT.pattern
    + r"))?\s*$"
)
_CODE_IN_PLACE = re.compile(r"^(.*?)[（(]\s*(\d{6,12})\s*[)）]$")


class _Bad(Exception):
    """A cell that breaks a rule; the message is the rule in Chinese."""


def _text(value) -> str:
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _yes_no(value) -> bool:
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(_("应填“是”或“否”，不能填「%(value)s」") % {"value": text})


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE_TEXT.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if match:
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            day = None
        if day and 1900 <= day.year <= 2100:
            return day
    raise _Bad(_("应为日期，如2022-04-20，不能填「%(value)s」") % {"value": text})


def _two_dates(text: str) -> tuple[str, dt.date, dt.date] | None:
    """``地点 2022-04-05至2022-04-17`` (or one date) → (地点, from, to); None when no date is found."""
    match = _DATE_RANGE.match(text)
    if not match:
        return None
    first = _date(match[2])
    second = _date(match[6]) if match[6] else first
    return match[1].strip(" ，,、"), first, second


class _IdChecker:
    """``parse_id_number``'s answers at a fraction of its cost.

    ``parse_id_number`` checks the format, the check character, the birth date and the province code;
    building its result and message objects costs more than the arithmetic, too much 100,000 times.
    Everything it checks depends only on the 18 characters' format, check character and date, and on the
    pair (area code, birth year). So a number whose format, check
    character and date pass the cheap checks here, and whose (area, year) pair ``parse_id_number`` has
    already accepted, gets the same answer it would; anything else goes to ``parse_id_number`` itself, which
    gives the verdict and the message.
    """

    _FORMAT = re.compile(r"\d{17}[\dX]")

    def __init__(self):
        self.accepted: set[tuple[str, int]] = set()
        self.today = timezone.localdate()

    def __call__(self, value) -> tuple[str, dt.date, str]:
        if isinstance(value, (int, float)):
            raise _Bad(_("身份证号请按文本格式填写（Excel会把18位数字改成科学计数或把末几位变成0）"))
        raw = _text(value).replace(" ", "").upper()
        if "*" in raw:
            raise _Bad(_("身份证号是脱敏显示的（含*），请填写完整的身份证号"))
        if self._FORMAT.fullmatch(raw):
            check = (1 - 2 * int(raw[:17], 13)) % 11
            if raw[17] == ("X" if check == 10 else str(check)):
                year = int(raw[6:10])
                try:
                    birth = dt.date(year, int(raw[10:12]), int(raw[12:14]))
                except ValueError:
                    birth = None
                if birth and year >= 1900 and birth <= self.today and (raw[:6], year) in self.accepted:
                    return raw, birth, "male" if int(raw[16]) % 2 else "female"
        try:
            resident = parse_id_number(raw)
        except ValidationError as exc:
            raise _Bad(exc.messages[0]) from None
        self.accepted.add((resident.area_code, resident.birth_date.year))
        return resident.number, resident.birth_date, resident.gender


class _Places:
    """Names or codes of places written in the file, resolved to regions with one query per file."""

    def __init__(self, enterprise: Enterprise, texts: set[str]):
        self.enterprise_path = enterprise.town.path
        names: set[str] = set()
        codes: set[str] = set()
        for text in texts:
            name, code = self._split(text)
            if code:
                codes.add(code)
            if name:
                names.update(self._variants(name))
        regions = (
            list(
                Region.objects.filter(Q(code__in=codes) | Q(name__in=names))
                .filter(level__lte=RegionLevel.TOWN)
                .only("id", "code", "name", "path", "level")
            )
            if codes or names
            else []
        )
        self.by_code = {r.code: r for r in regions}
        self.by_name: dict[str, list[Region]] = {}
        for region in regions:
            self.by_name.setdefault(region.name, []).append(region)
        self.cache: dict[str, Region | None | str] = {}

    @staticmethod
    def _split(text: str) -> tuple[str, str]:
        text = text.strip()
        if text.isdigit():
            return "", text
        match = _CODE_IN_PLACE.match(text)
        if match:
            return match[1].strip(), match[2]
        return text, ""

    @staticmethod
    def _variants(name: str) -> list[str]:
        # People write 上饶 for 上饶市 and 信州 for 信州区.
        return [name, name + "市", name + "区", name + "县"]

    def resolve(self, text: str) -> Region:
        """The region ``text`` names; _Bad when none or several fit."""
        if text in self.cache:
            found = self.cache[text]
            if isinstance(found, str):
                raise _Bad(found)
            return found
        try:
            found = self._resolve(text)
        except _Bad as exc:
            self.cache[text] = str(exc)
            raise
        self.cache[text] = found
        return found

    def _resolve(self, text: str) -> Region:
        name, code = self._split(text)
        if code:
            if code in self.by_code:
                return self.by_code[code]
            raise _Bad(_("找不到区划代码「%(code)s」") % {"code": code})
        candidates = [r for variant in self._variants(name) for r in self.by_name.get(variant, [])]
        if len(candidates) > 1:
            # Several places share the name: the one nearest the firm (same city, then province) wins.
            for depth in (2, 1):
                prefix = "/".join(self.enterprise_path.split("/")[:depth]) + "/"
                near = [r for r in candidates if r.path.startswith(prefix)]
                if len(near) == 1:
                    return near[0]
                if near:
                    candidates = near
                    break
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise _Bad(_("找不到地区「%(name)s」，请填写区县名称或6位区划代码") % {"name": text})
        raise _Bad(
            _("地区「%(name)s」有重名，请在名称后用括号注明区划代码，如「%(name)s（%(code)s）」")
            % {"name": name, "code": candidates[0].code}
        )


def place_label(region: Region) -> str:
    """How a place is written back into a roster: its name with its code, so it resolves again."""
    return f"{region.name}（{region.code}）"


# Reading -----------------------------------------------------------------------------------------


def _open(file_obj):
    try:
        workbook = load_workbook(file_obj, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable upload gets the same plain answer
        raise ImportFileError(_("无法读取该文件，请上传用员工名册模板填写的Excel文件（.xlsx）。")) from exc
    sheet = workbook[ROSTER_SHEET] if ROSTER_SHEET in workbook.sheetnames else workbook.worksheets[0]
    return workbook, sheet


def _columns(header) -> dict[str, int]:
    if not header or not any(header):
        raise ImportFileError(_("文件第1行应为列名（表头），但它是空的。"))
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = HEADER_LOOKUP.get(header_key(title))
        if key and key not in columns and not COLUMN_BY_KEY[key].system:
            columns[key] = index
    missing = [c.header for c in COLUMNS if c.required and c.key not in columns]
    if missing:
        raise ImportFileError(
            _("缺少必填列：%(columns)s。请使用员工名册模板。") % {"columns": "、".join(missing)}
        )
    return columns


@dataclass
class _Row:
    number: int
    index: str  # blind index of the ID number
    id_number: str
    data: dict  # model field → value
    travel: tuple | None  # ((region_code, place, from, to), …) or None when the column is absent
    contacts: tuple | None
    place_texts: dict  # key → text to resolve once all rows are read


class _RowParser:
    def __init__(self, enterprise: Enterprise, columns: dict[str, int]):
        self.enterprise = enterprise
        self.columns = columns
        self.ids = _IdChecker()
        self.firm_name = re.sub(r"\s", "", enterprise.name)
        self.routes = {r.name: r.pk for r in ShuttleRoute.objects.filter(enterprise=enterprise)}
        self.dorms: dict[str, int] = {}
        for room in DormRoom.objects.filter(enterprise=enterprise):
            for label in (
                f"{room.building}-{room.number}",
                f"{room.building}{room.number}",
                f"{room.building} {room.number}",
            ):
                self.dorms[label] = room.pk
        self.choice_maps = {key: _choice_map(key, choices) for key, (_f, choices) in _CHOICE_FIELDS.items()}
        self.plain = [(key, index) for key, index in columns.items() if key in _TEXT_FIELDS and key != "name"]

    def parse(self, number: int, values: tuple, errors: list[RowError]) -> _Row | None:
        cols = self.columns
        width = len(values)

        def cell(key):
            index = cols.get(key)
            return values[index] if index is not None and index < width else None

        def bad(key, message):
            errors.append(RowError(number, COLUMN_BY_KEY[key].header, str(message)))

        data: dict = {}
        name = _text(cell("name"))
        if not name:
            bad("name", _("姓名不能为空"))
        elif len(name) > _MAX_LENGTH["name"]:
            bad("name", _("不能超过%(max)d个字") % {"max": _MAX_LENGTH["name"]})
        else:
            data["name"] = name

        identity = None
        try:
            identity = self.ids(cell("id_number"))
        except _Bad as exc:
            bad("id_number", exc)

        try:
            data["phone"] = normalize_phone(cell("phone"))
        except ValidationError as exc:
            bad("phone", exc.messages[0])

        if "enterprise_name" in cols:
            firm = re.sub(r"\s", "", _text(cell("enterprise_name")))
            if firm and firm not in self.firm_name:
                bad(
                    "enterprise_name",
                    _("所属单位「%(value)s」不是本企业（%(firm)s），请核对是否传错了名册")
                    % {"value": firm, "firm": self.enterprise.name},
                )

        for key, index in self.plain:
            value = values[index] if index < width else None
            text = value.strip() if type(value) is str else _text(value)
            if len(text) > _MAX_LENGTH[key]:
                bad(key, _("不能超过%(max)d个字") % {"max": _MAX_LENGTH[key]})
            data[_TEXT_FIELDS[key]] = text

        for key, model_field in _YES_NO_FIELDS.items():
            if key in cols:
                try:
                    data[model_field] = _yes_no(cell(key))
                except _Bad as exc:
                    bad(key, exc)

        for key, model_field in _DATE_FIELDS.items():
            if key in cols:
                try:
                    data[model_field] = _date(cell(key))
                except _Bad as exc:
                    bad(key, exc)

        for key, (model_field, choices) in _CHOICE_FIELDS.items():
            if key not in cols:
                continue
            text = _text(cell(key))
            value = self.choice_maps[key].get(text)
            if value is None:
                bad(
                    key,
                    _("应为%(choices)s之一，不能填「%(value)s」")
                    % {"choices": "、".join(labels(choices.choices)), "value": text},
                )
            else:
                data[model_field] = value

        if identity is not None:
            gender_given = data.get("gender")
            if gender_given and gender_given != identity[2]:
                bad("gender", _("性别与身份证号第17位不符"))
            data["gender"] = identity[2]
            data["birth_date"] = identity[1]

        if "left" in cols:
            try:
                data["left_locality"], data["left_on"] = _left(cell("left"))
            except _Bad as exc:
                bad("left", exc)
        # The same rules as the employee form (services.clean_employee_data).
        returned_on, left_on = data.get("return_date"), data.get("left_on")
        if returned_on:
            if returned_on > self.ids.today:
                bad("return_date", _("返回时间不能晚于今天；尚未返回的请填写“预计返岗日期”"))
            # A return date is a return: 是否已返回 follows it, as on the form.
            data["has_returned"] = True
        elif "return_date" in cols and "has_returned" not in cols:
            data["has_returned"] = False
        if left_on and left_on > self.ids.today:
            bad("left", _("离开时间不能晚于今天"))
        if left_on and returned_on and left_on > returned_on:
            bad("return_date", _("返回时间不能早于离开时间"))

        if "dorm" in cols:
            dorm = _text(cell("dorm"))
            if dorm and dorm not in self.dorms:
                bad(
                    "dorm",
                    _("本企业没有登记宿舍「%(value)s」，请先在企业档案中登记宿舍，或按“楼栋-房间号”填写")
                    % {"value": dorm},
                )
            data["dorm_room_id"] = self.dorms.get(dorm)
        if "shuttle_route" in cols:
            route = _text(cell("shuttle_route"))
            if route and route not in self.routes:
                bad(
                    "shuttle_route",
                    _("本企业没有登记班车线路「%(value)s」，请先在企业档案中登记线路") % {"value": route},
                )
            data["shuttle_route_id"] = self.routes.get(route)

        place_texts = {}
        for key in ("residence_region", "destination", "current_city"):
            if key in cols:
                text = _text(cell(key))
                if text:
                    place_texts[key] = text
        travel = contacts = None
        if "travel" in cols:
            try:
                travel = _travel_entries(cell("travel"))
            except _Bad as exc:
                bad("travel", exc)
        if "contacts" in cols:
            try:
                contacts = _contact_entries(cell("contacts"))
            except _Bad as exc:
                bad("contacts", exc)

        if identity is None:
            return None
        return _Row(number, crypto.blind_index(identity[0]), identity[0], data, travel, contacts, place_texts)


def _choice_map(key: str, choices) -> dict[str, str]:
    """What may be written in a choice column → the stored value: the value itself, its Chinese label
    (the file is Chinese whatever the page's language), the label in the active language, and the
    synonyms people use. An empty cell means the field's default."""
    found = {"": "" if "" in choices.values or key in ("gender", "transport") else choices.values[0]}
    for value, label in choices.choices:
        found[str(label)] = value
        found[value] = value
    with translation.override("zh-hans"):
        found.update({str(label): value for value, label in choices.choices})
    return {**_CHOICE_ALIASES.get(key, {}), **found}


def _left(value) -> tuple[bool, dt.date | None]:
    if isinstance(value, (dt.date, dt.datetime)):
        return True, _date(value)
    text = _text(value)
    if text.lower() in _FALSE:
        return False, None
    match = re.fullmatch(r"(是|有)?\s*[，,、：:（(]?\s*(.*?)\s*[)）]?", text)
    rest = match[2] if match else text
    if not rest:
        if match and match[1]:
            return True, None
    else:
        try:
            return True, _date(rest)
        except _Bad:
            pass
    raise _Bad(_("应填“否”，或“是”加离开日期，如“是 2022-01-25”，不能填「%(value)s」") % {"value": text})


def _entries(value) -> list[str]:
    text = _text(value)
    if text in ("", NONE_TEXT, "否", "无。"):
        return []
    return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]


def _travel_entries(value) -> tuple:
    """Travel history as (place text, from, to) triples; places are resolved once the file is read."""
    found = []
    for part in _entries(value):
        parsed = _two_dates(part)
        if parsed is None or not parsed[0]:
            raise _Bad(
                _(
                    "每处旅居史应写成“地点 起始日期至截止日期”，如“信州区 2022-04-05至2022-04-17”，"
                    "无法识别「%(value)s」"
                )
                % {"value": part}
            )
        place, start, end = parsed
        if end < start:
            raise _Bad(_("「%(value)s」的截止日期早于起始日期") % {"value": part})
        found.append((place, start, end))
    return tuple(found)


def _contact_entries(value) -> tuple:
    found = []
    for part in _entries(value):
        match = re.match(r"^(" + _DATE_TEXT.pattern + r")\s*[，,、：:]?\s*(.+)$", part)
        if not match:
            raise _Bad(
                _(
                    "每条接触史应写成“日期 接触情况”，如“2022-04-10 与确诊病例同乘G1234”，无法识别「%(value)s」"
                )
                % {"value": part}
            )
        description = match[5].strip()[:300]
        found.append((_date(match[1]), description, any(word in description for word in _CASE_WORDS)))
    return tuple(found)


def _return_trip(data: dict, places: dict) -> None:
    """The return journey the rules look at, from the record's columns.

    Someone who has come back came from where they went (所赴城市); someone still away comes from where
    they are now (目前所在城市), or where they went if that is blank. Nobody who stayed put travels.
    """
    destination = places.get("destination")
    current = places.get("current_city")
    data["destination_code"] = destination.code if destination else ""
    if not data.get("left_locality"):
        data["return_from"], data["return_from_code"] = "", ""
    elif data.get("has_returned") or not data.get("current_city"):
        data["return_from"] = data.get("destination", "")
        data["return_from_code"] = data["destination_code"]
    else:
        data["return_from"] = data["current_city"]
        data["return_from_code"] = current.code if current else ""


# Import ------------------------------------------------------------------------------------------


def visible_enterprise(actor, enterprise) -> bool:
    return Enterprise.objects.visible_to(actor).filter(pk=getattr(enterprise, "pk", enterprise)).exists()


def check_import_allowed(actor, enterprise) -> None:
    """PermissionDenied unless ``actor`` may edit the people of ``enterprise`` and can see the firm."""
    if not can(actor, EDIT_CAPABILITY) or not visible_enterprise(actor, enterprise):
        raise PermissionDenied(_("您没有导入该企业员工名册的权限。"))


def import_roster(
    actor, enterprise, file_obj, *, progress: ProgressCallback | None = None, filename: str = ""
) -> RosterImportResult:
    """Check every row of a roster; create and update the firm's people in one transaction, or change nothing.

    ``file_obj`` is a path or a binary file object (.xlsx). ``progress(done, total)`` is called about every
    1,000 rows: ``done`` counts rows checked and then rows saved, so ``total`` is twice the number of rows
    (an estimate from the sheet's dimension until the file has been read); pages show done/total as a
    percentage. Raises PermissionDenied, or ImportFileError when the file as a whole cannot be used.
    """
    check_import_allowed(actor, enterprise)
    enterprise = Enterprise.objects.select_related("town").get(pk=enterprise.pk)
    workbook, sheet = _open(file_obj)
    result = RosterImportResult()
    rows: list[_Row] = []
    try:
        estimate = max((sheet.max_row or 1) - 1, 1) if sheet.max_row else 1
        stream = sheet.iter_rows(values_only=True)
        columns = _columns(next(stream, None))
        parser = _RowParser(enterprise, columns)
        seen: dict[str, int] = {}
        count = 0
        for number, values in enumerate(stream, start=2):
            if not any(v is not None and v != "" for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(_("一次最多导入%(max)d人，请拆分文件。") % {"max": MAX_ROWS})
            row = parser.parse(number, values, result.errors)
            if row is not None:
                first = seen.get(row.index)
                if first is not None:
                    result.errors.append(
                        RowError(
                            number,
                            COLUMN_BY_KEY["id_number"].header,
                            _("与第%(row)d行的身份证号重复，同一人只能填一行") % {"row": first},
                        )
                    )
                else:
                    seen[row.index] = number
                    rows.append(row)
            if progress and count % PROGRESS_EVERY == 0:
                progress(count, 2 * max(estimate, count))
    finally:
        workbook.close()
    result.rows = count
    if not count:
        raise ImportFileError(_("文件中没有员工数据（从第2行起填写）。"))

    _resolve_places(enterprise, rows, columns, result.errors)
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    if progress:
        progress(count, 2 * count)
    try:
        _save(actor, enterprise, rows, columns, result, progress, filename)
    except IntegrityError:
        # Someone added one of these people while the file was being checked; nothing was kept.
        result.created = result.updated = result.unchanged = 0
        result.employee_ids = []
        result.errors.append(
            RowError(0, "", _("导入期间有人同时登记了名册中的员工，本次未保存任何数据，请重新导入。"))
        )
    return result


def _resolve_places(enterprise, rows: list[_Row], columns, errors: list[RowError]) -> None:
    texts = {text for row in rows for text in row.place_texts.values()}
    texts.update(place for row in rows for place, _s, _e in (row.travel or ()))
    places = _Places(enterprise, texts)
    for row in rows:
        found: dict[str, Region] = {}
        for key, text in row.place_texts.items():
            try:
                found[key] = places.resolve(text)
            except _Bad as exc:
                if key == "residence_region":
                    errors.append(RowError(row.number, COLUMN_BY_KEY[key].header, str(exc)))
                # 所赴城市 and 目前所在城市 are free text in the record; a code is kept only when one fits.
        if "residence_region" in columns:
            region = found.get("residence_region")
            row.data["residence_region_id"] = region.pk if region else None
            row.data["is_local"] = compute_is_local(enterprise, region, row.id_number[:6])
        if columns.keys() & {"left", "destination", "has_returned", "current_city", "return_date"}:
            _return_trip(row.data, found)
        if row.travel:
            stops = []
            for place, start, end in row.travel:
                try:
                    region = places.resolve(place)
                except _Bad as exc:
                    errors.append(RowError(row.number, COLUMN_BY_KEY["travel"].header, str(exc)))
                    continue
                stops.append((region.code, place_label(region), start, end))
            row.travel = tuple(sorted(stops))
        if row.contacts:
            row.contacts = tuple(sorted(row.contacts))


def _fields_for(columns) -> list[str]:
    names = ["birth_date", "gender"]
    for key in columns:
        for name in _KEY_FIELDS.get(key, []):
            if name not in names:
                names.append(name)
    return names


def _save(actor, enterprise, rows: list[_Row], columns, result, progress, filename) -> None:
    fields = _fields_for(columns)
    existing: dict[str, tuple] = {}
    for values in (
        Employee.objects.filter(enterprise=enterprise)
        .order_by()
        .values_list("id_number_index", "id", *fields)
        .iterator(chunk_size=5000)
    ):
        existing[values[0]] = values[1:]
    stops_by_person: dict[int, tuple] = {}
    contacts_by_person: dict[int, tuple] = {}
    if "travel" in columns:
        for employee_id, *stop in (
            TravelStop.objects.filter(employee__enterprise=enterprise)
            .order_by()
            .values_list("employee_id", "region_code", "place", "from_date", "to_date")
        ):
            stops_by_person.setdefault(employee_id, []).append(tuple(stop))
    if "contacts" in columns:
        for employee_id, *contact in (
            CloseContact.objects.filter(employee__enterprise=enterprise)
            .order_by()
            .values_list("employee_id", "contact_date", "description", "with_case")
        ):
            contacts_by_person.setdefault(employee_id, []).append(tuple(contact))

    now = timezone.now()
    new: list[tuple[Employee, _Row]] = []
    changed: list[Employee] = []
    replace_travel: dict[int, tuple] = {}
    replace_contacts: dict[int, tuple] = {}
    total = 2 * len(rows)
    for done, row in enumerate(rows, start=1):
        known = existing.get(row.index)
        values = [row.data.get(name, _DEFAULTS.get(name)) for name in fields]
        if known is None:
            record_ = dict(zip(fields, values, strict=True))
            record_["enterprise_id"] = enterprise.pk
            record_["id_number_encrypted"] = crypto.encrypt(row.id_number)
            record_["id_number_index"] = row.index
            record_["id_number_masked"] = mask_id_number(row.id_number)
            if "is_local" not in fields:
                record_["is_local"] = compute_is_local(enterprise, None, row.id_number[:6])
            new.append((record_, row))
        else:
            pk, old_values = known[0], known[1:]
            travel_differs = row.travel is not None and row.travel != tuple(
                sorted(stops_by_person.get(pk, ()))
            )
            contacts_differ = row.contacts is not None and row.contacts != tuple(
                sorted(contacts_by_person.get(pk, ()))
            )
            if tuple(values) != tuple(old_values) or travel_differs or contacts_differ:
                person = Employee(pk=pk, updated_at=now, **dict(zip(fields, values, strict=True)))
                changed.append(person)
                if travel_differs:
                    replace_travel[pk] = row.travel
                if contacts_differ:
                    replace_contacts[pk] = row.contacts
            else:
                result.unchanged += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(len(rows) + done // 2, total)

    with transaction.atomic():
        _insert_employees([record_ for record_, _r in new], now)
        if progress:
            progress(len(rows) + len(rows) * 3 // 4, total)
        if new:
            ids = dict(
                Employee.objects.filter(enterprise=enterprise).order_by().values_list("id_number_index", "id")
            )
            created = [ids[row.index] for _r, row in new]
        else:
            created = []
        for pk, (_record, row) in zip(created, new, strict=True):
            if row.travel:
                replace_travel[pk] = row.travel
            if row.contacts:
                replace_contacts[pk] = row.contacts
        if changed:
            # The version bump tells a page edit in flight that the file changed under it.
            for person in changed:
                person.version = F("version") + 1
                refresh_indexes(person)  # bulk_update runs no pre_save: a new phone needs its new index
            Employee.objects.bulk_update(
                changed, index_fields_for(Employee, [*fields, "version", "updated_at"]), batch_size=500
            )
        if replace_travel:
            TravelStop.objects.filter(employee_id__in=list(replace_travel)).delete()
            TravelStop.objects.bulk_create(
                [
                    TravelStop(employee_id=pk, region_code=code, place=place, from_date=start, to_date=end)
                    for pk, stops in replace_travel.items()
                    for code, place, start, end in stops
                ],
                batch_size=BATCH_SIZE,
            )
        if replace_contacts:
            CloseContact.objects.filter(employee_id__in=list(replace_contacts)).delete()
            CloseContact.objects.bulk_create(
                [
                    CloseContact(employee_id=pk, contact_date=day, description=text, with_case=with_case)
                    for pk, contacts in replace_contacts.items()
                    for day, text, with_case in contacts
                ],
                batch_size=BATCH_SIZE,
            )
        result.created = len(created)
        result.updated = len(changed)
        result.employee_ids = created + [p.pk for p in changed]
        record(
            actor,
            "workforce.roster_import",
            enterprise,
            after={
                "file": filename[:200],
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            note=_(
                "导入员工名册%(file)s：共%(rows)d行，新建%(created)d人，更新%(updated)d人，未变%(unchanged)d人"
            )
            % {
                "file": f"「{filename}」" if filename else "",
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        if {"grid_unit_id", "dorm_room_id", "shuttle_route_id", "shuttle_seat"} & set(fields):
            from fugong.arrangements.services import bulk_sync_from_employees

            # Dated arrangements follow the imported dorm rooms and shuttle seats (contact search).
            bulk_sync_from_employees(enterprise, actor)
        after_roster_import(actor, enterprise, result.employee_ids)
    if progress:
        progress(total, total)


def _insert_employees(records: list[dict], now) -> None:
    """INSERT the new people with ``executemany``, bypassing ``bulk_create``.

    ``bulk_create`` prepares each of the ~50 fields of every object through the ORM and, on SQLite, is
    held to 999 parameters per statement (19 people); for 100,000 people that alone took longer than
    openpyxl takes to read the file. Here each field gets its default and its database form once per
    field kind, and the driver reuses one prepared statement. The values are the ones ``bulk_create``
    would have written: model defaults, ``created_at``/``updated_at`` = now, dates adapted by the backend.
    """
    if not records:
        return
    connection = connections[Employee.objects.db]
    ops = connection.ops
    plan = []
    for model_field in Employee._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if isinstance(model_field, DateTimeField):
            stamp = now if (model_field.auto_now or model_field.auto_now_add) else model_field.get_default()
            plan.append((model_field.attname, "const", ops.adapt_datetimefield_value(stamp)))
        elif isinstance(model_field, DateField):
            plan.append((model_field.attname, "date", model_field.get_default()))
        elif isinstance(model_field, EncryptedCharField):
            # The phone goes in as its token, like bulk_create would write it; never in clear.
            plan.append((model_field.attname, "encrypt", model_field))
        elif isinstance(model_field, PhoneIndexField):
            plan.append((model_field.attname, "index", model_field.source))
        else:
            plan.append(
                (
                    model_field.attname,
                    "plain",
                    model_field.get_db_prep_save(model_field.get_default(), connection),
                )
            )
    adapt_date = ops.adapt_datefield_value
    params = []
    for record_ in records:
        values = []
        for name, kind, default in plan:
            if kind == "const":
                values.append(default)
            elif kind == "date":
                values.append(adapt_date(record_.get(name, default)))
            elif kind == "encrypt":
                values.append(default.get_db_prep_save(record_.get(name, default.get_default()), connection))
            elif kind == "index":
                values.append(crypto.phone_index(record_.get(default, "")))
            else:
                values.append(record_.get(name, default))
        params.append(values)
    table = connection.ops.quote_name(Employee._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name, _k, _d in plan)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(plan))})"
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


_DEFAULTS = {
    name: Employee._meta.get_field(name).get_default()
    for name in (
        "employee_no",
        "gender",
        "native_place",
        "residence_address",
        "is_local",
        "department_name",
        "job",
        "left_locality",
        "destination",
        "destination_code",
        "has_returned",
        "current_city",
        "return_from",
        "return_from_code",
        "transport",
        "transport_number",
        "has_fever",
        "other_symptoms",
        "family_health",
        "residence_control",
        "health_code",
        "shuttle_seat",
    )
}


def after_roster_import(actor, enterprise, employee_ids: list[int]) -> None:
    """Have the return rules decide the people an import created or changed, once the import is committed.

    The people are decided in a background task (``roster_tasks.evaluate_imported``) by
    ``bulk_evaluation.evaluate_many``: the same decisions, status moves and audit entries as
    ``services.reevaluate`` person by person, in chunks of 500 that each take a handful of queries.
    """
    if not employee_ids:
        return
    from fugong.workforce.roster_tasks import evaluate_imported

    ids = list(employee_ids)
    transaction.on_commit(lambda: evaluate_imported.delay(ids))


# Export ------------------------------------------------------------------------------------------

_EXPORT_FIELDS = (
    "id",
    "name",
    "enterprise__name",
    "employee_no",
    "id_number_masked",
    "id_number_encrypted",
    "gender",
    "department_name",
    "job",
    "phone",
    "residence_address",
    "status",
    "expected_return_date",
    "left_locality",
    "left_on",
    "destination",
    "has_returned",
    "current_city",
    "return_date",
    "transport",
    "transport_number",
    "has_fever",
    "other_symptoms",
    "family_health",
    "is_local",
    "native_place",
    "release_date",
    "residence_region__name",
    "residence_region__code",
    "residence_control",
    "health_code",
    "dorm_room__building",
    "dorm_room__number",
    "shuttle_route__name",
    "shuttle_seat",
)


def check_export_allowed(actor, *, unmasked: bool = False) -> None:
    if not can(actor, VIEW_CAPABILITY) or actor.role == Role.EMPLOYEE:
        raise PermissionDenied(_("您没有导出员工名册的权限。"))
    if unmasked and not services.may_unmask(actor):
        raise PermissionDenied(_("您的角色不能查看完整身份证号，请导出脱敏名册。"))


def _histories(queryset) -> tuple[dict[int, str], dict[int, str]]:
    travel: dict[int, list[str]] = {}
    for employee_id, place, start, end in (
        TravelStop.objects.filter(employee__in=queryset.values("pk"))
        .order_by("employee_id", "from_date", "id")
        .values_list("employee_id", "place", "from_date", "to_date")
    ):
        span = start.isoformat() if start == end else f"{start.isoformat()}至{end.isoformat()}"
        travel.setdefault(employee_id, []).append(f"{place} {span}")
    contacts: dict[int, list[str]] = {}
    for employee_id, day, description in (
        CloseContact.objects.filter(employee__in=queryset.values("pk"))
        .order_by("employee_id", "contact_date", "id")
        .values_list("employee_id", "contact_date", "description")
    ):
        contacts.setdefault(employee_id, []).append(f"{day.isoformat()} {description}")
    return (
        {k: "；".join(v) for k, v in travel.items()},
        {k: "；".join(v) for k, v in contacts.items()},
    )


def export_roster(
    actor, queryset, *, unmasked: bool = False, filters: dict | None = None, target=None
) -> bytes:
    """The people of ``queryset`` the actor may see, as .xlsx bytes in the roster layout.

    Logged as an export of as many rows as were written, under ``filters`` (the filters that made
    ``queryset``, as the page shows them) and ``target`` (the one firm it is about, if any).

    ID numbers are masked (3306**********1234) unless ``unmasked`` is asked for by a role whose work needs
    them; that export is written to the audit log with how many people it showed. Phones are in full only
    for the roles that call people (``core.masking``). An exported file can be imported again (unmasked,
    by the firm) — the columns are the template's.
    """
    check_export_allowed(actor, unmasked=unmasked)
    people = queryset.visible_to(actor).order_by("enterprise_id", "name", "id")
    travel, contacts = _histories(people)
    labels_of = {
        "gender": dict(Gender.choices),
        "status": dict(EmployeeStatus.choices),
        "transport": dict(Transport.choices),
        "residence_control": dict(ResidenceControl.choices),
        "health_code": dict(HealthCode.choices),
    }
    # Labels are lazy translations: resolved once, not once per cell, and in Chinese — the roster's
    # language whatever the page's, so that the file imports again.
    with translation.override("zh-hans"):
        labels_of = {
            key: {value: str(label) or None for value, label in m.items()} for key, m in labels_of.items()
        }
    gender, status, transport = labels_of["gender"], labels_of["status"], labels_of["transport"]
    control, code = labels_of["residence_control"], labels_of["health_code"]
    yes, no = YES, NO
    decrypt = crypto.decrypt
    # Phones as the actor may see them (core.masking): in full for the firm and the town, else 138****0000.
    show_phone = str if may_see_phone(actor) else mask_phone
    shown: list[int] = [0]
    firms: set[str] = set()

    def rows():
        for (
            pk,
            name,
            firm,
            employee_no,
            masked,
            encrypted,
            sex,
            department,
            job,
            phone,
            address,
            state,
            expected,
            left,
            left_on,
            destination,
            returned,
            current_city,
            return_date,
            transport_key,
            transport_number,
            fever,
            symptoms,
            family,
            local,
            native,
            release,
            region_name,
            region_code,
            control_key,
            health,
            building,
            room,
            route,
            seat,
        ) in people.values_list(*_EXPORT_FIELDS).iterator(chunk_size=BATCH_SIZE):
            shown[0] += 1
            firms.add(firm)
            # Empty cells are left out rather than written as "", which halves what openpyxl serialises.
            yield [
                name,
                firm,
                employee_no or None,
                decrypt(encrypted) if unmasked else masked,
                gender.get(sex),
                department or None,
                job or None,
                show_phone(phone) if phone else None,
                address or None,
                status.get(state),
                expected,
                (f"{yes} {left_on.isoformat()}" if left_on else yes) if left else no,
                destination or None,
                yes if returned else no,
                current_city or None,
                return_date,
                transport.get(transport_key),
                transport_number or None,
                travel.get(pk, NONE_TEXT),
                contacts.get(pk, NONE_TEXT),
                yes if fever else no,
                symptoms or None,
                family or None,
                LOCAL if local else NOT_LOCAL,
                native or None,
                release,
                f"{region_name}（{region_code}）" if region_code else None,
                control.get(control_key),
                code.get(health),
                f"{building}-{room}" if building else None,
                route,
                seat or None,
            ]

    content = write_roster(rows())
    record_export(
        actor,
        "workforce.roster_export",
        gettext_lazy("员工名册"),
        filters,
        shown[0],
        target=target,
        object_type="workforce.employee",
        extra={"unmasked": True} if unmasked else None,
    )
    if unmasked:
        record(
            actor,
            VIEW_PERSONAL_DATA,
            object_type="workforce.employee",
            object_repr="、".join(sorted(firms))[:200],
            after={"fields": [COLUMN_BY_KEY["id_number"].header], "count": shown[0], "export": True},
            note=_("导出未脱敏员工名册（身份证号），共%(count)d人") % {"count": shown[0]},
        )
    return content


def roster_template() -> bytes:
    """The blank roster to download (.xlsx bytes)."""
    return template_workbook()


# Statistics ----------------------------------------------------------------------------------


def commute_mode_expression():
    """``selectors.commute_mode`` in SQL, so that 100,000 people are counted without loading them: a shuttle
    seat is 点对点, a dorm bed is 封闭驻厂, otherwise the firm's resumption mode (封闭驻厂 when it declared
    none)."""
    return Case(
        When(shuttle_route__isnull=False, then=Value(ResumptionMode.POINT_TO_POINT)),
        When(dorm_room__isnull=False, then=Value(ResumptionMode.CLOSED_IN_PLANT)),
        When(enterprise__resumption_mode="", then=Value(ResumptionMode.CLOSED_IN_PLANT)),
        default=F("enterprise__resumption_mode"),
        output_field=CharField(),
    )


def _county_of(region: Region | None, regions: dict[str, Region]) -> str:
    if region is None:
        return "未填写居住区县"
    if region.level <= RegionLevel.COUNTY:
        return region.name
    for code in region.path.strip("/").split("/"):
        if len(code) == 6 and code in regions:
            return regions[code].name
    return region.name


def export_return_statistics(actor, target, *, filters: dict | None = None) -> bytes:
    """返岗员工统计 for one firm (an Enterprise) or any Employee queryset, within the actor's scope.

    The return statistics ask each firm, from its 返岗员工统计明细表, for: 1. the returners by county/district;
    2. their home's control status (封控区/管控区/防范区); 3. how they commute (closed in plant or by
    shuttle 点对点); 4. the shuttle buses needed — number, seats, route. Those are the four tables, in that
    order, plus the firms side by side when the selection spans several. People who have left the firm
    are not counted. Logged as an export of the people counted, under ``filters`` (as ``export_roster``).
    """
    check_export_allowed(actor)
    if isinstance(target, Enterprise):
        if not visible_enterprise(actor, target):
            raise PermissionDenied(_("您没有查看该企业员工的权限。"))
        queryset = Employee.objects.filter(enterprise=target)
        title = f"{target.name}返岗员工统计"
    else:
        queryset = target
        title = "返岗员工统计"
    people = queryset.visible_to(actor).exclude(status=EmployeeStatus.LEFT).order_by()
    # The annex is a Chinese form whatever the page's language.
    with translation.override("zh-hans"):
        content, total = _statistics(people, title)
    record_export(
        actor,
        "workforce.statistics_export",
        gettext_lazy("返岗员工统计"),
        filters,
        total,
        target=target if isinstance(target, Enterprise) else None,
        object_type="workforce.employee",
    )
    return content


def _statistics(people, title: str) -> tuple[bytes, int]:
    """The workbook, and how many people it counts (its 合计)."""
    total = people.count()
    subtitle = f"统计时间：{dates.format_datetime(timezone.now())}　需返岗员工共{total}人"

    # 1. By county (district) of residence.
    per_region = list(
        people.values("residence_region").annotate(
            n=Count("id"),
            back=Count("id", filter=Q(has_returned=True)),
            local=Count("id", filter=Q(is_local=True)),
        )
    )
    regions = {
        r.pk: r
        for r in Region.objects.filter(
            pk__in=[r["residence_region"] for r in per_region if r["residence_region"]]
        )
    }
    county_codes = {c for r in regions.values() for c in r.path.strip("/").split("/") if len(c) == 6}
    counties = {r.code: r for r in Region.objects.filter(code__in=county_codes)}
    by_county: dict[str, list[int]] = {}
    for entry in per_region:
        name = _county_of(regions.get(entry["residence_region"]), counties)
        counts = by_county.setdefault(name, [0, 0, 0])
        counts[0] += entry["n"]
        counts[1] += entry["back"]
        counts[2] += entry["local"]
    district_rows = [[name, *counts] for name, counts in sorted(by_county.items(), key=lambda kv: -kv[1][0])]
    district_rows.append(
        ["合计", total, sum(c[1] for c in by_county.values()), sum(c[2] for c in by_county.values())]
    )

    # 2. Control status of the home.
    per_control = dict(people.values_list("residence_control").annotate(n=Count("id")))
    control_order = [
        ResidenceControl.SEALED,
        ResidenceControl.CONTROLLED,
        ResidenceControl.PRECAUTION,
        ResidenceControl.NONE,
    ]
    control_rows = [[str(ResidenceControl(c).label), per_control.get(c, 0)] for c in control_order]
    control_rows.append(["合计", total])

    # 3. Commute mode.
    per_commute = dict(
        people.annotate(commute=commute_mode_expression()).values_list("commute").annotate(n=Count("id"))
    )
    commute_rows = [[str(label), per_commute.get(key, 0)] for key, label in ResumptionMode.choices]
    commute_rows.append(["合计", total])

    # 4. Shuttle buses: each route with its seats and riders; riders beyond the seats are a need.
    routes = (
        ShuttleRoute.objects.filter(enterprise__in=people.values("enterprise"))
        .annotate(rider_count=Count("riders", filter=Q(riders__in=people)))
        .select_related("enterprise")
        .order_by("enterprise__name", "name")
    )
    bus_rows = [
        [
            r.name,
            r.vehicle_plate,
            r.seats,
            r.rider_count,
            r.route,
            r.driver_name,
            max(r.rider_count - r.seats, 0),
        ]
        for r in routes
    ]
    bus_rows.append(
        [
            "合计（班车数量）",
            len(bus_rows),
            sum(r[2] for r in bus_rows),
            sum(r[3] for r in bus_rows),
            "",
            "",
            sum(r[6] for r in bus_rows),
        ]
    )

    tables = [
        StatisticsTable(
            "一、需返岗员工分布（按居住地县（市）区）",
            ["县（市）区", "人数", "其中已返回", "其中本地员工"],
            district_rows,
        ),
        StatisticsTable("二、需返岗员工家庭住址现行管控情况", ["管控情况", "人数"], control_rows),
        StatisticsTable("三、员工通勤方式", ["通勤方式", "人数"], commute_rows),
        StatisticsTable(
            "四、员工通勤班车需求",
            ["班车线路", "车牌号", "座位数", "乘车员工数", "行车路线", "固定司机", "超出座位数"],
            bus_rows,
        ),
    ]
    firm_rows = list(
        people.annotate(commute=commute_mode_expression())
        .values("enterprise__name")
        .annotate(
            n=Count("id"),
            sealed=Count("id", filter=Q(residence_control=ResidenceControl.SEALED)),
            controlled=Count("id", filter=Q(residence_control=ResidenceControl.CONTROLLED)),
            precaution=Count("id", filter=Q(residence_control=ResidenceControl.PRECAUTION)),
            closed=Count(
                "id",
                filter=Q(dorm_room__isnull=False)
                | Q(shuttle_route__isnull=True, enterprise__resumption_mode=ResumptionMode.CLOSED_IN_PLANT),
            ),
            shuttle=Count("id", filter=Q(dorm_room__isnull=True, shuttle_route__isnull=False)),
        )
        .order_by("enterprise__name")
    )
    by_firm = None
    if len(firm_rows) > 1:
        by_firm = StatisticsTable(
            "",
            ["企业", "需返岗人数", "封控区", "管控区", "防范区", "封闭驻厂", "点对点通勤", "有序出行"],
            [
                [
                    f["enterprise__name"],
                    f["n"],
                    f["sealed"],
                    f["controlled"],
                    f["precaution"],
                    f["closed"],
                    f["shuttle"],
                    f["n"] - f["closed"] - f["shuttle"],
                ]
                for f in firm_rows
            ],
        )
    return write_statistics(title, subtitle, tables, by_firm), total
