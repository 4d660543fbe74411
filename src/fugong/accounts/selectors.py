"""Reading users: what a user may do, and whom a task-force officer manages."""

from django.db.models import Q

from fugong.accounts.models import User
from fugong.accounts.roles import CAPABILITIES, can


def capabilities_of(user) -> list[str]:
    return sorted(c for c in CAPABILITIES if can(user, c))


def manageable_users(actor):
    """Users whose scope lies inside the actor's region: officers in the subtree, staff of firms in it."""
    if not can(actor, "user.manage") or not actor.is_active or actor.region_id is None:
        return User.objects.none()
    path = actor.region.path
    return (
        User.objects.filter(Q(region__path__startswith=path) | Q(enterprise__town__path__startswith=path))
        .select_related("region", "department", "enterprise")
        .order_by("username")
    )
