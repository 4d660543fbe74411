"""One way to write dates and times on every page: the locale's formats (fugong.core.formats), always in
Asia/Shanghai — in Chinese "2026年12月5日 06:03" and "2026年12月5日".

Templates use the filters of ``{% load cn_dates %}``; views, exports and messages call these directly.
"""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime


def local_zone() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _coerce(value):
    """A datetime or a date from what templates hand over (ISO strings from JSON included), else None."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value
    if isinstance(value, str) and value:
        try:
            return parse_datetime(value) or parse_date(value)
        except ValueError:
            return None
    return None


def to_local(value: dt.datetime) -> dt.datetime:
    """An aware date-time in Asia/Shanghai; a naive one is taken as already local."""
    if timezone.is_aware(value):
        return timezone.localtime(value, local_zone())
    return value


def format_datetime(value, seconds: bool = False) -> str:
    """``2026年12月5日 06:03`` (``06:03:09`` with seconds); a date alone as ``format_date``; None as ""."""
    moment = _coerce(value)
    if moment is None:
        return "" if value in (None, "") else str(value)
    if not isinstance(moment, dt.datetime):
        return format_date(moment)
    fmt = formats.get_format("DATETIME_FORMAT")
    if seconds:
        fmt = fmt.replace("H:i", "H:i:s")
    return formats.date_format(to_local(moment), fmt)


def format_date(value) -> str:
    """``2026年12月5日``; a date-time gives its local day."""
    day = _coerce(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    if isinstance(day, dt.datetime):
        day = to_local(day).date()
    return formats.date_format(day, "DATE_FORMAT")


def format_time(value) -> str:
    """``06:03``, local."""
    moment = value if isinstance(value, dt.time) else _coerce(value)
    if moment is None or (isinstance(moment, dt.date) and not isinstance(moment, dt.datetime)):
        return "" if value in (None, "") else str(value)
    if isinstance(moment, dt.datetime):
        moment = to_local(moment)
    return formats.time_format(moment, "TIME_FORMAT")


def format_month_day(value) -> str:
    """``12月5日``, for lists that stay within one year."""
    day = _coerce(value)
    if day is None:
        return "" if value in (None, "") else str(value)
    if isinstance(day, dt.datetime):
        day = to_local(day).date()
    return formats.date_format(day, "MONTH_DAY_FORMAT")
