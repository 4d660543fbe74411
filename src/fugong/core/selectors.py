from django.db.models import Count, Q

from fugong.enterprises.models import Enterprise, EnterpriseStatus


def home_summary(user) -> dict:
    """Counts for the landing page, always inside the user's scope."""
    firms = Enterprise.objects.visible_to(user)
    agg = firms.aggregate(
        total=Count("pk"),
        resumed=Count("pk", filter=Q(status=EnterpriseStatus.RESUMED)),
        preparing=Count("pk", filter=Q(status=EnterpriseStatus.PREPARING)),
        stopped=Count("pk", filter=Q(status__in=[EnterpriseStatus.SUSPENDED, EnterpriseStatus.SEALED])),
        above_size=Count("pk", filter=Q(is_above_size=True)),
    )
    agg["resumption_rate"] = round(100 * agg["resumed"] / agg["total"], 1) if agg["total"] else None
    return agg
