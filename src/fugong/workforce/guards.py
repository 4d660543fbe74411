"""What every write to an employee file goes through before it changes anything: the actor's
capability and scope (``actor=None`` is the system acting on its own authority), the row lock, and the
version the actor saw (``EmployeeConflict``, which the API answers with 409).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role, can
from fugong.enterprises.models import Enterprise
from fugong.workforce.models import Employee


class EmployeeConflict(Exception):
    """The file changed after the actor loaded it; saving now would overwrite what they never saw."""

    def __init__(self, message: str, current_version: int):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


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
