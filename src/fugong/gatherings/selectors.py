"""Reads of gatherings: always scoped, filtered in the database, upcoming ones first."""

import datetime as dt

from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.utils import timezone

from fugong.gatherings.models import Gathering, GatheringKind, GatheringStatus


def parse_day(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def visible(user):
    return Gathering.objects.visible_to(user).select_related("enterprise", "enterprise__town")


def filtered(user, *, q="", status="", kind="", date_from=None, date_to=None):
    """The gatherings the user may see, narrowed by a search (title, place, organiser, firm), a status,
    a kind and a range of start days."""
    qs = visible(user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(place__icontains=q)
            | Q(organiser__icontains=q)
            | Q(enterprise__name__icontains=q)
        )
    if status in GatheringStatus.values:
        qs = qs.filter(status=status)
    if kind in GatheringKind.values:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(starts_at__date__lte=date_to)
    return qs


def upcoming_first(qs, *, pending_first=False):
    """Those still to end first, soonest first; then the past ones, latest first. With
    ``pending_first`` the ones waiting for the town's decision come before all."""
    now = timezone.now()
    ordering = []
    if pending_first:
        qs = qs.annotate(
            g_waiting=Case(
                When(status=GatheringStatus.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        ordering.append("g_waiting")
    qs = qs.annotate(
        g_past=Case(When(ends_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()),
        # Only the upcoming ones sort by this (ascending); the past ones tie here and fall to -starts_at.
        g_soon=Case(
            When(ends_at__gte=now, then=F("starts_at")), default=Value(None), output_field=DateTimeField()
        ),
    )
    ordering += ["g_past", F("g_soon").asc(nulls_last=True), "-starts_at", "-id"]
    return qs.order_by(*ordering)


def pending_queue(user):
    """The town's queue: pending gatherings in its scope, the soonest first."""
    return visible(user).filter(status=GatheringStatus.PENDING).order_by("starts_at", "id")


def counts_by_status(qs) -> dict[str, int]:
    from django.db.models import Count

    return dict(qs.order_by().values_list("status").annotate(n=Count("id")))
