"""Pages for checking in without a password (personal link, firm QR code) and the firm's officer's pages
that hand them out: the links list, the QR poster and the device tokens."""

import uuid

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fugong.accounts.roles import require
from fugong.accounts.throttle import client_ip
from fugong.audit.services import record
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from fugong.monitoring import devices, selectors, services
from fugong.monitoring.access import services as access
from fugong.monitoring.models import CheckinSource, Device, DeviceKind, HealthCheckin, Symptom
from fugong.monitoring.views import QUICK_TEMPERATURES, _errors, round_context
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import Employee, HealthCode


# -- the person's side: no login -------------------------------------------------------------------------
def _invalid(request):
    return render(request, "monitoring/link_invalid.html", status=404)


def _client_ip(request) -> str:
    # Behind the production proxies every phone would otherwise share the proxy's address and counter.
    return client_ip(request)


def _checkin_form(request, employee, channel: str):
    """Handle the shared check-in form for ``employee`` (actor None, source SELF). Answers (done URL or
    None, context). ``done`` only ever names one of this person's own rows of today. ``channel`` ("link"
    or "qr") goes into the audit entry of a stored row: nobody is logged in to name."""
    errors: list[str] = []
    posted: dict = {}
    if request.method == "POST" and "temperature" in request.POST:
        posted = {
            "temperature": request.POST.get("temperature", "").strip(),
            "symptoms": request.POST.getlist("symptoms"),
            "health_code": request.POST.get("health_code", ""),
        }
        try:
            with transaction.atomic():
                row, created = services.record_checkin(
                    None,
                    employee,
                    temperature=posted["temperature"],
                    symptoms=posted["symptoms"],
                    health_code=posted["health_code"],
                    source=CheckinSource.SELF,
                    client_key=request.POST.get("client_key") or None,
                )
                if created:
                    record(
                        None,
                        f"monitoring.checkin.{channel}",
                        row,
                        after={"employee": employee.pk, "channel": channel, "ip": _client_ip(request)},
                    )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return f"{request.path}?done={row.pk}", {}
    today = timezone.localdate()
    done = None
    if request.GET.get("done", "").isdigit():
        done = HealthCheckin.objects.filter(pk=request.GET["done"], employee=employee, day=today).first()
    taken = list(HealthCheckin.objects.filter(employee=employee, day=today).order_by("round"))
    rounds = round_context(find_policy_for(employee.enterprise.town, today), taken)
    return None, {
        "masked_name": access.mask_name(employee.name),
        "done": done,
        "errors": errors,
        "posted": posted,
        **rounds,
        "taken": taken,
        "client_key": uuid.uuid4().hex,
        "quick": QUICK_TEMPERATURES,
        "symptoms": Symptom.choices,
        "health_codes": [c for c in HealthCode.choices if c[0]],
    }


def _private(response):
    # The URL is the credential: never cached, never sent to another site as a referrer. (Not
    # "no-referrer": Chromium then posts the form with Origin: null, which CSRF checking refuses.)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def link_checkin(request, token: str):
    """The personal link: the check-in form for one person, without a login."""
    employee = access.employee_for_link(token)
    if employee is None:
        return _private(_invalid(request))
    done_url, context = _checkin_form(request, employee, "link")
    if done_url:
        return _private(redirect(done_url))
    status = 400 if context["errors"] else 200
    return _private(render(request, "monitoring/link_checkin.html", context, status=status))


def _too_many(request, firm):
    context = {"firm": firm, "errors": [_("尝试次数过多，请10分钟后再试")]}
    return render(request, "monitoring/qr_identify.html", context, status=429)


def firm_checkin(request, token: str):
    """The firm's QR code: identify by ID number once a day, then the same check-in form."""
    firm = access.firm_for_token(token)
    if firm is None:
        return _private(_invalid(request))
    cookie = {"salt": access.IDENTITY_SALT, "default": None}
    employee = access.employee_for_identity(firm, request.get_signed_cookie(access.IDENTITY_COOKIE, **cookie))
    if request.method == "POST" and request.POST.get("action") == "forget":
        response = redirect(request.path)
        response.delete_cookie(access.IDENTITY_COOKIE, path=request.path)
        return _private(response)
    if request.method == "POST" and "id_number" in request.POST:
        ip = _client_ip(request)
        # Locked, the page answers nothing about the number: it would otherwise stay an oracle for which
        # ID numbers work at which firm.
        if access.identify_locked(firm, ip):
            return _private(_too_many(request, firm))
        try:
            person = access.identify(firm, request.POST.get("id_number", ""))
        except ValidationError as exc:
            if access.note_identify_failure(firm, ip):
                return _private(_too_many(request, firm))
            context = {"firm": firm, "errors": _errors(exc)}
            return _private(render(request, "monitoring/qr_identify.html", context, status=400))
        response = redirect(request.path)
        response.set_signed_cookie(
            access.IDENTITY_COOKIE,
            access.identity_value(firm, person),
            salt=access.IDENTITY_SALT,
            max_age=access.identity_max_age(),
            path=request.path,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
        return _private(response)
    if employee is None:
        return _private(render(request, "monitoring/qr_identify.html", {"firm": firm, "errors": []}))
    done_url, context = _checkin_form(request, employee, "qr")
    if done_url:
        return _private(redirect(done_url))
    context["firm"] = firm
    status = 400 if context["errors"] else 200
    return _private(render(request, "monitoring/qr_checkin.html", context, status=status))


# -- the firm's officer ----------------------------------------------------------------------------------
def _officer_firm(user, capability: str) -> Enterprise:
    require(user, capability)
    if user.enterprise_id is None:
        raise PermissionDenied
    return Enterprise.objects.select_related("town").get(pk=user.enterprise_id)


def _qr_svg_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=8, border=2)


