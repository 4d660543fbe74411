"""Writes: versions never rewrite the past, concurrent edits do not overwrite, everything is audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from fugong.audit.models import AuditEntry
from fugong.audit.services import verify_chain
from fugong.policy.models import ImmutableError, NoReturnArea, Policy, PolicyVersion, RiskArea, RiskLevel
from fugong.policy.services import (
    PolicyConflict,
    add_risk_area,
    apply_preset,
    create_version,
    end_risk_area,
)
from tests.policy.conftest import N0_START

D = dt.date


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_apply_preset_creates_policy_version_areas_and_audit(world, county_policy):
    assert county_policy.region == world.county and county_policy.preset_key == "N0_zhuji_2020"
    v1 = county_policy.versions.get()
    assert (v1.number, v1.effective_from, v1.preset_key) == (1, N0_START, "N0_zhuji_2020")
    assert v1.params.isolation_days_out_of_region == 14
    hubei = NoReturnArea.objects.get(policy=county_policy)
    assert (hubei.region_code, hubei.valid_from, hubei.valid_to) == ("42", N0_START, None)
    assert [e.object_id for e in entries("policy.create")] == [str(county_policy.pk)]
    assert entries("policy.version.create")[0].after["number"] == 1
    assert entries("policy.no_return_area.create")[0].after["region_code"] == "42"
    assert verify_chain().ok


def test_apply_preset_again_is_a_no_op(world, county_policy):
    again = apply_preset(world.county, "N0_zhuji_2020", effective_from=N0_START)
    assert again.pk == county_policy.pk
    assert PolicyVersion.objects.count() == 1 and NoReturnArea.objects.count() == 1


def test_apply_preset_to_existing_policy_is_a_new_version_not_in_the_past(world, county_policy, today):
    with pytest.raises(ValidationError) as info:
        apply_preset(world.county, "N2", effective_from=D(2020, 3, 1))
    assert "「生效日期」不得早于今天" in info.value.message_dict["effective_from"][0]
    apply_preset(world.county, "N2", effective_from=today)
    latest = Policy.objects.get(pk=county_policy.pk).latest_version()
    assert (latest.number, latest.preset_key) == (2, "N2_baotou_2020")
    assert RiskArea.objects.get(policy=county_policy).valid_from == today


def test_apply_unknown_preset(world):
    with pytest.raises(ValidationError) as info:
        apply_preset(world.county, "N7", effective_from=N0_START)
    assert info.value.message_dict["preset_key"][0].startswith("预设「N7」不存在")


def test_task_force_cannot_apply_outside_its_region(world):
    with pytest.raises(PermissionDenied):
        apply_preset(
            world.county, "N0", actor=world.users["task_force_outside"], effective_from=D(2020, 2, 1)
        )
    with pytest.raises(PermissionDenied):
        apply_preset(world.town_a, "N0", actor=world.users["town_a"], effective_from=D(2020, 2, 1))
    assert not Policy.objects.exists()


def test_new_version_cannot_start_before_today(world, county_policy, today):
    data = {"isolation_days_out_of_region": 7}
    with pytest.raises(ValidationError) as info:
        create_version(
            county_policy,
            data,
            effective_from=today - dt.timedelta(days=1),
            based_on=1,
            actor=world.users["task_force"],
        )
    assert "过去的日子按当时的政策办理" in info.value.message_dict["effective_from"][0]
    assert county_policy.versions.count() == 1


def test_new_version_may_not_precede_the_newest_version(world, county_policy, today):
    base = county_policy.latest_version().parameters
    create_version(
        county_policy,
        {**base, "pre_report_lead_days": 3},
        effective_from=today + dt.timedelta(days=5),
        based_on=1,
        note="会议纪要",
    )
    with pytest.raises(ValidationError) as info:
        create_version(
            county_policy, {**base, "pre_report_lead_days": 4}, effective_from=today, based_on=2, note="x"
        )
    assert "不得早于第2版的生效日期" in info.value.message_dict["effective_from"][0]


def test_identical_parameters_are_not_a_new_version(world, county_policy, today):
    with pytest.raises(ValidationError) as info:
        create_version(
            county_policy, county_policy.latest_version().parameters, effective_from=today, based_on=1
        )
    assert info.value.message_dict["parameters"] == ["参数与第1版完全相同，无需发布新版本。"]


def test_stale_form_is_refused_and_nothing_saved(world, county_policy, today):
    tf = world.users["task_force"]
    base = county_policy.latest_version().parameters
    # Two officers open the form on version 1; the first publishes.
    create_version(
        county_policy,
        {**base, "pre_report_lead_days": 3},
        effective_from=today,
        based_on=1,
        actor=tf,
        note="第一位",
    )
    with pytest.raises(PolicyConflict) as info:
        create_version(
            county_policy,
            {**base, "pre_report_lead_days": 5},
            effective_from=today,
            based_on=1,
            actor=tf,
            note="第二位",
        )
    assert "已由tf_zhuji于" in info.value.messages[0] and "更新为第2版" in info.value.messages[0]
    assert county_policy.versions.count() == 2
    assert Policy.objects.get(pk=county_policy.pk).latest_number == 2


def test_version_audit_records_only_what_changed(world, county_policy, today):
    base = county_policy.latest_version().parameters
    data = {k: v for k, v in base.items() if k != "travel_history_lookback_days"}
    data["isolation_days_out_of_region"] = 10
    version = create_version(
        county_policy,
        data,
        effective_from=today,
        based_on=1,
        actor=world.users["task_force"],
        note="指挥部会议",
    )
    entry = entries("policy.version.create")[-1]
    assert entry.object_id == str(version.pk) and entry.actor == world.users["task_force"]
    assert entry.before["parameters"] == {
        "isolation_days_out_of_region": 14,
        "travel_history_lookback_days": 14,
    }
    assert entry.after["parameters"] == {
        "isolation_days_out_of_region": 10,
        "travel_history_lookback_days": None,
    }
    assert entry.note == "指挥部会议"


def test_invalid_parameters_save_nothing(world, county_policy, today):
    with pytest.raises(ValidationError) as info:
        create_version(county_policy, {"dorm_max_per_room": 0}, effective_from=today, based_on=1)
    assert info.value.message_dict == {
        "dorm_max_per_room": ["「集体宿舍每间人数上限」须为 1 至 50 之间的整数（单位：人/间）。"]
    }
    assert county_policy.versions.count() == 1
    assert not entries("policy.version.create")[1:]


def test_versions_are_immutable(county_policy):
    version = county_policy.versions.get()
    version.note = "改写"
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        version.delete()


def test_town_officer_and_outsider_cannot_publish(world, county_policy, today):
    for who in ("town_a", "task_force_outside", "dept_health"):
        with pytest.raises(PermissionDenied):
            create_version(
                county_policy,
                {"antigen_daily": True},
                effective_from=today,
                based_on=1,
                actor=world.users[who],
            )
    # A county's task force may not edit the city's policy either.
    city = apply_preset(world.city, "N3", effective_from=D(2021, 1, 7))
    with pytest.raises(PermissionDenied):
        create_version(
            city, {"meal_group_max": 8}, effective_from=today, based_on=1, actor=world.users["task_force"]
        )


def test_risk_area_validation_in_chinese(world, county_policy):
    with pytest.raises(ValidationError) as info:
        add_risk_area(
            county_policy,
            region_code="湖北",
            name="",
            level=RiskLevel.HIGH,
            valid_from=D(2020, 3, 1),
            valid_to=D(2020, 2, 1),
        )
    errors = info.value.message_dict
    assert errors["region_code"][0].startswith("「区划代码」须为国家行政区划代码")
    assert errors["name"][0].startswith("「名称」不能为空")
    assert errors["valid_to"] == ["「截止日期」不得早于「起始日期」（2020年3月1日）。"]
    with pytest.raises(ValidationError) as info:
        add_risk_area(
            county_policy, region_code="42", name="湖北省", level="extreme", valid_from=D(2020, 3, 1)
        )
    assert info.value.message_dict["level"][0].startswith("「风险等级」须为以下之一")


def test_overlapping_registration_is_refused(world, county_policy):
    tf = world.users["task_force"]
    add_risk_area(
        county_policy,
        region_code="4201",
        name="武汉市",
        level=RiskLevel.HIGH,
        valid_from=D(2020, 2, 1),
        actor=tf,
    )
    with pytest.raises(ValidationError) as info:
        add_risk_area(
            county_policy,
            region_code="420100",
            name="武汉市",
            level=RiskLevel.MEDIUM,
            valid_from=D(2020, 3, 1),
            actor=tf,
        )
    assert "请先解除原登记" in info.value.message_dict["region_code"][0]
    assert RiskArea.objects.count() == 1


def test_end_risk_area_is_audited_and_cannot_extend(world, county_policy):
    tf = world.users["task_force"]
    area = add_risk_area(
        county_policy,
        region_code="4201",
        name="武汉市",
        level=RiskLevel.HIGH,
        valid_from=D(2020, 2, 1),
        actor=tf,
    )
    end_risk_area(area, last_day=D(2020, 4, 7), actor=tf)
    area.refresh_from_db()
    assert area.valid_to == D(2020, 4, 7) and area.ended_by == tf and area.ended_at is not None
    entry = entries("policy.risk_area.end")[0]
    assert entry.before == {"valid_to": None} and entry.after == {"valid_to": "2020-04-07"}
    with pytest.raises(ValidationError) as info:
        end_risk_area(area, last_day=D(2020, 5, 1), actor=tf)
    assert "不能延长" in info.value.message_dict["last_day"][0]
    with pytest.raises(ValidationError):
        end_risk_area(area, last_day=D(2020, 1, 1), actor=tf)
    with pytest.raises(PermissionDenied):
        end_risk_area(area, last_day=D(2020, 4, 1), actor=world.users["town_a"])


def test_management_command(world, capsys):
    call_command("apply_policy_preset", "N1", "330681", "--effective-from", "2022-04-20")
    policy = Policy.objects.get(region=world.county)
    assert policy.latest_version().effective_from == D(2022, 4, 20)
    assert "第1版" in capsys.readouterr().out
    with pytest.raises(CommandError, match="区划代码「999999」不存在"):
        call_command("apply_policy_preset", "N1", "999999")
    with pytest.raises(CommandError, match="生效日期格式"):
        call_command("apply_policy_preset", "N1", "330681", "--effective-from", "20220420")
