"""/api/v1/gatherings/: scoped list with filters, multipart create, decisions, cancel, plan download."""

import pytest

from fugong.gatherings.models import Gathering, GatheringStatus
from tests.gatherings.conftest import pdf, record

pytestmark = pytest.mark.django_db
URL = "/api/v1/gatherings/"


def _body(**changes):
    return {
        "kind": "meeting",
        "title": "复工动员会",
        "place": "大礼堂",
        "starts_at": "2031-03-01T09:00",
        "ends_at": "2031-03-01T10:00",
        "headcount": "60",
        "organiser": "厂长",
    } | changes


def test_create_multipart_with_plan_and_idempotency(api_client, world, n3):
    api_client.force_authenticate(world.users["ent_a"])
    response = api_client.post(
        URL, _body(plan=pdf()), format="multipart", HTTP_IDEMPOTENCY_KEY="api-key-0001"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending" and data["has_plan"] and data["flags"]
    again = api_client.post(URL, _body(plan=pdf()), format="multipart", HTTP_IDEMPOTENCY_KEY="api-key-0001")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Gathering.objects.count() == 1


def test_create_without_plan_names_the_field(api_client, world, n3):
    api_client.force_authenticate(world.users["ent_a"])
    response = api_client.post(URL, _body(), format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["plan"][0].startswith("防控方案：")


@pytest.mark.parametrize("who", ["town_a", "inspector", "outsider"])
def test_only_firms_create(api_client, world, n3, who):
    api_client.force_authenticate(world.users[who])
    assert api_client.post(URL, _body(headcount="5"), format="multipart").status_code == 403


def test_list_scoped_and_filtered(api_client, world, n3):
    a_meeting = record(world, headcount=5)
    a_dinner = record(world, kind="dinner", headcount=12)
    c_meeting = record(world, who="ent_c", firm="firm_c", headcount=5)
    api_client.force_authenticate(world.users["town_a"])
    ids = {row["id"] for row in api_client.get(URL).json()["results"]}
    assert ids == {a_meeting.pk, a_dinner.pk}
    flagged = api_client.get(URL, {"status": "flagged"}).json()["results"]
    assert [row["id"] for row in flagged] == [a_dinner.pk]
    assert [row["id"] for row in api_client.get(URL, {"kind": "meeting"}).json()["results"]] == [a_meeting.pk]
    day = a_meeting.starts_at.date().isoformat()
    assert len(api_client.get(URL, {"date": day}).json()["results"]) == 2
    api_client.force_authenticate(world.users["outsider"])
    assert [row["id"] for row in api_client.get(URL).json()["results"]] == [c_meeting.pk]
    assert api_client.get(f"{URL}{a_meeting.pk}/").status_code == 404


def test_approve_reject_through_the_api(api_client, world, n3):
    g = record(world, headcount=60, plan=pdf())
    api_client.force_authenticate(world.users["ent_a"])
    assert api_client.post(f"{URL}{g.pk}/approve/", {"version": 1}, format="json").status_code == 403
    api_client.force_authenticate(world.users["town_b"])
    assert api_client.post(f"{URL}{g.pk}/approve/", {"version": 1}, format="json").status_code == 404
    api_client.force_authenticate(world.users["town_a"])
    response = api_client.post(f"{URL}{g.pk}/approve/", {"version": 1, "note": "同意"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    stale = api_client.post(f"{URL}{g.pk}/reject/", {"version": 1, "note": "不同意"}, format="json")
    assert stale.status_code == 409
    assert "已被他人修改" in str(stale.json())
    wrong_state = api_client.post(f"{URL}{g.pk}/reject/", {"version": 2, "note": "不同意"}, format="json")
    assert wrong_state.status_code == 400
    assert "不在待审批状态" in str(wrong_state.json())


def test_cancel_and_plan_download(api_client, world, n3):
    g = record(world, headcount=60, plan=pdf())
    api_client.force_authenticate(world.users["inspector"])
    response = api_client.get(f"{URL}{g.pk}/plan/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert api_client.post(f"{URL}{g.pk}/cancel/", {}, format="json").status_code == 403
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"{URL}{g.pk}/plan/").status_code == 404
    api_client.force_authenticate(world.users["ent_a"])
    response = api_client.post(f"{URL}{g.pk}/cancel/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == GatheringStatus.CANCELLED


def test_patch_re_decides(api_client, world, n3):
    g = record(world, headcount=60, plan=pdf())
    api_client.force_authenticate(world.users["ent_a"])
    response = api_client.patch(f"{URL}{g.pk}/", {"headcount": "30", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "recorded"
    assert (
        api_client.patch(f"{URL}{g.pk}/", {"headcount": "31", "version": 1}, format="json").status_code == 409
    )