@login_required
@never_cache
def links(request):
    """个人打卡链接: the on-site people with their link; generate one, regenerate (revokes the old), or
    all at once."""
    firm = _officer_firm(request.user, "monitoring.links")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "all":
                made = access.issue_links_for_on_site(
                    request.user, firm, only_missing=request.POST.get("only_missing") == "1"
                )
                messages.success(request, _("已生成%(n)s个打卡链接") % {"n": len(made)})
            else:
                person = get_visible_or_404(Employee, request.user, pk=request.POST.get("employee"))
                if request.POST.get("action") == "revoke":
                    access.revoke_link(request.user, person)
                    messages.success(request, _("已停用%(name)s的打卡链接") % {"name": person.name})
                else:
                    access.issue_link(request.user, person)
                    messages.success(
                        request, _("已为%(name)s生成新链接，旧链接已失效") % {"name": person.name}
                    )
        except ValidationError as exc:
            messages.error(request, "；".join(_errors(exc)))
        return redirect("monitoring:links")
    people = list(selectors.on_site_people(request.user, firm).select_related("checkin_link"))
    rows = []
    for person in people:
        link = getattr(person, "checkin_link", None)  # the reverse one-to-one raises when missing
        url = (
            request.build_absolute_uri(reverse("monitoring:link_checkin", args=[access.link_token(link)]))
            if link
            else ""
        )
        rows.append({"person": person, "link": link, "url": url})
    return render(request, "monitoring/links.html", {"firm": firm, "rows": rows})


@login_required
@never_cache
def firm_qr(request):
    """The printable poster: the firm's name, 扫码测温打卡 and the QR code of its identify page."""
    firm = _officer_firm(request.user, "monitoring.links")
    url = request.build_absolute_uri(reverse("monitoring:firm_checkin", args=[access.firm_token(firm)]))
    return render(request, "monitoring/firm_qr.html", {"firm": firm, "url": url, "qr": _qr_svg_data_uri(url)})


@login_required
@never_cache
def device_list(request):
    """接入设备: the firm's temperature gates and lab systems; issue (token shown once) and revoke."""
    firm = _officer_firm(request.user, "monitoring.device")
    issued = None
    errors: list[str] = []
    posted = {}
    if request.method == "POST":
        posted = {"name": request.POST.get("name", ""), "kind": request.POST.get("kind", "")}
        try:
            device, token = devices.issue_device(request.user, firm, posted["name"], posted["kind"])
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            issued = {"device": device, "token": token}
            posted = {}
    rows = Device.objects.visible_to(request.user).order_by("-is_active", "name")
    # The example names the batch the issued device can reach: a lab system posts test results only.
    is_lab = issued is not None and issued["device"].kind == DeviceKind.LAB_SYSTEM
    batch_url = request.build_absolute_uri("/api/v1/tests/batch/" if is_lab else "/api/v1/checkins/batch/")
    response = render(
        request,
        "monitoring/devices.html",
        {
            "firm": firm,
            "devices": rows,
            "issued": issued,
            "errors": errors,
            "posted": posted,
            "kinds": DeviceKind.choices,
            "batch_url": batch_url,
            "is_lab": is_lab,
        },
        status=400 if errors else 200,
    )
    # The one page that ever shows the token: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def device_revoke(request, pk: int):
    require(request.user, "monitoring.device")
    device = get_visible_or_404(Device, request.user, pk=pk)
    try:
        devices.revoke_device(request.user, device)
    except ValidationError as exc:
        messages.error(request, "；".join(_errors(exc)))
    except PermissionDenied as exc:
        raise Http404 from exc
    else:
        messages.success(request, _("已停用设备「%(name)s」") % {"name": device.name})
    return redirect("monitoring:devices")
