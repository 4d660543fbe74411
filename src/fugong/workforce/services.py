"""Every write to employee files (SPEC §5, §11): checked, atomic, locked, audited.

Each function checks the actor (``actor=None`` is the system — the roster import, the demo loader, a
re-evaluation task — acting on its own authority), then in one transaction locks the employee row
(``select_for_update``), writes, and appends the audit entry. Errors: Django ``ValidationError`` with
{field: [Chinese message naming the field and the rule]}; ``PermissionDenied`` for acts outside the
actor's role or scope; ``EmployeeConflict`` when the file changed since the actor loaded it (the API
answers 409).

The resident ID number is stored only encrypted (``id_number_encrypted``), with a keyed hash to find it
(``id_number_index``) and the masked form to show (``id_number_masked``). The clear number never goes
into an audit entry, a log line or an error message; ``reveal_id_number`` is the one way to read it
and writes a view entry every time.

Decisions documented here rather than in the notices:

- ``is_local``: the residence region lies in the firm's county (本地员工 are people who need not
  travel to work). Without a residence region, the county code at the head of the ID number (where the
  person's household was first registered) is the evidence used, as firms counted 本地员工 by 户籍 in
  2020; the roster can always correct it by giving the residence.
- ``change_status`` is the only writer of ``Employee.status``. Into isolation or the buffer zone it
  opens an episode if none is open; out of them to work or "arrived" only ``release_episode`` leads.
  Moving into "arrived" applies the return rules at once (a firm isolates returners as soon as it
  receives them), so an arrival that must isolate goes straight into isolation. An isolation the policy
  sets no period for has no planned end and lasts until it is released. Transitions
  named by another workflow (``source``, e.g. "checkpoint", "pre_report") carry that workflow's
  authority; manual ones need the ``workforce.status`` capability.
- An isolation episode ends on its planned day; only the health bureau may release it earlier (the
  health bureau decides on release), and that release also brings the person's release
  date forward. A buffer episode ends only with a negative nucleic result (the policy's
  ``buffer_zone_requires_negative_nucleic``).
"""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role, can
from fugong.audit.services import diff, record, record_view
from fugong.core import crypto
from fugong.core.dates import format_date, format_datetime
from fugong.enterprises.models import DormRoom, Enterprise, GridUnit, IsolationRoom, ShuttleRoute
from fugong.policy.divisions import normalize_division_code
from fugong.policy.selectors import NoPolicyError, PolicyResolver
from fugong.regions.models import Region
from fugong.workforce import rules
from fugong.workforce.models import (
    CloseContact,
    Employee,
    EmployeeStatus,
    EmployeeStatusChange,
    EpisodeKind,
    Gender,
    HealthCode,
    IsolationEpisode,
    ResidenceControl,
    ReturnDecision,
    Transport,
    TravelStop,
)
from fugong.workforce.validation import normalize_phone, parse_id_number

S = EmployeeStatus

# Which status may follow which (SPEC §5). Guards beyond the table: leaving "barred" for anything
# but leave or departure needs a decision that no longer bars; "at work" needs the checks in
# ``work_blockers``; leaving isolation or the buffer zone for "arrived" or "at work" needs the
# episode released.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    S.REGISTERED: {S.EXPECTED, S.ARRIVED, S.AT_WORK, S.ISOLATING, S.BUFFER, S.BARRED, S.ON_LEAVE, S.LEFT},
    S.EXPECTED: {S.REGISTERED, S.ARRIVED, S.BARRED, S.ON_LEAVE, S.LEFT},
    S.ARRIVED: {S.ISOLATING, S.BUFFER, S.AT_WORK, S.BARRED, S.ON_LEAVE, S.LEFT},
    S.ISOLATING: {S.AT_WORK, S.ARRIVED, S.BUFFER, S.BARRED, S.LEFT},
    S.BUFFER: {S.AT_WORK, S.ARRIVED, S.ISOLATING, S.BARRED, S.LEFT},
    S.AT_WORK: {S.ISOLATING, S.BUFFER, S.ON_LEAVE, S.BARRED, S.LEFT},
    S.BARRED: {S.REGISTERED, S.EXPECTED, S.ARRIVED, S.ON_LEAVE, S.LEFT},
    S.ON_LEAVE: {S.REGISTERED, S.EXPECTED, S.ARRIVED, S.AT_WORK, S.ISOLATING, S.BUFFER, S.BARRED, S.LEFT},
    S.LEFT: {S.REGISTERED},
}
EPISODE_STATUS = {EpisodeKind.ISOLATION: S.ISOLATING, EpisodeKind.BUFFER: S.BUFFER}
STATUS_EPISODE = {v: k for k, v in EPISODE_STATUS.items()}

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
# What the return rules read: a change to any of these re-decides the person.
RULE_FIELDS = {
    "left_locality",
    "left_on",
    "destination_code",
    "has_returned",
    "return_from_code",
    "return_date",
    "expected_return_date",
    "has_fever",
    "other_symptoms",
    "residence_control",
    "health_code",
    "residence_region",
    "is_local",
}
# The audit picture: every field people edit, the masked ID number and never the encrypted one.
AUDIT_FIELDS = [
    "enterprise",
    "employee_no",
    "name",
    "id_number_masked",
    "birth_date",
    "gender",
    "phone",
    "native_place",
    "residence_region",
    "residence_address",
    "is_local",
    "department_name",
    "job",
    "grid_unit",
    "dorm_room",
    "shuttle_route",
    "shuttle_seat",
    "left_locality",
    "left_on",
    "destination",
    "destination_code",
    "has_returned",
    "current_city",
    "return_from",
    "return_from_code",
    "return_date",
    "transport",
    "transport_number",
    "expected_return_date",
    "has_fever",
    "other_symptoms",
    "family_health",
    "residence_control",
    "health_code",
    "status",
    "decision",
    "release_date",
    "version",
]
DECISION_FIELDS = ["decision", "decision_reason", "decision_policy_version_id", "release_date"]


