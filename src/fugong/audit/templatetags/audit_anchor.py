"""``{% load audit_anchor %}{% audit_anchor day %}``: the audit chain's anchor on a day's report.

A report printed or sent every day carries the chain's head out of the system; if the log were later
cut short or rewritten, the paper copies would still name the entry and hash that were there.
"""

import datetime as dt

from django import template

from fugong.accounts.roles import can
from fugong.audit.anchors import latest_anchor
from fugong.core import dates

register = template.Library()


@register.inclusion_tag("audit/_anchor_line.html", takes_context=True)
def audit_anchor(context, day: dt.date):
    """The last anchor written before the end of ``day`` (local time), for those who may read the log."""
    request = context.get("request")
    if request is None or not can(request.user, "audit.view"):
        return {"anchor": None}
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dates.local_zone())
    return {"anchor": latest_anchor(before=end)}
