"""The employee fields as people give them (form, API, roster import), parsed into stored form.

Errors are Django ``ValidationError`` with {field: [Chinese message naming the field and the rule]}.

``is_local``: the residence region lies in the firm's county (本地员工 are people who need not
travel to work). Without a residence region, the county code at the head of the ID number (where the
person's household was first registered) is the evidence used, as firms counted 本地员工 by 户籍 in
2020; the roster can always correct it by giving the residence.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.core import crypto
from fugong.enterprises.models import DormRoom, GridUnit, ShuttleRoute
from fugong.policy.divisions import normalize_division_code
from fugong.regions.models import Region
from fugong.workforce.models import Employee, Gender, HealthCode, ResidenceControl, Transport
from fugong.workforce.validation import normalize_phone, parse_id_number

TEXT_FIELDS = {
    "employee_no": 40,
    "name": 50,
    "native_place": 50,
    "residence_address": 200,
    "department_name": 50,
    "job": 50,
    "shuttle_seat": 10,
    "destination": 100,
    "current_city": 100,
    "return_from": 100,
    "transport_number": 30,
    "other_symptoms": 200,
    "family_health": 200,
}
BOOL_FIELDS = ("left_locality", "has_returned", "has_fever")
DATE_FIELDS = ("left_on", "return_date", "expected_return_date")
CODE_FIELDS = ("destination_code", "return_from_code")
CHOICE_FIELDS = {
    "gender": Gender,
    "transport": Transport,
    "residence_control": ResidenceControl,
    "health_code": HealthCode,
}
PART_FIELDS = {"grid_unit": GridUnit, "dorm_room": DormRoom, "shuttle_route": ShuttleRoute}
INPUT_FIELDS = {
    "id_number",
    "phone",
    "residence_region",
    *TEXT_FIELDS,
    *BOOL_FIELDS,
    *DATE_FIELDS,
    *CODE_FIELDS,
    *CHOICE_FIELDS,
    *PART_FIELDS,
}


def _label(name: str) -> str:
    return str(Employee._meta.get_field(name).verbose_name)


def parse_day(value, field: str) -> dt.date | None:
    """A date as people write it: 2020-02-10, 2020/2/10, 2020.2.10, 2020年2月10日; None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise ValidationError(
        {field: [_("「%(label)s」日期无效，请按“年-月-日”填写，例如 2020-02-10") % {"label": _label(field)}]}
    )


def _parse_bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("", "0", "false", "否", "无", "no", "n", "f"):
        return False
    if text in ("1", "true", "是", "有", "yes", "y", "t"):
        return True
    raise ValidationError({field: [_("「%(label)s」须填“是”或“否”") % {"label": _label(field)}]})


def _parse_choice(value, field: str, choices) -> str:
    text = str(value if value is not None else "").strip()
    if text in choices.values:
        return text
    for key, label in choices.choices:
        if text == str(label):
            return key
    if text == "" and "" not in choices.values:
        return ""
    opts = "、".join(str(label) for key, label in choices.choices if key)
    raise ValidationError(
        {field: [_("「%(label)s」无效，可选：%(opts)s") % {"label": _label(field), "opts": opts}]}
    )


def _resolve_region(value) -> Region | None:
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        return value
    code = str(value).strip()
    try:
        code = normalize_division_code(code, _label("residence_region"))
    except ValidationError as exc:
        raise ValidationError({"residence_region": exc.messages}) from None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationError(
            {
                "residence_region": [
                    _("「居住地（区划）」区划代码「%(code)s」不在本系统的区划库中") % {"code": code}
                ]
            }
        )
    return region


def _resolve_part(value, field: str, model, enterprise):
    if value in (None, ""):
        return None
    pk = getattr(value, "pk", value)
    try:
        part = model.objects.filter(pk=int(pk), enterprise=enterprise).first()
    except (TypeError, ValueError):
        part = None
    if part is None:
        raise ValidationError(
            {field: [_("「%(label)s」须为本企业登记的%(label)s") % {"label": _label(field)}]}
        )
    return part


def county_code(region: Region) -> str:
    for code in (c for c in region.path.split("/") if c):
        if len(code) == 6:
            return code
    return ""


def compute_is_local(enterprise, residence_region: Region | None, id_area_code: str) -> bool:
    county = county_code(enterprise.town)
    if not county:
        return False
    if residence_region is not None:
        return residence_region.path.startswith(f"{county}/") or f"/{county}/" in residence_region.path
    return id_area_code == county


