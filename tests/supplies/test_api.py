import datetime as dt

import pytest
from django.utils import timezone

from fugong.supplies import services
from fugong.supplies.models import DemandStatus, Stock

pytestmark = pytest.mark.django_db

MOVES = "/api/v1/supply-movements/"
DEMANDS = "/api/v1/supply-demands/"


def _as(api_client, world, who):
    api_client.force_authenticate(world.users[who])
    return api_client


def test_receive_issue_and_idempotency_header(api_client, world):
    c = _as(api_client, world, "ent_a")
    r = c.post(MOVES, {"kind": "receipt", "item": "n95", "quantity": 10}, format="json")
    assert r.status_code == 201 and r.json()["balance_after"] == 10
    body = {"kind": "issue", "item": "n95", "quantity": 4, "counterparty": "一车间"}
    r1 = c.post(MOVES, body, format="json", HTTP_IDEMPOTENCY_KEY="api-key-0001")
    r2 = c.post(MOVES, body, format="json", HTTP_IDEMPOTENCY_KEY="api-key-0001")
    assert (r1.status_code, r2.status_code) == (201, 200) and r1.json()["id"] == r2.json()["id"]
    assert Stock.objects.get(enterprise=world.firm_a, item="n95").quantity == 6


def test_issue_beyond_stock_is_409_in_chinese(api_client, world):
    c = _as(api_client, world, "ent_a")
    c.post(MOVES, {"kind": "receipt", "item": "n95", "quantity": 10}, format="json")
    r = c.post(MOVES, {"kind": "issue", "item": "n95", "quantity": 20, "counterparty": "x"}, format="json")
    assert r.status_code == 409
    assert "库存不足：N95口罩现有10个，申领20个" in str(r.json())


def test_bad_input_is_400_naming_fields(api_client, world):
    r = _as(api_client, world, "ent_a").post(
        MOVES, {"kind": "issue", "item": "zz", "quantity": "-1"}, format="json"
    )
    assert r.status_code == 400
    text = str(r.json())
    assert "物资：不在可选的防疫物资之列" in text and "领用数量：应为大于0的整数" in text


def test_lists_scoped_and_outsider(api_client, world, ent_a):
    services.receive(ent_a, world.firm_a, "mask", 5)
    assert len(_as(api_client, world, "town_a").get("/api/v1/supply-stocks/").json()["results"]) == 1
    assert _as(api_client, world, "outsider").get("/api/v1/supply-stocks/").json()["results"] == []
    assert _as(api_client, world, "outsider").get(MOVES).json()["results"] == []
    assert _as(api_client, world, "employee_a").get(MOVES).status_code == 403
    r = _as(api_client, world, "town_a").post(
        MOVES, {"kind": "receipt", "item": "mask", "quantity": 1}, format="json"
    )
    assert r.status_code == 403


def test_demand_workflow_over_the_api(api_client, world):
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    c = _as(api_client, world, "ent_a")
    r = c.post(DEMANDS, {"item": "n95", "quantity": 200, "needed_by": later, "reason": "断货"}, format="json")
    assert r.status_code == 201
    pk = r.json()["id"]
    assert (
        _as(api_client, world, "outsider")
        .post(f"{DEMANDS}{pk}/escalate/", {"expected_version": 1})
        .status_code
        == 404
    )
    town = _as(api_client, world, "town_a")
    r = town.post(
        f"{DEMANDS}{pk}/escalate/",
        {"note": "镇内无货", "due_on": later, "expected_version": 1},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == DemandStatus.ESCALATED
    tf = _as(api_client, world, "task_force")
    r = tf.post(
        f"{DEMANDS}{pk}/answer/", {"fulfilled": True, "answer": "调拨", "expected_version": 1}, format="json"
    )
    assert r.status_code == 409 and "已被他人处理" in str(r.json())
    r = tf.post(
        f"{DEMANDS}{pk}/answer/", {"fulfilled": True, "answer": "调拨", "expected_version": 2}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == DemandStatus.FULFILLED
    r = _as(api_client, world, "ent_a").post(f"{DEMANDS}{pk}/withdraw/")
    assert r.status_code == 400 and "不能进行此操作" in str(r.json())


def test_demand_withdraw_and_errors(api_client, world):
    c = _as(api_client, world, "ent_a")
    r = c.post(DEMANDS, {"item": "", "quantity": "", "needed_by": "", "reason": ""}, format="json")
    assert r.status_code == 400 and len(r.json()) >= 1 and "需求数量：必须填写" in str(r.json())
    later = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    pk = c.post(
        DEMANDS, {"item": "mask", "quantity": 5, "needed_by": later, "reason": "断货"}, format="json"
    ).json()["id"]
    r = c.post(f"{DEMANDS}{pk}/withdraw/")
    assert r.status_code == 200 and r.json()["status"] == DemandStatus.WITHDRAWN
