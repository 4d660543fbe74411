import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.resumption.models import Notification
from fugong.supplies import demands
from fugong.supplies.models import DemandStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _later(days):
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def demand(world, ent_a):
    return demands.request_supplies(
        ent_a, world.firm_a, "n95", 500, _later(5), "供应商断货，市场采购不到", client_key="dem-key-0001"
    )


def _inbox(user):
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("event", flat=True))


def test_request_goes_to_the_town(world, demand):
    assert demand.status == DemandStatus.SUBMITTED and demand.due_on == _later(5) and demand.version == 1
    assert _inbox(world.users["town_a"]) == ["supplies.demand.submit"]
    assert _inbox(world.users["town_b"]) == []
    again = demands.request_supplies(
        world.users["ent_a"], world.firm_a, "n95", 500, _later(5), "x", client_key="dem-key-0001"
    )
    assert again.pk == demand.pk and again.replayed


def test_request_errors_all_at_once(world, ent_a):
    with pytest.raises(ValidationError) as err:
        demands.request_supplies(ent_a, world.firm_a, "", 0, timezone.localdate() - dt.timedelta(days=1), "")
    assert err.value.message_dict == {
        "item": ["物资：必须选择"],
        "quantity": ["需求数量：应为大于0的整数"],
        "needed_by": ["需要日期：不能早于今天"],
        "reason": ["无法自行解决的原因：必须填写"],
    }


def test_escalate_then_task_force_answers(world, demand):
    town, tf = world.users["town_a"], world.users["task_force"]
    escalated = demands.escalate(town, demand, "镇内调剂不足", _later(3), expected_version=1)
    assert escalated.status == DemandStatus.ESCALATED and escalated.due_on == _later(3)
    assert escalated.escalated_by == town and escalated.version == 2
    assert "supplies.demand.escalate" in _inbox(tf)
    # The town no longer holds it.
    with pytest.raises(ValidationError) as err:
        demands.answer(town, demand, fulfilled=True, answer="已调拨", expected_version=2)
    assert "应由专班/指挥部答复" in err.value.message_dict["status"][0]
    done = demands.answer(
        tf, demand, fulfilled=True, answer="市级储备调拨500个，明日送达", expected_version=2
    )
    assert done.status == DemandStatus.FULFILLED and done.answered_by == tf
    assert "supplies.demand.answer" in _inbox(world.users["ent_a"])
    assert "supplies.demand.answer" in _inbox(town)
    actions = AuditEntry.objects.filter(action__startswith="supplies.demand").values_list("action", flat=True)
    assert sorted(actions) == ["supplies.demand.answer", "supplies.demand.escalate", "supplies.demand.submit"]


def test_town_answers_directly(world, demand):
    done = demands.answer(
        world.users["town_a"], demand, fulfilled=False, answer="请自行采购", expected_version=1
    )
    assert done.status == DemandStatus.DECLINED
    with pytest.raises(ValidationError) as err:
        demands.withdraw(world.users["ent_a"], demand)
    assert err.value.message_dict["status"] == ["这条需求当前为“无法协调（已答复）”，不能进行此操作"]


def test_stale_version_refused(world, demand):
    demands.escalate(world.users["town_a"], demand, "镇内调剂不足", _later(3), expected_version=1)
    with pytest.raises(demands.StaleDemand) as err:
        demands.answer(world.users["task_force"], demand, fulfilled=True, answer="好", expected_version=1)
    assert err.value.message_dict["version"][0].startswith("这条需求已被他人处理")


def test_task_force_cannot_escalate_nor_answer_a_submitted_one(world, demand):
    with pytest.raises(PermissionDenied):
        demands.escalate(world.users["task_force"], demand, "x", _later(3), expected_version=1)
    with pytest.raises(ValidationError):
        demands.answer(world.users["task_force"], demand, fulfilled=True, answer="x", expected_version=1)


@pytest.mark.parametrize("who", ["town_b", "outsider", "ent_c", "inspector", "employee_a"])
def test_others_cannot_handle(world, demand, who):
    with pytest.raises(PermissionDenied):
        demands.answer(world.users[who], demand, fulfilled=True, answer="x", expected_version=1)
    with pytest.raises(PermissionDenied):
        demands.withdraw(world.users[who], demand)
    demand.refresh_from_db()
    assert demand.status == DemandStatus.SUBMITTED


def test_firm_withdraws(world, demand):
    gone = demands.withdraw(world.users["ent_a"], demand)
    assert gone.status == DemandStatus.WITHDRAWN
    assert _inbox(world.users["town_a"]) == ["supplies.demand.submit", "supplies.demand.withdraw"]


def test_escalation_needs_note_and_due_date(world, demand):
    with pytest.raises(ValidationError) as err:
        demands.escalate(world.users["town_a"], demand, "", None, expected_version=1)
    assert set(err.value.message_dict) == {"note", "due_on"}
