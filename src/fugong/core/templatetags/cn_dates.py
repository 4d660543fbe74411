"""``{% load cn_dates %}``: ``|cn_datetime`` → 2026年12月5日 06:03, ``|cn_datetime:"s"`` with seconds,
``|cn_date`` → 2026年12月5日, ``|cn_time`` → 06:03, ``|cn_month_day`` → 12月5日; always Asia/Shanghai."""

from django import template

from fugong.core import dates

register = template.Library()


@register.filter(expects_localtime=False)
def cn_datetime(value, arg=""):
    return dates.format_datetime(value, seconds=bool(arg))


@register.filter(expects_localtime=False)
def cn_date(value):
    return dates.format_date(value)


@register.filter(expects_localtime=False)
def cn_time(value):
    return dates.format_time(value)


@register.filter(expects_localtime=False)
def cn_month_day(value):
    return dates.format_month_day(value)
