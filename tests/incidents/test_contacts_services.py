"""Storing, confirming, dismissing and expanding contacts: idempotent suggestions, the policy's
case_contact_outcome cited on the observation, the step marked done, who may decide, the lookback rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.audit.models import AuditEntry
from fugong.enterprises.models import DormRoom
from fugong.incidents.contacts import services as cs
from fugong.incidents.models import Contact, ContactStatus, IncidentStep, StepKind
from fugong.workforce.models import EmployeeStatus, EpisodeKind
from tests.arrangements.conftest import place, room, staff
from tests.incidents.furnish import incident_policy
from tests.incidents.furnish_contacts import CONTACT_POLICY, day, incident_for, scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world, pinned_clock):
    incident_policy(world, **CONTACT_POLICY)
    data = scene(world.firm_a)
    data.incident = incident_for(world, world.firm_a, data.index)
    return data


def _contacts(incident):
    return {
        c.employee.name if c.employee else c.visitor.name: c
        for c in Contact.objects.filter(incident=incident)
    }


def test_the_search_stores_suggestions_and_a_second_run_adds_nothing(world, case):
    town = world.users["town_a"]
    outcome = cs.run_search(town, case.incident)
    stored = _contacts(case.incident)
    assert set(stored) == {"同屋甲", "班车乙", "同餐丙", "车间丁", "拼车己", "门岗庚", "王申报", "来访客"}
    assert stored["同屋甲"].reasons[0]["text"] == "同宿舍 2 晚" and stored["同屋甲"].degree == 1
    assert outcome.added == 8 and outcome.took_ms >= 0 and outcome.unmatched == ["与快递员当面交接"]
    again = cs.run_search(town, case.incident)
    assert (
        again.added == 0
        and again.refreshed == 0
        and Contact.objects.filter(incident=case.incident).count() == 8
    )
    assert AuditEntry.objects.filter(action="incidents.contacts.search").count() == 2


def test_a_rerun_refreshes_suggestions_but_never_touches_decided_ones(world, case):
    town = world.users["town_a"]
    cs.run_search(town, case.incident)
    stored = _contacts(case.incident)
    cs.dismiss(town, case.incident, [stored["班车乙"].pk])
    # A new night in the room for a suggested one, and for the dismissed one a new reason too.
    place(
        [case.people["同餐丙"]], DormRoom.objects.get(enterprise=world.firm_a, number="101"), starts_on=day(0)
    )
    Contact.objects.filter(pk=stored["班车乙"].pk).update(reasons=[{"kind": "x", "text": "旧", "count": 1}])
    outcome = cs.run_search(town, case.incident)
    stored = _contacts(case.incident)
    assert outcome.refreshed == 1 and outcome.added == 0
    assert [r["text"] for r in stored["同餐丙"].reasons] == ["同宿舍 1 晚", "同批次就餐 1 天"]
    assert stored["班车乙"].status == ContactStatus.DISMISSED and stored["班车乙"].reasons[0]["text"] == "旧"


def test_confirm_opens_the_observation_the_policy_sets_and_marks_the_step(world, case):
    officer = world.users["dept_health"]
    cs.run_search(officer, case.incident)
    stored = _contacts(case.incident)
    chosen = [stored["同屋甲"].pk, stored["来访客"].pk]
    assert cs.confirm(officer, case.incident, chosen) == []
    roommate = Contact.objects.get(pk=stored["同屋甲"].pk)
    assert roommate.status == ContactStatus.CONFIRMED and roommate.decided_by == officer
    episode = roommate.episode
    assert episode.kind == EpisodeKind.ISOLATION and episode.employee.status == EmployeeStatus.ISOLATING
    assert f"密切接触者（事件 #{case.incident.pk}）" in episode.reason
    cite = cs.policy_of(case.incident).cite("case_contact_outcome")
    assert cite and episode.reason.startswith(cite + "：")  # the citation of the outcome comes first
    assert Contact.objects.get(pk=stored["来访客"].pk).status == ContactStatus.CONFIRMED
    step = IncidentStep.objects.get(incident=case.incident, kind=StepKind.FIND_CONTACTS)
    assert step.done_at is not None and step.done_by == officer
    # Confirming again changes nothing and opens no second episode.
    cs.confirm(officer, case.incident, chosen)
    assert roommate.employee.episodes.count() == 1


def test_buffer_outcome_and_none_outcome(world, pinned_clock):
    incident_policy(world, **{**CONTACT_POLICY, "case_contact_outcome": "buffer"})
    data = scene(world.firm_a)
    incident = incident_for(world, world.firm_a, data.index)
    town = world.users["town_a"]
    cs.run_search(town, incident)
    contact = _contacts(incident)["班车乙"]
    cs.confirm(town, incident, [contact.pk])
    assert Contact.objects.get(pk=contact.pk).episode.kind == EpisodeKind.BUFFER


def test_no_outcome_in_the_policy_confirms_without_an_episode(world, pinned_clock):
    incident_policy(
        world,
        drop=("case_contact_outcome",),
        **{k: v for k, v in CONTACT_POLICY.items() if k != "case_contact_outcome"},
    )
    data = scene(world.firm_a)
    incident = incident_for(world, world.firm_a, data.index)
    town = world.users["town_a"]
    cs.run_search(town, incident)
    contact = _contacts(incident)["班车乙"]
    cs.confirm(town, incident, [contact.pk])
    contact.refresh_from_db()
    assert contact.status == ContactStatus.CONFIRMED and contact.episode is None
    assert contact.employee.status == EmployeeStatus.AT_WORK


def test_dismiss_refuses_confirmed_and_foreign_ids(world, case):
    town = world.users["town_a"]
    cs.run_search(town, case.incident)
    stored = _contacts(case.incident)
    cs.confirm(town, case.incident, [stored["车间丁"].pk])
    with pytest.raises(ValidationError, match="已确认的人员不能排除"):
        cs.dismiss(town, case.incident, [stored["车间丁"].pk])
    with pytest.raises(ValidationError, match="不属于本事件"):
        cs.dismiss(town, case.incident, [999999])
    with pytest.raises(ValidationError, match="至少勾选一人"):
        cs.confirm(town, case.incident, [])
    assert cs.dismiss(town, case.incident, [stored["门岗庚"].pk]) == 1


def test_no_lookback_in_the_policy_refuses_the_search(world, pinned_clock):
    incident_policy(world, drop=("contact_lookback_days",))
    index = staff(world.firm_a, 1)[0]
    incident = incident_for(world, world.firm_a, index)
    with pytest.raises(ValidationError) as err:
        cs.run_search(world.users["town_a"], incident)
    message = err.value.message_dict["contact_lookback_days"][0]
    assert "未规定追溯天数" in message and message.startswith("密切接触者追溯天数：")
    assert not Contact.objects.exists()


@pytest.mark.parametrize("who", ["dept_industry", "ent_a", "town_b", "outsider", "inspector"])
def test_only_the_town_and_the_health_bureau_decide(world, case, who):
    with pytest.raises(PermissionDenied):
        cs.run_search(world.users[who], case.incident)
    assert not Contact.objects.exists()


def test_second_degree_from_confirmed_contacts(world, case):
    town = world.users["town_a"]
    cs.run_search(town, case.incident)
    with pytest.raises(ValidationError, match="尚无已确认"):
        cs.expand_second_degree(town, case.incident)
    stored = _contacts(case.incident)
    # The bus rider shares a room with someone the index person never met.
    stranger = staff(world.firm_a, 1, prefix="远亲")[0]
    r9 = room(world.firm_a, "109")
    place([case.people["班车乙"], stranger], r9, starts_on=day(3))
    cs.confirm(town, case.incident, [stored["班车乙"].pk])
    outcome = cs.expand_second_degree(town, case.incident)
    second = Contact.objects.get(incident=case.incident, employee=stranger)
    assert second.degree == 2 and second.reasons[0]["text"] == "同宿舍 4 晚"
    assert not Contact.objects.filter(incident=case.incident, degree=2, employee=case.index).exists()
    assert outcome.added == Contact.objects.filter(incident=case.incident, degree=2).count()
    # The first-degree people stay first-degree.
    assert Contact.objects.get(incident=case.incident, employee=case.people["车间丁"]).degree == 1
