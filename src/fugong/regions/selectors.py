"""Reading the region tree for pages: the user's subtree and per-region counts of firms they may see."""

from django.db.models import Count, Exists, OuterRef
from django.http import Http404

from fugong.accounts.roles import can
from fugong.enterprises.models import Enterprise
from fugong.regions.models import Region, RegionLevel


def home_region(user) -> Region | None:
    """The top of what the user governs; None for users without a region."""
    if not can(user, "region.view") or not user.is_active:
        return None
    return user.region


def region_in_reach(user, pk) -> Region:
    """A region inside the user's subtree, or 404 — pages never walk outside it."""
    root = home_region(user)
    if root is None:
        raise Http404
    try:
        return Region.objects.within(root).get(pk=pk)
    except (Region.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def children_of(region: Region):
    has_children = Exists(Region.objects.filter(parent=OuterRef("pk")))
    return region.children.annotate(has_children=has_children).order_by("code")


def enterprise_counts(user, regions, within: Region) -> dict[int, int]:
    """How many firms the user may see under each of ``regions`` (all inside ``within``).

    One grouped query over the towns of ``within``; only counts leave this function, never firms.
    """
    by_town = (
        Enterprise.objects.visible_to(user)
        .filter(town__path__startswith=within.path)
        .values_list("town__path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_town = list(by_town)
    return {r.pk: sum(n for path, n in by_town if path.startswith(r.path)) for r in regions}


def shows_enterprise_count(region: Region) -> bool:
    # Firms belong to towns; below a town a count would always read 0 and mislead.
    return region.level <= RegionLevel.TOWN
