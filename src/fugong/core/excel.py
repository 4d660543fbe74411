"""Writing user text into workbooks without it becoming a formula (CSV/formula injection, OWASP).

openpyxl stores a string starting with ``=`` as a formula, and a spreadsheet program re-evaluates text
starting with ``+ - @`` (or a tab / carriage return before one of them) once a cell is edited or the
sheet is saved as CSV. Such text goes out prefixed with an apostrophe, the spreadsheet convention for
"this is text", so a firm's note ``=HYPERLINK(...)`` is read as the characters the firm typed."""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell_text(value):
    """``value`` ready for a cell: text that a spreadsheet would run as a formula gets a leading ``'``;
    anything else (numbers, dates, None, harmless text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
