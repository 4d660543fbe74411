"""Writing users: creation with scope rules, (de)activation and password changes, each audited."""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fugong.accounts.models import User
from fugong.accounts.roles import ENTERPRISE_ROLES, Role, can
from fugong.accounts.selectors import manageable_users
from fugong.audit.services import diff, record, snapshot
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region, RegionLevel

# Which levels of region each region-scoped role may be given (SPEC §1).
ROLE_REGION_LEVELS: dict[str, set[int]] = {
    Role.TASK_FORCE: {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY},
    Role.DEPARTMENT: {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY},
    Role.INSPECTOR: {RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN},
    Role.TOWN: {RegionLevel.TOWN},
    Role.GRID_WORKER: {RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.GRID},
}
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
AUDIT_FIELDS = [
    "username",
    "full_name",
    "phone",
    "role",
    "region",
    "department",
    "enterprise",
    "assigned_enterprises",
    "is_active",
]


def _not_found_enterprise(uscc: str) -> str:
    # One message for "missing" and "foreign" so the form does not reveal which firms exist elsewhere.
    return _("未找到统一社会信用代码为 %(uscc)s 的企业，或该企业不在您的管辖范围内。") % {"uscc": uscc}


def _check_scope(actor, role, region, department, enterprise, assigned) -> dict:
    """Errors per field for a scope the actor may not hand out."""
    errors: dict[str, list[str]] = {}
    visible = Enterprise.objects.visible_to(actor)
    role_label = Role(role).label
    if role in ROLE_REGION_LEVELS:
        if region is None:
            errors["region"] = [_("角色“%(role)s”必须指定管辖区域。") % {"role": role_label}]
        elif not actor.region.contains(region):
            errors["region"] = [_("管辖区域必须在您的管辖范围（%(mine)s）之内。") % {"mine": actor.region}]
        elif region.level not in ROLE_REGION_LEVELS[role]:
            levels = "、".join(str(RegionLevel(lv).label) for lv in sorted(ROLE_REGION_LEVELS[role]))
            errors["region"] = [
                _("角色“%(role)s”的管辖区域应为：%(levels)s；“%(region)s”是%(level)s。")
                % {
                    "role": role_label,
                    "levels": levels,
                    "region": region,
                    "level": region.get_level_display(),
                }
            ]
    if role == Role.DEPARTMENT and department is None:
        errors["department"] = [_("部门人员必须指定所属部门。")]
    if role in ENTERPRISE_ROLES:
        if enterprise is None:
            errors["enterprise"] = [_("企业角色必须指定所属企业。")]
        elif not visible.filter(pk=enterprise.pk).exists():
            errors["enterprise"] = [_not_found_enterprise(enterprise.uscc)]
    if role == Role.GRID_WORKER and region is not None and "region" not in errors:
        visible_ids = set(visible.filter(pk__in=[e.pk for e in assigned]).values_list("pk", flat=True))
        for firm in assigned:
            if firm.pk not in visible_ids:
                errors.setdefault("assigned_enterprises", []).append(_not_found_enterprise(firm.uscc))
            elif not (firm.town.contains(region) or region.contains(firm.town)):
                errors.setdefault("assigned_enterprises", []).append(
                    _("企业“%(firm)s”位于%(town)s，不在该网格员的区域“%(region)s”内。")
                    % {"firm": firm, "town": firm.town, "region": region}
                )
    return errors


@transaction.atomic
def create_user(
    actor,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    phone: str = "",
    region: Region | None = None,
    department=None,
    enterprise: Enterprise | None = None,
    assigned_enterprises=(),
) -> User:
    """A new account whose scope lies inside the actor's; raises ValidationError naming each bad field."""
    if not can(actor, "user.manage") or not actor.is_active or actor.region_id is None:
        raise PermissionDenied(_("您没有管理用户的权限。"))
    if role not in Role.values:
        raise ValidationError({"role": _("请选择有效的角色。")})
    # Keep only the scope fields the role uses, so a stray form value never widens a scope.
    if role not in ROLE_REGION_LEVELS:
        region = None
    if role != Role.DEPARTMENT:
        department = None
    if role not in ENTERPRISE_ROLES:
        enterprise = None
    assigned = list(assigned_enterprises) if role == Role.GRID_WORKER else []

    errors = _check_scope(actor, role, region, department, enterprise, assigned)
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        errors.setdefault("phone", []).append(_("手机号格式不正确：应为 11 位手机号或带区号的固定电话。"))
    user = User(
        username=(username or "").strip(),
        full_name=(full_name or "").strip(),
        phone=phone,
        role=role,
        region=region,
        department=department,
        enterprise=enterprise,
    )
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        # The model repeats some scope rules in its own words; the more specific message above wins.
        for field, messages in exc.message_dict.items():
            if field not in errors:
                errors[field] = messages
    if errors:
        raise ValidationError(errors)
    user.save()
    if assigned:
        user.assigned_enterprises.set(assigned)
    record(actor, "accounts.user.create", user, after=snapshot(user, AUDIT_FIELDS))
    return user


@transaction.atomic
def set_active(actor, target: User, active: bool, reason: str = "") -> User:
    """Deactivate (or reactivate) an account the actor manages; a deactivated user can no longer log in."""
    if not manageable_users(actor).filter(pk=target.pk).exists():
        raise PermissionDenied(_("该用户不在您的管理范围内。"))
    if target.pk == actor.pk:
        raise ValidationError({"is_active": _("不能停用自己的账户。")})
    target = User.objects.select_for_update().get(pk=target.pk)
    if target.is_active == active:
        return target
    before = snapshot(target, ["is_active"])
    target.is_active = active
    target.save(update_fields=["is_active"])
    action = "accounts.user.activate" if active else "accounts.user.deactivate"
    record(actor, action, target, before=before, after=snapshot(target, ["is_active"]), note=reason)
    return target


@transaction.atomic
def change_password(user: User, new_password: str) -> None:
    """The caller has checked the old password and validated the new one (PasswordChangeForm)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Hashes never go into the log; that the change happened is what matters.
    record(user, "accounts.user.password_change", user)


def update_profile(user: User, *, full_name: str, phone: str) -> User:
    """Own name and phone; the role and scope are the task force's to change."""
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationError({"phone": _("手机号格式不正确：应为 11 位手机号或带区号的固定电话。")})
    with transaction.atomic():
        before = snapshot(user, ["full_name", "phone"])
        user.full_name = (full_name or "").strip()
        user.phone = phone
        user.save(update_fields=["full_name", "phone"])
        old, new = diff(before, snapshot(user, ["full_name", "phone"]))
        if new:
            record(user, "accounts.user.profile_update", user, before=old, after=new)
    return user
