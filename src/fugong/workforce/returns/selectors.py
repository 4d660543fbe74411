"""Pre-reports and checkpoint arrivals as the town and the firm read them, within the reader's scope."""

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from fugong.workforce.models import CheckpointArrival, Employee, EmployeeStatus, FollowUp, PreReport
from fugong.workforce.returns.services import BACK_STATUSES

# A pre-report counts as arrived by a checkpoint record made after it — or on the day before it, since
# a firm reporting late may file after its returner has already come through.
ARRIVAL_WINDOW = dt.timedelta(days=1)


def _first_arrival_since_report():
    return (
        CheckpointArrival.objects.filter(
            employee_id=OuterRef("employee_id"), arrived_at__gte=OuterRef("reported_at") - ARRIVAL_WINDOW
        )
        .order_by("arrived_at")
        .values("arrived_at")[:1]
    )


def pre_reports_visible_to(user):
    """The pre-reports the user may see, each with ``arrived_at`` (the first checkpoint record since the
    report, or None) and ``superseded`` (the firm reported the same person again later, for another date)."""
    later = PreReport.objects.filter(
        employee_id=OuterRef("employee_id"), reported_at__gt=OuterRef("reported_at")
    )
    return (
        PreReport.objects.visible_to(user)
        .select_related("employee__enterprise", "town", "reported_by")
        .annotate(arrived_at=Subquery(_first_arrival_since_report()), superseded=Exists(later))
    )


def pre_reports_for(user, *, on_date=None, enterprise=None, on_time=None, arrived=None):
    """The list a town reads: pre-reports expected on ``on_date``, optionally of one firm, on time or
    late, arrived or not."""
    qs = pre_reports_visible_to(user)
    if on_date is not None:
        qs = qs.filter(expected_arrival=on_date)
    if enterprise is not None:
        qs = qs.filter(employee__enterprise=enterprise)
    if on_time is not None:
        qs = qs.filter(on_time=on_time)
    if arrived is not None:
        qs = qs.filter(arrived_at__isnull=not arrived)
    return qs.order_by("employee__enterprise__name", "employee__name", "id")


def expected_not_arrived(user, on_date=None):
    """People pre-reported to arrive on or before ``on_date`` who are still expected and have not come
    through a checkpoint — the town's list to chase."""
    on_date = on_date or timezone.localdate()
    return (
        pre_reports_visible_to(user)
        .filter(
            expected_arrival__lte=on_date,
            arrived_at__isnull=True,
            superseded=False,
            employee__status=EmployeeStatus.EXPECTED,
        )
        .order_by("expected_arrival", "employee__enterprise__name", "employee__name")
    )


def arrivals_visible_to(user):
    """Arrivals the user may see, each with ``pre_reported`` (the firm had reported the person)."""
    reported = PreReport.objects.filter(employee_id=OuterRef("employee_id"))
    return (
        CheckpointArrival.objects.visible_to(user)
        .select_related("town", "enterprise", "employee", "recorded_by")
        .annotate(pre_reported=Exists(reported))
    )


def arrivals_for(user, *, on_date=None, follow_up=None, enterprise=None):
    qs = arrivals_visible_to(user)
    if on_date is not None:
        qs = qs.filter(arrived_at__date=on_date)
    if follow_up:
        qs = qs.filter(follow_up=follow_up)
    if enterprise is not None:
        qs = qs.filter(enterprise=enterprise)
    return qs.order_by("-arrived_at", "-id")


def pending_arrivals(user):
    """Arrivals waiting for the town: unmatched, or matched to a person who may not return."""
    return arrivals_visible_to(user).filter(follow_up=FollowUp.PENDING).order_by("arrived_at", "id")


def summary(user, on_date) -> dict:
    """The counts at the top of the town's page for one day."""
    reports = (
        PreReport.objects.visible_to(user)
        .filter(expected_arrival=on_date)
        .aggregate(total=Count("pk"), late=Count("pk", filter=Q(on_time=False)))
    )
    arrivals = (
        CheckpointArrival.objects.visible_to(user)
        .filter(arrived_at__date=on_date)
        .aggregate(total=Count("pk"), matched=Count("pk", filter=Q(employee__isnull=False)))
    )
    return {
        "pre_reports": reports["total"],
        "late": reports["late"],
        "on_time": reports["total"] - reports["late"],
        "arrivals": arrivals["total"],
        "matched": arrivals["matched"],
        "unmatched": arrivals["total"] - arrivals["matched"],
        "pending": CheckpointArrival.objects.visible_to(user).filter(follow_up=FollowUp.PENDING).count(),
        "not_arrived": expected_not_arrived(user, on_date).count(),
    }


def firm_counts(user, on_date) -> list[dict]:
    """Per firm, for one day: pre-reported, late, arrived of those reported, and all checkpoint arrivals
    matched to the firm that day (including people it never reported)."""
    rows: dict[int, dict] = {}
    reports = (
        pre_reports_visible_to(user)
        .filter(expected_arrival=on_date)
        .values("employee__enterprise_id", "employee__enterprise__name")
        .annotate(
            total=Count("pk"),
            late=Count("pk", filter=Q(on_time=False)),
            arrived=Count("pk", filter=Q(arrived_at__isnull=False)),
        )
        .order_by()
    )
    for row in reports:
        rows[row["employee__enterprise_id"]] = {
            "enterprise_id": row["employee__enterprise_id"],
            "enterprise_name": row["employee__enterprise__name"],
            "pre_reports": row["total"],
            "late": row["late"],
            "arrived": row["arrived"],
            "arrivals": 0,
        }
    arrivals = (
        CheckpointArrival.objects.visible_to(user)
        .filter(arrived_at__date=on_date, enterprise__isnull=False)
        .values("enterprise_id", "enterprise__name")
        .annotate(total=Count("pk"))
        .order_by()
    )
    for row in arrivals:
        entry = rows.setdefault(
            row["enterprise_id"],
            {
                "enterprise_id": row["enterprise_id"],
                "enterprise_name": row["enterprise__name"],
                "pre_reports": 0,
                "late": 0,
                "arrived": 0,
                "arrivals": 0,
            },
        )
        entry["arrivals"] = row["total"]
    return sorted(rows.values(), key=lambda r: r["enterprise_name"])


def reportable_employees(user):
    """The firm's people its officer may pick on the pre-report page: not yet back, not barred, not left;
    those with an expected return date first."""
    return (
        Employee.objects.visible_to(user)
        .exclude(status__in=[*BACK_STATUSES, EmployeeStatus.BARRED, EmployeeStatus.LEFT])
        .order_by(F("expected_return_date").asc(nulls_last=True), "name", "id")
    )
