"""/api/v1/employees/ and /api/v1/isolation-episodes/: masked, scoped, versioned, logged."""

import datetime as dt

import pytest

from fugong.audit.models import AuditEntry
from fugong.audit.services import VIEW_PERSONAL_DATA
from fugong.workforce import services
from fugong.workforce.models import Employee, EmployeeStatus, ReturnDecision
from tests.workforce.conftest import days_ago, make_employee, returner, risk_area, valid_id


@pytest.fixture
def person(world, n0):
    return make_employee(world.firm_a, name="钱七", id_number=valid_id(), residence_region=world.town_a.code)


def clear_number(employee):
    return services.crypto.decrypt(Employee.objects.get(pk=employee.pk).id_number_encrypted)


@pytest.mark.parametrize(
    "who", ["ent_a", "town_a", "task_force", "dept_health", "inspector", "gate_a", "grid_a"]
)
def test_lists_and_details_show_the_id_number_masked_only(world, api_client, person, who):
    number = clear_number(person)
    api_client.force_authenticate(world.users[who])
    listing = api_client.get("/api/v1/employees/")
    detail = api_client.get(f"/api/v1/employees/{person.pk}/")
    assert listing.status_code == detail.status_code == 200
    assert listing.json()["results"][0]["id_number"] == person.id_number_masked
    assert detail.json()["id_number"] == person.id_number_masked
    for response in (listing, detail):
        assert number not in response.content.decode()
        assert "id_number_encrypted" not in response.content.decode()


def test_reveal_returns_the_number_to_permitted_roles_and_logs_it(world, api_client, person):
    number = clear_number(person)
    api_client.force_authenticate(world.users["ent_a"])
    response = api_client.post(f"/api/v1/employees/{person.pk}/reveal-id/")
    assert response.status_code == 200
    assert response.json()["id_number"] == number
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action=VIEW_PERSONAL_DATA, object_id=str(person.pk))
    assert entry.actor == world.users["ent_a"] and entry.after == {"fields": ["id_number"]}
    assert number not in str(entry.after) + entry.note

    for who, code in (("inspector", 403), ("dept_industry", 403), ("gate_a", 403), ("outsider", 404)):
        api_client.force_authenticate(world.users[who])
        assert api_client.post(f"/api/v1/employees/{person.pk}/reveal-id/").status_code == code, who
    assert AuditEntry.objects.filter(action=VIEW_PERSONAL_DATA).count() == 1


def test_search_by_full_id_number_uses_the_index(world, api_client, person):
    api_client.force_authenticate(world.users["ent_a"])
    found = api_client.get("/api/v1/employees/", {"id_number": clear_number(person)}).json()
    assert [row["id"] for row in found["results"]] == [person.pk]
    assert api_client.get("/api/v1/employees/", {"id_number": valid_id()}).json()["count"] == 0


def test_outsiders_get_404_everywhere(world, api_client, person):
    api_client.force_authenticate(world.users["outsider"])
    base = f"/api/v1/employees/{person.pk}/"
    assert api_client.get(base).status_code == 404
    assert api_client.get("/api/v1/employees/").json()["count"] == 0
    assert api_client.post(base + "status/", {"status": "at_work", "reason": "x"}).status_code == 404
    assert api_client.post(base + "evaluate/").status_code == 404
    assert api_client.get(base + "travel/").status_code == 404
    api_client.force_authenticate(world.users["ent_c"])
    assert api_client.patch(base, {"job": "x", "version": 1}, format="json").status_code == 404
    assert api_client.put(base + "travel/", {"stops": [], "contacts": []}, format="json").status_code == 404
    assert Employee.objects.get(pk=person.pk).job == ""


