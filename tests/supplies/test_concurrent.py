"""The DONE-WHEN test: two issues of the last ten masks at once never both succeed."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction

from fugong.supplies import services
from fugong.supplies.models import MovementKind, Stock, StockMovement

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises whole-database writes, so it cannot show row locks racing; run on PostgreSQL",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_of_the_last_masks(world):
    ent = world.users["ent_a"]
    services.receive(ent, world.firm_a, "mask", 10)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def take(n):
        try:
            barrier.wait(timeout=10)
            movement = services.issue(ent, world.firm_a, "mask", 10, counterparty=f"{n}号车间")
            outcomes.append(("ok", movement.balance_after))
        except ValidationError as exc:
            outcomes.append(("refused", exc.message_dict["quantity"][0]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("ok", 0) in outcomes
    assert [o[1] for o in outcomes if o[0] == "refused"] == ["库存不足：医用口罩现有0个，申领10个"]
    assert Stock.objects.get(enterprise=world.firm_a, item="mask").quantity == 0
    issues = StockMovement.objects.filter(enterprise=world.firm_a, kind=MovementKind.ISSUE)
    assert [(m.change, m.balance_after) for m in issues] == [(-10, 0)]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_receipts_share_one_stock_row(world):
    ent = world.users["ent_a"]
    barrier = threading.Barrier(2)
    errors: list = []

    def bring():
        try:
            barrier.wait(timeout=10)
            services.receive(ent, world.firm_a, "gloves", 5)
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bring) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert Stock.objects.get(enterprise=world.firm_a, item="gloves").quantity == 10


@pytest.mark.django_db
def test_database_refuses_a_negative_balance(world):
    ent = world.users["ent_a"]
    services.receive(ent, world.firm_a, "mask", 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(enterprise=world.firm_a, item="mask").update(quantity=-1)
    assert Stock.objects.get(enterprise=world.firm_a, item="mask").quantity == 3
