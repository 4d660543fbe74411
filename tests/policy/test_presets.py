"""Each preset carries its notice's numbers and lists (SPEC §2), with a citation for every value."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fugong.policy.models import ChecklistDefinition, CheckMethod
from fugong.policy.parameters import parse_parameters, validate_parameters
from fugong.policy.preset_files import shipped_presets

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The shipped preset files as plain dicts: key → {notice, parameters, sources, areas}.
PRESETS = {
    p.key: {
        "key": p.key,
        "notice": p.notice["code"],
        "parameters": p.parameter_values(),
        "sources": p.provenance(),
        "no_return_areas": p.data.get("no_return_areas", []),
        "risk_areas": p.data.get("risk_areas", []),
    }
    for p in shipped_presets()
}
CHECKLISTS = [c for p in shipped_presets() for c in p.data.get("checklists", [])]


class UnknownPreset(KeyError):
    pass


def get_preset(key):
    for p in PRESETS.values():
        if key.lower() in (p["key"].lower(), p["notice"].lower()):
            return p
    raise UnknownPreset(key)


def params(notice):
    return parse_parameters(get_preset(notice)["parameters"])


def test_five_presets_one_per_notice():
    assert sorted(p["notice"] for p in PRESETS.values()) == ["N0", "N1", "N2", "N3", "N4"]
    assert set(PRESETS) == {
        "N0_zhuji_2020",
        "N1_changchun_2022",
        "N2_baotou_2020",
        "N3_shaoxing_2021",
        "N4_hengshui_2020",
    }


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_value_cites_its_source(key):
    preset = PRESETS[key]
    assert set(preset["sources"]) == set(preset["parameters"])
    assert all(s["section"].strip() or s["note"].strip() for s in preset["sources"].values())


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_preset_is_valid_against_the_database(key):
    # Departments named in review chains and checklists required must exist once migrated.
    validate_parameters(PRESETS[key]["parameters"])


def test_lookup_by_notice_number_or_key():
    assert get_preset("N2")["key"] == "N2_baotou_2020"
    assert get_preset("n3")["key"] == "N3_shaoxing_2021"
    assert get_preset("N4_hengshui_2020")["notice"] == "N4"
    with pytest.raises(UnknownPreset):
        get_preset("N9")


def test_n0_zhuji():
    p = params("N0")
    assert p.isolation_days_out_of_region == 14
    assert p.travel_history_lookback_days == 14
    assert p.temperature_checks_per_day == 2
    assert p.pre_report_lead_days == 2
    assert p.fever_threshold_c == Decimal("37.3")
    assert [s.key for s in p.review_chain] == ["town_check", "joint_review", "task_force_approval", "filed"]
    joint = p.review_chain[1]
    assert joint.is_joint and set(joint.participants) == {"dept:@industry", "dept:health"}
    assert p.review_chain[0].participants == ("town",)
    weights = {f.key: f.weight for f in p.priority_factors}
    assert set(weights) == {
        "preparedness",
        "headcount_clarity",
        "local_share",
        "key_exporter",
        "listed",
        "key_manufacturing",
        "above_size",
        "efficiency_a",
        "efficiency_b",
        "efficiency_c",
        "efficiency_d",
    }
    assert weights["efficiency_a"] > weights["efficiency_d"]
    assert set(p.required_application_documents) == {
        "prevention_team",
        "prevention_plan",
        "production_plan",
        "emergency_plan",
        "staff_roster",
        "commitment_letter",
    }
    groups = [c.group for c in p.commitments]
    assert groups.count("四必须") == 4 and groups.count("六个一律") == 6
    texts = [c.text for c in p.commitments]
    assert texts[3] == "必须严格落实绍外返工人员不少于14天的企业自身隔离医学观察措施"
    assert texts[9] == "一律落实未经审批同意复工的企业责任追究制度"
    assert all(t.startswith("必须") for t in texts[:4]) and all(t.startswith("一律") for t in texts[4:])
    assert p.required_checklists == ("N0_four_musts", "N0_six_always")
    assert get_preset("N0")["no_return_areas"][0]["region_code"] == "42"
    # Not set by N0: not invented.
    assert p.nucleic_test_interval_days is None and p.max_people_per_car is None
    assert p.earliest_resumption_at is None and p.dorm_max_per_room is None


def test_n1_changchun():
    p = params("N1")
    assert p.nucleic_test_interval_days == 3
    assert p.antigen_daily is True
    assert p.max_people_per_car == 3
    assert p.pre_exit_nucleic_valid_hours == 48
    assert p.pre_exit_antigen_required is True
    assert p.buffer_zone_requires_negative_nucleic is True
    assert p.resumption_modes_allowed == ("closed_in_plant",)
    chain = p.review_chain
    assert [s.key for s in chain] == [
        "development_filing",
        "onsite_guidance",
        "reported_to_city",
        "commitment_signed",
    ]
    assert chain[0].participants == ("dept:development",)
    assert chain[1].is_joint and set(chain[1].participants) == {
        "dept:health",
        "dept:emergency",
        "dept:fire",
        "town",
    }
    assert chain[3].participants == ("enterprise",)
    assert p.isolation_days_out_of_region is None and p.temperature_checks_per_day is None


def test_n2_baotou():
    p = params("N2")
    assert p.isolation_days_out_of_region == 14
    assert p.temperature_checks_per_day == 2
    # “2月9日24时” is midnight starting 10 February, Beijing time.
    assert p.earliest_resumption_at == dt.datetime(2020, 2, 10, 0, 0, tzinfo=SHANGHAI)
    assert p.earliest_resumption_at == dt.datetime(2020, 2, 9, 16, 0, tzinfo=dt.UTC)
    assert set(p.essential_sectors_exempt) == {
        "essential_public_service",
        "epidemic_supplies",
        "daily_necessities",
    }
    assert p.early_resumption_needs_approval is True
    assert p.term_keys("disinfection_areas") == (
        "workshop",
        "office",
        "dormitory",
        "canteen",
        "isolation_site",
        "commuter_vehicle",
    )
    assert p.term_keys("disinfection_rounds") == ("before_work", "after_work")
    assert p.observation_point_required_for_hard_hit_returners is True
    assert set(p.required_checklists) == {"N2_double_control_test_isolation", "N2_six_must_disinfect"}
    hubei = get_preset("N2")["risk_areas"][0]
    assert (hubei["region_code"], hubei["level"]) == ("42", "high")


def test_n3_shaoxing():
    p = params("N3")
    # “50人以上……应当制定疫情防控方案”, “控制在10人以下”: both include the number itself.
    assert p.gathering_plan_threshold == 50
    assert p.meal_group_max == 10
    assert p.required_checklists == ("N3_five_haves_one_grid",)
    assert p.isolation_days_out_of_region is None


def test_n4_hengshui():
    p = params("N4")
    assert p.dorm_max_per_room == 6
    assert p.dorm_min_area_per_person_m2 == Decimal("2.5")
    assert p.temperature_checks_per_day == 2
    assert p.required_checklists == ("N4_eight_workplace_measures",)
    assert p.isolation_days_out_of_region is None


def test_checklists_data_match_the_notices():
    sizes = {c["key"]: len(c["items"]) for c in CHECKLISTS}
    assert sizes == {
        "N0_four_musts": 4,
        "N0_six_always": 6,
        "N2_double_control_test_isolation": 6,
        "N2_six_must_disinfect": 6,
        "N3_five_haves_one_grid": 6,
        "N4_eight_workplace_measures": 8,
    }
    five = {c["key"]: c for c in CHECKLISTS}["N3_five_haves_one_grid"]
    assert [i["text"] for i in five["items"][:5]] == [
        "有疫情防控指南",
        "有防控管理制度和责任人",
        "有适量防护物资储备",
        "有属地医疗卫生力量指导支持",
        "有隔离场所和转运安排准备",
    ]
    six = {c["key"]: c for c in CHECKLISTS}["N2_six_must_disinfect"]
    assert {i["args"]["area"] for i in six["items"]} == set(params("N2").term_keys("disinfection_areas"))


@pytest.mark.django_db
def test_checklists_are_loaded_by_migration_with_data_rules():
    keys = set(ChecklistDefinition.objects.values_list("key", flat=True))
    assert keys == {c["key"] for c in CHECKLISTS}
    n4 = ChecklistDefinition.objects.get(key="N4_eight_workplace_measures")
    dorm = n4.items.get(code="N4-8W-5")
    assert dorm.check_method == CheckMethod.DATA and dorm.data_rule == "dorm_density_within_limits"
    assert "每间不超过6人，人均不少于2.5平方米" in dorm.text
    for item in n4.items.all():
        assert item.check_method != CheckMethod.DATA or item.data_rule
