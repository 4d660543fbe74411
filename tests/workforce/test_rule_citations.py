"""Every return reason cites the policy in force, from its preset's sources (SPEC §2: rules are data)."""

from types import SimpleNamespace

import pytest

from fugong.enterprises.models import IsolationKind, IsolationRoom
from fugong.policy.models import PolicyVersion
from fugong.workforce import rules
from fugong.workforce.models import ReturnDecision
from tests.workforce.conftest import (
    days_ago,
    make_employee,
    policy_now,
    returner,
    risk_area,
    use_preset,
)


def _drop_parameters(policy, *keys):
    """A version stored before these parameters existed."""
    for version in PolicyVersion.objects.filter(policy=policy):
        data = {k: v for k, v in version.parameters.items() if k not in keys}
        PolicyVersion.objects.filter(pk=version.pk).update(parameters=data)


def test_n2_isolates_fever_citing_its_own_double_isolation(world, n2):
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    assert fever.decision == ReturnDecision.ISOLATE
    cite = policy_now(world).cite("symptomatic_isolated")
    assert cite.endswith("二、（二）“双隔离”")
    assert fever.decision_reason.startswith(f"{cite}：登记时发热，须隔离观察14天"), fever.decision_reason


def test_n2_fever_with_a_history_follows_its_own_double_isolation(world, n2):
    """N2 sets no fever-clinic rule: a returner from a hard-hit area with fever is isolated by N2's
    own rule (once the firm has its observation point), and nothing is borrowed from another notice."""
    IsolationRoom.objects.create(
        enterprise=world.firm_a, kind=IsolationKind.OBSERVATION_POINT, name="观察点", capacity=5
    )
    person = returner(world.firm_a, "4201", "武汉市", back_days_ago=2, has_fever=True)
    assert person.decision == ReturnDecision.ISOLATE
    policy = policy_now(world)
    assert policy.cite("symptomatic_isolated") + "：登记时发热" in person.decision_reason
    assert "发热门诊" not in person.decision_reason


def test_close_contact_under_n2_follows_its_own_outcome(world, n2):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    contact = SimpleNamespace(contact_date=days_ago(3), description="同车", with_case=True)
    evaluation = rules.evaluate_return(person, contacts=[contact])
    policy = policy_now(world)
    assert evaluation.decision == ReturnDecision.ISOLATE  # N2: 密切接触史 → 医学观察
    assert evaluation.reasons[0].startswith(policy.cite("case_contact_outcome") + "：")
    assert policy.quote("case_contact_outcome") in evaluation.reasons[0]
    assert "准备阶段" not in evaluation.reason_text


@pytest.mark.parametrize("notice", ["N3", "N4"])
def test_notices_without_the_rules_apply_none(world, notice):
    use_preset(world, notice)
    label = policy_now(world).label
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    sealed = make_employee(world.firm_a, residence_control="sealed")
    yellow = make_employee(world.firm_a, health_code="yellow")
    for person in (fever, sealed, yellow):
        assert person.decision == ReturnDecision.MAY_RETURN
        assert person.decision_reason.startswith(f"{label}：")
        assert person.release_date is None


def test_an_older_stored_version_without_the_clinic_rule_does_not_apply_it(world, n0):
    _drop_parameters(n0, "symptomatic_with_epi_history_barred")
    assert rules.policy_for(world.town_a, None).parameters.symptomatic_with_epi_history_barred is None
    risk_area(n0, "3303", "温州市", "high")
    person = returner(world.firm_a, "3303", "温州市", back_days_ago=2, has_fever=True)
    # No hidden default: only the risk-area stay and the out-of-region rule decide.
    assert person.decision == ReturnDecision.ISOLATE
    assert "发热门诊" not in person.decision_reason


def test_a_switch_set_to_no_turns_the_rule_off(world, n2):
    version = PolicyVersion.objects.get(policy=n2)
    data = {**version.parameters, "symptomatic_with_epi_history_barred": False, "symptomatic_isolated": False}
    PolicyVersion.objects.filter(pk=version.pk).update(parameters=data)
    fever = make_employee(world.firm_a, residence_region=world.town_a.code, has_fever=True)
    assert fever.decision == ReturnDecision.MAY_RETURN
