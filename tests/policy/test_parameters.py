"""Typed parameters: bad input is refused with a Chinese message naming the field and the rule."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from fugong.policy.divisions import covering_codes, normalize_division_code
from fugong.policy.parameters import (
    PARAMETER_SPECS,
    PolicyParameters,
    diff_parameters,
    parse_parameters,
    validate_parameters,
)


def errors_of(data) -> dict:
    with pytest.raises(ValidationError) as info:
        parse_parameters(data)
    return info.value.message_dict


def test_dataclass_and_specs_list_the_same_parameters():
    assert [f.name for f in dataclasses.fields(PolicyParameters)] == [s.key for s in PARAMETER_SPECS]


def test_out_of_range_integer_names_field_range_and_unit():
    errors = errors_of({"isolation_days_out_of_region": 100})
    assert errors == {
        "isolation_days_out_of_region": ["「外地返岗人员隔离观察天数」须为 0 至 60 之间的整数（单位：天）。"]
    }


def test_fractional_days_and_text_are_refused():
    assert "isolation_days_out_of_region" in errors_of({"isolation_days_out_of_region": 14.5})
    assert "temperature_checks_per_day" in errors_of({"temperature_checks_per_day": "两次"})
    assert "antigen_daily" in errors_of({"antigen_daily": 1.5})


def test_fever_threshold_decimal_places_and_range():
    message = errors_of({"fever_threshold_c": 37.25})["fever_threshold_c"][0]
    assert "「发热体温阈值（达到即异常）」" in message and "36.5 至 39 之间" in message and "℃" in message
    assert "fever_threshold_c" in errors_of({"fever_threshold_c": 41})
    assert parse_parameters({"fever_threshold_c": "37.3"}).fever_threshold_c == Decimal("37.3")


def test_unknown_parameter_is_named():
    assert errors_of({"isolation_dayz": 14}) == {"isolation_dayz": ["未知参数「isolation_dayz」。"]}


def test_choice_lists_refuse_unknown_values_and_duplicates():
    message = errors_of({"resumption_modes_allowed": ["closed_in_plant", "remote"]})[
        "resumption_modes_allowed"
    ][0]
    assert message.startswith("「允许的复工方式」含有不认可的选项：remote")
    assert (
        "有重复"
        in errors_of({"resumption_modes_allowed": ["point_to_point", "point_to_point"]})[
            "resumption_modes_allowed"
        ][0]
    )


def test_choice_lists_are_stored_in_canonical_order():
    a = parse_parameters({"resumption_modes_allowed": ["orderly_travel", "closed_in_plant"]})
    b = parse_parameters({"resumption_modes_allowed": ["closed_in_plant", "orderly_travel"]})
    assert a == b and a.resumption_modes_allowed == ("closed_in_plant", "orderly_travel")


def test_vocabulary_terms_need_a_key_and_a_name_once_each():
    errors = errors_of(
        {"disinfection_areas": [{"key": "workshop", "name": "车间"}, {"key": "workshop", "name": "x"}]}
    )
    assert errors["disinfection_areas"] == ["「必须消杀的区域」第2条的代码「workshop」重复。"]
    errors = errors_of({"disinfection_rounds": ["before_work"]})
    assert errors["disinfection_rounds"] == ["「每日消杀轮次」第1条须且仅须包含 key、name。"]


def test_required_documents_come_from_the_versions_document_types():
    errors = errors_of(
        {
            "document_types": [{"key": "plan", "name": "防控方案"}],
            "required_application_documents": ["plan", "letter"],
        }
    )
    assert errors["required_application_documents"][0].startswith(
        "「复工申请须提交的材料」含有不认可的选项：letter"
    )
    ok = parse_parameters(
        {
            "document_types": [{"key": "plan", "name": "防控方案"}],
            "required_application_documents": ["plan"],
            "plan_sections": [{"key": "team", "name": "组织领导", "documents": ["plan"]}],
        }
    )
    assert ok.plan_sections[0].documents == ("plan",)
    assert (
        "不在「复工申请材料种类」中"
        in errors_of({"plan_sections": [{"key": "team", "name": "组织领导", "documents": ["plan"]}]})[
            "plan_sections"
        ][0]
    )


def test_rounds_have_windows_in_order():
    ok = parse_parameters(
        {
            "temperature_rounds": [
                {"name": "早", "opens": "06:00", "due": "09:00"},
                {"name": "中", "opens": "11:00", "due": "13:00"},
                {"name": "晚", "opens": "17:00", "due": "20:00"},
            ]
        }
    )
    assert [r.due.hour for r in ok.temperature_rounds] == [9, 13, 20]
    overlap = errors_of(
        {
            "temperature_rounds": [
                {"name": "早", "opens": "06:00", "due": "12:00"},
                {"name": "晚", "opens": "11:00", "due": "18:00"},
            ]
        }
    )
    assert "时段不得重叠" in overlap["temperature_rounds"][0]
    bad = errors_of({"temperature_rounds": [{"name": "早", "opens": "6点", "due": "12:00"}]})
    assert "须为 24 小时制时间" in bad["temperature_rounds"][0]


def test_outcomes_name_the_case_and_the_outcome():
    errors = errors_of({"health_code_outcomes": {"red": "shoot", "purple": "barred"}})["health_code_outcomes"]
    assert any("「红码」的取值须为以下之一" in e for e in errors)
    assert any("「purple」不存在" in e for e in errors)


def test_review_chain_step_problems_are_described():
    message = errors_of(
        {
            "review_chain": [
                {"key": "town_check", "name": "属地核查", "participants": ["town"], "mode": "any"},
                {"key": "joint", "name": "", "participants": ["mayor"], "mode": "both"},
            ]
        }
    )["review_chain"][0]
    assert message.startswith("「审批流程」第2步：")
    assert "环节名称 name 不能为空" in message and "参与方「mayor」无效" in message and "方式 mode" in message


def test_review_chain_duplicate_key():
    step = {"key": "town_check", "name": "属地核查", "participants": ["town"], "mode": "any"}
    assert "重复" in errors_of({"review_chain": [step, step]})["review_chain"][0]


@pytest.mark.django_db
def test_validate_checks_departments_and_checklists_exist():
    with pytest.raises(ValidationError) as info:
        validate_parameters(
            {
                "review_chain": [
                    {"key": "x", "name": "审核", "participants": ["dept:police"], "mode": "any"}
                ],
                "required_checklists": ["N3_five_haves_one_grid", "N9_nothing"],
            }
        )
    errors = info.value.message_dict
    assert errors["review_chain"] == ["「审批流程」中的部门「police」不存在。"]
    assert errors["required_checklists"] == ["「必须执行的检查清单」中的清单「N9_nothing」不存在。"]


def test_priority_factors_refuse_unknown_sources_and_negative_weights():
    errors = errors_of(
        {
            "priority_factors": [
                {"key": "listed", "name": "上市公司", "weight": -1, "field": "is_listed"},
                {"key": "famous", "name": "知名企业", "weight": 3, "field": "is_famous"},
                {"key": "both", "name": "两者", "weight": 3, "field": "is_listed", "tag": "x"},
            ]
        }
    )["priority_factors"]
    assert any("第1项" in e and "权重 weight 须为 0 至 100" in e for e in errors)
    assert any("第2项" in e and "field 须为以下之一" in e for e in errors)
    assert any("第3项" in e and "须且仅须指定 measure、field、tag 之一" in e for e in errors)
    ok = parse_parameters(
        {"priority_factors": [{"key": "hi_tech", "name": "高新技术企业", "weight": 5, "tag": "高新"}]}
    )
    assert ok.priority_factors[0].tag == "高新"


def test_commitment_without_text():
    message = errors_of({"commitments": [{"code": "A1", "group": "四必须", "text": " "}]})["commitments"][0]
    assert message == "「企业承诺事项」第1条：承诺内容 text 不能为空。"


def test_exemption_needs_an_earliest_date():
    errors = errors_of({"essential_sectors_exempt": ["daily_necessities"]})
    assert "须与「最早复工时间」一同设置" in errors["essential_sectors_exempt"][0]


def test_naive_datetime_is_beijing_time_and_round_trips():
    p = parse_parameters({"earliest_resumption_at": "2020-02-10 00:00"})
    assert p.earliest_resumption_at.utcoffset() == dt.timedelta(hours=8)
    assert p.to_json()["earliest_resumption_at"] == "2020-02-10T00:00:00+08:00"
    assert parse_parameters(p.to_json()) == p


def test_absent_means_not_applicable_and_is_not_stored():
    p = parse_parameters({"isolation_days_out_of_region": 14, "antigen_daily": None, "meal_group_max": ""})
    assert p.antigen_daily is None and p.meal_group_max is None
    assert p.to_json() == {"isolation_days_out_of_region": 14}


def test_diff_lists_only_changed_parameters_with_labels():
    old = parse_parameters({"isolation_days_out_of_region": 14, "temperature_checks_per_day": 2})
    new = parse_parameters(
        {"isolation_days_out_of_region": 7, "temperature_checks_per_day": 2, "antigen_daily": True}
    )
    rows = diff_parameters(old, new)
    assert [(r["key"], r["before"], r["after"]) for r in rows] == [
        ("isolation_days_out_of_region", "14", "7"),
        ("antigen_daily", "不适用", "是"),
    ]


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("42", "42"),
        ("420000", "42"),
        ("420100", "4201"),
        ("420102", "420102"),
        ("420100000000", "4201"),
        ("330681001000", "330681001"),
        ("330681001", "330681001"),
        ("330681001000001", "330681001000001"),
    ],
)
def test_division_codes_are_normalized(raw, stored):
    assert normalize_division_code(raw) == stored


@pytest.mark.parametrize("raw", ["", "4", "42010", "湖北", "00", "4201a0"])
def test_bad_division_codes_are_refused_in_chinese(raw):
    with pytest.raises(ValidationError) as info:
        normalize_division_code(raw)
    assert "「区划代码」" in info.value.messages[0]


def test_covering_codes_walk_up_the_levels():
    assert covering_codes("420102001") == ["42", "4201", "420102", "420102001"]
    assert covering_codes("420100") == ["42", "4201", "420100"]
