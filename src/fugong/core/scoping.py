"""The one scoping core (SPEC §11): which rows of firm or person data a user may see.

A scoped model declares how to reach, from its own rows, the enterprise's region path, its industry
department and the enterprise itself::

    class Zone(models.Model):
        scope = Scope(region_path="enterprise__town__path",
                      department="enterprise__department",
                      enterprise="enterprise")
        objects = ScopedQuerySet.as_manager()

and every page, API view, export and count reads it through ``Model.objects.visible_to(user)``.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.http import Http404

from fugong.accounts.roles import Role


@dataclass(frozen=True)
class Scope:
    region_path: str  # lookup to the owning town's Region.path
    department: str  # lookup to the owning enterprise's industry department
    enterprise: str  # lookup to the owning enterprise (its pk)
    person_user: str | None = None  # lookup to the User a personal row belongs to (employee "self")


NOTHING = Q(pk__in=[])


def scope_q(user, scope: Scope) -> Q:
    """The filter that keeps only what ``user`` may see; nothing for anonymous or scope-less users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    role = user.role
    if role in (Role.TASK_FORCE, Role.TOWN, Role.INSPECTOR):
        if user.region_id is None:
            return NOTHING
        return Q(**{f"{scope.region_path}__startswith": user.region.path})
    if role == Role.DEPARTMENT:
        if user.region_id is None or user.department_id is None:
            return NOTHING
        q = Q(**{f"{scope.region_path}__startswith": user.region.path})
        if not user.department.cross_sector:
            q &= Q(**{scope.department: user.department_id})
        return q
    if role == Role.GRID_WORKER:
        return Q(**{f"{scope.enterprise}__in": user.assigned_enterprises.values("pk")})
    if role in (Role.ENTERPRISE, Role.GATE_KEEPER):
        if user.enterprise_id is None:
            return NOTHING
        return Q(**{scope.enterprise: user.enterprise_id})
    if role == Role.EMPLOYEE:
        if scope.person_user is None:
            return NOTHING
        return Q(**{scope.person_user: user.pk})
    return NOTHING


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScopedQuerySet":
        return self.filter(scope_q(user, self.model.scope))


def get_visible_or_404(queryset_or_model, user, **lookup):
    """An object the user may see, or 404 — a foreign object is indistinguishable from a missing one."""
    qs = queryset_or_model
    if isinstance(qs, type) and issubclass(qs, models.Model):
        qs = qs.objects.all()
    try:
        return qs.visible_to(user).get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