class EmployeeConflict(Exception):
    """The file changed after the actor loaded it; saving now would overwrite what they never saw."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


# -- small helpers ----------------------------------------------------------------------------------------


def _label(name: str) -> str:
    return str(Employee._meta.get_field(name).verbose_name)


def _picture(employee) -> dict:
    out = {}
    for name in AUDIT_FIELDS:
        value = getattr(employee, name)
        if hasattr(value, "pk"):
            value = value.pk
        out[name] = value
    return out


ARRANGEMENT_FIELDS = {"grid_unit", "dorm_room", "shuttle_route", "shuttle_seat"}


def _sync_arrangements(actor, employee) -> None:
    """The dated history of where the person lives, rides and works (fugong.arrangements) follows the
    file's current fields, whichever page set them."""
    from fugong.arrangements.services import sync_from_employee

    sync_from_employee(employee, actor)


def _lock(employee_or_pk) -> Employee:
    pk = getattr(employee_or_pk, "pk", employee_or_pk)
    return (
        Employee.objects.select_for_update(of=("self",))
        .select_related("enterprise__town", "residence_region")
        .get(pk=pk)
    )


def is_health_officer(user) -> bool:
    return (
        getattr(user, "role", None) == Role.DEPARTMENT
        and getattr(user, "department", None) is not None
        and user.department.code == "health"
    )


def _check(actor, capability: str, employee=None, enterprise=None) -> None:
    if actor is None:
        return
    if not can(actor, capability):
        raise PermissionDenied(_("您没有执行该操作的权限。"))
    if employee is not None and not Employee.objects.visible_to(actor).filter(pk=employee.pk).exists():
        raise PermissionDenied(_("该员工不在您的管辖范围内。"))
    if enterprise is not None and not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


def may_unmask(user, employee=None) -> bool:
    """Whether ``user``'s work needs the full ID number (see roles.py): the firm, the town, the health
    bureau — and only for people in their scope."""
    if user is None or not can(user, "workforce.unmask"):
        return False
    if user.role == Role.DEPARTMENT and not is_health_officer(user):
        return False
    return employee is None or Employee.objects.visible_to(user).filter(pk=employee.pk).exists()


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


def _duplicate_error(existing) -> ValidationError:
    return ValidationError({"id_number": [_("该身份证号已在本企业登记：%(name)s") % {"name": existing.name}]})


# -- register and update ------------------------------------------------------------------------------------


def register_employee(actor, enterprise, data: dict) -> Employee:
    """A new employee file in ``enterprise``; the return rules are applied at once when a policy covers
    the firm. The same ID number twice in one firm is refused, naming the person already on file."""
    _check(actor, "workforce.edit", enterprise=enterprise)
    if actor is not None and actor.role == Role.ENTERPRISE and actor.enterprise_id != enterprise.pk:
        raise PermissionDenied(_("只能登记本企业的员工。"))
    clean = clean_employee_data(enterprise, dict(data or {}))
    resident = clean["resident"]
    existing = Employee.objects.filter(enterprise=enterprise, id_number_index=resident.index).first()
    if existing is not None:
        raise _duplicate_error(existing)
    employee = Employee(enterprise=enterprise)
    _apply_fields(employee, clean)
    employee.is_local = compute_is_local(enterprise, employee.residence_region, resident.area_code)
    try:
        with transaction.atomic():
            employee.save()
            record(actor, "workforce.register", employee, after=_picture(employee))
            if employee.grid_unit_id or employee.dorm_room_id or employee.shuttle_route_id:
                _sync_arrangements(actor, employee)
            _evaluate_locked(actor, _lock(employee), note=_("建档时判定"))
    except IntegrityError:
        existing = Employee.objects.filter(enterprise=enterprise, id_number_index=resident.index).first()
        if existing is not None:
            raise _duplicate_error(existing) from None
        raise
    return Employee.objects.get(pk=employee.pk)


def _expected_version(value) -> int:
    if value in (None, ""):
        raise ValidationError({"version": [_("缺少版本号，无法确认您修改的是最新内容，请刷新后重试")]})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"version": [_("版本号必须是整数")]}) from None


def _conflict(expected: int, current: int) -> EmployeeConflict:
    return EmployeeConflict(
        _("该员工档案已被他人修改（您打开的是第%(expected)d版，当前为第%(current)d版）。请刷新后核对再修改。")
        % {"expected": expected, "current": current},
        current,
    )


