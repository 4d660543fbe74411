"""The OpenAPI schema and its docs page are for signed-in roles holding ``api.docs`` (issue 11, item 7)."""

import pytest
from rest_framework.authtoken.models import Token

from fugong.accounts.roles import can


def test_anonymous_visitors_get_neither(client, world):
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"] == "/login/?next=/api/docs/"
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 403
    assert schema.json()["error"]["code"] == "not_authenticated"
    assert "paths" not in schema.content.decode()


@pytest.mark.parametrize("who", ["grid_a", "gate_a", "employee_a"])
def test_roles_without_the_capability_are_refused(client, world, who):
    user = world.users[who]
    assert not can(user, "api.docs")
    client.force_login(user)
    docs = client.get("/api/docs/")
    assert docs.status_code == 403 and "swagger" not in docs.content.decode().lower()
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 403 and "paths" not in schema.content.decode()


@pytest.mark.parametrize("who", ["task_force", "dept_industry", "town_a", "inspector", "ent_a"])
def test_roles_with_the_capability_read_both(client, world, who):
    client.force_login(world.users[who])
    assert client.get("/api/docs/").status_code == 200
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200 and "/api/v1/auth/token/" in schema.json()["paths"]


def test_a_token_reads_the_schema(api_client, world):
    key = Token.objects.create(user=world.users["ent_a"]).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/schema/", {"format": "json"}).status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.users['gate_a']).key}")
    assert api_client.get("/api/schema/", {"format": "json"}).status_code == 403
