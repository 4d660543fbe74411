"""National division codes as risk areas and no-return areas use them.

Officers copy codes from announcements in either form — the short one FuGong stores (42, 4201,
420102, 420102001) or the padded 6/12-digit one (420000, 420100000000). Both must mean the same area,
and a county's code must cover its towns, so codes are cut into their levels and trailing all-zero
levels dropped: a prefix match on the result is then a containment test.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Digits per level: province, city, county, town, village, grid (FuGong's own 3-digit grid numbers).
SEGMENTS = (2, 2, 2, 3, 3, 3)
VALID_LENGTHS = {sum(SEGMENTS[: i + 1]) for i in range(len(SEGMENTS))}


def _split(code: str) -> list[str]:
    parts, pos = [], 0
    for size in SEGMENTS:
        if pos >= len(code):
            break
        parts.append(code[pos : pos + size])
        pos += size
    return parts


def normalize_division_code(raw, field_label: str = "区划代码") -> str:
    """The stored form of a division code, or a ValidationError naming the field and the rule."""
    code = str(raw or "").strip()
    if not code.isascii() or not code.isdigit() or len(code) not in VALID_LENGTHS:
        raise ValidationError(
            _("「%(label)s」须为国家行政区划代码：2、4、6、9、12 或 15 位数字，例如 42、420100、330681001。")
            % {"label": field_label}
        )
    parts = _split(code)
    while len(parts) > 1 and set(parts[-1]) == {"0"}:
        parts.pop()
    if parts[0] == "00":
        raise ValidationError(
            _("「%(label)s」不是有效的区划代码：省级代码不能为 00。") % {"label": field_label}
        )
    return "".join(parts)


def covering_codes(raw) -> list[str]:
    """Every stored code whose area contains ``raw``: its own code and each level above it.

    Lenient on purpose: a lookup with an odd code (a grid numbered by hand) should still find the areas
    of its town and county rather than fail.
    """
    code = str(raw or "").strip()
    digits = ""
    for ch in code:
        if not (ch.isascii() and ch.isdigit()):
            break
        digits += ch
    try:
        normalized = normalize_division_code(digits[: max(n for n in VALID_LENGTHS if n <= len(digits))])
    except (ValidationError, ValueError):
        return [code] if code else []
    out, acc = [], ""
    for part in _split(normalized):
        acc += part
        out.append(acc)
    if code and code not in out:
        out.append(code)
    return out
