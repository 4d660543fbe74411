import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.supplies import services
from fugong.supplies.models import MovementKind, Stock, StockMovement

pytestmark = pytest.mark.django_db


def _stock(firm, item):
    return Stock.objects.get(enterprise=firm, item=item).quantity


def test_receive_issue_adjust_keep_a_stock_card(world, ent_a):
    first = services.receive(
        ent_a, world.firm_a, "n95", 100, counterparty="市药械公司", client_key="rcv-0001"
    )
    assert (first.kind, first.change, first.balance_after, first.recorded_by) == ("receipt", 100, 100, ent_a)
    out = services.issue(ent_a, world.firm_a, "n95", 30, counterparty="一车间")
    assert (out.kind, out.change, out.balance_after) == ("issue", -30, 70)
    count = services.adjust(ent_a, world.firm_a, "n95", 65, "月末盘点，破损5个")
    assert (count.kind, count.change, count.balance_after) == (MovementKind.ADJUSTMENT, -5, 65)
    assert _stock(world.firm_a, "n95") == 65
    actions = list(
        AuditEntry.objects.filter(action__startswith="supplies.stock").values_list("action", flat=True)
    )
    assert sorted(actions) == ["supplies.stock.adjust", "supplies.stock.issue", "supplies.stock.receive"]


def test_issue_larger_than_stock_is_refused_and_nothing_saved(world, ent_a):
    services.receive(ent_a, world.firm_a, "n95", 10)
    with pytest.raises(services.InsufficientStock) as err:
        services.issue(ent_a, world.firm_a, "n95", 20, counterparty="二车间")
    assert err.value.message_dict == {"quantity": ["库存不足：N95口罩现有10个，申领20个"]}
    assert _stock(world.firm_a, "n95") == 10
    assert StockMovement.objects.count() == 1


def test_issue_of_an_item_never_stocked(world, ent_a):
    with pytest.raises(services.InsufficientStock) as err:
        services.issue(ent_a, world.firm_a, "protective_suit", 2, counterparty="张伟")
    assert err.value.message_dict["quantity"] == ["库存不足：防护服现有0套，申领2套"]
    assert not Stock.objects.exists()


def test_every_error_at_once(world, ent_a):
    with pytest.raises(ValidationError) as err:
        services.issue(ent_a, world.firm_a, "caviar", "-3", counterparty="", note="x" * 301)
    errors = err.value.message_dict
    assert errors["item"] == ["物资：不在可选的防疫物资之列"]
    assert errors["quantity"] == ["领用数量：应为大于0的整数"]
    assert errors["counterparty"] == ["领用人/部门：必须填写"]
    assert errors["note"] == ["备注：不能超过300个字"]


def test_future_and_old_dates_refused(world, ent_a):
    with pytest.raises(ValidationError) as err:
        services.receive(ent_a, world.firm_a, "mask", 1, at=timezone.now() + dt.timedelta(hours=2))
    assert err.value.message_dict["at"] == ["时间：不能晚于现在"]
    with pytest.raises(ValidationError):
        services.receive(ent_a, world.firm_a, "mask", 1, at=timezone.now() - dt.timedelta(days=40))


def test_unit_must_match_the_book(world, ent_a):
    services.receive(ent_a, world.firm_a, "disinfectant", 20, unit="升")
    with pytest.raises(ValidationError) as err:
        services.receive(ent_a, world.firm_a, "disinfectant", 2, unit="桶")
    assert err.value.message_dict["unit"] == ["单位：本企业消杀用品按“升”计，请换算后登记"]
    assert _stock(world.firm_a, "disinfectant") == 20


def test_retry_with_the_same_key_is_one_movement(world, ent_a):
    services.receive(ent_a, world.firm_a, "mask", 50)
    first = services.issue(ent_a, world.firm_a, "mask", 10, counterparty="一车间", client_key="iss-key-0001")
    again = services.issue(ent_a, world.firm_a, "mask", 10, counterparty="一车间", client_key="iss-key-0001")
    assert again.pk == first.pk and again.replayed and not first.replayed
    assert _stock(world.firm_a, "mask") == 40
    with pytest.raises(ValidationError):
        services.issue(ent_a, world.firm_a, "mask", 1, counterparty="x", client_key="bad key!")


def test_key_of_someone_else_is_refused(world, ent_a):
    from tests.factories import UserFactory

    other = UserFactory(role="enterprise", enterprise=world.firm_a, region=None)
    services.receive(ent_a, world.firm_a, "mask", 5, client_key="rcv-key-0002")
    with pytest.raises(ValidationError) as err:
        services.receive(other, world.firm_a, "mask", 5, client_key="rcv-key-0002")
    assert "client_key" in err.value.message_dict


@pytest.mark.parametrize("who", ["ent_c", "town_a", "task_force", "inspector", "outsider", "employee_a"])
def test_only_the_firm_records_its_own_stock(world, who):
    with pytest.raises(PermissionDenied):
        services.receive(world.users[who], world.firm_a, "mask", 5)
    assert not Stock.objects.exists()


def test_adjust_needs_a_reason_and_a_count(world, ent_a):
    with pytest.raises(ValidationError) as err:
        services.adjust(ent_a, world.firm_a, "mask", "-1", "")
    assert set(err.value.message_dict) == {"counted_quantity", "note"}
    zero = services.adjust(ent_a, world.firm_a, "mask", 0, "首次盘点")
    assert zero.change == 0 and zero.balance_after == 0
