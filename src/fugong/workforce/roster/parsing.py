"""Reading a roster file into checked rows: the header row finds the columns, each cell is checked
against its column's rule as the rows stream in, and the places the rows name are resolved once the
file is read. Every problem is a ``RowError`` (Excel row, column header as printed, the rule in
Chinese); the import saves nothing while there is one.

Columns are found by their header (``excel.HEADER_LOOKUP``), so a firm's own sheet with extra columns
or another order reads too. The resident ID number takes a fast path that gives exactly
``parse_id_number``'s answers (see ``_IdChecker``).
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from fugong.core import crypto
from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import DormRoom, Enterprise, ShuttleRoute
from fugong.regions.models import Region, RegionLevel
from fugong.workforce.cleaning import compute_is_local
from fugong.workforce.models import Employee, Gender, HealthCode, ResidenceControl, Transport
from fugong.workforce.roster.excel import (
    COLUMN_BY_KEY,
    COLUMNS,
    HEADER_LOOKUP,
    NONE_TEXT,
    ROSTER_SHEET,
    header_key,
    labels,
)
from fugong.workforce.validation import normalize_phone, parse_id_number


class RowError(NamedTuple):
    """One problem: the Excel row number, the column header as printed, and the rule in Chinese."""

    row: int
    column: str
    message: str


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
        # The same rules as the employee form (cleaning.clean_employee_data).
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
