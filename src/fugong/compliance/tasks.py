"""Refreshing the compliance pictures in the background (beat, next to the daily summaries' refresh)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from fugong.compliance.services import build_compliance


@shared_task(name="compliance.build_today")
def build_today() -> int:
    """Today's pictures of every operating firm, from the records so far (every 30 minutes)."""
    return build_compliance(timezone.localdate())


@shared_task(name="compliance.build_yesterday_final")
def build_yesterday_final() -> int:
    """Yesterday once more just after midnight, when its last disinfection rounds and check-ins are in and
    every open gap has become a missed one; the pages show this row for yesterday from then on."""
    return build_compliance(timezone.localdate() - dt.timedelta(days=1))
