"""Every return reason cites the policy in force, from its preset's sources (SPEC §2: rules are data)."""

import re
from types import SimpleNamespace

import pytest

from fugong.policy.models import PolicyVersion
from fugong.workforce import rules
from fugong.workforce.models import ReturnDecision
from tests.workforce.conftest import days_ago, make_employee, returner, risk_area, use_preset


def _drop_parameters(policy, *keys):
    """A version stored before these parameters existed."""
    for version in PolicyVersion.objects.filter(policy=policy):
        data = {k: v for k, v in version.parameters.items() if k not in keys}
        PolicyVersion.objects.filter(pk=version.pk).update(parameters=data)


def test_n2_isolates_fever_citing_its_own_double_isolation(world, n2):
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    assert fever.decision == ReturnDecision.ISOLATE
    assert fever.decision_reason.startswith("N2 二、（二）“双隔离”：登记时发热，须隔离观察14天"), (
        fever.decision_reason
    )


def test_n2_fever_with_a_history_goes_to_the_clinic_without_borrowing_n0(world, n2):
    person = returner(world.firm_a, "4201", "武汉市", back_days_ago=2, has_fever=True)
    assert person.decision == ReturnDecision.BARRED
    reasons = person.decision_reason
    assert "N2：登记时发热且14天内有流行病学史，须送发热门诊就诊排查" in reasons
    assert "N0" not in reasons


def test_close_contact_under_n2_cites_no_n0_section(world, n2):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    contact = SimpleNamespace(contact_date=days_ago(3), description="同车", with_case=True)
    evaluation = rules.evaluate_return(person, contacts=[contact])
    assert evaluation.decision == ReturnDecision.BARRED
    assert evaluation.reasons[0].startswith("N2：") and "准备阶段" not in evaluation.reason_text


@pytest.mark.parametrize("notice", ["N3", "N4"])
def test_notices_without_the_rules_still_act_and_cite_only_themselves(world, notice):
    use_preset(world, notice)
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    assert fever.decision == ReturnDecision.ISOLATE
    assert fever.decision_reason.startswith(f"{notice}：")
    sealed = make_employee(world.firm_a, residence_control="sealed")
    assert sealed.decision == ReturnDecision.BARRED
    assert sealed.decision_reason.startswith(f"{notice}：")
    for person in (fever, sealed):
        assert set(re.findall(r"N\d", person.decision_reason)) == {notice}


def test_an_older_stored_version_resolves_to_none_and_keeps_the_decision(world, n0):
    _drop_parameters(n0, "symptomatic_with_epi_history_barred")
    assert rules.policy_for(world.town_a, None).parameters.symptomatic_with_epi_history_barred is None
    risk_area(n0, "3303", "温州市", "high")
    person = returner(world.firm_a, "3303", "温州市", back_days_ago=2, has_fever=True)
    assert person.decision == ReturnDecision.BARRED
    assert "N0：登记时发热且14天内有流行病学史" in person.decision_reason
    assert "分类管理：登记时发热" not in person.decision_reason


def test_a_switch_set_to_no_turns_the_rule_off(world, n2):
    version = PolicyVersion.objects.get(policy=n2)
    data = {**version.parameters, "symptomatic_with_epi_history_barred": False, "symptomatic_isolated": False}
    PolicyVersion.objects.filter(pk=version.pk).update(parameters=data)
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    assert fever.decision == ReturnDecision.MAY_RETURN
