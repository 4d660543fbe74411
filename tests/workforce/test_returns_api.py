"""/api/v1/pre-reports/ and /api/v1/checkpoint-arrivals/: scoped lists, 404 outside, idempotent posts,
masked ID numbers only."""

import datetime as dt

import pytest
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.workforce.models import CheckpointArrival, EmployeeStatus, PreReport
from tests.workforce.returns_support import id_number, make_employee, use_n0

pytestmark = pytest.mark.django_db


@pytest.fixture
def n0(world):
    return use_n0(world)


def as_user(api_client, world, key):
    api_client.force_authenticate(world.users[key])
    return api_client


def rows(response):
    assert response.status_code == 200, response.content[:300]
    return response.json()["results"]


def report(api_client, world, people, days=3):
    day = timezone.localdate() + dt.timedelta(days=days)
    response = as_user(api_client, world, "ent_a").post(
        "/api/v1/pre-reports/",
        {"employees": [p.pk for p in people], "expected_arrival": day.isoformat()},
        format="json",
    )
    return response, day


def test_firm_reports_and_only_its_town_sees_the_report(api_client, world, n0):
    number = id_number()
    person = make_employee(world.firm_a, "李四", number)
    response, day = report(api_client, world, [person])
    assert response.status_code == 201, response.content
    (body,) = response.json()
    assert (body["employee_name"], body["on_time"], body["lead_days"], body["town"]) == (
        "李四",
        True,
        3,
        world.town_a.pk,
    )
    pk = body["id"]

    for who, visible in (("town_a", True), ("task_force", True), ("town_b", False), ("outsider", False)):
        client = as_user(api_client, world, who)
        listed = rows(client.get("/api/v1/pre-reports/", {"date": day.isoformat()}))
        assert [r["id"] for r in listed] == ([pk] if visible else []), who
        assert client.get(f"/api/v1/pre-reports/{pk}/").status_code == (200 if visible else 404), who
        text = client.get("/api/v1/pre-reports/").content.decode()
        assert number not in text


def test_late_report_is_flagged_and_filterable(api_client, world, n0):
    person = make_employee(world.firm_a)
    response, day = report(api_client, world, [person], days=1)
    assert response.json()[0]["on_time"] is False
    client = as_user(api_client, world, "town_a")
    assert len(rows(client.get("/api/v1/pre-reports/", {"on_time": "false"}))) == 1
    assert rows(client.get("/api/v1/pre-reports/", {"on_time": "true"})) == []


def test_refused_report_answers_in_chinese_and_saves_nothing(api_client, world, n0):
    person = make_employee(world.firm_a)
    response, _ = report(api_client, world, [person], days=-1)
    assert response.status_code == 400
    assert "预计抵达日期" in response.json()["error"]["message"]
    assert not PreReport.objects.exists()
    # A town officer may not file a firm's pre-report.
    town = as_user(api_client, world, "town_a")
    assert (
        town.post(
            "/api/v1/pre-reports/",
            {"employees": [person.pk], "expected_arrival": "2030-01-01"},
            format="json",
        ).status_code
        == 403
    )


def arrival_payload(**overrides):
    data = {"checkpoint": "诸暨高速出口", "name": "张三", "id_number": id_number(), "phone": "13900139000"}
    data.update(overrides)
    return data


def test_checkpoint_post_is_idempotent_by_client_key(api_client, world):
    number = id_number()
    person = make_employee(world.firm_a, "孙八", number)
    client = as_user(api_client, world, "town_a")
    payload = arrival_payload(name="孙八", id_number=number, client_key="a1b2c3d4e5f6")
    first = client.post("/api/v1/checkpoint-arrivals/", payload, format="json")
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/checkpoint-arrivals/", payload, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert CheckpointArrival.objects.count() == 1
    body = first.json()
    assert (body["employee"], body["enterprise"], body["follow_up"]) == (
        person.pk,
        world.firm_a.pk,
        "matched",
    )
    assert body["id_number_masked"].count("*") == 10
    assert number not in first.content.decode()
    assert "id_number_encrypted" not in body and "id_number_index" not in body
    person.refresh_from_db()
    assert person.status == EmployeeStatus.ARRIVED


def test_idempotency_key_header_works_too(api_client, world):
    client = as_user(api_client, world, "grid_a")
    payload = arrival_payload()
    for expected in (201, 200):
        response = client.post(
            "/api/v1/checkpoint-arrivals/", payload, format="json", HTTP_IDEMPOTENCY_KEY="hdr-0001-xyz"
        )
        assert response.status_code == expected, response.content
    assert CheckpointArrival.objects.count() == 1


