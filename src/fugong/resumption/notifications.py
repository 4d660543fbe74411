"""In-app notifications (SPEC §4): the people whose turn it is, and the firm at every decision.

Messages are written on commit, so a decision that is rolled back never announces itself, and each
recipient gets their own row (a town has a handful of officers; a per-user row keeps "mine" and
"read" one indexed query).
"""

from django.db import transaction
from django.utils import timezone

from fugong.resumption import chain
from fugong.resumption.models import Notification


def notify(application, user_ids, event: str, message: str) -> None:
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return
    app_id = application.pk if application is not None else None
    message = str(message)[:500]

    def write():
        Notification.objects.bulk_create(
            [
                Notification(recipient_id=uid, application_id=app_id, event=event, message=message)
                for uid in user_ids
            ]
        )

    transaction.on_commit(write)


def participant_user_ids(step, enterprise) -> list[int]:
    """Users who fill a still-pending participant of ``step`` for the firm."""
    ids: list[int] = []
    for token in step.pending_participants:
        ids += list(chain.users_for(token, enterprise).values_list("pk", flat=True))
    return ids


def firm_user_ids(enterprise) -> list[int]:
    return list(chain.firm_users(enterprise).values_list("pk", flat=True))


def inbox(user):
    return Notification.objects.filter(recipient=user).select_related("application__enterprise")


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, ids=None) -> int:
    """Mark the user's own notifications read (every unread one when ``ids`` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
