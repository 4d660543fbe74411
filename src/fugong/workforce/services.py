"""Every write to employee files (SPEC §5, §11): checked, atomic, locked, audited.

Each function checks the actor (``actor=None`` is the system — the roster import, the demo loader, a
re-evaluation task — acting on its own authority), then in one transaction locks the employee row
(``select_for_update``), writes, and appends the audit entry. Errors: Django ``ValidationError`` with
{field: [Chinese message naming the field and the rule]}; ``PermissionDenied`` for acts outside the
actor's role or scope; ``EmployeeConflict`` (``guards``) when the file changed since the actor loaded it
(the API answers 409).

The resident ID number is stored only encrypted (``id_number_encrypted``), with a keyed hash to find it
(``id_number_index``) and the masked form to show (``id_number_masked``). The clear number never goes
into an audit entry, a log line or an error message; ``reveal_id_number`` is the one way to read it
and writes a view entry every time.

The other writes to the file follow the same rules in their own modules: ``travel`` (travel and contact
history) and ``episodes`` (isolation and the buffer zone). ``change_status`` drives the status machine
in ``status``; ``apply_evaluation`` and ``reevaluate`` the return decision in ``decisions``.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role
from fugong.audit.services import diff, record, record_view
from fugong.core import crypto
from fugong.core.dates import format_date
from fugong.policy.selectors import PolicyResolver
from fugong.workforce import rules
from fugong.workforce.cleaning import (
    _apply_fields,
    _area_code_of,
    clean_employee_data,
    compute_is_local,
    parse_day,
)
from fugong.workforce.decisions import _evaluate_locked, _follow_decision, _safe_evaluate, _store_evaluation
from fugong.workforce.guards import _check, _conflict, _expected_version, _lock, may_unmask
from fugong.workforce.models import Employee, EmployeeStatus
from fugong.workforce.status import _status_error, _transition

S = EmployeeStatus


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
