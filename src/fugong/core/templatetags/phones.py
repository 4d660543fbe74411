"""``{% load phones %}``: ``{% phone value %}`` shows a phone as the logged-in user may see it (in full or
138****0000, ``core.masking``); ``link=True`` makes a number shown in full a ``tel:`` link (a masked one
stays text: it cannot be dialled); ``contact=True`` for the phones a firm gives for officials to reach it
(legal representative, prevention lead and team, shuttle driver)."""

from django import template
from django.utils.html import format_html

from fugong.core.masking import CONTACT, PERSON, may_see_phone, phone_for

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def phone(context, value, link=False, contact=False):
    if not value:
        return ""
    user, kind = _user(context), CONTACT if contact else PERSON
    shown = phone_for(user, value, kind=kind)
    if link and may_see_phone(user, kind):
        return format_html('<a href="tel:{}">{}</a>', value, shown)
    return shown
