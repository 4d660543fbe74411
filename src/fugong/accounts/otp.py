"""Second factor for officers (issue 11, item 2): a time-based code from an authenticator app (django-otp's
TOTPDevice), where the policy asks for it and wherever an officer chooses it.

- Any officer (the region roles and grid workers; not a firm's staff) may enrol on 我的账户; the roles in
  ``OTP_REQUIRED_ROLES`` must, and are kept on the enrolment page until they have. Unset, nobody must.
- Login: the password alone never logs in an account with a confirmed device. ``LoginView`` parks the
  checked account in the session (``begin_pending``) and the 输入验证码 step (``finish_pending``) logs it
  in only with a right code, marking the session verified (``django_otp.login``).
- Wrong codes count toward the login throttle (``fugong.accounts.throttle``) as wrong passwords do, with
  their own audit action; for such an account the password alone no longer clears the account's count
  (``backends``), else each right password would buy four more guesses.
- ``OTPPolicyMiddleware`` logs out a session of an account with a device that was never verified (the
  admin's own login page, a session opened before enrolment) and keeps required roles on enrolment.
- The API's token endpoint is unchanged: it answers a token for username and password, as before.
"""

import base64
import time

import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from fugong.accounts import throttle
from fugong.accounts.roles import REGION_ROLES, Role
from fugong.audit.services import record

ENROL = "accounts.otp.enrol"
DISABLE = "accounts.otp.disable"

# Officers: the roles that work on many firms' data. A firm's staff, its gate and its employees log in
# with a password only.
OTP_ROLES = frozenset({*REGION_ROLES, Role.GRID_WORKER})
DEVICE_NAME = "身份验证器"
# How long the 输入验证码 step waits after the password before asking for the password again.
PENDING_SECONDS = 300
# How often a session that was never verified looks again whether its account has a device (a device
# enrolled in another session ends this one within that time); between looks, no query.
RECHECK_SECONDS = 60

_PENDING = "fugong_otp_pending"
_CHECKED = "fugong_otp_checked"


# -- who ----------------------------------------------------------------------------------------------------


def may_enrol(user) -> bool:
    return user.is_authenticated and user.role in OTP_ROLES


def is_required(user) -> bool:
    """The policy names the person's role (only officers' roles count: nobody else could enrol)."""
    return may_enrol(user) and user.role in settings.OTP_REQUIRED_ROLES


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# -- enrolment ----------------------------------------------------------------------------------------------


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows, made on first visit and kept until confirmed, so
    that reloading the page does not change the secret already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_groups(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into the app by hand."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def _clean_code(code) -> str:
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        raise ValidationError({"code": _("验证码须为 6 位数字。")})
    return code


def confirm(request, device: TOTPDevice, code: str) -> None:
    """Confirm the enrolment with the first code the app shows; the session counts as verified."""
    user = request.user
    code = _clean_code(code)
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError({"code": _("该身份验证器已失效，请刷新页面重新扫码。")})
    if not device.verify_token(code):
        raise ValidationError(
            {"code": _("验证码不正确：请输入身份验证器当前显示的 6 位数字，并确认手机时间准确。")}
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        record(user, ENROL, user, after={"device": device.name}, note="启用两步验证（身份验证器）")
    otp_login(request, device)


def check_code(request, user, code: str) -> TOTPDevice:
    """A right code from the user's confirmed device, or ValidationError; wrong codes count toward the login
    throttle and are logged, and a locked account or address is refused before the code is looked at."""
    code = _clean_code(code)
    until = throttle.locked_until(request, user.username)
    if until is not None:
        raise ValidationError({"code": throttle.lock_message(until)}, code="locked")
    device = confirmed_device(user)
    if device is not None:
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if device.verify_token(code):
                return device
    until = throttle.note_failure(request, user.username, throttle.OTP_FAILED, "登录失败：两步验证码不正确")
    if until is not None:
        raise ValidationError({"code": throttle.lock_message(until)}, code="locked")
    raise ValidationError({"code": _("验证码不正确：请输入身份验证器当前显示的 6 位数字。")})


def disable(request, code: str) -> None:
    """Remove the user's devices after a right code; a role the policy names may not."""
    user = request.user
    if is_required(user):
        raise ValidationError({"code": _("您的角色按防控政策须使用两步验证，不能停用。")})
    check_code(request, user, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        record(user, DISABLE, user, after={"device": DEVICE_NAME}, note="停用两步验证")
    _mark_checked(request, user)


# -- login --------------------------------------------------------------------------------------------------


def begin_pending(request, user, redirect_to: str) -> None:
    """The password was right: remember whom the code step is for, not yet logged in."""
    request.session[_PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "next": redirect_to,
        "at": time.time(),
    }


def pending_user(request):
    """The account waiting for its code, or None (none, expired, deactivated or no device any more)."""
    from fugong.accounts.models import User

    pending = request.session.get(_PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def finish_pending(request, code: str) -> str:
    """Log the waiting account in with a right code; answers where to go next."""
    user = pending_user(request)
    if user is None:
        raise ValidationError({NON_FIELD_ERRORS: _("验证已超时，请重新输入用户名和密码。")}, code="expired")
    device = check_code(request, user, code)
    pending = request.session.pop(_PENDING)
    auth_login(request, user, backend=pending["backend"])
    otp_login(request, device)
    throttle.note_success(user.username)
    return pending["next"]


def login_without_device(request, user) -> None:
    """After a password-only login: the session knows its account has no device until the next look."""
    _mark_checked(request, user)


def _mark_checked(request, user) -> None:
    request.session[_CHECKED] = [user.pk, time.time()]


def _device_since_checked(request, user) -> bool:
    checked = request.session.get(_CHECKED)
    if checked and checked[0] == user.pk and time.time() - checked[1] < RECHECK_SECONDS:
        return False
    if has_device(user):
        return True
    _mark_checked(request, user)
    return False


# -- every request ------------------------------------------------------------------------------------------


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("logout"),
        reverse("login"),
        reverse("login_otp"),
        reverse("accounts:otp_setup"),
        reverse("set_language"),
        settings.STATIC_URL or "/static/",
    )


class OTPPolicyMiddleware:
    """After django-otp's middleware. Looks only at requests carrying a session cookie, and for those only
    when the session is not verified: a verified session and an anonymous visitor cost nothing more."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if _device_since_checked(request, user):
            # A session the password alone opened for an account with a second factor: it ends here, and
            # the pages that need a login send the visitor to log in again.
            logout(request)
            return None
        if not is_required(user) or request.path.startswith(_exempt_paths()):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": _("您的角色须启用两步验证，请先在网页上完成设置。")}, status=403)
        return redirect("accounts:otp_setup")
