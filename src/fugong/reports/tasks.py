"""Refreshing the day's drafts in the background (beat: every 30 minutes, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from fugong.reports.services import build_summaries, live_days


@shared_task(name="reports.build_today_summaries")
def build_today_summaries() -> int:
    """Today's drafts, in local time; before ``services.YESTERDAY_REFRESH_UNTIL`` (00:30) yesterday's
    too, so that the readings of its last half hour are in before the firms confirm it in the morning."""
    return sum(build_summaries(day) for day in live_days())
