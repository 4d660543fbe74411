"""Anchoring the audit chain's head in the background (beat: every 15 minutes, see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from fugong.audit.anchors import write_anchor


@shared_task(name="audit.anchor_chain")
def anchor_chain() -> dict:
    """One line in the anchor file. Written even when nothing changed since the last one: a recent time
    in the daily report then also shows that anchoring runs."""
    anchor, _path = write_anchor()
    return anchor.payload()