def update_employee(actor, employee, data: dict, expected_version) -> Employee:
    """Change fields of a file still at ``expected_version``; a retried save that already went through
    changes nothing and is not a conflict. A change to anything the return rules read re-decides."""
    _check(actor, "workforce.edit", employee=employee)
    expected = _expected_version(expected_version)
    clean = clean_employee_data(employee.enterprise, dict(data or {}), partial=True)
    with transaction.atomic():
        locked = _lock(employee)
        resident = clean.get("resident")
        if resident is not None and resident.index != locked.id_number_index:
            clash = (
                Employee.objects.filter(enterprise=locked.enterprise, id_number_index=resident.index)
                .exclude(pk=locked.pk)
                .first()
            )
            if clash is not None:
                raise _duplicate_error(clash)
        before = _picture(locked)
        candidate = Employee.objects.get(pk=locked.pk)
        _apply_fields(candidate, dict(clean))
        candidate.is_local = compute_is_local(
            candidate.enterprise, candidate.residence_region, _area_code_of(candidate)
        )
        after = _picture(candidate)
        unchanged = after == before and (resident is None or resident.index == locked.id_number_index)
        if locked.version != expected:
            if expected == locked.version - 1 and unchanged:
                return locked
            raise _conflict(expected, locked.version)
        if unchanged:
            return locked
        _apply_fields(locked, clean)
        locked.is_local = candidate.is_local
        locked.version += 1
        locked.save()
        old, new = diff(before, _picture(locked))
        record(actor, "workforce.update", locked, before=old, after=new)
        if set(new) & ARRANGEMENT_FIELDS:
            _sync_arrangements(actor, locked)
        if set(new) & RULE_FIELDS:
            _evaluate_locked(actor, locked, note=_("档案修改后重新判定"))
    return Employee.objects.get(pk=locked.pk)


def link_account(actor, employee, user) -> Employee:
    """Give the employee their own login (the phone page): an employee account of the same firm."""
    _check(actor, "workforce.edit", employee=employee)
    if user.role != Role.EMPLOYEE or user.enterprise_id != employee.enterprise_id:
        raise ValidationError({"user": [_("「员工账号」须为本企业的员工角色账号")]})
    with transaction.atomic():
        locked = _lock(employee)
        other = Employee.objects.filter(user=user).exclude(pk=locked.pk).first()
        if other is not None:
            raise ValidationError({"user": [_("该账号已关联员工：%(name)s") % {"name": other.name}]})
        before = {"user": locked.user_id}
        locked.user = user
        locked.save(update_fields=["user", "updated_at"])
        record(actor, "workforce.link_account", locked, before=before, after={"user": user.pk})
    return locked


def reveal_id_number(actor, employee) -> str:
    """The clear ID number, for roles whose work needs it; every call is written to the audit log."""
    if not may_unmask(actor, employee):
        raise PermissionDenied(_("您无权查看完整身份证号。"))
    number = crypto.decrypt(
        Employee.objects.values_list("id_number_encrypted", flat=True).get(pk=employee.pk)
    )
    with transaction.atomic():
        record_view(actor, employee, ["id_number"])
    return number


# -- travel -----------------------------------------------------------------------------------------------


