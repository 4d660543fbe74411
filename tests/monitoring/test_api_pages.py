"""The API and the pages of daily monitoring."""

import pytest
from django.urls import reverse

from fugong.monitoring.models import Alert, HealthCheckin
from tests.monitoring.conftest import at_work

pytestmark = pytest.mark.django_db


def test_api_single_checkin_is_idempotent(world, worker, api_client):
    api_client.force_authenticate(world.users["employee_a"])
    body = {"temperature": "36.5", "symptoms": []}
    first = api_client.post("/api/v1/checkins/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201, first.content
    again = api_client.post("/api/v1/checkins/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert HealthCheckin.objects.count() == 1
    listed = api_client.get("/api/v1/checkins/").json()
    assert listed["count"] == 1


def test_api_fever_raises_and_alert_scope(world, worker, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    made = api_client.post(
        "/api/v1/checkins/", {"employee": worker.pk, "temperature": "37.3", "client_key": "x1"}, format="json"
    )
    assert made.status_code == 201 and made.json()["abnormal"] is True
    alert = Alert.objects.get()
    api_client.force_authenticate(world.users["town_a"])
    assert api_client.get("/api/v1/alerts/").json()["count"] == 1
    ack = api_client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", {}, format="json")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    api_client.force_authenticate(world.users["town_b"])
    assert api_client.get("/api/v1/alerts/").json()["count"] == 0
    assert (
        api_client.post(f"/api/v1/alerts/{alert.pk}/close/", {"note": "x"}, format="json").status_code == 404
    )
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
    api_client.force_authenticate(world.users["ent_c"])
    assert (
        api_client.post(
            "/api/v1/checkins/", {"employee": worker.pk, "temperature": "36.5"}, format="json"
        ).status_code
        == 404
    )


def test_api_batch(world, worker, api_client, clock):
    clock(14)  # both rounds open
    other = at_work(world.firm_a, world.users["ent_a"], name="钱七")
    api_client.force_authenticate(world.users["ent_a"])
    records = [
        {"employee": worker.pk, "temperature": "36.5", "round": 1, "client_key": "g-1"},
        {"employee": other.pk, "temperature": "abc", "round": 1, "client_key": "g-2"},
        {"temperature": "36.5"},
    ] + [{"employee": other.pk, "temperature": "36.4", "round": 2, "client_key": "g-3"}]
    answer = api_client.post(
        "/api/v1/checkins/batch/", {"source": "device", "records": records}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["stored"] == 2 and body["errors"] == 2
    assert [r["status"] for r in body["results"]] == ["stored", "error", "error", "stored"]
    assert "体温" in body["results"][1]["message"] and "员工" in body["results"][2]["message"]
    again = api_client.post("/api/v1/checkins/batch/", {"records": records}, format="json").json()
    assert again["stored"] == 0 and again["duplicates"] == 2
    assert HealthCheckin.objects.count() == 2
    api_client.force_authenticate(world.users["ent_c"])
    foreign = api_client.post(
        "/api/v1/checkins/batch/", {"enterprise": world.firm_a.pk, "records": records}, format="json"
    )
    assert foreign.status_code == 404


def test_api_missing_rounds(world, worker, api_client):
    api_client.force_authenticate(world.users["town_a"])
    answer = api_client.get("/api/v1/missing-rounds/", {"day": "2020-02-01"})
    assert answer.status_code == 200
    api_client.force_authenticate(world.users["employee_a"])
    assert api_client.get("/api/v1/missing-rounds/").status_code == 403


def test_phone_page_double_submit_is_one_record(world, worker, client):
    client.force_login(world.users["employee_a"])
    page = client.get(reverse("monitoring:checkin"))
    assert page.status_code == 200
    key = page.context["client_key"]
    data = {"temperature": "36.5", "health_code": "green", "client_key": key}
    first = client.post(reverse("monitoring:checkin"), data)
    second = client.post(reverse("monitoring:checkin"), data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert HealthCheckin.objects.count() == 1
    done = client.get(first.url)
    assert "第1轮打卡成功 36.5℃" in done.content.decode()


def test_phone_page_fever_message(world, worker, client):
    client.force_login(world.users["employee_a"])
    key = client.get(reverse("monitoring:checkin")).context["client_key"]
    answer = client.post(
        reverse("monitoring:checkin"), {"temperature": "37.5", "client_key": key}, follow=True
    )
    assert "体温异常，请立即原地等候，防疫专员将与您联系" in answer.content.decode()


def test_bulk_page(world, worker, client):
    other = at_work(world.firm_a, world.users["ent_a"], name="钱七")
    client.force_login(world.users["ent_a"])
    assert client.get(reverse("monitoring:bulk")).status_code == 200
    answer = client.post(
        reverse("monitoring:bulk"), {"round": "1", f"t_{worker.pk}": "36.5", f"t_{other.pk}": "99"}
    )
    text = answer.content.decode()
    assert "已保存1条" in text and "34.0至43.0" in text
    assert HealthCheckin.objects.filter(source="bulk").count() == 1


def test_alert_pages_scope(world, worker, client):
    client.force_login(world.users["ent_a"])
    client.post(reverse("monitoring:bulk"), {"round": "1", f"t_{worker.pk}": "38.1"})
    alert = Alert.objects.get()
    client.force_login(world.users["town_a"])
    assert "王五" in client.get(reverse("monitoring:alerts")).content.decode()
    assert client.post(reverse("monitoring:alert_acknowledge", args=[alert.pk])).status_code == 302
    client.force_login(world.users["town_b"])
    assert "王五" not in client.get(reverse("monitoring:alerts")).content.decode()
    assert client.post(reverse("monitoring:alert_close", args=[alert.pk]), {"note": "x"}).status_code == 404
    client.force_login(world.users["employee_a"])
    assert client.get(reverse("monitoring:alerts")).status_code == 403
    client.force_login(world.users["town_a"])
    assert client.get(reverse("monitoring:missing")).status_code == 200
