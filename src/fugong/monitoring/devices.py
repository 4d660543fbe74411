"""Device tokens: a temperature gate or a lab system posts batches for one firm without a person's login.

The token is shown once when issued; only its SHA-256 is stored. A request carries it as
``Authorization: Device <token>``; the principal it authenticates has no role, so it reaches nothing but
the endpoints that look for ``request.auth`` being a :class:`Device` (the batch endpoints), and only for
that device's firm.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from fugong.accounts.roles import can
from fugong.audit.services import record
from fugong.enterprises.models import Enterprise
from fugong.monitoring.models import Device, DeviceKind

TOKEN_PREFIX = "fgd_"
KEYWORD = "Device"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check(actor, enterprise) -> None:
    if not can(actor, "monitoring.device"):
        raise PermissionDenied(_("您没有执行该操作的权限。"))
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


def issue_device(actor, enterprise, name: str, kind: str) -> tuple[Device, str]:
    """Register a device for ``enterprise``; answers (device, token). The token is not kept."""
    _check(actor, enterprise)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("「设备名称」不能为空")]
    elif len(name) > 60:
        errors["name"] = [_("「设备名称」不能超过60个字")]
    if kind not in DeviceKind.values:
        errors["kind"] = [_("「设备类型」无效")]
    if errors:
        raise ValidationError(errors)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            device = Device.objects.create(
                enterprise=enterprise,
                name=name,
                kind=kind,
                token_hash=hash_token(token),
                token_prefix=token[: len(TOKEN_PREFIX) + 4],
                created_by=actor,
            )
            record(actor, "monitoring.device.issue", device, after={"name": name, "kind": kind})
    except IntegrityError:
        raise ValidationError({"name": [_("本企业已有同名设备")]}) from None
    return device, token


def revoke_device(actor, device: Device) -> Device:
    _check(actor, device.enterprise)
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if not locked.is_active:
            raise ValidationError({"is_active": [_("该设备已停用")]})
        locked.is_active = False
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["is_active", "revoked_at"])
        record(actor, "monitoring.device.revoke", locked, after={"is_active": False})
    return locked


def device_for_token(token: str) -> Device | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    return (
        Device.objects.select_related("enterprise__town")
        .filter(token_hash=hash_token(token), is_active=True)
        .first()
    )


class DevicePrincipal:
    """``request.user`` for a device: authenticated, but with no role and so no capability or scope."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    role = None
    region_id = department_id = enterprise_id = None
    pk = id = None

    def __init__(self, device: Device):
        self.device = device

    def __str__(self) -> str:
        return f"device:{self.device.pk}"


class DeviceAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="ignore") != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("设备令牌格式无效"))
        device = device_for_token(header[1].decode(errors="ignore"))
        if device is None:
            raise exceptions.AuthenticationFailed(_("设备令牌无效或已停用"))
        now = timezone.now()
        if device.last_used_at is None or now - device.last_used_at > timedelta(minutes=1):
            Device.objects.filter(pk=device.pk).update(last_used_at=now)
        return DevicePrincipal(device), device

    def authenticate_header(self, request):
        return KEYWORD


def request_device(request) -> Device | None:
    """The device a request was authenticated as, if any."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Device) else None
