"""The board, the incident page, the step button, the manual opening, and the API."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.incidents import services
from fugong.incidents.models import Incident, IncidentStep
from tests.incidents.furnish import incident_policy, open_report
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(world, pinned_clock):
    incident_policy(world)
    return {
        key: open_report(getattr(world, key), name=f"{key}病人") for key in ("firm_a", "firm_b", "firm_c")
    }


BOARD_SEES = {
    "ent_a": {"firm_a"},
    "town_a": {"firm_a"},
    "dept_health": {"firm_a", "firm_b"},
    "task_force": {"firm_a", "firm_b"},
    "inspector": {"firm_a", "firm_b"},
    "grid_a": {"firm_a"},
    "outsider": {"firm_c"},
}


def test_the_board_is_scoped_and_searchable(client, world, incidents):
    for who, keys in BOARD_SEES.items():
        client.force_login(world.users[who])
        page = client.get("/incidents/")
        assert page.status_code == 200, who
        html = page.content.decode()
        for key, incident in incidents.items():
            assert (f'data-testid="incident-row-{incident.pk}"' in html) == (key in keys), (who, key)
    for who in ("gate_a", "employee_a"):
        client.force_login(world.users[who])
        assert client.get("/incidents/").status_code == 403
    client.force_login(world.users["task_force"])
    html = client.get("/incidents/", {"q": "firm_b病"}).content.decode()
    assert (
        f"incident-row-{incidents['firm_b'].pk}" in html
        and f"incident-row-{incidents['firm_a'].pk}" not in html
    )
    html = client.get("/incidents/", {"q": world.firm_a.name, "sort": "-late"}).content.decode()
    assert (
        f"incident-row-{incidents['firm_a'].pk}" in html
        and f"incident-row-{incidents['firm_b'].pk}" not in html
    )


# session, user, the count, the rows, the index people, and the shell's own queries (nav badges).
BOARD_QUERIES = 7


def test_the_board_query_count_is_pinned(client, world, incidents, django_assert_num_queries):
    for n in range(5):
        open_report(world.firm_a, name=f"多{n}")
    client.force_login(world.users["task_force"])
    client.get("/incidents/")
    with django_assert_num_queries(BOARD_QUERIES):
        client.get("/incidents/")
    for n in range(5):
        open_report(world.firm_b, name=f"又{n}")
    with django_assert_num_queries(BOARD_QUERIES):
        client.get("/incidents/")


def test_the_incident_page_and_outsiders(client, world, incidents):
    incident = incidents["firm_a"]
    client.force_login(world.users["town_a"])
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    person = incident.index_people.get().employee
    assert person.id_number_masked in html and "*" in person.id_number_masked
    # The policy's owners: the town seals, the health bureau transfers, the firm reports.
    assert 'data-testid="do-seal_disinfect"' in html and 'data-testid="do-report"' not in html
    assert 'data-testid="do-transfer"' not in html and "办理方：卫生健康部门" in html
    client.force_login(world.users["ent_a"])
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="do-report"' in html and 'data-testid="do-transfer"' not in html
    services.complete_step(None, incident, "isolate", note="已在隔离室隔离")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "系统自动" in html and "已在隔离室隔离" in html and 'data-testid="do-isolate"' not in html
    for who in ("outsider", "town_b", "ent_c", "task_force_outside"):
        client.force_login(world.users[who])
        assert client.get(f"/incidents/{incident.pk}/").status_code == 404, who
        assert client.post(f"/incidents/{incident.pk}/steps/transfer/").status_code in (403, 404), who
    assert IncidentStep.objects.get(incident=incident, kind="transfer").done_at is None


def test_the_step_button(client, world, incidents):
    incident = incidents["firm_a"]
    client.force_login(world.users["ent_a"])
    response = client.post(f"/incidents/{incident.pk}/steps/report/", {"note": "已报告"}, follow=True)
    assert response.status_code == 200
    assert IncidentStep.objects.get(incident=incident, kind="report").done_by == world.users["ent_a"]
    response = client.post(f"/incidents/{incident.pk}/steps/transfer/", {"note": "x"}, follow=True)
    assert "该步骤由卫生健康部门办理" in response.content.decode()
    assert IncidentStep.objects.get(incident=incident, kind="transfer").done_at is None
    client.force_login(world.users["town_a"])
    html = client.post(f"/incidents/{incident.pk}/steps/close/", {}, follow=True).content.decode()
    assert "尚未完成或说明跳过" in html


def test_manual_opening_page(client, world, incidents):
    person = make_employee(world.firm_a, name="热线人")
    client.force_login(world.users["town_a"])
    page = client.get("/incidents/new/", {"enterprise": world.firm_a.pk})
    assert page.status_code == 200 and "热线人" in page.content.decode()
    bad = client.post("/incidents/new/", {"enterprise": world.firm_a.pk, "reference_at": "", "report": ""})
    html = bad.content.decode()
    assert "病例/异常人员：至少选择一名员工" in html and "发病或采样时间" in html and "报告内容" in html
    when = timezone.localtime() - dt.timedelta(hours=3)
    response = client.post(
        "/incidents/new/",
        {
            "enterprise": world.firm_a.pk,
            "employees": [person.pk],
            "reference_at": when.strftime("%Y-%m-%dT%H:%M"),
            "report": "热线举报发热",
        },
    )
    incident = Incident.objects.get(report="热线举报发热")
    assert response.status_code == 302 and incident.source == "report"
    # A firm outside the scope is not offered; its people cannot be picked.
    client.force_login(world.users["outsider"])
    response = client.post(
        "/incidents/new/",
        {
            "enterprise": world.firm_a.pk,
            "employees": [person.pk],
            "reference_at": "2026-01-01T08:00",
            "report": "x",
        },
    )
    assert response.status_code == 200 and Incident.objects.filter(report="x").count() == 0
    for who in ("inspector", "grid_a", "dept_industry"):
        client.force_login(world.users[who])
        assert client.get("/incidents/new/").status_code == 403


def test_the_api(api_client, world, incidents):
    api_client.force_authenticate(world.users["town_a"])
    rows = api_client.get("/api/v1/incidents/").json()
    rows = rows.get("results", rows)
    assert [r["id"] for r in rows] == [incidents["firm_a"].pk]
    detail = api_client.get(f"/api/v1/incidents/{incidents['firm_a'].pk}/").json()
    assert len(detail["steps"]) == 9 and detail["index_people"][0]["id_number_masked"]
    assert api_client.get(f"/api/v1/incidents/{incidents['firm_b'].pk}/").status_code == 404
    done = api_client.post(
        f"/api/v1/incidents/{incidents['firm_a'].pk}/complete_step/",
        {"kind": "seal_disinfect", "note": "宿舍楼已封闭消毒"},
        format="json",
    )
    assert done.status_code == 200
    step = next(s for s in done.json()["steps"] if s["kind"] == "seal_disinfect")
    assert step["done_at"] and step["owner"] == "town"
    refused = api_client.post(
        f"/api/v1/incidents/{incidents['firm_a'].pk}/complete_step/", {"kind": "report"}, format="json"
    )
    assert refused.status_code == 403
    person = make_employee(world.firm_a, name="接口人")
    created = api_client.post(
        "/api/v1/incidents/",
        {
            "enterprise": world.firm_a.pk,
            "employees": [person.pk],
            "reference_at": timezone.now().isoformat(),
            "report": "卫健通报",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["source"] == "report"
    other = make_employee(world.firm_b)
    bad = api_client.post(
        "/api/v1/incidents/",
        {
            "enterprise": world.firm_b.pk,
            "employees": [other.pk],
            "reference_at": timezone.now().isoformat(),
            "report": "x",
        },
        format="json",
    )
    assert bad.status_code == 400
    timing = api_client.get("/api/v1/incident-timing/").json()
    assert timing["overall"]["incidents"] == 2
    api_client.force_authenticate(world.users["outsider"])
    assert (
        api_client.post(
            f"/api/v1/incidents/{incidents['firm_a'].pk}/complete_step/", {"kind": "transfer"}, format="json"
        ).status_code
        == 404
    )
    api_client.force_authenticate(world.users["ent_a"])
    assert api_client.get("/api/v1/incident-timing/").status_code == 403
