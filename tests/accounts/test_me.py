import pytest

from fugong.accounts.roles import CAPABILITIES


def test_me_for_a_town_officer(api_client, world):
    api_client.force_authenticate(world.users["town_a"])
    body = api_client.get("/api/v1/me/").json()
    assert body["username"] == "town_a"
    assert body["role"] == "town" and body["role_label"] == "镇乡街道"
    assert body["scope"]["region"]["code"] == "330681001"
    assert body["scope"]["region"]["path"] == "33/3306/330681/330681001/"
    assert body["scope"]["enterprise"] is None and body["scope"]["department"] is None
    assert body["scope"]["label"] == "暨阳街道"
    assert "region.grid.create" in body["capabilities"]
    assert "audit.view" not in body["capabilities"]
    assert body["capabilities"] == sorted(body["capabilities"])


def test_me_for_department_and_enterprise(api_client, world):
    api_client.force_authenticate(world.users["dept_health"])
    body = api_client.get("/api/v1/me/").json()
    assert body["scope"]["department"]["code"] == "health"
    assert body["scope"]["label"] == f"诸暨市 · {world.users['dept_health'].department.name}"

    api_client.force_authenticate(world.users["ent_a"])
    body = api_client.get("/api/v1/me/").json()
    assert body["scope"]["enterprise"] == {"id": world.firm_a.pk, "name": world.firm_a.name}
    assert body["scope"]["region"] is None
    assert "enterprise.edit" in body["capabilities"] and "enterprise.export" not in body["capabilities"]


def test_task_force_has_every_capability_it_is_granted(api_client, world):
    api_client.force_authenticate(world.users["task_force"])
    body = api_client.get("/api/v1/me/").json()
    assert set(body["capabilities"]) == {c for c, roles in CAPABILITIES.items() if "task_force" in roles}


@pytest.mark.django_db
def test_me_needs_login(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


def test_me_with_a_token(api_client, world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.users["employee_a"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = api_client.get("/api/v1/me/").json()
    # An employee reads their own file only (their scope is themselves).
    assert body["role"] == "employee" and body["capabilities"] == [
        "monitoring.checkin.self",
        "workforce.self",
        "workforce.view",
    ]