def _clean_travel(stops, contacts) -> tuple[list[dict], list[dict]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    clean_stops, clean_contacts = [], []

    def err(key, message):
        errors.setdefault(key, []).append(str(message))

    if not isinstance(stops, list | tuple):
        err("stops", _("「旅居史」须为地点列表"))
        stops = []
    if not isinstance(contacts, list | tuple):
        err("contacts", _("「接触史」须为列表"))
        contacts = []
    for i, stop in enumerate(stops):
        key = f"stops[{i}]"
        if not isinstance(stop, dict):
            err(key, _("第%(n)d条旅居史格式不正确") % {"n": i + 1})
            continue
        row: dict = {}
        try:
            row["region_code"] = normalize_division_code(stop.get("region_code"), _("区划代码"))
        except ValidationError as exc:
            err(f"{key}.region_code", exc.messages[0])
        place = str(stop.get("place") or "").strip()
        if not place:
            err(f"{key}.place", _("第%(n)d条旅居史：「地点」不能为空") % {"n": i + 1})
        elif len(place) > 100:
            err(f"{key}.place", _("第%(n)d条旅居史：「地点」不能超过100字") % {"n": i + 1})
        row["place"] = place
        for name, label in (("from_date", _("起始日期")), ("to_date", _("截止日期"))):
            try:
                row[name] = _travel_day(stop.get(name), label, i, _("旅居史"))
            except ValueError as exc:
                err(f"{key}.{name}", str(exc))
        if row.get("from_date") and row.get("to_date"):
            if row["from_date"] > row["to_date"]:
                err(f"{key}.to_date", _("第%(n)d条旅居史：「截止日期」不能早于「起始日期」") % {"n": i + 1})
            if row["from_date"] > today:
                err(f"{key}.from_date", _("第%(n)d条旅居史：「起始日期」不能晚于今天") % {"n": i + 1})
        clean_stops.append(row)
    for i, contact in enumerate(contacts):
        key = f"contacts[{i}]"
        if not isinstance(contact, dict):
            err(key, _("第%(n)d条接触史格式不正确") % {"n": i + 1})
            continue
        row = {}
        try:
            row["contact_date"] = _travel_day(contact.get("contact_date"), _("接触日期"), i, _("接触史"))
            if row["contact_date"] > today:
                err(f"{key}.contact_date", _("第%(n)d条接触史：「接触日期」不能晚于今天") % {"n": i + 1})
        except ValueError as exc:
            err(f"{key}.contact_date", str(exc))
        text = str(contact.get("description") or "").strip()
        if not text:
            err(f"{key}.description", _("第%(n)d条接触史：「接触情况」不能为空") % {"n": i + 1})
        elif len(text) > 300:
            err(f"{key}.description", _("第%(n)d条接触史：「接触情况」不能超过300字") % {"n": i + 1})
        row["description"] = text
        try:
            row["with_case"] = _parse_bool(contact.get("with_case", False), "has_fever")
        except ValidationError:
            err(
                f"{key}.with_case", _("第%(n)d条接触史：「与确诊/疑似病例接触」须填“是”或“否”") % {"n": i + 1}
            )
        clean_contacts.append(row)
    if errors:
        raise ValidationError(errors)
    return clean_stops, clean_contacts


def _travel_day(value, label, index, what) -> dt.date:
    try:
        day = parse_day(value, "left_on")
    except ValidationError:
        day = None
    if day is None:
        raise ValueError(
            _("第%(n)d条%(what)s：「%(label)s」须为日期，例如 2020-02-10")
            % {"n": index + 1, "what": what, "label": label}
        )
    return day


def set_travel(
    actor, employee, stops: list[dict], contacts: list[dict], *, expected_version=None
) -> Employee:
    """Replace the places visited (14日内旅居史) and the contact history (14日内接触史), then re-decide.

    ``stops``: [{"region_code", "place", "from_date", "to_date"}]; ``contacts``: [{"contact_date",
    "description", "with_case"}]. All or nothing: one bad row refuses the whole list.
    """
    _check(actor, "workforce.edit", employee=employee)
    clean_stops, clean_contacts = _clean_travel(stops, contacts)
    with transaction.atomic():
        locked = _lock(employee)
        if expected_version not in (None, ""):
            expected = _expected_version(expected_version)
            if locked.version != expected:
                raise _conflict(expected, locked.version)
        before = _travel_picture(locked)
        locked.travel_stops.all().delete()
        locked.close_contacts.all().delete()
        TravelStop.objects.bulk_create(TravelStop(employee=locked, **row) for row in clean_stops)
        CloseContact.objects.bulk_create(CloseContact(employee=locked, **row) for row in clean_contacts)
        after = _travel_picture(locked)
        if after != before:
            locked.version += 1
            locked.save(update_fields=["version", "updated_at"])
            record(actor, "workforce.travel", locked, before=before, after=after)
            _evaluate_locked(actor, locked, note=_("旅居史/接触史修改后重新判定"))
    return Employee.objects.get(pk=locked.pk)


def _travel_picture(employee) -> dict:
    return {
        "stops": [
            {"region_code": s.region_code, "place": s.place, "from_date": s.from_date, "to_date": s.to_date}
            for s in employee.travel_stops.order_by("from_date", "pk")
        ],
        "contacts": [
            {"contact_date": c.contact_date, "description": c.description, "with_case": c.with_case}
            for c in employee.close_contacts.order_by("contact_date", "pk")
        ],
    }


# -- status -------------------------------------------------------------------------------------------------


def _open_episode(employee) -> IsolationEpisode | None:
    return employee.episodes.filter(released_at__isnull=True).order_by("-started_on", "-pk").first()


def _arrival_day(employee) -> dt.date | None:
    return employee.return_date


def _buffer_passed(employee) -> bool:
    arrival = _arrival_day(employee)
    qs = employee.episodes.filter(kind=EpisodeKind.BUFFER, released_at__isnull=False)
    if arrival is not None:
        qs = qs.filter(started_on__gte=arrival)
    return qs.exists()


def work_blockers(employee, today: dt.date | None = None) -> list[str]:
    """Why ``employee`` may not be set to work today (empty when they may)."""
    today = today or timezone.localdate()
    out = []
    if employee.decision == ReturnDecision.BARRED:
        out.append(_("暂不得返岗：%(why)s") % {"why": employee.decision_reason or _("返岗判定为暂不得返岗")})
    episode = _open_episode(employee)
    if episode is not None:
        if episode.kind == EpisodeKind.BUFFER:
            out.append(_("正在缓冲区待检，须核酸检测阴性并解除后方可上岗"))
        elif episode.planned_end:
            out.append(_("须于%(date)s解除隔离后方可上岗") % {"date": rules.cn_date(episode.planned_end)})
        else:
            out.append(_("正在隔离观察，须解除隔离后方可上岗"))
    if employee.release_date and employee.release_date > today:
        message = _("须于%(date)s解除隔离后方可上岗") % {"date": rules.cn_date(employee.release_date)}
        if message not in out:
            out.append(message)
    if (
        employee.decision == ReturnDecision.ISOLATE
        and employee.release_date is None
        and episode is None
        and _served_release(employee, _arrival_day(employee)) is None
    ):
        out.append(_("须隔离观察（政策未规定隔离天数），解除隔离后方可上岗"))
    if employee.decision == ReturnDecision.BUFFER and episode is None and not _buffer_passed(employee):
        out.append(_("须先进入缓冲区，核酸检测阴性后方可上岗"))
    # 停工停产: nobody under an active seal is set to work until it is lifted.
    from fugong.incidents.seals import seal_reason_for

    sealed = seal_reason_for(employee)
    if sealed:
        out.append(sealed)
    return out


def _status_error(message) -> ValidationError:
    return ValidationError({"status": [message]})


def _transition(actor, locked, new_status, reason, source="", *, today=None) -> Employee:
    """The one place ``status`` is written: table, guards, episode side effects, history and audit."""
    today = today or timezone.localdate()
    old = locked.status
    old_label, new_label = EmployeeStatus(old).label, EmployeeStatus(new_status).label
    if new_status == old:
        raise _status_error(_("该员工当前已是「%(status)s」") % {"status": old_label})
    if new_status == S.AT_WORK:
        # Why the person may not work says more than which statuses may follow theirs.
        blockers = work_blockers(locked, today)
        if blockers:
            raise _status_error(
                _("%(name)s不能上岗：%(why)s") % {"name": locked.name, "why": "；".join(blockers)}
            )
    if new_status not in STATUS_TRANSITIONS[old]:
        allowed = "、".join(
            str(EmployeeStatus(s).label) for s in EmployeeStatus.values if s in STATUS_TRANSITIONS[old]
        )
        raise _status_error(
            _("员工状态不能从「%(old)s」变更为「%(new)s」，只能变更为：%(allowed)s")
            % {"old": old_label, "new": new_label, "allowed": allowed}
        )
    if (
        old == S.BARRED
        and new_status not in (S.ON_LEAVE, S.LEFT)
        and locked.decision == ReturnDecision.BARRED
    ):
        raise _status_error(
            _("该员工暂不得返岗（%(why)s），须重新判定不再属于暂缓返岗情形后方可变更")
            % {"why": locked.decision_reason}
        )
    episode = _open_episode(locked)
    if new_status == S.ARRIVED and episode is not None:
        raise _status_error(_("该员工正在「%(kind)s」，须先解除") % {"kind": episode.get_kind_display()})
    # Into isolation or the buffer zone: an open episode of that kind must exist, so open one.
    wanted = STATUS_EPISODE.get(new_status)
    if episode is not None and (wanted is None or episode.kind != wanted):
        if new_status not in (S.BARRED, S.LEFT, S.ISOLATING, S.BUFFER):
            raise _status_error(_("该员工正在「%(kind)s」，须先解除") % {"kind": episode.get_kind_display()})
        # Barred, gone, or moved to the other kind: the episode ends here, with the reason.
        episode.released_at = timezone.now()
        episode.released_by = actor if getattr(actor, "pk", None) else None
        episode.release_note = (_("因状态变更为「%(s)s」结束：%(r)s") % {"s": new_label, "r": reason})[:300]
        episode.save(update_fields=["released_at", "released_by", "release_note"])
        record(
            actor,
            "workforce.episode.end",
            episode,
            after={"released_at": episode.released_at, "note": episode.release_note},
        )
        episode = None
    if wanted is not None and episode is None:
        _create_episode(actor, locked, wanted, today, None, reason, "", today=today)

    now = timezone.now()
    locked.status = new_status
    locked.status_changed_at = now
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    EmployeeStatusChange.objects.create(
        employee=locked,
        from_status=old,
        to_status=new_status,
        reason=reason[:500],
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )
    record(
        actor,
        "workforce.status",
        locked,
        before={"status": old},
        after={"status": new_status, "source": source},
        note=reason,
    )
    return locked


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("「变更原因」不能为空")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("「变更原因」不能超过500字")]})
    return reason


