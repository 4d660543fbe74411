"""Incident reads: the board (open incidents with late steps first), one incident's timeline, and what a
user may do on it. Set-based: the board is one query for the rows plus one for the index people."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When
from django.utils import timezone

from fugong.incidents.models import Incident, IncidentStatus, IncidentStep, IndexPerson, StepKind


def late_q(now, prefix: str = "") -> Q:
    """A step is late when its due time has passed and it is neither done nor skipped."""
    return Q(
        **{
            f"{prefix}due_at__lt": now,
            f"{prefix}done_at__isnull": True,
            f"{prefix}skipped": False,
        }
    )


def board(user, q: str = "", status: str = ""):
    """The incidents ``user`` may see, annotated with the count of late steps and the next open step;
    open incidents first, those with late steps before the rest, then the newest."""
    now = timezone.now()
    qs = Incident.objects.visible_to(user)
    q = (q or "").strip()
    if q:
        people = IndexPerson.objects.filter(employee__name__icontains=q).values("incident_id")
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(pk__in=people))
    if status in IncidentStatus.values:
        qs = qs.filter(status=status)
    next_step = (
        IncidentStep.objects.filter(incident=OuterRef("pk"), done_at__isnull=True, skipped=False)
        .order_by("id")
        .values("kind")[:1]
    )
    return (
        qs.select_related("enterprise", "town")
        .annotate(
            late=Count("steps", filter=late_q(now, "steps__")),
            done=Count("steps", filter=Q(steps__done_at__isnull=False) | Q(steps__skipped=True)),
            next_kind=Subquery(next_step),
            open_rank=Case(
                When(status=IncidentStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            has_late=Case(When(late__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()),
        )
        .prefetch_related(
            Prefetch("index_people", queryset=IndexPerson.objects.select_related("employee").order_by("id"))
        )
        .order_by("open_rank", "has_late", "-opened_at", "-id")
    )


def step_label(kind) -> str:
    return str(StepKind(kind).label) if kind in StepKind.values else ""


def timeline(incident) -> list[IncidentStep]:
    """The incident's steps in their order, each with ``is_late`` (late steps are listed first)."""
    now = timezone.now()
    steps = list(IncidentStep.objects.filter(incident=incident).select_related("done_by").order_by("id"))
    for step in steps:
        step.is_late = (
            step.due_at is not None and step.done_at is None and not step.skipped and step.due_at < now
        )
        # Done after its due time: shown as done late.
        step.was_late = step.due_at is not None and step.done_at is not None and step.done_at > step.due_at
    return sorted(steps, key=lambda s: (not s.is_late, s.id))


def owner_q(user) -> Q | None:
    """The steps ``user`` owns by the policy (the task force: every step); None: none."""
    from fugong.accounts.roles import Role

    role = getattr(user, "role", None)
    if role == Role.TASK_FORCE:
        return Q()
    if role == Role.ENTERPRISE:
        return Q(owner="enterprise")
    if role == Role.TOWN:
        return Q(owner="town")
    department = getattr(user, "department", None)
    if role == Role.DEPARTMENT and department is not None:
        return Q(owner=f"dept:{department.code}")
    return None


def my_open_steps(user, now) -> tuple[int, int]:
    """(open steps of open incidents ``user`` handles, how many of them are late), one statement. The
    task force counts only the late ones: every step is its to handle, the late ones are its to-do."""
    from django.db.models import Count

    from fugong.accounts.roles import Role, can

    q = owner_q(user)
    if q is None or not can(user, "incidents.handle"):
        return 0, 0
    steps = IncidentStep.objects.visible_to(user).filter(
        q, incident__status=IncidentStatus.OPEN, done_at__isnull=True, skipped=False
    )
    counts = steps.order_by().aggregate(total=Count("pk"), late=Count("pk", filter=late_q(now)))
    if user.role == Role.TASK_FORCE:
        return counts["late"], counts["late"]
    return counts["total"], counts["late"]
