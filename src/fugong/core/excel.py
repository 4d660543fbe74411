"""Writing user text into workbooks without it becoming a formula (CSV/formula injection, OWASP).

openpyxl stores a string starting with ``=`` as a formula, and a spreadsheet program re-evaluates text
starting with ``+ - @`` (or a tab / carriage return before one of them) once a cell is edited or the
sheet is saved as CSV. Such text goes out prefixed with an apostrophe, the spreadsheet convention for
"this is text", so a firm's note ``=HYPERLINK(...)`` is read as the characters the firm typed."""

import datetime as dt

from fugong.core.dates import to_local

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell_text(value):
    """``value`` ready for a cell: text that a spreadsheet would run as a formula gets a leading ``'``;
    anything else (numbers, dates, None, harmless text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# Dates and times in every workbook (SPEC §11): real date cells — Excel sorts and filters them — shown as
# 2026年12月5日 / 2026年12月5日 06:04, always in Asia/Shanghai (Excel has no time zones).
DATE_NUMBER_FORMAT = 'yyyy"年"m"月"d"日"'
DATETIME_NUMBER_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'


def local_cell_datetime(value):
    """An aware date-time as the naive Asia/Shanghai one a cell holds; a naive one is taken as local."""
    if isinstance(value, dt.datetime):
        return to_local(value).replace(tzinfo=None)
    return value


def date_number_format(value) -> str | None:
    """The number format for a cell holding ``value``: dates and date-times in Chinese, else None."""
    if isinstance(value, dt.datetime):
        return DATETIME_NUMBER_FORMAT
    if isinstance(value, dt.date):
        return DATE_NUMBER_FORMAT
    return None
