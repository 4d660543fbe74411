"""Which audit entries a task-force officer may read.

The log is not firm data but reveals it (names, before/after values), so it is scoped like firm data.
An entry is visible to a task-force officer whose region is R when any of these holds:

* its actor's region lies inside R (officers of R and below), or its actor belongs to a firm in R;
* its object is a firm the officer may see, a region inside R, or a user whose scope is inside R —
  this brings in what city officers and the system did to things in R.

Entries by actors outside R about anything else (another county's firms, employees, plans …) stay
hidden. The actor's *current* scope is used: the log does not keep where each actor stood then.
"""

from django.db.models import CharField, Q
from django.db.models.functions import Cast

from fugong.accounts.models import User
from fugong.accounts.roles import can
from fugong.audit.models import AuditEntry
from fugong.core.scoping import NOTHING
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region


def _ids(queryset):
    # object_id is text; comparing it with integer keys needs the keys as text too.
    return queryset.annotate(sid=Cast("pk", CharField())).values("sid")


def audit_scope_q(user) -> Q:
    if not can(user, "audit.view") or not user.is_active or user.region_id is None:
        return NOTHING
    path = user.region.path
    users_in = User.objects.filter(
        Q(region__path__startswith=path) | Q(enterprise__town__path__startswith=path)
    )
    return (
        Q(actor__region__path__startswith=path)
        | Q(actor__enterprise__town__path__startswith=path)
        | Q(object_type="enterprises.enterprise", object_id__in=_ids(Enterprise.objects.visible_to(user)))
        | Q(object_type="regions.region", object_id__in=_ids(Region.objects.filter(path__startswith=path)))
        | Q(object_type="accounts.user", object_id__in=_ids(users_in))
    )


def entries_visible_to(user):
    return AuditEntry.objects.filter(audit_scope_q(user)).select_related("actor")


def distinct_actions(user, limit: int = 200) -> list[str]:
    return list(
        entries_visible_to(user).order_by("action").values_list("action", flat=True).distinct()[:limit]
    )


def distinct_object_types(user, limit: int = 200) -> list[str]:
    return list(
        entries_visible_to(user)
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()[:limit]
    )
