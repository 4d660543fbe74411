"""Rows of the supplies ledger for the scope walk: a stock, a receipt and a demand at each of firm_a,
firm_b and firm_c. Written directly, as firm_b has no enterprise user in the world to act for it."""

import datetime as dt

from django.utils import timezone

from fugong.supplies.models import DemandRequest, MovementKind, Stock, StockMovement

# Reading the ledger needs supplies.view besides scope (no gate keeper, no employee).
READ_CAPABILITY = {
    "supply-stocks": "supplies.view",
    "supply-movements": "supplies.view",
    "supply-demands": "supplies.view",
}


def furnish(world) -> None:
    for key in ("firm_a", "firm_b", "firm_c"):
        firm = getattr(world, key)
        Stock.objects.create(enterprise=firm, item="n95", unit="个", quantity=40)
        StockMovement.objects.create(
            enterprise=firm,
            item="n95",
            kind=MovementKind.RECEIPT,
            change=40,
            balance_after=40,
            counterparty=f"供应商{key}",
        )
        DemandRequest.objects.create(
            enterprise=firm,
            item="protective_suit",
            quantity=20,
            needed_by=timezone.localdate() + dt.timedelta(days=3),
            due_on=timezone.localdate() + dt.timedelta(days=3),
            reason="市场断货",
        )
