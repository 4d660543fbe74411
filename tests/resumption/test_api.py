"""The N0 chain through the API, batches, certificates, notifications; outsiders see and do nothing."""

import pytest

from fugong.enterprises.models import EnterpriseStatus
from fugong.policy.selectors import policy_for
from fugong.resumption.models import ApplicationStatus, ReviewDecision
from fugong.resumption.selectors import required_documents, required_sections
from tests.resumption.conftest import PDF, complete_content

pytestmark = pytest.mark.django_db
BASE = "/api/v1/resumption-applications/"


def as_user(client, user):
    client.force_authenticate(user)
    return client


def file_application(client, world):
    """The firm's officer fills in, uploads, affirms and submits through the API."""
    firm = world.firm_a
    params = policy_for(firm.town).parameters
    as_user(client, world.users["ent_a"])
    content = complete_content(firm)
    content["plan_sections"] = {s: "措施落实到车间班组" for s in required_sections(params)}
    response = client.post(BASE, content, format="json")
    assert response.status_code == 201, response.json()
    app = response.json()
    assert app["status"] == "draft" and app["kind_display"] == "首次复工"
    for doc in required_documents(params):
        upload = client.post(
            f"{BASE}{app['id']}/attachments/",
            {"doc_type": doc, "file": _file(f"{doc}.pdf", doc.encode())},
            format="multipart",
        )
        assert upload.status_code == 201, upload.json()
    affirm = client.post(
        f"{BASE}{app['id']}/commitments/",
        {"codes": [c.code for c in params.commitments], "affirmed_by_name": firm.legal_representative},
        format="json",
    )
    assert affirm.status_code == 200 and len(affirm.json()) == 10
    version = client.get(f"{BASE}{app['id']}/").json()["version"]
    response = client.post(f"{BASE}{app['id']}/submit/", {"version": version}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def _file(name, body=b""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF + body, content_type="application/pdf")


def decide(client, user, app_id, decision, step, reasons=""):
    as_user(client, user)
    return client.post(
        f"{BASE}{app_id}/decide/", {"decision": decision, "step": step, "reasons": reasons}, format="json"
    )


# Committed for real, so that notifications (written on commit) arrive between the requests.
@pytest.mark.django_db(transaction=True)
def test_n0_chain_through_the_api(world, n0, api_client):
    u = world.users
    app = file_application(api_client, world)
    app_id = app["id"]
    assert app["status"] == "in_review" and app["current_step_name"] == "属地镇乡核查"
    assert app["waiting_for"] == ["镇乡街道"]
    assert app["priority_reasons"]

    as_user(api_client, u["town_a"])
    queue = api_client.get(f"{BASE}queue/").json()
    assert [row["id"] for row in queue["results"]] == [app_id]
    assert decide(api_client, u["town_a"], app_id, "pass", "town_check").status_code == 200
    # The same decision again (a second click, a second officer) is a conflict, not a second decision.
    again = decide(api_client, u["town_a"], app_id, "pass", "town_check")
    assert again.status_code == 409 and "已由" in again.json()["error"]["message"]

    assert decide(api_client, u["dept_health"], app_id, "pass", "joint_review").status_code == 200
    joint = api_client.get(f"{BASE}{app_id}/").json()
    assert joint["current_step_key"] == "joint_review" and joint["waiting_for"] == ["经济和信息化局"]
    assert decide(api_client, u["dept_industry"], app_id, "pass", "joint_review").status_code == 200

    # The task force releases its approval in a batch (N0 分批).
    as_user(api_client, u["task_force"])
    batch = api_client.post(
        "/api/v1/resumption-batches/", {"name": "第一批重点企业", "applications": [app_id]}, format="json"
    )
    assert batch.status_code == 201, batch.json()
    assert [row["id"] for row in batch.json()["applications"]] == [app_id]
    released = api_client.post(f"/api/v1/resumption-batches/{batch.json()['id']}/release/")
    assert released.status_code == 200 and released.json()["passed"] == [app_id]
    assert ReviewDecision.objects.get(step__key="task_force_approval").batch_id == batch.json()["id"]
    assert decide(api_client, u["task_force"], app_id, "pass", "filed").status_code == 200

    final = api_client.get(f"{BASE}{app_id}/").json()
    assert final["status"] == ApplicationStatus.APPROVED and final["certificate_number"].startswith(
        "诸暨复工〔"
    )
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.RESUMED
    history = api_client.get(f"{BASE}{app_id}/history/").json()
    assert [s["key"] for s in history] == ["town_check", "joint_review", "task_force_approval", "filed"]
    assert {d["actor_name"] for d in history[1]["decisions"]} == {"dept_health", "dept_industry"}

    as_user(api_client, u["ent_a"])
    certs = api_client.get("/api/v1/resumption-certificates/").json()["results"]
    assert [c["number"] for c in certs] == [final["certificate_number"]]
    mine = api_client.get("/api/v1/resumption-notifications/").json()["results"]
    assert any(n["event"] == "approved" for n in mine)
    assert api_client.get("/api/v1/resumption-notifications/unread/").json()["unread"] == len(mine)
    api_client.post(f"/api/v1/resumption-notifications/{mine[0]['id']}/read/")
    assert api_client.get("/api/v1/resumption-notifications/unread/").json()["unread"] == len(mine) - 1

    # Revoking the certificate is the task force's, and logged.
    as_user(api_client, u["town_a"])
    cert_id = certs[0]["id"]
    assert (
        api_client.post(f"/api/v1/resumption-certificates/{cert_id}/revoke/", {"reason": "x"}).status_code
        == 403
    )
    as_user(api_client, u["task_force"])
    revoked = api_client.post(
        f"/api/v1/resumption-certificates/{cert_id}/revoke/", {"reason": "发生聚集性疫情"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_outsider_neither_sees_nor_acts(world, n0, api_client):
    app = file_application(api_client, world)
    app_id = app["id"]
    for who in ("outsider", "task_force_outside", "ent_c", "dept_commerce", "town_b"):
        as_user(api_client, world.users[who])
        assert api_client.get(f"{BASE}{app_id}/").status_code == 404, who
        listing = api_client.get(BASE).json()
        assert app_id not in [row["id"] for row in listing["results"]]
        assert decide(api_client, world.users[who], app_id, "pass", "town_check").status_code == 404
        assert api_client.get(f"{BASE}{app_id}/revisions/").status_code == 404
        assert api_client.get(f"{BASE}queue/").json()["count"] == 0
    as_user(api_client, world.users["employee_a"])
    assert api_client.get(f"{BASE}{app_id}/").status_code == 403
    assert ReviewDecision.objects.count() == 0


def test_reviewer_not_in_the_step_is_refused(world, n0, api_client):
    app = file_application(api_client, world)
    response = decide(api_client, world.users["dept_health"], app["id"], "pass", "town_check")
    assert response.status_code == 403 and "属地镇乡核查" in response.json()["error"]["message"]


def test_draft_edit_conflict_and_attachment_errors(world, n0, api_client):
    as_user(api_client, world.users["ent_a"])
    app = api_client.post(BASE, {"kind": "first_resumption"}, format="json").json()
    ok = api_client.patch(f"{BASE}{app['id']}/", {"reason": "订单", "version": app["version"]}, format="json")
    assert ok.status_code == 200
    stale = api_client.patch(
        f"{BASE}{app['id']}/", {"reason": "别的", "version": app["version"]}, format="json"
    )
    assert stale.status_code == 409
    bad = api_client.patch(
        f"{BASE}{app['id']}/", {"planned_start": "明天", "version": ok.json()["version"]}, format="json"
    )
    assert bad.status_code == 400 and "计划复工时间" in bad.json()["error"]["message"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = api_client.post(
        f"{BASE}{app['id']}/attachments/",
        {"doc_type": "prevention_plan", "file": SimpleUploadedFile("a.exe", b"MZ")},
        format="multipart",
    )
    assert exe.status_code == 400 and "只接受" in exe.json()["error"]["fields"]["file"][0]
    up = api_client.post(
        f"{BASE}{app['id']}/attachments/",
        {"doc_type": "prevention_plan", "file": _file("方案.pdf")},
        format="multipart",
    )
    download = api_client.get(f"{BASE}{app['id']}/attachments/{up.json()['id']}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    as_user(api_client, world.users["ent_c"])
    assert api_client.get(f"{BASE}{app['id']}/attachments/{up.json()['id']}/download/").status_code == 404
    as_user(api_client, world.users["ent_a"])
    assert api_client.delete(f"{BASE}{app['id']}/attachments/{up.json()['id']}/").status_code == 204
    assert api_client.get(f"{BASE}{app['id']}/attachments/").json() == []
    wrong = api_client.post(
        f"{BASE}{app['id']}/commitments/", {"codes": ["N0-4M-1"], "affirmed_by_name": "李四"}, format="json"
    )
    assert wrong.status_code == 400 and "法定代表人" in wrong.json()["error"]["message"]
    submit = api_client.post(f"{BASE}{app['id']}/submit/", {}, format="json")
    assert submit.status_code == 400 and "承诺书" in submit.json()["error"]["message"]


def test_revisions_and_diff_through_the_api(world, n0, api_client):
    app = file_application(api_client, world)
    decide(api_client, world.users["town_a"], app["id"], "return", "town_check", "产线范围写得不清楚")
    as_user(api_client, world.users["ent_a"])
    current = api_client.get(f"{BASE}{app['id']}/").json()
    assert current["status"] == "returned"
    api_client.patch(
        f"{BASE}{app['id']}/", {"scope_lines": ["织造一车间"], "version": current["version"]}, format="json"
    )
    version = api_client.get(f"{BASE}{app['id']}/").json()["version"]
    assert (
        api_client.post(f"{BASE}{app['id']}/submit/", {"version": version}, format="json").status_code == 200
    )
    revisions = api_client.get(f"{BASE}{app['id']}/revisions/").json()
    assert [r["number"] for r in revisions] == [1, 2]
    diff = api_client.get(f"{BASE}{app['id']}/revisions/diff/", {"from": 1, "to": 2}).json()
    assert diff == [
        {
            "field": "scope_lines",
            "label": "复工范围（产线）",
            "before": ["织造一车间", "整经车间"],
            "after": ["织造一车间"],
        }
    ]
    assert api_client.get(f"{BASE}{app['id']}/revisions/diff/", {"from": 1, "to": 7}).status_code == 400


def test_batches_are_the_task_forces(world, n0, api_client):
    app = file_application(api_client, world)
    as_user(api_client, world.users["task_force"])
    refused = api_client.post("/api/v1/resumption-batches/", {"applications": [app["id"]]}, format="json")
    assert refused.status_code == 400 and "不在待指挥部审批环节" in refused.json()["error"]["message"]
    for who in ("town_a", "dept_health", "ent_a"):
        as_user(api_client, world.users[who])
        assert api_client.get("/api/v1/resumption-batches/").status_code == 403
