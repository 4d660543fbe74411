from functools import wraps

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts import otp, selectors, services, throttle
from fugong.accounts.forms import LoginForm, OTPCodeForm, ProfileForm, UserCreateForm
from fugong.accounts.roles import CAPABILITIES, Role, capability_label, require
from fugong.core.tables import Column, sorted_table

USER_COLUMNS = [
    Column(gettext_lazy("用户名"), "username", ("username",)),
    Column(gettext_lazy("姓名"), "name", ("full_name",)),
    Column(gettext_lazy("角色"), "role", ("role",)),
    Column(gettext_lazy("管辖范围"), "scope", ("region__path", "enterprise__name", "department__name")),
    Column(gettext_lazy("手机号")),
    Column(gettext_lazy("状态"), "active", ("-is_active",)),
    Column(""),
]


def capability_required(capability: str):
    """Login, then the capability; a logged-in user without it gets 403, not a login loop."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _apply_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _capability_names(user) -> list[str]:
    """What the person may do, by name, in the table's order (grouped by domain)."""
    held = set(selectors.capabilities_of(user))
    return [capability_label(c) for c in CAPABILITIES if c in held]


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("个人信息已保存。"))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "capabilities": _capability_names(user),
            "otp_may_enrol": otp.may_enrol(user),
            "otp_required": otp.is_required(user),
            "otp_enabled": otp.has_device(user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def otp_setup(request):
    """两步验证 enrolment: scan the QR code (or type the secret), confirm with the first code."""
    user = request.user
    if not otp.may_enrol(user):
        raise PermissionDenied
    if otp.has_device(user):
        messages.info(request, _("两步验证已启用。"))
        return redirect("accounts:profile")
    device = otp.pending_device(user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.confirm(request, device, form.cleaned_data["code"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("两步验证已启用，今后登录时须输入身份验证器上的验证码。"))
            return redirect("home" if otp.is_required(user) else "accounts:profile")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": otp.qr_svg(device),
            "secret": otp.secret_groups(device),
            "required": otp.is_required(user),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def otp_disable(request):
    form = OTPCodeForm(request.POST)
    if form.is_valid():
        try:
            otp.disable(request, form.cleaned_data["code"])
        except ValidationError as exc:
            messages.error(request, _("未能停用两步验证：%(reason)s") % {"reason": "；".join(exc.messages)})
        else:
            messages.success(request, _("两步验证已停用，今后登录只需密码。"))
    else:
        messages.error(request, _("未能停用两步验证：验证码须为 6 位数字。"))
    return redirect("accounts:profile")


def login_otp(request):
    """输入验证码: the second step of a login whose password was right and whose account has a device."""
    user = otp.pending_user(request)
    if user is None:
        if request.method == "POST":
            messages.error(request, _("验证已超时，请重新输入用户名和密码。"))
        return redirect("login")
    form = OTPCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            next_url = otp.finish_pending(request, form.cleaned_data["code"])
        except ValidationError as exc:
            _apply_errors(form, exc)
            until = throttle.locked_until(request, user.username)
            if until is not None:
                status = 429
                response = render(request, "accounts/login_otp.html", {"form": form}, status=status)
                response["Retry-After"] = str(throttle.retry_after_seconds(until))
                return response
        else:
            return HttpResponseRedirect(next_url)
    if form.errors:
        status = 400
    return render(request, "accounts/login_otp.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if otp.has_device(user):
            # Not logged in yet: the code step logs in (fugong.accounts.otp).
            otp.begin_pending(self.request, user, self.get_success_url())
            return redirect("login_otp")
        response = super().form_valid(form)
        otp.login_without_device(self.request, user)
        if otp.is_required(user):
            return redirect("accounts:otp_setup")
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked_until is not None:
            # 429 with Retry-After, as the token endpoint answers: scripts see the lock-out for what it is.
            response.status_code = 429
            response["Retry-After"] = str(throttle.retry_after_seconds(form.locked_until))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        services.change_password(form.user, form.cleaned_data["new_password1"])
        # Keep this session logged in; every other session of the user ends with the old hash.
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改。"))
        return HttpResponseRedirect(self.get_success_url())


@capability_required("user.manage")
def user_list(request):
    users = selectors.manageable_users(request.user)
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    active = request.GET.get("active", "")
    if q:
        # The scope by the names people know it by: region, department or firm.
        users = users.filter(
            Q(username__icontains=q)
            | Q(full_name__icontains=q)
            | Q(region__name__icontains=q)
            | Q(department__name__icontains=q)
            | Q(enterprise__name__icontains=q)
        )
    if role in Role.values:
        users = users.filter(role=role)
    if active in ("1", "0"):
        users = users.filter(is_active=active == "1")
    table = sorted_table(request, users, USER_COLUMNS, default="username", tiebreak=("pk",))
    return render(
        request,
        "accounts/user_list.html",
        {
            "table": table,
            "page": table.page,
            "q": q,
            "role": role,
            "active": active,
            "roles": Role.choices,
        },
    )


@capability_required("user.manage")
def user_create(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                request.user,
                username=data["username"],
                password=data["password1"],
                role=data["role"],
                full_name=data["full_name"],
                phone=data["phone"],
                region=data["region"],
                department=data["department"],
                enterprise=data["enterprise_uscc"],
                assigned_enterprises=data["assigned_usccs"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已创建用户 %(name)s。") % {"name": user.username})
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form}, status=400 if form.errors else 200)


def _set_active(request, pk, active: bool):
    target = selectors.manageable_users(request.user).filter(pk=pk).first()
    if target is None:
        raise Http404
    try:
        services.set_active(request.user, target, active, reason=request.POST.get("reason", "")[:500])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if active:
            messages.success(request, _("已启用用户 %(name)s。") % {"name": target.username})
        else:
            messages.success(
                request, _("已停用用户 %(name)s，该用户将无法登录。") % {"name": target.username}
            )
    return redirect("accounts:users")


@require_POST
@capability_required("user.manage")
def user_deactivate(request, pk):
    return _set_active(request, pk, False)


@require_POST
@capability_required("user.manage")
def user_activate(request, pk):
    return _set_active(request, pk, True)
