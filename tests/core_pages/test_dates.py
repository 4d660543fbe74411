"""One Chinese date format on every page, always in Asia/Shanghai, and English still renders."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from fugong.core import dates

# 06:03 on 5 December in Shanghai is 22:03 on 4 December in UTC.
MOMENT = dt.datetime(2026, 12, 4, 22, 3, 9, tzinfo=dt.UTC)


def _render(source: str, **context) -> str:
    return Template("{% load cn_dates %}" + source).render(Context(context))


def test_filters_write_the_one_chinese_format_in_local_time():
    assert _render("{{ t|cn_datetime }}", t=MOMENT) == "2026年12月5日 06:03"
    assert _render('{{ t|cn_datetime:"s" }}', t=MOMENT) == "2026年12月5日 06:03:09"
    assert _render("{{ t|cn_date }}", t=MOMENT) == "2026年12月5日"
    assert _render("{{ t|cn_time }}", t=MOMENT) == "06:03"
    assert _render("{{ t|cn_month_day }}", t=MOMENT) == "12月5日"
    assert _render("{{ d|cn_date }}", d=dt.date(2026, 3, 1)) == "2026年3月1日"
    assert _render("{{ d|cn_datetime }}", d=dt.date(2026, 3, 1)) == "2026年3月1日"
    assert _render("{{ t|cn_time }}", t=dt.time(7, 5)) == "07:05"


def test_filters_take_json_strings_and_nothing():
    assert _render("{{ t|cn_datetime }}", t="2026-12-04T22:03:09Z") == "2026年12月5日 06:03"
    assert _render("{{ t|cn_date }}", t="2026-12-05") == "2026年12月5日"
    assert _render("[{{ t|cn_datetime }}][{{ t|cn_date }}]", t=None) == "[][]"
    assert _render("{{ t|cn_datetime }}", t="不是日期") == "不是日期"


def test_django_defaults_follow_the_same_format():
    assert _render("{{ t }}", t=MOMENT) == "2026年12月5日 06:03"
    assert _render("{{ t|date }}", t=MOMENT) == "2026年12月5日"
    assert _render('{{ t|date:"DATETIME_FORMAT" }}', t=MOMENT) == "2026年12月5日 06:03"
    assert _render('{{ t|date:"SHORT_DATETIME_FORMAT" }}', t=MOMENT) == "2026年12月5日 06:03"
    assert _render('{{ t|date:"SHORT_DATE_FORMAT" }}', t=MOMENT) == "2026年12月5日"
    assert _render('{{ t|date:"MONTH_DAY_FORMAT" }}', t=MOMENT) == "12月5日"
    assert _render("{{ d }}", d=dt.date(2026, 12, 5)) == "2026年12月5日"


def test_english_keeps_the_24_hour_clock():
    with translation.override("en"):
        assert dates.format_datetime(MOMENT) == "Dec 5, 2026 06:03"
        assert dates.format_date(MOMENT) == "Dec 5, 2026"
        assert _render("{{ t }}", t=MOMENT) == "Dec 5, 2026 06:03"
