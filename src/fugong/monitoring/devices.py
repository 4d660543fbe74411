"""Device tokens: a temperature gate or a lab system posts batches for one firm without a person's login.

The token is shown once when issued; only its SHA-256 is stored. A request carries it as
``Authorization: Device <token>``; the principal it authenticates has no role, so it reaches nothing but
the endpoints that look for ``request.auth`` being a :class:`Device` (the batch endpoints), and only for
that device's firm. Authentication itself refuses the token (403) on any viewset action not listed in the
view's ``device_actions`` (default: ``("batch",)``).
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
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


DEFAULT_DEVICE_ACTIONS = ("batch",)


def accepts_device(view) -> bool:
    """Whether ``view`` takes a device token: its action is listed in the viewset's ``device_actions``
    (by default only an action named ``batch``). Any other endpoint refuses a device outright, so a
    leaked gate token can never read a list, even one that would come back empty."""
    action = getattr(view, "action", None)
    return action is not None and action in getattr(view, "device_actions", DEFAULT_DEVICE_ACTIONS)


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
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if not accepts_device(view):
            raise exceptions.PermissionDenied(_("设备令牌只能用于批量上传接口"))
        now = timezone.now()
        if device.last_used_at is None or now - device.last_used_at > timedelta(minutes=1):
            Device.objects.filter(pk=device.pk).update(last_used_at=now)
        return DevicePrincipal(device), device

    def authenticate_header(self, request):
        return KEYWORD


class DeviceChallengeMixin:
    """For the views that take a device token: a bad or revoked token answers 401 with a ``Device``
    challenge (DRF would otherwise answer 403, because session authentication comes first)."""

    def get_authenticate_header(self, request):
        header = authentication.get_authorization_header(request).split()
        if header and header[0] == KEYWORD.encode():
            return KEYWORD
        return super().get_authenticate_header(request)


def request_device(request) -> Device | None:
    """The device a request was authenticated as, if any."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Device) else None


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    """Documents the device token in /api/schema/ (and keeps drf-spectacular from warning about it)."""

    target_class = "fugong.monitoring.devices.DeviceAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "设备令牌：Authorization: Device <token>（仅用于批量上传接口）",
        }
