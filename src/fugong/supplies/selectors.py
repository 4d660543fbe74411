"""Reads of the supplies ledger: stock cover and shortages for many firms at once.

Set-based on purpose: the compliance engine and the officers' list ask for every firm in a county, so
the firms, their stock, the last week's issues and the towns' policies are each read in one statement.
"""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.enterprises.models import Enterprise
from fugong.policy.parameters import SUPPLY_CHOICES
from fugong.policy.selectors import PolicyResolver

from .models import MovementKind, Stock, StockMovement

# The week the daily use is averaged over (a reserve is judged by how long the stock lasts).
USE_WINDOW_DAYS = 7
ITEM_NAMES = dict(SUPPLY_CHOICES)
ITEM_ORDER = {key: n for n, (key, _name) in enumerate(SUPPLY_CHOICES)}
# The unit a new item is counted in when the firm names none.
DEFAULT_UNITS = {
    "mask": "个",
    "n95": "个",
    "protective_suit": "套",
    "disinfectant": "升",
    "thermometer": "台",
    "antigen_kit": "盒",
    "gloves": "副",
    "goggles": "副",
}


def item_name(key: str) -> str:
    return str(ITEM_NAMES.get(key, key))


def default_unit(key: str) -> str:
    return DEFAULT_UNITS.get(key, "个")


def _window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[day-7 00:00, day 00:00) in the local time zone: the seven whole days before ``day``."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day - dt.timedelta(days=USE_WINDOW_DAYS), dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, end


def _daily_use(issued: int) -> Decimal:
    return Decimal(issued) / USE_WINDOW_DAYS


def _days_of_cover(quantity: int, issued: int) -> Decimal | None:
    # quantity ÷ (issued ÷ 7), computed as one division so 10 issued in a week and 10 in stock is 7 exactly.
    if not issued:
        return None
    return Decimal(quantity * USE_WINDOW_DAYS) / Decimal(issued)


def rounded(value: Decimal | None, places: str = "0.1") -> str:
    """A daily use or cover as people write it: 1.428… → 1.4, 3.0 → 3."""
    if value is None:
        return ""
    text = format(value.quantize(Decimal(places), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def cover_by_firm(day: dt.date, enterprise_ids=None, *, resolver: PolicyResolver | None = None) -> dict:
    """{firm id: [row per item]} — every item the town's policy in force on ``day`` requires plus every
    item the firm stocks, each with its balance, the average daily issue of the last week, the days
    the balance lasts at that rate, and whether it is short (with the rule's citation first)."""
    firms = Enterprise.objects.select_related("town").only("pk", "town__id", "town__path", "town__code")
    if enterprise_ids is not None:
        firms = firms.filter(pk__in=list(enterprise_ids))
    firms = list(firms)
    if not firms:
        return {}
    ids = [f.pk for f in firms]
    towns = {f.town_id: f.town for f in firms}
    policies = (resolver or PolicyResolver()).find_many(list(towns.values()), day)

    stocks: dict[int, dict[str, Stock]] = defaultdict(dict)
    for stock in Stock.objects.filter(enterprise_id__in=ids).only(
        "enterprise_id", "item", "unit", "quantity"
    ):
        stocks[stock.enterprise_id][stock.item] = stock

    start, end = _window(day)
    issued: dict[tuple[int, str], int] = {}
    rows = (
        StockMovement.objects.filter(
            enterprise_id__in=ids, kind=MovementKind.ISSUE, at__gte=start, at__lt=end
        )
        .values("enterprise_id", "item")
        .annotate(total=Sum("change"))
        .order_by()
    )
    for row in rows:
        issued[(row["enterprise_id"], row["item"])] = -(row["total"] or 0)

    result: dict[int, list[dict]] = {}
    for firm in firms:
        policy = policies.get(firm.town_id)
        required = tuple(policy.parameters.required_supplies or ()) if policy else ()
        min_days = policy.parameters.supplies_min_days_of_cover if policy else None
        items = sorted(set(required) | set(stocks[firm.pk]), key=lambda k: (ITEM_ORDER.get(k, 99), k))
        entries = []
        for key in items:
            stock = stocks[firm.pk].get(key)
            quantity = stock.quantity if stock else 0
            used = issued.get((firm.pk, key), 0)
            daily = _daily_use(used)
            cover = _days_of_cover(quantity, used)
            is_required = key in required
            short, reason = False, ""
            if is_required and quantity == 0:
                short = True
                reason = _("%(cite)s：要求储备%(item)s，现无库存") % {
                    "cite": policy.cite("required_supplies"),
                    "item": item_name(key),
                }
            elif is_required and min_days is not None and cover is not None and cover < min_days:
                short = True
                reason = _(
                    "%(cite)s：%(item)s按近7日日均用量%(daily)s%(unit)s只够%(cover)s天，低于%(min)s天"
                ) % {
                    "cite": policy.cite("supplies_min_days_of_cover"),
                    "item": item_name(key),
                    "daily": rounded(daily),
                    "unit": stock.unit if stock else default_unit(key),
                    "cover": rounded(cover),
                    "min": min_days,
                }
            entries.append(
                {
                    "item": key,
                    "item_name": item_name(key),
                    "unit": stock.unit if stock else default_unit(key),
                    "quantity": quantity,
                    "daily_use": daily,
                    "days_of_cover": cover,
                    "required": is_required,
                    "short": short,
                    "reason": reason,
                }
            )
        result[firm.pk] = entries
    return result


def shortages_by_firm(day: dt.date, enterprise_ids=None, *, resolver: PolicyResolver | None = None) -> dict:
    """{firm id: [short rows]} for every firm asked about (an empty list when nothing is short)."""
    cover = cover_by_firm(day, enterprise_ids, resolver=resolver)
    return {pk: [r for r in rows if r["short"]] for pk, rows in cover.items()}


def movements(user, *, firm=None, item: str = "", kind: str = "", start=None, end=None):
    """The movements the user may see, filtered; dates are local days, both ends included."""
    qs = StockMovement.objects.visible_to(user)
    if firm is not None:
        qs = qs.filter(enterprise=firm)
    if item in ITEM_NAMES:
        qs = qs.filter(item=item)
    if kind in MovementKind.values:
        qs = qs.filter(kind=kind)
    tz = timezone.get_current_timezone()
    if start is not None:
        qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
    if end is not None:
        qs = qs.filter(at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.select_related("enterprise", "recorded_by")