def change_status(actor, employee, new_status, reason, *, source: str = "") -> Employee:
    """The only writer of ``Employee.status`` (SPEC §5), checked against STATUS_TRANSITIONS.

    Refuses "at work" while an isolation or buffer episode is open, before the release date
    ("须于2020年2月24日解除隔离后方可上岗"), before a required buffer test, or when the decision bars
    the person. ``source`` names the workflow that decided the change ("checkpoint", "pre_report" …);
    such a workflow carries its own authority, so the actor's manual capability is not asked for.
    """
    if not source:
        _check(actor, "workforce.status", employee=employee)
    if new_status not in EmployeeStatus.values:
        raise _status_error(_("无效的员工状态：%(value)s") % {"value": new_status})
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _lock(employee)
        if new_status == S.AT_WORK and not locked.decision:
            # Nobody skips the rules: a file never decided is decided now.
            _store_evaluation(actor, locked, _safe_evaluate(locked), note=_("上岗前判定"))
        if new_status == S.ARRIVED and locked.return_date is None:
            before = {"return_date": None, "has_returned": locked.has_returned}
            locked.return_date = timezone.localdate()
            locked.has_returned = True
            locked.save(update_fields=["return_date", "has_returned", "updated_at"])
            record(
                actor,
                "workforce.update",
                locked,
                before=before,
                after={"return_date": locked.return_date, "has_returned": True},
                note=reason,
            )
        _transition(actor, locked, new_status, reason, source)
        if new_status == S.ARRIVED:
            _evaluate_locked(actor, locked, note=_("抵达时判定"))
    return Employee.objects.get(pk=locked.pk)