def test_bad_arrival_names_the_field(api_client, world):
    client = as_user(api_client, world, "town_a")
    response = client.post(
        "/api/v1/checkpoint-arrivals/", arrival_payload(id_number="33068119900101123"), format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "id_number" in error["fields"] and "身份证号" in error["message"]
    assert not CheckpointArrival.objects.exists()


def test_who_may_record(api_client, world):
    for who, code in (("ent_a", 403), ("gate_a", 403), ("employee_a", 403), ("inspector", 403)):
        response = as_user(api_client, world, who).post(
            "/api/v1/checkpoint-arrivals/", arrival_payload(), format="json"
        )
        assert response.status_code == code, who
    # A county officer has several towns and must say which.
    response = as_user(api_client, world, "task_force").post(
        "/api/v1/checkpoint-arrivals/", arrival_payload(), format="json"
    )
    assert response.status_code == 400 and "目的地镇街" in response.json()["error"]["message"]
    response = api_client.post(
        "/api/v1/checkpoint-arrivals/", arrival_payload(town=world.town_b.pk), format="json"
    )
    assert response.status_code == 201


def test_unmatched_are_listed_for_their_town_and_followed_up(api_client, world):
    client = as_user(api_client, world, "town_a")
    pk = client.post("/api/v1/checkpoint-arrivals/", arrival_payload(name="陌生人"), format="json").json()[
        "id"
    ]
    assert [r["id"] for r in rows(client.get("/api/v1/checkpoint-arrivals/", {"unmatched": "true"}))] == [pk]
    assert [r["id"] for r in rows(client.get("/api/v1/checkpoint-arrivals/", {"follow_up": "pending"}))] == [
        pk
    ]

    for who in ("town_b", "outsider"):
        other = as_user(api_client, world, who)
        assert rows(other.get("/api/v1/checkpoint-arrivals/", {"unmatched": "true"})) == []
        assert other.get(f"/api/v1/checkpoint-arrivals/{pk}/").status_code == 404
        assert other.post(f"/api/v1/checkpoint-arrivals/{pk}/resolve/", {"note": "x"}).status_code == 404

    client = as_user(api_client, world, "town_a")
    response = client.post(f"/api/v1/checkpoint-arrivals/{pk}/resolve/", {"note": "已联系，非本地企业员工"})
    assert response.status_code == 200 and response.json()["follow_up"] == "resolved"
    assert AuditEntry.objects.filter(action="workforce.arrival.resolve", object_id=str(pk)).exists()


def test_manual_match_over_the_api(api_client, world):
    person = make_employee(world.firm_a, "冯二")
    client = as_user(api_client, world, "town_a")
    pk = client.post("/api/v1/checkpoint-arrivals/", arrival_payload(name="冯二"), format="json").json()["id"]
    foreign = make_employee(world.firm_b)
    assert (
        client.post(f"/api/v1/checkpoint-arrivals/{pk}/match/", {"employee": foreign.pk}).status_code == 400
    )
    response = client.post(f"/api/v1/checkpoint-arrivals/{pk}/match/", {"employee": person.pk})
    assert response.status_code == 200, response.content
    assert (response.json()["employee"], response.json()["follow_up"]) == (person.pk, "matched")


def test_enterprise_sees_its_own_arrivals_and_reports_only(api_client, world, n0):
    mine = make_employee(world.firm_a, "甲", n := id_number())
    as_user(api_client, world, "town_a").post(
        "/api/v1/checkpoint-arrivals/", arrival_payload(name="甲", id_number=n), format="json"
    )
    as_user(api_client, world, "town_a").post(
        "/api/v1/checkpoint-arrivals/", arrival_payload(name="陌生人"), format="json"
    )
    ent = as_user(api_client, world, "ent_a")
    assert [r["employee"] for r in rows(ent.get("/api/v1/checkpoint-arrivals/"))] == [mine.pk]
    assert rows(as_user(api_client, world, "ent_c").get("/api/v1/checkpoint-arrivals/")) == []


def test_counts_and_not_arrived(api_client, world, n0):
    person = make_employee(world.firm_a, "未到")
    report(api_client, world, [person], days=0)
    client = as_user(api_client, world, "town_a")
    counts = client.get("/api/v1/pre-reports/counts/")
    assert counts.status_code == 200
    body = counts.json()
    assert (body["pre_reports"], body["late"], body["not_arrived"]) == (1, 1, 1)
    assert body["by_enterprise"][0]["enterprise_name"] == world.firm_a.name
    assert [r["employee_name"] for r in rows(client.get("/api/v1/pre-reports/not-arrived/"))] == ["未到"]
    other = as_user(api_client, world, "town_b")
    assert other.get("/api/v1/pre-reports/counts/").json()["pre_reports"] == 0
    assert rows(other.get("/api/v1/pre-reports/not-arrived/")) == []
    assert other.get("/api/v1/pre-reports/counts/", {"date": "2020-13-01"}).status_code == 400
