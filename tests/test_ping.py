"""``GET /api/v1/ping/``: the do-nothing authenticated endpoint the check-in benchmark compares against."""

import pytest
from rest_framework.authtoken.models import Token


@pytest.mark.django_db
def test_ping_refuses_anonymous(api_client):
    response = api_client.get("/api/v1/ping/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


@pytest.mark.django_db
def test_ping_refuses_a_wrong_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = api_client.get("/api/v1/ping/")
    assert response.status_code in (401, 403)
    assert "error" in response.json()


@pytest.mark.parametrize("username", ["ent_a", "outsider"])
def test_ping_answers_a_token_holder(api_client, world, username):
    token = Token.objects.create(user=world.users[username])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.get("/api/v1/ping/")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_ping_answers_a_session(api_client, world):
    api_client.force_login(world.users["ent_a"])
    assert api_client.get("/api/v1/ping/").json() == {"ok": True}


def test_ping_reads_nothing_but_the_token(api_client, world, django_assert_max_num_queries):
    token = Token.objects.create(user=world.users["ent_a"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    with django_assert_max_num_queries(1):
        assert api_client.get("/api/v1/ping/").status_code == 200


def test_ping_is_get_only(api_client, world):
    api_client.force_login(world.users["ent_a"])
    assert api_client.post("/api/v1/ping/", {}).status_code == 405