def test_create_update_and_version_conflict(world, api_client, n0):
    api_client.force_authenticate(world.users["ent_a"])
    number = valid_id()
    created = api_client.post(
        "/api/v1/employees/",
        {"name": "孙八", "id_number": number, "phone": "13912345678", "residence_region": world.town_a.code},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["id_number"] == number[:4] + "*" * 10 + number[-4:]
    assert body["decision"] == ReturnDecision.MAY_RETURN and body["decision_reasons"]
    assert body["enterprise"] == world.firm_a.pk and body["is_local"] is True

    again = api_client.post(
        "/api/v1/employees/", {"name": "孙八", "id_number": number, "phone": "13912345678"}
    )
    assert again.status_code == 400
    assert "该身份证号已在本企业登记：孙八" in again.json()["error"]["message"]

    url = f"/api/v1/employees/{body['id']}/"
    assert api_client.patch(url, {"job": "质检", "version": 1}, format="json").status_code == 200
    stale = api_client.patch(url, {"job": "仓管", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert api_client.patch(url, {"job": "仓管"}, format="json").status_code == 400  # no version

    api_client.force_authenticate(world.users["town_a"])
    assert api_client.post("/api/v1/employees/", {"name": "x"}).status_code == 403


def test_status_travel_and_evaluate_routes(world, api_client, n0):
    risk_area(n0, "3303", "温州市", "high")
    person = returner(world.firm_a, "3303", "温州市", back_days_ago=2)
    base = f"/api/v1/employees/{person.pk}/"
    api_client.force_authenticate(world.users["ent_a"])
    refused = api_client.post(base + "status/", {"status": "at_work", "reason": "上岗"})
    assert refused.status_code == 400
    release = days_ago(2) + dt.timedelta(days=14)
    assert (
        f"须于{release.year}年{release.month}月{release.day}日解除隔离后方可上岗"
        in refused.json()["error"]["message"]
    )

    arrived = api_client.post(base + "arrive/", {"reason": "到厂"})
    assert arrived.status_code == 200
    assert arrived.json()["status"] == EmployeeStatus.ISOLATING
    assert arrived.json()["episodes"][0]["days_left"] == (release - days_ago(0)).days
    history = api_client.get(base + "history/").json()
    assert [h["to_status"] for h in history] == ["isolating", "arrived"]

    travel = api_client.get(base + "travel/").json()
    stops = [
        {"region_code": "3201", "place": "南京市", "from_date": str(days_ago(9)), "to_date": str(days_ago(8))}
    ]
    bad = api_client.put(
        base + "travel/", {"stops": [{"region_code": "x", "place": ""}], "contacts": []}, format="json"
    )
    assert bad.status_code == 400 and "stops[0].region_code" in bad.json()["error"]["fields"]
    saved = api_client.put(
        base + "travel/", {"stops": stops, "contacts": [], "version": travel["version"]}, format="json"
    )
    assert saved.status_code == 200
    assert saved.json()["travel_stops"][0]["place"] == "南京市"
    evaluated = api_client.post(base + "evaluate/")
    assert evaluated.status_code == 200 and evaluated.json()["decision"] == ReturnDecision.ISOLATE

    board = api_client.get("/api/v1/isolation-episodes/", {"open": "true"}).json()
    assert [row["employee"] for row in board["results"]] == [person.pk]
    api_client.force_authenticate(world.users["dept_health"])
    episode_id = board["results"][0]["id"]
    released = api_client.post(f"/api/v1/isolation-episodes/{episode_id}/release/", {"note": "评估解除"})
    assert released.status_code == 200, released.content
    assert Employee.objects.get(pk=person.pk).status == EmployeeStatus.AT_WORK


def test_start_episode_over_the_api_is_scoped(world, api_client, person):
    api_client.force_authenticate(world.users["ent_c"])
    body = {"employee": person.pk, "kind": "isolation", "reason": "发热"}
    assert api_client.post("/api/v1/isolation-episodes/", body).status_code == 404
    api_client.force_authenticate(world.users["ent_a"])
    created = api_client.post("/api/v1/isolation-episodes/", body)
    assert created.status_code == 201
    assert created.json()["day_number"] == 1 and created.json()["days_left"] == 14


def test_employee_sees_only_their_own_file(world, api_client, person):
    me = world.users["employee_a"]
    api_client.force_authenticate(me)
    assert api_client.get("/api/v1/employees/me/").status_code == 404
    services.link_account(world.users["ent_a"], person, me)
    mine = api_client.get("/api/v1/employees/me/")
    assert mine.status_code == 200
    assert mine.json()["id"] == person.pk and mine.json()["today"]["status"] == person.status
    assert api_client.get("/api/v1/employees/").json()["count"] == 1
    other = make_employee(world.firm_a)
    assert api_client.get(f"/api/v1/employees/{other.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/employees/{person.pk}/reveal-id/").status_code == 403


def test_returns_summary_for_n1_statistics(world, api_client, n0):
    make_employee(world.firm_a, residence_region=world.town_a.code, residence_control="precaution")
    make_employee(world.firm_a, residence_region=world.other_town.code)
    api_client.force_authenticate(world.users["ent_a"])
    summary = api_client.get("/api/v1/employees/summary/").json()
    assert summary["total"] == 2
    assert summary["by_district"] == {"诸暨市": 1, "越城区": 1}
    assert summary["by_control_status"] == {"precaution": 1, "none": 1}
    assert summary["by_commute"] == {"closed_in_plant": 2}
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get("/api/v1/employees/summary/", {"enterprise": world.firm_a.pk}).status_code == 404
