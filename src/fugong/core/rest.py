"""Pagination, the JSON parser and the one error format; kept apart from viewsets because DRF settings
import them."""

import json
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser

logger = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _json_kind(value) -> str:
    if value is None:
        return _("空值（null）")
    if isinstance(value, list):
        return _("列表（[…]）")
    if isinstance(value, str):
        return _("字符串")
    if isinstance(value, bool):
        return _("布尔值")
    return _("数字")


class ObjectJSONParser(JSONParser):
    """JSON bodies must be objects ({…}): every view reads named fields from its body, and a list, a
    scalar or null would reach ``dict(data)`` or ``data.get`` and fail as a server error. A view whose
    action also takes a bare list (a batch of records) names it in ``list_body_actions``. Malformed JSON
    is refused in Chinese, with where it broke."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as exc:
            cause = exc.__context__
            where = (
                _("（第%(line)d行第%(column)d列）") % {"line": cause.lineno, "column": cause.colno}
                if isinstance(cause, json.JSONDecodeError)
                else ""
            )
            raise exceptions.ParseError(
                _("请求体不是有效的JSON%(where)s，请检查格式。") % {"where": where}
            ) from exc
        if isinstance(data, dict):
            return data
        view = (parser_context or {}).get("view")
        if isinstance(data, list) and getattr(view, "action", None) in getattr(view, "list_body_actions", ()):
            return data
        raise exceptions.ParseError(
            _("请求体须为JSON对象（{…}），收到的是%(kind)s。") % {"kind": _json_kind(data)}
        )


class NumberOutOfRange(exceptions.APIException):
    """400: an integer in the path, the query or the body too large for the database to compare."""

    status_code = 400
    default_code = "out_of_range"


def _flatten(detail, prefix=""):
    """DRF's nested error detail as {field: [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                out.update(_flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def exception_handler(exc, context):
    """Every error as {"error": {"code", "message", "fields"}} with Chinese messages."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到该对象，或不在您的管辖范围内。")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied("您没有执行该操作的权限。")
    elif isinstance(exc, OverflowError):
        # SQLite cannot bind an integer beyond 64 bits (PostgreSQL compares it and finds nothing): a number
        # that large in an id, a filter or a list of ids names no row, so it is the caller's input.
        logger.warning("integer out of range on %s: %s", getattr(context.get("request"), "path", ""), exc)
        exc = NumberOutOfRange(
            _("提交的数字超出范围：编号、数量等整数的绝对值不能超过 9223372036854775807。")
        )
    elif isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # SessionAuthentication's own check, in English and with Django's internal reason.
        exc = exceptions.PermissionDenied("请求已失效（缺少或过期的安全令牌），请刷新页面后重试。")
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES when it loads, which names this
    # module's parser, so importing it at the top would make the two modules import each other.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", [""]))
        message = "提交的数据有误：" + "；".join(f"{k}：{' '.join(v)}" for k, v in fields.items())
        body = {"code": "invalid", "message": message if first[0] else "提交的数据有误。", "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        body = {"code": code, "message": str(detail), "fields": {}}
    response.data = {"error": body}
    return response
