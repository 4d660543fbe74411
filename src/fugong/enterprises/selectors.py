"""Scoped reads of the enterprise file: lists, counts, history and the parts inside a firm."""

from django.db.models import Count, Q, QuerySet

from fugong.accounts.roles import REGION_ROLES
from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    Enterprise,
    EnterpriseStatus,
    EnterpriseStatusChange,
    GatePoint,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    ShuttleRoute,
    Zone,
)
from fugong.regions.models import Region


def enterprises_for(user) -> QuerySet:
    """The firms ``user`` may see, with what every list and export prints."""
    return Enterprise.objects.visible_to(user).select_related(
        "town", "town__parent", "department", "industry_class"
    )


def visible_towns(user) -> QuerySet:
    """Towns a user can pick in filters and forms: their region's towns, or the towns of firms they see."""
    if getattr(user, "role", None) in REGION_ROLES and user.region_id:
        return Region.objects.towns().within(user.region)
    if not getattr(user, "is_authenticated", False):
        return Region.objects.none()
    return Region.objects.filter(pk__in=Enterprise.objects.visible_to(user).values("town_id"))


def filter_enterprises(user, params, *, request=None, ignore: tuple[str, ...] = ()) -> QuerySet:
    """The user's firms narrowed by the list filters in ``params`` (a QueryDict or dict)."""
    from fugong.enterprises.filters import EnterpriseFilter

    data = params.copy() if params is not None else {}
    for name in ignore:
        data.pop(name, None)
    return EnterpriseFilter(data, queryset=enterprises_for(user), request=request, user=user).qs


def status_counts(queryset: QuerySet) -> dict:
    """Total, above-size and per-status counts of ``queryset`` in one query."""
    aggregates = {"total": Count("pk"), "above_size": Count("pk", filter=Q(is_above_size=True))}
    for value in EnterpriseStatus.values:
        aggregates[value] = Count("pk", filter=Q(status=value))
    row = queryset.order_by().aggregate(**aggregates)
    return {
        "total": row["total"],
        "above_size": row["above_size"],
        "by_status": [
            {"value": value, "label": label, "count": row[value]} for value, label in EnterpriseStatus.choices
        ],
    }


def status_history(enterprise: Enterprise, user) -> QuerySet:
    return (
        EnterpriseStatusChange.objects.visible_to(user).filter(enterprise=enterprise).select_related("actor")
    )


# (key, model) of each part of a firm shown on its page (SPEC §3 "Inside a firm").
PART_MODELS = [
    ("team", PreventionTeamMember),
    ("zones", Zone),
    ("grid_units", GridUnit),
    ("dorm_rooms", DormRoom),
    ("canteen_sittings", CanteenSitting),
    ("shuttle_routes", ShuttleRoute),
    ("isolation_rooms", IsolationRoom),
    ("gates", GatePoint),
]


def enterprise_parts(enterprise: Enterprise, user) -> dict[str, list]:
    """Every part of the firm the user may see, keyed as in PART_MODELS."""
    parts = {}
    for key, model in PART_MODELS:
        qs = model.objects.visible_to(user).filter(enterprise=enterprise)
        if model is GridUnit:
            qs = qs.select_related("parent", "zone")
        parts[key] = list(qs)
    return parts
