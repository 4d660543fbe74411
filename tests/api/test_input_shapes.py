"""Bodies of the wrong shape and numbers too large answer the API's 400 in Chinese, not a server error."""

import json

import pytest

from tests.workforce.conftest import make_employee

NOT_OBJECTS = [
    pytest.param([None, None], "列表", id="list"),
    pytest.param(1, "数字", id="number"),
    pytest.param("x", "字符串", id="string"),
    pytest.param(None, "空值", id="null"),
    pytest.param(True, "布尔值", id="bool"),
]


@pytest.fixture
def officer(world, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    return world.users["ent_a"]


@pytest.fixture
def person(world):
    return make_employee(world.firm_a, name="孙八")


def _send(client, method, path, body):
    """The body exactly as JSON, null included (the test client would send no body for None)."""
    return client.generic(method.upper(), path, json.dumps(body), content_type="application/json")


def _refused(response, kind):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert error["message"].startswith("请求体须为JSON对象（{…}），收到的是")
    assert kind in error["message"]
    assert error["fields"] == {}


@pytest.mark.parametrize("body,kind", NOT_OBJECTS)
@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/api/v1/employees/"),
        ("put", "/api/v1/employees/{id}/"),
        ("patch", "/api/v1/employees/{id}/"),
        ("put", "/api/v1/employees/{id}/travel/"),
    ],
)
def test_employee_writes_refuse_a_body_that_is_not_an_object(
    api_client, officer, person, method, path, body, kind
):
    before = person.version
    _refused(_send(api_client, method, path.format(id=person.pk), body), kind)
    person.refresh_from_db()
    assert person.version == before


@pytest.mark.parametrize("body,kind", NOT_OBJECTS)
def test_serializer_endpoints_refuse_it_the_same_way(world, api_client, body, kind):
    api_client.force_authenticate(world.users["task_force"])
    _refused(_send(api_client, "post", "/api/v1/risk-areas/", body), kind)


def test_malformed_json_is_refused_in_chinese_with_where_it_broke(api_client, officer):
    response = api_client.post(
        "/api/v1/employees/", '{"name": "张三",'.encode(), content_type="application/json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error"
    assert error["message"].startswith("请求体不是有效的JSON（第1行第")
    assert "JSON parse error" not in error["message"]


def test_an_object_still_reaches_the_service(api_client, officer, person):
    response = api_client.patch(
        f"/api/v1/employees/{person.pk}/", {"phone": "13900001111", "version": person.version}, format="json"
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.phone == "13900001111"


def test_checkin_batch_still_takes_a_bare_list_but_not_a_scalar(world, api_client, officer):
    answer = api_client.post("/api/v1/checkins/batch/", [{"temperature": "36.5"}], format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["errors"] == 1 and "员工" in answer.json()["results"][0]["message"]
    _refused(_send(api_client, "post", "/api/v1/checkins/batch/", 5), "数字")
    # Another view's list stays refused: only the batch names itself in list_body_actions.
    _refused(_send(api_client, "post", "/api/v1/checkins/", [{"temperature": "36.5"}]), "列表")


def test_form_bodies_are_not_touched(api_client, officer, person):
    response = api_client.patch(
        f"/api/v1/employees/{person.pk}/", {"phone": "13900002222", "version": person.version}
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.phone == "13900002222"


HUGE = "9" * 30
OUT_OF_RANGE = "提交的数字超出范围：编号、数量等整数的绝对值不能超过 9223372036854775807。"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("get", f"/api/v1/regions/?parent={HUGE}", None),
        ("get", f"/api/v1/pre-reports/?enterprise={HUGE}", None),
        ("post", f"/api/v1/resumption-notifications/{HUGE}/read/", None),
        ("post", "/api/v1/resumption-batches/", {"applications": [int(HUGE)]}),
    ],
)
def test_a_number_beyond_64_bits_is_answered_not_a_server_error(world, api_client, method, path, body):
    """SQLite cannot bind it (400 out_of_range); PostgreSQL compares it and finds nothing (200, 403, 404)."""
    api_client.force_authenticate(world.users["task_force"])
    response = getattr(api_client, method)(path, body, format="json")
    assert response.status_code < 500, response.content
    if response.status_code == 400:
        assert response.json() == {"error": {"code": "out_of_range", "message": OUT_OF_RANGE, "fields": {}}}


def test_an_overflow_is_the_callers_input(caplog):
    from fugong.core.rest import exception_handler

    response = exception_handler(OverflowError("Python int too large to convert to SQLite INTEGER"), {})
    assert response.status_code == 400
    assert response.data == {"error": {"code": "out_of_range", "message": OUT_OF_RANGE, "fields": {}}}
    assert "integer out of range" in caplog.text
