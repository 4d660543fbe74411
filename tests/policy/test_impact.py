"""A change of policy is evaluated before it is applied, and applying it re-decides exactly the people
the preview counted, each citing the new version (issue 9, SPEC §2)."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.policy.impact import preview
from fugong.policy.models import PolicyChangeRun
from fugong.policy.services import apply_preset, create_version
from fugong.workforce.models import Employee, ReturnDecision
from tests.workforce.conftest import make_employee


def expected(firm, code, place, in_days=5, **data):
    today = timezone.localdate()
    return make_employee(
        firm,
        left_locality=True,
        left_on=today - dt.timedelta(days=10),
        destination=place,
        destination_code=code,
        return_from=place,
        return_from_code=code,
        expected_return_date=today + dt.timedelta(days=in_days),
        **data,
    )


@pytest.mark.django_db
def test_preview_counts_equal_what_publishing_does(world, django_capture_on_commit_callbacks):
    policy = apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    firm = world.firm_a
    same_province = expected(firm, "330102", "杭州市上城区", name="甲")
    far_away = expected(firm, "110101", "北京市东城区", name="乙")
    came_back = make_employee(
        firm,
        name="丙",
        left_locality=True,
        left_on=timezone.localdate() - dt.timedelta(days=20),
        destination="北京市东城区",
        destination_code="110101",
        return_from="北京市东城区",
        return_from_code="110101",
        return_date=timezone.localdate() - dt.timedelta(days=3),
    )
    local = make_employee(firm, name="丁")
    assert {e.decision for e in (same_province, far_away)} == {ReturnDecision.ISOLATE}
    release_before = Employee.objects.get(pk=far_away.pk).release_date

    base = policy.latest_version().parameters
    new = {**base, "out_of_region_level": "province", "isolation_days_out_of_region": 7}
    today = timezone.localdate()
    impact = preview(policy, new, today)
    assert dict(impact.people) == {"out_of_isolation": 1, "release_moved": 1}
    assert set(impact.people_ids) == {same_province.pk, far_away.pk}
    # A preview writes nothing.
    assert Employee.objects.get(pk=same_province.pk).decision == ReturnDecision.ISOLATE

    with django_capture_on_commit_callbacks(execute=True):
        version = create_version(
            policy, new, effective_from=today, based_on=1, note="指挥部第9次会议：外省返岗隔离7天"
        )
    run = PolicyChangeRun.objects.get(version=version)
    assert run.status == PolicyChangeRun.Status.DONE
    assert (run.total, run.done, run.counts) == (2, 2, {"out_of_isolation": 1, "release_moved": 1})

    moved = Employee.objects.get(pk=same_province.pk)
    assert moved.decision == ReturnDecision.MAY_RETURN and moved.decision_policy_version_id == version.pk
    shorter = Employee.objects.get(pk=far_away.pk)
    assert shorter.release_date == release_before - dt.timedelta(days=7)
    assert "第2版" in shorter.decision_reason and "指挥部第9次会议" in shorter.decision_reason
    # Decided under the rules of their own day, or not concerned: untouched.
    for person in (came_back, local):
        assert Employee.objects.get(pk=person.pk).decision_policy_version_id != version.pk
    # Publishing again with the same outcome finds nobody left to move.
    assert preview(policy, {**new, "pre_report_lead_days": 3}, today).people_total == 0


@pytest.mark.django_db
def test_preview_counts_checklists_and_application_gates(world):
    policy = apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    base = policy.latest_version().parameters
    impact = preview(policy, {**base, "required_checklists": ["N0_four_musts"]}, timezone.localdate())
    # Both of the county's firms follow the county's checklists.
    assert impact.firms_checklists == 2
    assert preview(policy, base, timezone.localdate()).firms_checklists == 0


@pytest.mark.django_db
def test_edit_page_previews_before_publishing(client, world):
    from django.urls import reverse

    from tests.policy.test_views import form_data

    policy = apply_preset(world.county, "N0", effective_from=dt.date(2020, 2, 1))
    expected(world.firm_a, "330102", "杭州市上城区", name="甲")
    client.force_login(world.users["task_force"])
    data = form_data(
        policy,
        out_of_region_level="province",
        effective_from=timezone.localdate().isoformat(),
        note="会议纪要",
        preview="1",
    )
    response = client.post(reverse("policy:edit", args=[policy.pk]), data)
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="policy-impact"' in body
    assert "不再需要隔离观察" in body
    assert policy.versions.count() == 1


@pytest.mark.django_db
def test_preview_counts_applications_whose_date_gate_moves(world):
    from fugong.resumption.models import ResumptionApplication

    policy = apply_preset(world.county, "N2", effective_from=dt.date(2020, 2, 1))
    start = timezone.now() + dt.timedelta(days=3)
    for firm, granted in ((world.firm_a, False), (world.firm_b, True)):
        ResumptionApplication.objects.create(
            enterprise=firm,
            kind="first_resumption",
            planned_start=start,
            reason="复工",
            early_start_granted=granted,
            created_by=world.users["task_force"],
        )
    later = timezone.localtime(start + dt.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    base = policy.latest_version().parameters
    impact = preview(policy, {**base, "earliest_resumption_at": later}, timezone.localdate())
    # The firm with the task force's early-start grant may start whatever the date says.
    assert (impact.applications_closed, impact.applications_opened) == (1, 0)