# -- the return decision --------------------------------------------------------------------------------------


def _safe_evaluate(employee, resolver: PolicyResolver | None = None):
    """The evaluation, or None when no policy covers the firm's town on the day (nothing to apply)."""
    on_date = rules.evaluation_date(employee)
    try:
        policy = (resolver or PolicyResolver()).policy_for(employee.enterprise.town, on_date)
    except NoPolicyError:
        return None
    return rules.evaluate_return(employee, on_date, policy)


def _served_release(employee, arrival: dt.date | None) -> dt.date | None:
    """The day an isolation for this return was released, when it was (early release by the health
    bureau stands: a re-decision must not put the person back)."""
    qs = employee.episodes.filter(kind=EpisodeKind.ISOLATION, released_at__isnull=False)
    if arrival is not None:
        qs = qs.filter(started_on__gte=arrival)
    episode = qs.order_by("-released_at").first()
    return timezone.localdate(episode.released_at) if episode is not None else None


def _store_evaluation(actor, locked, evaluation, note="") -> bool:
    """Write the decision fields; True when they changed."""
    if evaluation is None:
        return False
    release = evaluation.release_date
    served = _served_release(locked, _arrival_day(locked))
    if release is not None and served is not None and served < release:
        release = served
    before = {name: getattr(locked, name) for name in DECISION_FIELDS}
    locked.decision = evaluation.decision
    locked.decision_reason = evaluation.reason_text
    locked.decision_policy_version_id = evaluation.policy_version_id
    locked.release_date = release
    after = {name: getattr(locked, name) for name in DECISION_FIELDS}
    if after == before:
        return False
    locked.decided_at = timezone.now()
    locked.save(update_fields=[*DECISION_FIELDS, "decided_at", "updated_at"])
    old, new = diff(before, after)
    record(actor, "workforce.evaluate", locked, before=old, after=new, note=note)
    return True


def _follow_decision(actor, locked, today=None) -> None:
    """Move the status where the decision sends the person (see the module docstring)."""
    today = today or timezone.localdate()
    decision, status = locked.decision, locked.status
    reason = (locked.decision_reason or "")[:500]
    if status == S.LEFT or not decision:
        return
    if decision == ReturnDecision.BARRED:
        if status != S.BARRED:
            _transition(actor, locked, S.BARRED, reason, "evaluation", today=today)
        return
    if status == S.BARRED:
        target = (
            S.EXPECTED if locked.pre_reports.filter(expected_arrival__gte=today).exists() else S.REGISTERED
        )
        _transition(
            actor,
            locked,
            target,
            _("重新判定后不再属于暂缓返岗情形：%(r)s") % {"r": reason},
            "evaluation",
            today=today,
        )
        return
    episode = _open_episode(locked)
    # An isolation the policy sets no period for (no release date) lasts until it is released.
    if decision == ReturnDecision.ISOLATE and (locked.release_date is None or locked.release_date > today):
        if episode is not None and episode.kind == EpisodeKind.ISOLATION:
            if locked.release_date is not None and (
                episode.planned_end is None or episode.planned_end < locked.release_date
            ):
                old = episode.planned_end
                episode.planned_end = locked.release_date
                episode.save(update_fields=["planned_end"])
                record(
                    actor,
                    "workforce.episode.extend",
                    episode,
                    before={"planned_end": old},
                    after={"planned_end": episode.planned_end},
                    note=reason,
                )
        elif (
            status in (S.ARRIVED, S.AT_WORK, S.BUFFER)
            and _served_release(locked, _arrival_day(locked)) is None
        ):
            started = locked.return_date if status == S.ARRIVED and locked.return_date else today
            if episode is not None:
                _transition(actor, locked, S.ISOLATING, reason, "evaluation", today=today)
                episode = _open_episode(locked)
                episode.started_on, episode.planned_end = started, locked.release_date
                episode.save(update_fields=["started_on", "planned_end"])
            else:
                _create_episode(
                    actor,
                    locked,
                    EpisodeKind.ISOLATION,
                    started,
                    None,
                    reason,
                    "",
                    planned_end=locked.release_date,
                    today=today,
                )
                _transition(actor, locked, S.ISOLATING, reason, "evaluation", today=today)
        return
    if (
        decision == ReturnDecision.BUFFER
        and status == S.ARRIVED
        and episode is None
        and not _buffer_passed(locked)
    ):
        _create_episode(
            actor, locked, EpisodeKind.BUFFER, locked.return_date or today, None, reason, "", today=today
        )
        _transition(actor, locked, S.BUFFER, reason, "evaluation", today=today)


def _evaluate_locked(actor, locked, note="", resolver=None) -> None:
    evaluation = _safe_evaluate(locked, resolver)
    if evaluation is None:
        return
    _store_evaluation(actor, locked, evaluation, note=note)
    _follow_decision(actor, locked)


