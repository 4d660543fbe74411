"""Dates as people write them here (SPEC §11): one format on every page, 24-hour clock, no leading zeros.

``{{ value }}`` and ``|date`` without an argument follow these; ``|cn_date`` and ``|cn_datetime``
(fugong.core.templatetags.cn_dates) use them too, after converting to Asia/Shanghai.
"""

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
# Input formats and number separators: Django's own for zh-hans (get_format falls back to them).
