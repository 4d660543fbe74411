import datetime as dt

from fugong.arrangements.models import Assignment, AssignmentKind
from tests.arrangements.conftest import room, staff, today

D = dt.timedelta


def test_create_answers_with_the_flags_and_lists_by_day(n4, api_client):
    ent = n4.users["ent_a"]
    api_client.force_authenticate(ent)
    people = staff(n4.firm_a, 7)
    r = room(n4.firm_a, capacity=8, area="40")
    body = {
        "employees": [p.pk for p in people],
        "kind": "dorm",
        "target": r.pk,
        "starts_on": (today() - D(days=3)).isoformat(),
    }
    response = api_client.post("/api/v1/assignments/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["assignments"]) == 7
    assert data["flags"] and data["flags"][0].startswith("《") and "不超过6人" in data["flags"][0]
    listed = api_client.get(
        "/api/v1/assignments/", {"kind": "dorm", "target": r.pk, "day": today().isoformat()}
    )
    assert listed.json()["count"] == 7
    assert (
        api_client.get("/api/v1/assignments/", {"day": (today() - D(days=4)).isoformat()}).json()["count"]
        == 0
    )
    first = data["assignments"][0]["id"]
    ended = api_client.post(
        f"/api/v1/assignments/{first}/end/", {"ends_on": today().isoformat()}, format="json"
    )
    assert ended.status_code == 200 and ended.json()["ends_on"] == today().isoformat()
    flags = api_client.get(f"/api/v1/arrangement-flags/{n4.firm_a.pk}/").json()
    assert [f["rule"] for f in flags["flags"]] == ["dorm_max_per_room"]
    tomorrow = (today() + D(days=1)).isoformat()
    assert (
        api_client.get(f"/api/v1/arrangement-flags/{n4.firm_a.pk}/", {"day": tomorrow}).json()["flags"] == []
    )


def test_a_car_over_three_is_refused_under_n1(n1, api_client):
    ent = n1.users["ent_a"]
    api_client.force_authenticate(ent)
    car = api_client.post("/api/v1/carpools/", {"plate": "浙D77777", "seats": 5}, format="json")
    assert car.status_code == 201, car.content
    people = staff(n1.firm_a, 4)
    body = {
        "employees": [p.pk for p in people],
        "kind": "carpool",
        "target": car.json()["id"],
        "starts_on": today().isoformat(),
    }
    response = api_client.post("/api/v1/assignments/", body, format="json")
    assert response.status_code == 400
    assert "不超过3人（包括驾驶员）" in response.content.decode()
    assert not Assignment.objects.exists()
    body["employees"] = [p.pk for p in people[:3]]
    assert api_client.post("/api/v1/assignments/", body, format="json").status_code == 201
    patched = api_client.patch(f"/api/v1/carpools/{car.json()['id']}/", {"seats": 2}, format="json")
    assert patched.status_code == 400 and "seats" in patched.content.decode()


def test_foreign_people_places_and_firms_read_as_not_found(world, api_client):
    [mine] = staff(world.firm_a, 1)
    [theirs] = staff(world.firm_c, 1)
    r_a, r_c = room(world.firm_a), room(world.firm_c)
    api_client.force_authenticate(world.users["ent_a"])
    for employee, target in ((mine, r_c), (theirs, r_a)):
        body = {
            "employees": [employee.pk],
            "kind": "dorm",
            "target": target.pk,
            "starts_on": today().isoformat(),
        }
        assert api_client.post("/api/v1/assignments/", body, format="json").status_code == 404
    assert api_client.get(f"/api/v1/arrangement-flags/{world.firm_c.pk}/").status_code == 404
    for who, code in (("town_a", 403), ("outsider", 403)):
        api_client.force_authenticate(world.users[who])
        body = {"employees": [mine.pk], "kind": "dorm", "target": r_a.pk, "starts_on": today().isoformat()}
        assert api_client.post("/api/v1/assignments/", body, format="json").status_code == code
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"/api/v1/arrangement-flags/{world.firm_a.pk}/").status_code in (403, 404)
    listed = api_client.get("/api/v1/arrangement-flags/")
    assert listed.status_code == 403 or all(row["id"] != world.firm_a.pk for row in listed.json()["results"])
    assert not Assignment.objects.exists()


def test_officers_read_the_flags_of_their_firms(n4, api_client):
    people = staff(n4.firm_a, 6)
    from tests.arrangements.conftest import place

    place(people, room(n4.firm_a, area="12"), starts_on=today(), kind=AssignmentKind.DORM)
    api_client.force_authenticate(n4.users["town_a"])
    rows = api_client.get("/api/v1/arrangement-flags/").json()["results"]
    assert [r["id"] for r in rows] == [n4.firm_a.pk]
    assert rows[0]["flags"][0]["rule"] == "dorm_min_area_per_person_m2"
