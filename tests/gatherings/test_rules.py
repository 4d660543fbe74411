"""The N3 rules (二、3): 50 and over need a plan and the town's approval; dinners over 10 are flagged."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.gatherings import services
from fugong.gatherings.models import Gathering, GatheringStatus
from fugong.resumption.models import Notification
from tests.gatherings.conftest import fields, pdf, record, tomorrow_at

pytestmark = pytest.mark.django_db


def test_49_is_recorded_without_plan(world, n3):
    g = record(world, headcount=49)
    assert g.status == GatheringStatus.RECORDED
    assert g.flags == []
    assert g.policy_version_id is not None


def test_50_needs_a_plan_and_waits_for_the_town(world, n3, on_commit):
    g = on_commit(record, world, headcount=50, plan=pdf())
    assert g.status == GatheringStatus.PENDING
    assert len(g.flags) == 1
    cite = services.policy_for(world.firm_a, g.starts_at).cite("gathering_plan_threshold")
    assert g.flags[0].startswith(cite)
    assert "50人及以上" in g.flags[0]
    assert g.plan_name == "防控方案.pdf" and g.plan_content_type == "application/pdf"
    # The town's officers are told; the other town's are not.
    assert Notification.objects.filter(recipient=world.users["town_a"], event="gatherings.pending").exists()
    assert not Notification.objects.filter(recipient=world.users["town_b"]).exists()
    assert AuditEntry.objects.filter(action="gatherings.gathering.record", object_id=str(g.pk)).exists()


def test_50_without_a_plan_is_refused_naming_the_field_and_rule(world, n3):
    with pytest.raises(ValidationError) as exc:
        record(world, headcount=50)
    message = exc.value.message_dict["plan"][0]
    assert message.startswith("防控方案：")
    cite = services.policy_for(world.firm_a, tomorrow_at(9)).cite("gathering_plan_threshold")
    assert cite in message
    assert not Gathering.objects.exists()


def test_dinner_of_11_is_flagged_with_the_rule_and_10_is_not(world, n3):
    eleven = record(world, kind="dinner", title="班组聚餐", headcount=11)
    assert eleven.status == GatheringStatus.FLAGGED
    cite = services.policy_for(world.firm_a, eleven.starts_at).cite("meal_group_max")
    assert eleven.flags[0].startswith(cite) and "倡导性要求" in eleven.flags[0]
    ten = record(world, kind="dinner", title="小聚餐", headcount=10)
    assert ten.status == GatheringStatus.RECORDED and ten.flags == []
    # A meeting of 11 is no dinner.
    assert record(world, kind="meeting", headcount=11).flags == []


def test_large_dinner_needs_the_plan_and_is_flagged_too(world, n3):
    g = record(world, kind="dinner", headcount=60, plan=pdf())
    assert g.status == GatheringStatus.PENDING
    assert len(g.flags) == 2


@pytest.mark.parametrize("policy", ["none", "n0"])
def test_without_the_values_nothing_applies(world, request, policy):
    if policy == "n0":
        request.getfixturevalue("n0")
    big = record(world, headcount=500)
    dinner = record(world, kind="dinner", headcount=40)
    for g in (big, dinner):
        assert g.status == GatheringStatus.RECORDED and g.flags == []
    assert (big.policy_version_id is not None) == (policy == "n0")


def test_every_field_error_at_once_in_chinese(world, n3):
    with pytest.raises(ValidationError) as exc:
        services.record_gathering(
            world.users["ent_a"],
            world.firm_a,
            kind="party",
            title="",
            place="",
            starts_at="明天",
            ends_at="",
            headcount="0",
            organiser="",
        )
    errors = exc.value.message_dict
    assert set(errors) == {"kind", "title", "place", "starts_at", "ends_at", "headcount", "organiser"}
    assert errors["headcount"] == ["人数：至少为1人"]
    assert errors["title"] == ["名称：必须填写"]


def test_ends_after_starts(world, n3):
    with pytest.raises(ValidationError) as exc:
        record(world, ends_at=tomorrow_at(8))
    assert exc.value.message_dict == {"ends_at": ["结束时间：应晚于开始时间"]}


def test_plan_file_checked_like_other_uploads(world, n3):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("方案.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        record(world, headcount=60, plan=fake)
    assert exc.value.message_dict["plan"][0].startswith("防控方案：")
    exe = SimpleUploadedFile("方案.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        record(world, headcount=60, plan=exe)
    assert "只接受" in exc.value.message_dict["plan"][0]
    assert not Gathering.objects.exists()


def test_record_is_idempotent_on_client_key(world, n3):
    first = record(world, client_key="gathering-key-1")
    again = record(world, client_key="gathering-key-1")
    assert again.pk == first.pk and again.replayed
    assert Gathering.objects.count() == 1


def test_only_the_firm_records_for_itself(world, n3):
    for who in ("town_a", "task_force", "outsider"):
        with pytest.raises(PermissionDenied):
            record(world, who=who)
    with pytest.raises(PermissionDenied):
        record(world, who="ent_c", firm="firm_a")


def test_the_policy_of_the_gathering_day_decides(world, n3):
    from tests.monitoring.conftest import new_version

    later = tomorrow_at(9).date()
    new_version(n3, effective_from=later, gathering_plan_threshold=30)
    today = services.policy_for(world.firm_a, None)
    assert today.parameters.gathering_plan_threshold == 50
    assert record(world, headcount=35, plan=pdf()).status == GatheringStatus.PENDING
    this_afternoon = timezone.now() + dt.timedelta(hours=5)
    same_today = record(
        world, headcount=35, starts_at=this_afternoon, ends_at=this_afternoon + dt.timedelta(hours=1)
    )
    assert same_today.status == GatheringStatus.RECORDED


def test_update_re_decides(world, n3, on_commit):
    g = record(world, headcount=20)
    with pytest.raises(ValidationError) as exc:
        services.update(world.users["ent_a"], g, {"headcount": 80}, g.version)
    assert "plan" in exc.value.message_dict
    g = on_commit(services.update, world.users["ent_a"], g, {"headcount": 80}, g.version, plan=pdf())
    assert g.status == GatheringStatus.PENDING and g.version == 2
    assert Notification.objects.filter(recipient=world.users["town_a"]).exists()
    g = services.update(world.users["ent_a"], g, {"headcount": 30}, g.version)
    assert g.status == GatheringStatus.RECORDED and g.flags == []
    with pytest.raises(services.GatheringConflict):
        services.update(world.users["ent_a"], g, {"headcount": 31}, 1)


def test_cancel_before_it_starts_only(world, n3, pinned_clock):
    g = record(world)
    g = services.cancel(world.users["ent_a"], g)
    assert g.status == GatheringStatus.CANCELLED
    assert services.cancel(world.users["ent_a"], g).status == GatheringStatus.CANCELLED
    # Recorded afterwards: it began an hour ago.
    started = record(world, starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=tomorrow_at(9))
    with pytest.raises(ValidationError) as exc:
        services.cancel(world.users["ent_a"], started)
    assert "已经开始" in exc.value.message_dict["starts_at"][0]
    with pytest.raises(PermissionDenied):
        services.cancel(world.users["town_a"], started)


def test_form_values_as_strings(world, n3):
    g = services.record_gathering(
        world.users["ent_a"],
        world.firm_a,
        **fields(starts_at="2031-03-01T09:00", ends_at="2031-03-01 11:30", headcount="12"),
    )
    assert g.headcount == 12 and g.ends_at > g.starts_at
