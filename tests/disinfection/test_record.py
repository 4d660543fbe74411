"""record_round: a round recorded against the policy of the day, every bad field named in Chinese,
nothing saved on a refusal, a retry with the same client_key answered with the first row, scope."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.disinfection import services
from fugong.disinfection.models import AreaExemption, DisinfectionRecord, DisinfectionSchedule
from fugong.policy.selectors import find_policy_for
from fugong.policy.services import apply_preset
from tests.disinfection.conftest import at, do_round, operate

pytestmark = pytest.mark.django_db


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def test_a_valid_round_is_saved_with_names_policy_and_audit(n2, pinned_clock):
    row = do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "canteen", "after_work", hour=18)

    assert (row.area_name, row.round_name) == ("餐厅食堂", "下班后")
    assert row.recorded_by == n2.users["ent_a"]
    assert row.policy_version_id == find_policy_for(n2.town_a, yesterday()).version_id
    entry = AuditEntry.objects.get(action="disinfection.record.create", object_id=str(row.pk))
    assert entry.after["area"] == "canteen" and entry.after["operator"] == "王师傅"


def test_today_without_a_time_is_now(n2, pinned_clock):
    row = services.record_round(
        n2.users["ent_a"],
        n2.firm_a,
        day=timezone.localdate(),
        area="office",
        round="before_work",
        agent="75%酒精",
        concentration="75%",
        operator="李四",
    )
    assert abs((timezone.now() - row.done_at).total_seconds()) < 60


def test_every_bad_field_is_named_at_once_and_nothing_is_saved(n2, pinned_clock):
    with pytest.raises(ValidationError) as caught:
        services.record_round(
            n2.users["ent_a"],
            n2.firm_a,
            day=yesterday(),
            area="roof",
            round="noon",
            agent="",
            concentration="x" * 51,
            operator="",
            done_at=at(yesterday(), 7),
        )
    errors = caught.value.message_dict
    assert set(errors) == {"area", "round", "agent", "concentration", "operator"}
    assert errors["area"][0].startswith("区域：不是《") and "六个必消" in errors["area"][0]
    assert "车间工作区" in errors["area"][0]
    assert errors["round"][0].startswith("轮次：") and "上班前、下班后" in errors["round"][0]
    assert errors["agent"] == ["消毒剂：必须填写"]
    assert errors["operator"] == ["消杀人员：必须填写"]
    assert DisinfectionRecord.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="disinfection.").exists()


def test_future_time_and_future_day_are_refused(n2, pinned_clock):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as caught:
        do_round(n2.users["ent_a"], n2.firm_a, today, "office", "after_work", done_at=at(today, 23, 59))
    assert caught.value.message_dict["done_at"] == ["消杀时间：不能晚于现在"]
    with pytest.raises(ValidationError) as caught:
        do_round(
            n2.users["ent_a"], n2.firm_a, today + dt.timedelta(days=1), "office", "after_work", done_at=None
        )
    assert caught.value.message_dict["day"] == ["日期：不能登记今天以后的消杀"]
    with pytest.raises(ValidationError) as caught:
        do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "after_work", done_at=at(today, 7))
    assert caught.value.message_dict["done_at"][0].startswith("消杀时间：应在所登记的日期")
    assert DisinfectionRecord.objects.count() == 0


def test_no_areas_in_the_policy_refuses(world, pinned_clock):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    operate(world.firm_a)
    with pytest.raises(ValidationError) as caught:
        do_round(world.users["ent_a"], world.firm_a, yesterday(), "workshop", "before_work")
    assert caught.value.message_dict["area"] == ["当日政策未规定消杀区域"]


def test_no_policy_at_all_refuses(world, pinned_clock):
    with pytest.raises(ValidationError) as caught:
        do_round(world.users["ent_a"], world.firm_a, yesterday(), "workshop", "before_work")
    assert caught.value.message_dict["area"] == ["当日政策未规定消杀区域"]


def test_a_retry_with_the_same_key_returns_the_first_row(n2, pinned_clock):
    first = do_round(
        n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work", client_key="abcd1234"
    )
    again = do_round(
        n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work", client_key="abcd1234", hour=8
    )
    assert again.pk == first.pk and again.replayed
    assert DisinfectionRecord.objects.count() == 1
    assert AuditEntry.objects.filter(action="disinfection.record.create").count() == 1
    with pytest.raises(ValidationError) as caught:
        do_round(n2.users["ent_a"], n2.firm_a, yesterday(), "office", "before_work", client_key="bad key!")
    assert "client_key" in caught.value.message_dict


@pytest.mark.parametrize("who", ["ent_c", "outsider", "town_a", "inspector", "gate_a", "employee_a"])
def test_only_the_firms_own_officer_records(n2, pinned_clock, who):
    with pytest.raises(PermissionDenied):
        do_round(n2.users[who], n2.firm_a, yesterday(), "office", "before_work")
    assert DisinfectionRecord.objects.count() == 0


def test_schedule_and_exemption_are_validated_and_audited(n2):
    actor = n2.users["ent_a"]
    schedule = services.set_schedule(actor, n2.firm_a, "before_work", "07:30")
    assert schedule.due_by == dt.time(7, 30)
    services.set_schedule(actor, n2.firm_a, "before_work", "08:00")
    assert DisinfectionSchedule.objects.get(enterprise=n2.firm_a).due_by == dt.time(8, 0)
    assert services.set_schedule(actor, n2.firm_a, "before_work", "") is None
    assert not DisinfectionSchedule.objects.exists()
    with pytest.raises(ValidationError) as caught:
        services.set_schedule(actor, n2.firm_a, "midnight", "25:00")
    assert set(caught.value.message_dict) == {"round", "due_by"}

    with pytest.raises(ValidationError) as caught:
        services.set_exemption(actor, n2.firm_a, "dormitory", "")
    assert caught.value.message_dict == {"reason": ["原因：必须填写"]}
    services.set_exemption(actor, n2.firm_a, "dormitory", "无宿舍")
    services.set_exemption(actor, n2.firm_a, "dormitory", "员工均走读")
    assert AreaExemption.objects.get().reason == "员工均走读"
    with pytest.raises(PermissionDenied):
        services.set_exemption(n2.users["ent_c"], n2.firm_a, "office", "无")
    with pytest.raises(PermissionDenied):
        services.clear_exemption(n2.users["town_a"], n2.firm_a, "dormitory")
    services.clear_exemption(actor, n2.firm_a, "dormitory")
    assert not AreaExemption.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="disinfection.").values_list("action", flat=True)
    )
    assert actions == [
        "disinfection.schedule.set",
        "disinfection.schedule.set",
        "disinfection.schedule.clear",
        "disinfection.exemption.set",
        "disinfection.exemption.set",
        "disinfection.exemption.clear",
    ]
