"""Refreshing the day's drafts in the background (beat: every 30 minutes, see CELERY_BEAT_SCHEDULE)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from fugong.reports.services import build_summaries


@shared_task(name="reports.build_today_summaries")
def build_today_summaries() -> int:
    """Today's drafts, in local time; shortly after midnight yesterday's too, so that the readings of its
    last half hour are in before the firms confirm it in the morning."""
    now = timezone.localtime()
    written = build_summaries(now.date())
    if now.time() < dt.time(0, 30):
        written += build_summaries(now.date() - dt.timedelta(days=1))
    return written
