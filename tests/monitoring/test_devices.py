"""Device tokens: a temperature gate posts check-in batches for its own firm and reaches nothing else."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fugong.monitoring import devices
from fugong.monitoring.models import CheckinSource, Device, DeviceKind, HealthCheckin
from tests.monitoring.conftest import at_work
from tests.workforce.conftest import valid_id

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/checkins/batch/"


@pytest.fixture
def gate(world, n0):
    return devices.issue_device(world.users["ent_a"], world.firm_a, "1号测温门", DeviceKind.TEMPERATURE_GATE)


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Device {token}"}


def test_issue_stores_only_the_hash(world, gate):
    device, token = gate
    assert token.startswith("fgd_") and len(token) > 30
    stored = Device.objects.get(pk=device.pk)
    assert stored.token_hash == devices.hash_token(token) and token not in stored.token_hash
    assert stored.token_prefix == token[:8]
    assert not Device.objects.filter(token_hash=token).exists()
    assert devices.device_for_token(token) == device


def test_issue_and_revoke_need_the_firms_officer(world, gate):
    device, _token = gate
    for who in ("outsider", "town_a", "gate_a", "ent_c", "employee_a"):
        with pytest.raises(PermissionDenied):
            devices.issue_device(world.users[who], world.firm_a, "x", DeviceKind.TEMPERATURE_GATE)
        with pytest.raises(PermissionDenied):
            devices.revoke_device(world.users[who], device)
    assert Device.objects.get(pk=device.pk).is_active


def test_batch_via_device_is_stored_with_the_device(world, gate, api_client):
    device, token = gate
    number = valid_id(birth="19900909")
    person = at_work(world.firm_a, world.users["ent_a"], name="测温人", id_number=number)
    body = {"records": [{"id_number": number, "temperature": "36.4", "client_key": "g1-0001"}]}
    response = api_client.post(BATCH, body, format="json", **auth(token))
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 1
    row = HealthCheckin.objects.get(employee=person)
    assert (row.source, row.device_id, row.recorded_by) == (CheckinSource.DEVICE, device.pk, None)
    again = api_client.post(BATCH, body, format="json", **auth(token))
    assert again.json()["duplicates"] == 1 and HealthCheckin.objects.count() == 1
    assert Device.objects.get(pk=device.pk).last_used_at is not None


def test_device_cannot_post_for_another_firm(world, gate, api_client):
    _device, token = gate
    number = valid_id(birth="19900910")
    at_work(world.firm_c, world.users["ent_c"], name="外企人", id_number=number)
    body = {"enterprise": world.firm_c.pk, "records": [{"id_number": number, "temperature": "36.4"}]}
    response = api_client.post(BATCH, body, format="json", **auth(token))
    assert response.status_code == 403
    # Without naming the firm, another firm's person is simply not in this firm.
    body.pop("enterprise")
    result = api_client.post(BATCH, body, format="json", **auth(token)).json()
    assert result["stored"] == 0 and result["results"][0]["status"] == "error"
    assert not HealthCheckin.objects.exists()


def test_revoked_token_is_refused(world, gate, api_client):
    device, token = gate
    person = at_work(world.firm_a, world.users["ent_a"], name="甲")
    devices.revoke_device(world.users["ent_a"], device)
    body = {"records": [{"employee": person.pk, "temperature": "36.4"}]}
    assert api_client.post(BATCH, body, format="json", **auth(token)).status_code == 401
    assert api_client.post(BATCH, body, format="json", **auth("fgd_made-up")).status_code == 401
    assert not HealthCheckin.objects.exists()


def test_device_reaches_no_other_endpoint(world, gate, api_client):
    _device, token = gate
    at_work(world.firm_a, world.users["ent_a"], name="乙")
    for url in (
        "/api/v1/enterprises/",
        "/api/v1/checkins/",
        "/api/v1/employees/",
        "/api/v1/devices/",
        "/api/v1/alerts/",
    ):
        response = api_client.get(url, **auth(token))
        assert response.status_code == 403, url
    made = api_client.post(
        "/api/v1/devices/", {"name": "偷偷加的", "kind": "gate"}, format="json", **auth(token)
    )
    assert made.status_code == 403
    single = api_client.post("/api/v1/checkins/", {"temperature": "36.5"}, format="json", **auth(token))
    assert single.status_code == 403
    assert Device.objects.count() == 1 and not HealthCheckin.objects.exists()


def test_api_devices_list_create_revoke(world, n0, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    made = api_client.post("/api/v1/devices/", {"name": "2号门", "kind": "gate"}, format="json")
    assert made.status_code == 201, made.content
    token = made.json()["token"]
    assert devices.device_for_token(token).pk == made.json()["id"]
    listed = api_client.get("/api/v1/devices/").json()
    assert listed["count"] == 1 and "token" not in listed["results"][0]
    assert token not in str(listed)
    duplicate = api_client.post("/api/v1/devices/", {"name": "2号门", "kind": "gate"}, format="json")
    assert duplicate.status_code == 400 and "同名" in duplicate.content.decode()
    pk = made.json()["id"]

    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get("/api/v1/devices/").json()["count"] == 0
    assert api_client.get(f"/api/v1/devices/{pk}/").status_code == 404
    assert api_client.post(f"/api/v1/devices/{pk}/revoke/").status_code == 403
    api_client.force_authenticate(world.users["ent_c"])
    assert api_client.get("/api/v1/devices/").json()["count"] == 0
    assert api_client.post(f"/api/v1/devices/{pk}/revoke/").status_code == 404
    forged = api_client.post(
        "/api/v1/devices/", {"name": "x", "kind": "gate", "enterprise": world.firm_a.pk}, format="json"
    )
    assert forged.status_code == 404
    api_client.force_authenticate(world.users["town_a"])
    assert api_client.get("/api/v1/devices/").json()["count"] == 1
    assert api_client.post(f"/api/v1/devices/{pk}/revoke/").status_code == 403
    assert Device.objects.get(pk=pk).is_active

    api_client.force_authenticate(world.users["ent_a"])
    revoked = api_client.post(f"/api/v1/devices/{pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    assert devices.device_for_token(token) is None


def test_devices_page_shows_token_once(world, n0, client):
    client.force_login(world.users["ent_a"])
    page = client.post(reverse("monitoring:devices"), {"name": "3号门", "kind": "gate"})
    assert page.status_code == 200
    device = Device.objects.get(name="3号门")
    html = page.content.decode()
    token = html.split('data-testid="device-token">')[1].split("<")[0]
    assert devices.device_for_token(token) == device
    assert f"Authorization: Device {token}" in html and "/api/v1/checkins/batch/" in html
    later = client.get(reverse("monitoring:devices")).content.decode()
    assert "3号门" in later and token not in later and device.token_prefix in later
    bad = client.post(reverse("monitoring:devices"), {"name": "", "kind": "gate"})
    assert bad.status_code == 400 and "「设备名称」不能为空" in bad.content.decode()

    revoke = client.post(reverse("monitoring:device_revoke", args=[device.pk]))
    assert revoke.status_code == 302
    assert not Device.objects.get(pk=device.pk).is_active


def test_devices_page_refuses_outsiders(world, gate, client):
    device, _token = gate
    for who in ("outsider", "town_a", "gate_a", "employee_a"):
        client.force_login(world.users[who])
        assert client.get(reverse("monitoring:devices")).status_code == 403
        assert client.post(reverse("monitoring:device_revoke", args=[device.pk])).status_code in (403, 404)
    client.force_login(world.users["ent_c"])
    page = client.get(reverse("monitoring:devices")).content.decode()
    assert device.name not in page
    assert client.post(reverse("monitoring:device_revoke", args=[device.pk])).status_code == 404
    assert Device.objects.get(pk=device.pk).is_active


@pytest.fixture
def lab(world, n0):
    return devices.issue_device(world.users["ent_a"], world.firm_a, "检测机构", DeviceKind.LAB_SYSTEM)


def test_device_kind_decides_which_batch_it_reaches(world, gate, lab, api_client):
    from fugong.monitoring import services
    from fugong.monitoring.models import TestResult, TestSource
    from fugong.monitoring.testing import services as testing

    number = valid_id(birth="19900910")
    person = at_work(world.firm_a, world.users["ent_a"], name="测温人", id_number=number)
    from tests.monitoring.tests_support import at

    sampled = at(1).strftime("%Y-%m-%d %H:%M")
    test = {"id_number": number, "kind": "nucleic", "sampled_at": sampled, "result": "positive"}
    test["lab"] = "某检验所"
    refused = api_client.post("/api/v1/tests/batch/", {"records": [test]}, format="json", **auth(gate[1]))
    assert refused.status_code == 403 and "该设备类型不能上传检测结果" in refused.content.decode()
    reading = {"id_number": number, "temperature": "36.4"}
    refused = api_client.post(BATCH, {"records": [reading]}, format="json", **auth(lab[1]))
    assert refused.status_code == 403 and "该设备类型不能上传体温记录" in refused.content.decode()
    with pytest.raises(PermissionDenied, match="检测结果"):
        testing.record_tests_bulk(None, world.firm_a, [test], source=TestSource.DEVICE, device=gate[0])
    with pytest.raises(PermissionDenied, match="检测结果"):
        testing.record_test(
            None, person, kind="antigen", sampled_at=sampled, result="positive",
            source=TestSource.DEVICE, device=gate[0],
        )  # fmt: skip
    with pytest.raises(PermissionDenied, match="体温记录"):
        services.record_bulk(None, world.firm_a, [reading], source=CheckinSource.DEVICE, device=lab[0])
    assert not TestResult.objects.exists() and not HealthCheckin.objects.exists()
    person.refresh_from_db()
    assert person.status == "at_work"


def test_devices_page_shows_the_lab_batch_for_a_lab_system(world, n0, client):
    client.force_login(world.users["ent_a"])
    html = client.post(reverse("monitoring:devices"), {"name": "检测所", "kind": "lab"}).content.decode()
    example = html.split('data-testid="curl-example">')[1].split("</pre>")[0]
    assert "/api/v1/tests/batch/" in example and "/api/v1/checkins/batch/" not in example
    assert "sampled_at" in example and "temperature" not in example
