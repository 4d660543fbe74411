"""Reading the daily summaries and rolling them up town by town, county by county — always through
``visible_to``: a town officer's roll-up is their town, a county task force's its towns."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from fugong.accounts.roles import REGION_ROLES
from fugong.regions.models import Region, RegionLevel
from fugong.reports.models import FIGURE_NAMES, DailySummary, SummaryStatus


def summaries_visible_to(user, day: dt.date | None = None):
    qs = DailySummary.objects.visible_to(user).select_related("enterprise", "town", "confirmed_by")
    if day is not None:
        qs = qs.filter(day=day)
    return qs.order_by("town__path", "enterprise__name", "pk")


@dataclass
class Rollup:
    """One region's day: how many firms report, how many confirmed, who has not, and the sums."""

    region: Region
    firms: int = 0
    confirmed: int = 0
    unconfirmed: list = field(default_factory=list)  # [(enterprise id, name)] for towns
    unconfirmed_count: int = 0
    # Confirmed only "so far" (截至目前), before the day's last round was due: [(id, name, confirmed_at)].
    provisional: list = field(default_factory=list)
    provisional_count: int = 0
    sums: dict = field(default_factory=lambda: dict.fromkeys(FIGURE_NAMES, 0))
    towns: list = field(default_factory=list)  # the town roll-ups a county/city one is made of

    @property
    def all_confirmed(self) -> bool:
        return self.firms > 0 and self.confirmed == self.firms

    def figures(self) -> list[int]:
        return [self.sums[name] for name in FIGURE_NAMES]

    def add(self, other: "Rollup") -> None:
        self.firms += other.firms
        self.confirmed += other.confirmed
        self.unconfirmed_count += other.unconfirmed_count
        self.provisional_count += other.provisional_count
        for name in FIGURE_NAMES:
            self.sums[name] += other.sums[name]
        self.towns.append(other)


def _towns_in_scope(user):
    """The towns under a region officer's region (so a town with no summary yet still shows, empty)."""
    if user.role in REGION_ROLES and user.region_id is not None:
        return Region.objects.within(user.region).towns()
    return Region.objects.none()


def town_rollup(user, day: dt.date, town_id=None) -> list[Rollup]:
    """Per town under the user's scope: firms, confirmed count (finally), the firms that confirmed
    only "so far", the unconfirmed firms, the figures' sums. Two aggregate queries and the towns, whatever the number of firms."""
    qs = DailySummary.objects.visible_to(user).filter(day=day)
    if town_id:
        qs = qs.filter(town_id=town_id)
    totals = {
        row.pop("town_id"): row
        for row in qs.order_by()
        .values("town_id")
        .annotate(
            _firms=Count("pk"),
            _confirmed=Count("pk", filter=Q(status=SummaryStatus.CONFIRMED)),
            **{name: Sum(name) for name in FIGURE_NAMES},
        )
    }
    missing: dict[int, list] = {}
    so_far: dict[int, list] = {}
    for town, firm_id, name, status, confirmed_at in (
        qs.filter(status__in=[SummaryStatus.DRAFT, SummaryStatus.PROVISIONAL])
        .order_by("enterprise__name", "enterprise_id")
        .values_list("town_id", "enterprise_id", "enterprise__name", "status", "confirmed_at")
    ):
        if status == SummaryStatus.PROVISIONAL:
            so_far.setdefault(town, []).append((firm_id, name, confirmed_at))
        else:
            missing.setdefault(town, []).append((firm_id, name))
    towns = _towns_in_scope(user)
    if town_id:
        towns = towns.filter(pk=town_id)
    regions = Region.objects.filter(Q(pk__in=list(totals)) | Q(pk__in=towns.values("pk"))).order_by("path")
    result = []
    for town in regions:
        row = totals.get(town.pk, {})
        result.append(
            Rollup(
                region=town,
                firms=row.get("_firms", 0),
                confirmed=row.get("_confirmed", 0),
                unconfirmed=missing.get(town.pk, []),
                unconfirmed_count=len(missing.get(town.pk, [])),
                provisional=so_far.get(town.pk, []),
                provisional_count=len(so_far.get(town.pk, [])),
                sums={name: row.get(name) or 0 for name in FIGURE_NAMES},
            )
        )
    return result


def _ancestor_code(path: str, level: int) -> str | None:
    """The code of the ancestor at ``level`` read off a path (``33/3306/330681/330681001/``)."""
    codes = [c for c in path.split("/") if c]
    return codes[level - 1] if len(codes) >= level else None


def region_rollup(user, day: dt.date, level: int = RegionLevel.COUNTY) -> list[Rollup]:
    """The town roll-ups added up one level up (counties) or two (cities), grouped by the code their
    paths carry at that level."""
    towns = town_rollup(user, day)
    by_code: dict[str, list[Rollup]] = {}
    for row in towns:
        code = _ancestor_code(row.region.path, level)
        if code is not None:
            by_code.setdefault(code, []).append(row)
    regions = {r.code: r for r in Region.objects.filter(code__in=list(by_code))}
    result = []
    for code in sorted(by_code, key=lambda c: regions[c].path if c in regions else c):
        if code not in regions:
            continue
        total = Rollup(region=regions[code])
        for row in by_code[code]:
            total.add(row)
        result.append(total)
    return result


def scope_total(rows: list[Rollup]) -> dict:
    """The sums over the rows shown (the bottom line of a page)."""
    sums = dict.fromkeys(FIGURE_NAMES, 0)
    for row in rows:
        for name in FIGURE_NAMES:
            sums[name] += row.sums[name]
    return {
        "firms": sum(r.firms for r in rows),
        "confirmed": sum(r.confirmed for r in rows),
        "unconfirmed_count": sum(r.unconfirmed_count for r in rows),
        "provisional_count": sum(r.provisional_count for r in rows),
        "sums": sums,
        "figures": [sums[name] for name in FIGURE_NAMES],
    }