def apply_evaluation(actor, employee, *, resolver: PolicyResolver | None = None, note: str = "") -> Employee:
    """Decide again from the file and the policy, store the decision, its reasons, the policy version
    and the release date, and move the status: arrived + isolate → isolating (an episode from the
    arrival day to the release date); arrived + buffer → buffer zone; barred → barred; barred but no
    longer → back to registered/expected. Raises ValidationError when no policy covers the firm."""
    _check(actor, "workforce.status", employee=employee)
    with transaction.atomic():
        locked = _lock(employee)
        evaluation = _safe_evaluate(locked, resolver)
        if evaluation is None:
            raise ValidationError(
                {
                    "policy": [
                        _("「%(town)s」在 %(date)s 没有生效的防控政策，无法判定返岗")
                        % {
                            "town": locked.enterprise.town.name,
                            "date": format_date(rules.evaluation_date(locked)),
                        }
                    ]
                }
            )
        _store_evaluation(actor, locked, evaluation, note=note or _("重新判定"))
        _follow_decision(actor, locked)
    return Employee.objects.get(pk=locked.pk)


def record_arrival_at_plant(actor, employee, arrived_on=None, reason: str = "") -> Employee:
    """The firm receives a returner at the plant on ``arrived_on`` — by default the return date on file,
    else today: the return date is set, the status becomes "arrived", and the rules send them into
    isolation or the buffer zone (counted from that date)."""
    _check(actor, "workforce.status", employee=employee)
    day = parse_day(arrived_on, "return_date") if arrived_on else None
    if day is not None and day > timezone.localdate():
        raise ValidationError({"return_date": [_("「返回时间」不能晚于今天")]})
    with transaction.atomic():
        locked = _lock(employee)
        day = day or locked.return_date or timezone.localdate()
        if locked.return_date != day:
            before = {"return_date": locked.return_date, "has_returned": locked.has_returned}
            locked.return_date, locked.has_returned = day, True
            locked.save(update_fields=["return_date", "has_returned", "updated_at"])
            record(
                actor,
                "workforce.update",
                locked,
                before=before,
                after={"return_date": day, "has_returned": True},
            )
        return change_status(actor, locked, S.ARRIVED, reason or _("企业接收返岗人员"), source="plant")


# -- isolation and the buffer zone -----------------------------------------------------------------------------


def _isolation_days(employee, on_date) -> int | None:
    """The isolation period the policy in force sets, or None: then an isolation has no planned end
    and lasts until it is released."""
    evaluation_policy = PolicyResolver().find(employee.enterprise.town, on_date)
    return evaluation_policy.parameters.isolation_days_out_of_region if evaluation_policy else None


def _create_episode(
    actor, locked, kind, started_on, place, reason, place_note, *, planned_end=None, today=None
):
    if kind == EpisodeKind.ISOLATION and planned_end is None:
        days = _isolation_days(locked, started_on)
        planned_end = started_on + dt.timedelta(days=days) if days is not None else None
        if (
            locked.decision == ReturnDecision.ISOLATE
            and locked.release_date
            and (planned_end is None or locked.release_date > planned_end)
        ):
            planned_end = locked.release_date
    episode = IsolationEpisode.objects.create(
        employee=locked,
        kind=kind,
        started_on=started_on,
        planned_end=planned_end if kind == EpisodeKind.ISOLATION else None,
        place=place,
        place_note=place_note[:200],
        reason=reason[:500],
    )
    record(
        actor,
        "workforce.episode.start",
        episode,
        after={
            "employee": locked.pk,
            "kind": kind,
            "started_on": started_on,
            "planned_end": episode.planned_end,
            "place": getattr(place, "pk", None),
            "place_note": place_note,
        },
        note=reason,
    )
    if (
        kind == EpisodeKind.ISOLATION
        and episode.planned_end is not None
        and (locked.release_date is None or locked.release_date < episode.planned_end)
    ):
        before = locked.release_date
        locked.release_date = episode.planned_end
        locked.save(update_fields=["release_date", "updated_at"])
        record(
            actor,
            "workforce.release_date",
            locked,
            before={"release_date": before},
            after={"release_date": locked.release_date},
        )
    return episode


def start_episode(
    actor, employee, kind, started_on, place=None, reason: str = "", *, place_note: str = ""
) -> IsolationEpisode:
    """Open an isolation (planned end = start + the policy's isolation days) or a buffer episode (no
    planned end: it ends with a negative test) and move the person into it."""
    _check(actor, "workforce.isolation", employee=employee)
    if kind not in EpisodeKind.values:
        raise ValidationError(
            {
                "kind": [
                    _("「类型」无效，可选：%(opts)s")
                    % {"opts": "、".join(str(x) for x in EpisodeKind.labels)}
                ]
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("「原因」不能为空")]})
    day = parse_day(started_on, "return_date") if started_on not in (None, "") else timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"started_on": [_("「开始日期」不能晚于今天")]})
    with transaction.atomic():
        locked = _lock(employee)
        if place not in (None, ""):
            place = IsolationRoom.objects.filter(
                pk=getattr(place, "pk", place), enterprise=locked.enterprise
            ).first()
            if place is None:
                raise ValidationError({"place": [_("「隔离地点」须为本企业登记的隔离室或固定观察点")]})
        else:
            place = None
        open_one = _open_episode(locked)
        if open_one is not None:
            raise ValidationError(
                {
                    "kind": [
                        _("该员工已在「%(kind)s」（%(d)s起），请先解除")
                        % {"kind": open_one.get_kind_display(), "d": format_date(open_one.started_on)}
                    ]
                }
            )
        if locked.status in (S.LEFT, S.EXPECTED, S.BARRED):
            raise ValidationError(
                {
                    "status": [
                        _("员工当前为「%(s)s」，不能开始隔离或缓冲") % {"s": locked.get_status_display()}
                    ]
                }
            )
        episode = _create_episode(actor, locked, kind, day, place, reason, place_note)
        target = EPISODE_STATUS[kind]
        if locked.status != target:
            _transition(actor, locked, target, reason, "episode")
    return episode