def clean_employee_data(enterprise, data: dict, *, partial: bool = False) -> dict:
    """The employee fields in ``data`` in stored form, or a ValidationError naming each bad field.

    Shared by the API, the pages and the roster import (which calls it per row to report row, column
    and rule). ``id_number`` comes back as ``resident`` (a validation.ResidentId), never as a field.
    Unknown keys are refused so that a typo does not silently drop a value.
    """
    errors: dict[str, list[str]] = {}
    out: dict = {}

    def fail(field, exc):
        messages = exc.message_dict.get(field, exc.messages) if hasattr(exc, "error_dict") else exc.messages
        errors.setdefault(field, []).extend(str(m) for m in messages)

    for name in sorted(set(data) - INPUT_FIELDS):
        errors.setdefault(name, []).append(_("「%(field)s」不是员工档案的字段") % {"field": name})

    if "id_number" in data or not partial:
        try:
            out["resident"] = parse_id_number(data.get("id_number"))
        except ValidationError as exc:
            fail("id_number", exc)
    if "phone" in data or not partial:
        try:
            out["phone"] = normalize_phone(data.get("phone"))
        except ValidationError as exc:
            fail("phone", exc)
    for name, limit in TEXT_FIELDS.items():
        if name not in data and not (name == "name" and not partial):
            continue
        text = "" if data.get(name) is None else str(data.get(name)).strip()
        if name == "name" and not text:
            errors.setdefault(name, []).append(_("「姓名」不能为空"))
        elif len(text) > limit:
            errors.setdefault(name, []).append(
                _("「%(label)s」不能超过%(n)d个字") % {"label": _label(name), "n": limit}
            )
        else:
            out[name] = text
    for name in BOOL_FIELDS:
        if name in data:
            try:
                out[name] = _parse_bool(data[name], name)
            except ValidationError as exc:
                fail(name, exc)
    for name in DATE_FIELDS:
        if name in data:
            try:
                out[name] = parse_day(data[name], name)
            except ValidationError as exc:
                fail(name, exc)
    for name in CODE_FIELDS:
        if name in data:
            raw = str(data[name] or "").strip()
            try:
                out[name] = normalize_division_code(raw, _label(name)) if raw else ""
            except ValidationError as exc:
                fail(name, exc)
    for name, choices in CHOICE_FIELDS.items():
        if name in data:
            try:
                out[name] = _parse_choice(data[name], name, choices)
            except ValidationError as exc:
                fail(name, exc)
    if "residence_region" in data:
        try:
            out["residence_region"] = _resolve_region(data["residence_region"])
        except ValidationError as exc:
            fail("residence_region", exc)
    for name, model in PART_FIELDS.items():
        if name in data:
            try:
                out[name] = _resolve_part(data[name], name, model, enterprise)
            except ValidationError as exc:
                fail(name, exc)

    today = timezone.localdate()
    if out.get("return_date") and out["return_date"] > today:
        errors.setdefault("return_date", []).append(
            _("「返回时间」不能晚于今天；尚未返回的请填写「预计返岗日期」")
        )
    if out.get("left_on") and out["left_on"] > today:
        errors.setdefault("left_on", []).append(_("「离开时间」不能晚于今天"))
    if out.get("left_on") and out.get("return_date") and out["left_on"] > out["return_date"]:
        errors.setdefault("return_date", []).append(_("「返回时间」不能早于「离开时间」"))
    resident = out.get("resident")
    if resident is not None and out.get("gender") and out["gender"] != resident.gender:
        errors.setdefault("gender", []).append(_("「性别」与身份证号第17位不符"))
    if errors:
        raise ValidationError(errors)
    return out


def _apply_fields(employee, clean: dict) -> None:
    resident = clean.pop("resident", None)
    if resident is not None:
        for name, value in resident.stored_fields().items():
            setattr(employee, name, value)
        employee.birth_date = resident.birth_date
        employee.gender = resident.gender
        employee._id_area_code = resident.area_code
    for name, value in clean.items():
        setattr(employee, name, value)
    if employee.return_date:
        # A return date is a return: the roster's 是否已返回 follows it.
        employee.has_returned = True


def _area_code_of(employee) -> str:
    code = getattr(employee, "_id_area_code", None)
    if code is None:
        code = crypto.decrypt(employee.id_number_encrypted)[:6] if employee.id_number_encrypted else ""
    return code
