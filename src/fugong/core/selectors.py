from django.db.models import Count, Q

from fugong.accounts.roles import ENTERPRISE_ROLES, can
from fugong.enterprises.models import Enterprise, EnterpriseStatus


def home_summary(user) -> dict:
    """What the landing page shows, always inside the user's scope.

    Officers get counts over the firms they oversee; people of one firm get that firm's own card.
    """
    if user.role in ENTERPRISE_ROLES:
        # The user's own employer, which even an employee may see the name and status of.
        own = user.enterprise
        return {"own_firm": own, "can_open_own_firm": own is not None and can(user, "enterprise.view")}
    firms = Enterprise.objects.visible_to(user)
    agg = firms.aggregate(
        total=Count("pk"),
        resumed=Count("pk", filter=Q(status=EnterpriseStatus.RESUMED)),
        preparing=Count("pk", filter=Q(status=EnterpriseStatus.PREPARING)),
        stopped=Count("pk", filter=Q(status__in=[EnterpriseStatus.SUSPENDED, EnterpriseStatus.SEALED])),
        above_size=Count("pk", filter=Q(is_above_size=True)),
        above_size_resumed=Count("pk", filter=Q(is_above_size=True, status=EnterpriseStatus.RESUMED)),
    )
    agg["resumption_rate"] = round(100 * agg["resumed"] / agg["total"], 1) if agg["total"] else None
    agg["above_size_rate"] = (
        round(100 * agg["above_size_resumed"] / agg["above_size"], 1) if agg["above_size"] else None
    )
    return agg
