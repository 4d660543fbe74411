"""The town decides on a pending gathering: only the town of the firm, only once, at the version it saw."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.audit.models import AuditEntry
from fugong.gatherings import services
from fugong.gatherings.models import GatheringStatus
from fugong.resumption.models import Notification
from tests.gatherings.conftest import pdf, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(world, n3):
    return record(world, headcount=60, plan=pdf())


def test_town_approves_and_firm_is_told(world, pending, on_commit):
    g = on_commit(
        services.approve, world.users["town_a"], pending, "同意，请落实测温和间隔就座", pending.version
    )
    assert g.status == GatheringStatus.APPROVED
    assert g.decided_by == world.users["town_a"] and g.decided_at is not None
    assert g.version == pending.version + 1
    note = Notification.objects.get(recipient=world.users["ent_a"], event="gatherings.approved")
    assert "已批准" in note.message and "间隔就座" in note.message
    assert AuditEntry.objects.filter(action="gatherings.gathering.approve", object_id=str(g.pk)).exists()
    assert [e.action for e in g.events.all()] == ["record", "approve"]


def test_town_rejects_with_a_reason(world, pending, on_commit):
    with pytest.raises(ValidationError) as exc:
        services.reject(world.users["town_a"], pending, "", pending.version)
    assert exc.value.message_dict["note"] == ["审批意见：不批准时必须写明理由"]
    g = on_commit(services.reject, world.users["town_a"], pending, "请改为视频会议", pending.version)
    assert g.status == GatheringStatus.REJECTED
    assert Notification.objects.filter(recipient=world.users["ent_a"], event="gatherings.rejected").exists()


@pytest.mark.parametrize("who", ["ent_a", "task_force", "inspector", "grid_a", "dept_industry"])
def test_only_the_town_may_decide(world, pending, who):
    with pytest.raises(PermissionDenied):
        services.approve(world.users[who], pending, "", pending.version)


@pytest.mark.parametrize("who", ["town_b", "outsider"])
def test_a_town_outside_may_not_decide(world, pending, who):
    with pytest.raises(PermissionDenied):
        services.approve(world.users[who], pending, "", pending.version)
    pending.refresh_from_db()
    assert pending.status == GatheringStatus.PENDING


def test_wrong_state(world, n3):
    plain = record(world, headcount=10)
    with pytest.raises(ValidationError) as exc:
        services.approve(world.users["town_a"], plain, "", plain.version)
    assert "不在待审批状态" in exc.value.message_dict["status"][0]


def test_stale_version_is_a_conflict_in_chinese(world, pending):
    services.approve(world.users["town_a"], pending, "", pending.version)
    with pytest.raises(services.GatheringConflict) as exc:
        services.reject(world.users["town_a"], pending, "不同意", pending.version)
    assert "已被他人修改" in exc.value.message and "已批准" in exc.value.message


def test_missing_version_is_refused(world, pending):
    with pytest.raises(ValidationError) as exc:
        services.approve(world.users["town_a"], pending, "", None)
    assert "version" in exc.value.message_dict


def test_cancelling_a_pending_one_tells_the_town(world, pending, on_commit):
    on_commit(services.cancel, world.users["ent_a"], pending)
    assert Notification.objects.filter(recipient=world.users["town_a"], event="gatherings.cancelled").exists()
    with pytest.raises(ValidationError):
        services.approve(world.users["town_a"], pending, "", pending.version + 1)


def test_an_approved_gathering_is_not_changed_behind_the_town(world, pending):
    g = services.approve(world.users["town_a"], pending, "", pending.version)
    with pytest.raises(ValidationError) as exc:
        services.update(world.users["ent_a"], g, {"headcount": 90}, g.version)
    assert "不能修改" in exc.value.message_dict["status"][0]