def release_episode(actor, episode, note: str = "", *, nucleic_negative_at=None) -> IsolationEpisode:
    """End an episode. A buffer needs a negative nucleic result; an isolation ends on its
    planned day, earlier only by the health bureau. Then the person goes to work if nothing else stops
    them, otherwise back to "arrived"."""
    _check(actor, "workforce.isolation", employee=episode.employee)
    if actor is not None and actor.role == Role.DEPARTMENT and not is_health_officer(actor):
        raise PermissionDenied(_("只有卫生健康部门可以解除隔离。"))
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": [_("「解除说明」不能超过200字")]})
    today = timezone.localdate()
    with transaction.atomic():
        locked = _lock(episode.employee_id)
        current = IsolationEpisode.objects.select_for_update().get(pk=episode.pk)
        if current.released_at is not None:
            # A retried release changes nothing.
            return current
        details = {}
        if current.kind == EpisodeKind.BUFFER:
            if nucleic_negative_at in (None, ""):
                raise ValidationError(
                    {"nucleic_negative_at": [_("「核酸阴性时间」不能为空：缓冲区人员须核酸检测阴性方可返岗")]}
                )
            moment = nucleic_negative_at
            if isinstance(moment, str):
                from django.utils.dateparse import parse_datetime

                parsed = parse_datetime(moment.strip())
                if parsed is None:
                    day = parse_day(moment, "return_date")
                    parsed = dt.datetime.combine(day, dt.time.min)
                moment = parsed
            elif isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
                moment = dt.datetime.combine(moment, dt.time.min)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            if timezone.localdate(moment) < current.started_on:
                raise ValidationError(
                    {"nucleic_negative_at": [_("「核酸阴性时间」不能早于进入缓冲区的日期")]}
                )
            if moment > timezone.now() + dt.timedelta(minutes=10):
                raise ValidationError({"nucleic_negative_at": [_("「核酸阴性时间」不能晚于现在")]})
            details["nucleic_negative_at"] = moment
            text = _("核酸检测阴性（%(at)s）") % {"at": format_datetime(moment)}
        else:
            early = current.planned_end is not None and today < current.planned_end
            if early and not (actor is not None and is_health_officer(actor)):
                raise ValidationError(
                    {
                        "planned_end": [
                            _("隔离观察未满，计划于%(date)s解除；提前解除须由卫生健康部门决定")
                            % {"date": rules.cn_date(current.planned_end)}
                        ]
                    }
                )
            text = _("卫生健康部门决定提前解除隔离") if early else _("隔离观察期满解除")
        current.released_at = timezone.now()
        current.released_by = actor if getattr(actor, "pk", None) else None
        current.release_note = "；".join(x for x in (text, note) if x)[:300]
        current.save(update_fields=["released_at", "released_by", "release_note"])
        record(
            actor,
            "workforce.episode.release",
            current,
            before={"released_at": None},
            after={"released_at": current.released_at, "release_note": current.release_note, **details},
            note=current.release_note,
        )
        if current.kind == EpisodeKind.ISOLATION and locked.release_date and locked.release_date > today:
            # The health bureau's early release brings the release date forward, or work stays blocked.
            before = locked.release_date
            locked.release_date = today
            locked.save(update_fields=["release_date", "updated_at"])
            record(
                actor,
                "workforce.release_date",
                locked,
                before={"release_date": before},
                after={"release_date": today},
                note=current.release_note,
            )
        if locked.status == EPISODE_STATUS[current.kind] and _open_episode(locked) is None:
            if work_blockers(locked, today):
                _transition(actor, locked, S.ARRIVED, current.release_note, "episode")
            else:
                _transition(actor, locked, S.AT_WORK, current.release_note, "episode")
    return current


def reevaluate(employee_or_pk, *, resolver: PolicyResolver | None = None, note: str = "") -> Employee | None:
    """Re-decide one person on the system's authority (risk areas changed); nothing when the file is
    gone or no policy covers the firm."""
    with transaction.atomic():
        try:
            locked = _lock(employee_or_pk)
        except Employee.DoesNotExist:
            return None
        _evaluate_locked(
            None, locked, note=note or _("风险地区或不得返岗地区调整后重新判定"), resolver=resolver
        )
    return locked
