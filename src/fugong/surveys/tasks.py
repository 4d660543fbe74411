"""Chasing the firms that have not answered (beat: hourly; see the lead's CELERY_BEAT_SCHEDULE entry
"surveys.remind_due_campaigns"). Each firm is reminded at most once per services.REMIND_INTERVAL_HOURS,
so running often costs nothing."""

from celery import shared_task

from fugong.surveys import services


@shared_task(name="surveys.remind_due_campaigns")
def remind_due_campaigns() -> int:
    return services.remind_due()
