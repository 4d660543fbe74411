"""The error pages: 400, 403, 404, 500 and a failed form token, in Chinese inside the layout, each with a
way back; under /api/ the same errors as the API's one JSON shape ``{"error": {"code", "message",
"fields"}}`` (fugong.core.rest).

* A scope refusal is a 404 (the selectors filter by scope), and the 404 page never says more than
  "not there or not yours", so that it cannot tell the two apart.
* The 500 page renders without the request's context processors (they read the user, the session and
  the menu from the database), so that it still answers when the database is down.
"""

import logging
import re

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
HAN = re.compile(r"[\u4e00-\u9fff]")

# When even the template cannot be rendered (a broken template, a missing static manifest …).
FALLBACK_500 = (
    '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>服务器出错了 · 复工通</title>'
    "</head><body><main><h1>服务器出错了</h1><p>系统暂时无法完成您的请求，错误已记录。请稍后重试；"
    '如果问题持续，请联系系统管理员。</p><p><a href="/">返回首页</a></p></main></body></html>'
)


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": str(message), "fields": {}}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def not_found_message() -> str:
    """The one wording for "missing" and "outside your scope", on pages and in the API alike."""
    return _("未找到该对象，或不在您的管辖范围内。")


def _back_url(request) -> str:
    """The page the person came from, when it is one of ours and not this very page."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return ""
    try:
        host = request.get_host()
        here = request.build_absolute_uri()
    except Exception:  # DisallowedHost: the 400 page itself may be answering a bad Host header
        return ""
    if referer == here or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    return referer


def _home_url() -> str:
    try:
        return reverse("home")
    except NoReverseMatch:
        return "/"


def _context(request, **extra) -> dict:
    return {"back_url": _back_url(request), "home_url": _home_url(), **extra}


def _page(request, template: str, status: int, **extra) -> HttpResponse:
    """The page in the layout with the menu; without the request's context if that cannot be built."""
    context = _context(request, **extra)
    try:
        return render(request, template, context, status=status)
    except Exception:
        logger.exception("error page %s failed with the request context; rendering it bare", template)
        return _bare(template, status, context)


def _bare(template: str, status: int, context: dict) -> HttpResponse:
    try:
        html = loader.get_template(template).render(context)
    except Exception:
        logger.exception("error page %s failed to render", template)
        html = FALLBACK_500
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if is_api(request):
        return api_error(400, "bad_request", _("请求的内容不完整或格式不正确，无法处理。"))
    return _page(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    # A service's own Chinese reason ("不能停用自己的账户" …) helps; Django's English defaults do not.
    reason = str(exception or "")
    reason = reason if HAN.search(reason) else ""
    if is_api(request):
        return api_error(403, "permission_denied", reason or _("您没有执行该操作的权限。"))
    return _page(request, "403.html", 403, reason=reason)


@requires_csrf_token
def page_not_found(request, exception=None):
    # Never the exception's text: it would tell "no such firm" from "not your firm".
    if is_api(request):
        return api_error(404, "not_found", not_found_message())
    return _page(request, "404.html", 404)


@requires_csrf_token
def server_error(request):
    if is_api(request):
        return api_error(
            500, "server_error", _("服务器内部错误，请稍后重试；如果问题持续，请联系系统管理员。")
        )
    # No request: no context processor runs, so nothing here touches the database.
    return _bare("500.html", 500, _context(request))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form's token is missing or stale (a page left open, a new login elsewhere)."""
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    if is_api(request):
        return api_error(403, "csrf_failed", _("请求已失效（缺少或过期的安全令牌），请刷新页面后重试。"))
    return _page(request, "403_csrf.html", 403)
