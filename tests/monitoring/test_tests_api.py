"""/api/v1/tests/, /api/v1/tests/batch/ (people and lab-system devices) and /api/v1/tests-due/."""

# ruff: noqa: F811 - the fixtures come from tests_support and are parameters by name

import pytest
from django.utils import timezone

from fugong.monitoring.devices import issue_device
from fugong.monitoring.models import Alert
from fugong.monitoring.models import TestResult as Result
from fugong.workforce import services as wf
from fugong.workforce.models import EmployeeStatus
from tests.monitoring.tests_support import at, buffered, n1, now, working  # noqa: F401 - fixtures
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


def _body(person, **kw):
    body = {
        "employee": person.pk,
        "kind": "nucleic",
        "sampled_at": timezone.localtime(at(1)).strftime("%Y-%m-%d %H:%M"),
        "result": "negative",
        "lab": "诸暨市人民医院",
    }
    body.update(kw)
    return body


def test_single_result_is_idempotent_and_listed_in_scope(world, working, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    first = api_client.post("/api/v1/tests/", _body(working), format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == 201, first.content
    assert first.json()["source"] == "enterprise" and first.json()["effect"] == ""
    again = api_client.post("/api/v1/tests/", _body(working), format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Result.objects.count() == 1

    day = timezone.localdate(at(1)).isoformat()
    for who, count in (("ent_a", 1), ("town_a", 1), ("task_force", 1), ("town_b", 0), ("outsider", 0)):
        api_client.force_authenticate(world.users[who])
        assert api_client.get("/api/v1/tests/").json()["count"] == count, who
        assert api_client.get("/api/v1/tests/", {"day": day, "kind": "nucleic"}).json()["count"] == count
    api_client.force_authenticate(world.users["ent_a"])
    assert api_client.get("/api/v1/tests/", {"kind": "antigen"}).json()["count"] == 0
    assert api_client.get("/api/v1/tests/", {"result": "positive"}).json()["count"] == 0
    assert api_client.get("/api/v1/tests/", {"day": "2000-01-01"}).json()["count"] == 0
    assert api_client.get("/api/v1/tests/", {"day": "昨天"}).status_code == 400
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get(f"/api/v1/tests/{first.json()['id']}/").status_code == 404


def test_outsiders_cannot_post(world, working, api_client):
    for who, code in (("outsider", 403), ("ent_c", 404), ("town_b", 403), ("town_a", 403), ("gate_a", 403)):
        api_client.force_authenticate(world.users[who])
        answer = api_client.post("/api/v1/tests/", _body(working), format="json")
        assert answer.status_code == code, (who, answer.content)
        batch = api_client.post(
            "/api/v1/tests/batch/",
            {"enterprise": world.firm_a.pk, "records": [_body(working)]},
            format="json",
        )
        assert batch.status_code in (403, 404), who
    assert not Result.objects.exists()


def test_bad_input_answers_400_naming_the_field(world, working, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    answer = api_client.post("/api/v1/tests/", _body(working, result="weak", lab=""), format="json")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "「检测结果」" in str(error["fields"]["result"]) and "「检测机构」" in str(error["fields"]["lab"])
    conflict = api_client.post("/api/v1/tests/", _body(working), format="json")
    assert conflict.status_code == 201
    refused = api_client.post("/api/v1/tests/", _body(working, result="阳性"), format="json")
    assert refused.status_code == 400 and "更正" in str(refused.json()["error"]["fields"]["result"])


def test_employee_self_antigen_only(world, working, api_client):
    wf.link_account(world.users["ent_a"], working, world.users["employee_a"])
    api_client.force_authenticate(world.users["employee_a"])
    body = {"kind": "antigen", "sampled_at": at(1).isoformat(), "result": "negative"}
    made = api_client.post("/api/v1/tests/", body, format="json")
    assert made.status_code == 201 and made.json()["source"] == "self"
    refused = api_client.post("/api/v1/tests/", {**body, "kind": "nucleic", "lab": "医院"}, format="json")
    assert refused.status_code == 403 and "抗原" in refused.json()["error"]["message"]
    assert api_client.get("/api/v1/tests/").json()["count"] == 1
    assert api_client.get("/api/v1/tests-due/").status_code == 403


def test_positive_via_api_raises_an_alert(world, working, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    made = api_client.post(
        "/api/v1/tests/", _body(working, result="阳性", kind="抗原", lab=""), format="json"
    )
    assert made.status_code == 201 and "阳性预警" in made.json()["effect"]
    assert Alert.objects.get().test_id == made.json()["id"]
    working.refresh_from_db()
    assert working.status == EmployeeStatus.ISOLATING


def test_batch_per_record_answers_and_repeat(world, working, buffered, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    records = [
        _body(working, client_key="b-1"),
        _body(buffered, sampled_at=now().isoformat()),
        _body(working, kind="x"),
    ]
    answer = api_client.post("/api/v1/tests/batch/", {"records": records}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["stored"], body["duplicates"], body["errors"]) == (2, 0, 1)
    assert body["results"][1]["released"] is True
    assert body["results"][2]["status"] == "error" and "kind" in body["results"][2]["fields"]
    assert "「检测类型」" in body["results"][2]["message"]
    again = api_client.post("/api/v1/tests/batch/", {"records": records}, format="json").json()
    assert (again["stored"], again["duplicates"], again["errors"]) == (0, 2, 1)
    assert Result.objects.count() == 2


def test_device_token_posts_only_for_its_own_firm(world, working, api_client):
    _device, token = issue_device(world.users["ent_a"], world.firm_a, "检测机构系统", "lab")
    api_client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    answer = api_client.post("/api/v1/tests/batch/", {"records": [_body(working)]}, format="json")
    assert answer.status_code == 200 and answer.json()["stored"] == 1, answer.content
    row = Result.objects.get()
    assert row.source == "device" and row.device_id == _device.pk and row.recorded_by is None
    # Another firm, named or by its people: refused or not found.
    foreign = api_client.post(
        "/api/v1/tests/batch/", {"enterprise": world.firm_c.pk, "records": [_body(working)]}, format="json"
    )
    assert foreign.status_code == 403
    other = make_employee(world.firm_c, name="他企员工")
    stray = api_client.post("/api/v1/tests/batch/", {"records": [_body(other)]}, format="json").json()
    assert stray["errors"] == 1 and "本企业没有该员工" in stray["results"][0]["message"]
    # The token reaches the batch only.
    assert api_client.get("/api/v1/tests/").status_code == 403
    assert (
        api_client.post(
            "/api/v1/tests/", _body(working, sampled_at=at(2).isoformat()), format="json"
        ).status_code
        == 403
    )
    assert api_client.get("/api/v1/tests-due/").status_code == 403
    api_client.credentials(HTTP_AUTHORIZATION="Device fgd_not-a-token")
    # A bad device token is a 401 with a Device challenge, not a 403.
    bad = api_client.post("/api/v1/tests/batch/", {"records": []}, format="json")
    assert bad.status_code == 401 and bad["WWW-Authenticate"] == "Device"
    assert Result.objects.count() == 1


def test_tests_due_scoped(world, working, api_client):
    other = make_employee(world.firm_b, name="店口员工")
    from fugong.workforce.models import Employee

    Employee.objects.filter(pk=other.pk).update(status=EmployeeStatus.AT_WORK)
    api_client.force_authenticate(world.users["ent_a"])
    groups = api_client.get("/api/v1/tests-due/").json()
    assert [g["enterprise"] for g in groups] == [world.firm_a.pk]
    people = {(p["employee"], p["kind"]) for p in groups[0]["people"]}
    # working was released on a negative nucleic entered by hand, not a stored result: both kinds due.
    assert (working.pk, "nucleic") in people and (working.pk, "antigen") in people
    api_client.force_authenticate(world.users["task_force"])
    firms = {g["enterprise"] for g in api_client.get("/api/v1/tests-due/").json()}
    assert firms == {world.firm_a.pk, world.firm_b.pk}
    only = api_client.get("/api/v1/tests-due/", {"enterprise": world.firm_b.pk}).json()
    assert [g["enterprise"] for g in only] == [world.firm_b.pk]
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get("/api/v1/tests-due/").json() == []
    api_client.force_authenticate(world.users["town_b"])
    assert {g["enterprise"] for g in api_client.get("/api/v1/tests-due/").json()} == {world.firm_b.pk}


# -- the page ------------------------------------------------------------------------------------------------
def test_firm_page_lists_due_and_enters_a_result(world, working, client):
    client.force_login(world.users["ent_a"])
    page = client.get("/monitoring/tests/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="test-form"' in html and 'data-testid="lab-form"' in html
    assert f'data-testid="due-{working.pk}-nucleic"' in html and "核酸每3天1次" in html
    body = {
        "action": "single",
        "employee": working.pk,
        "kind": "nucleic",
        "sampled_at": timezone.localtime(at(1)).strftime("%Y-%m-%dT%H:%M"),
        "result": "positive",
        "lab": "诸暨市人民医院",
        "client_key": "page-1",
    }
    answer = client.post("/monitoring/tests/", body, follow=True)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "已保存" in text and "阳性预警" in text
    assert Result.objects.get().source == "enterprise" and Alert.objects.count() == 1
    again = client.post("/monitoring/tests/", body, follow=True)
    assert "未重复保存" in again.content.decode() and Result.objects.count() == 1
    bad = client.post("/monitoring/tests/", {**body, "client_key": "page-2", "lab": "", "sampled_at": "x"})
    assert bad.status_code == 400 and "「采样时间」" in bad.content.decode()


def test_page_upload_shows_row_answers(world, working, client):
    import io

    import openpyxl

    from fugong.core import crypto

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "检测类型", "采样时间", "检测结果", "检测机构"])
    number = crypto.decrypt(working.id_number_encrypted)
    sheet.append(
        [working.name, number, "核酸", timezone.localtime(at(1)).strftime("%Y-%m-%d %H:%M"), "阴性", "医院"]
    )
    sheet.append([working.name, number, "核酸", "无", "阴性", "医院"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "lab.xlsx"
    client.force_login(world.users["ent_a"])
    answer = client.post("/monitoring/tests/", {"action": "upload", "file": buffer})
    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-testid="lab-row-2"' in html and 'data-testid="lab-row-3"' in html
    assert "【采样时间】" in html and "已保存1条" in html
    template = client.get("/monitoring/tests/template/")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    bad = client.post("/monitoring/tests/", {"action": "upload", "file": io.BytesIO(b"x")})
    assert bad.status_code == 400


def test_officers_read_only_and_outsiders(world, working, client):
    make_employee(world.firm_b, name="店口员工")
    for who in ("town_a", "task_force"):
        client.force_login(world.users[who])
        html = client.get("/monitoring/tests/").content.decode()
        # The overview: counts per firm (working and buffered: nucleic and antigen each, none done).
        assert f'data-testid="summary-{world.firm_a.pk}"' in html and world.firm_a.name in html
        assert 'data-testid="test-form"' not in html and 'data-testid="lab-form"' not in html
        detail = client.get("/monitoring/tests/", {"enterprise": world.firm_a.pk}).content.decode()
        assert f'data-testid="due-firm-{world.firm_a.pk}"' in detail and working.name in detail
        assert f'data-testid="due-{working.pk}-nucleic"' in detail
        assert client.post("/monitoring/tests/", {"action": "single"}).status_code == 403
        assert client.get("/monitoring/tests/template/").status_code == 403
    for who in ("outsider", "town_b"):
        client.force_login(world.users[who])
        page = client.get("/monitoring/tests/")
        html = page.content.decode()
        assert page.status_code == 200 and working.name not in html and world.firm_a.name not in html
        assert client.get("/monitoring/tests/", {"enterprise": world.firm_a.pk}).status_code == 404
    client.force_login(world.users["employee_a"])
    assert client.get("/monitoring/tests/").status_code == 403
    assert not Result.objects.exists()


def test_reading_results_needs_the_view_capability(world, working, api_client):
    api_client.force_authenticate(world.users["ent_a"])
    assert api_client.post("/api/v1/tests/", _body(working), format="json").status_code == 201
    row = Result.objects.get()
    # The gate keeper sees the whole firm, but not its people's test results.
    api_client.force_authenticate(world.users["gate_a"])
    assert api_client.get("/api/v1/tests/").status_code == 403
    assert api_client.get(f"/api/v1/tests/{row.pk}/").status_code == 403
    for who, count in (("ent_a", 1), ("town_a", 1), ("outsider", 0), ("employee_a", 0)):
        api_client.force_authenticate(world.users[who])
        answer = api_client.get("/api/v1/tests/")
        assert answer.status_code == 200 and answer.json()["count"] == count, who


def test_create_without_capability_is_403_before_validation(world, working, api_client):
    for who in ("town_a", "outsider", "gate_a"):
        api_client.force_authenticate(world.users[who])
        answer = api_client.post("/api/v1/tests/", {}, format="json")
        assert answer.status_code == 403, (who, answer.content)
        assert "员工" not in answer.content.decode()


def test_tests_due_over_many_firms_answers_counts(world, working, api_client):
    from fugong.workforce.models import Employee

    other = make_employee(world.firm_b, name="店口员工")
    Employee.objects.filter(pk=other.pk).update(status=EmployeeStatus.AT_WORK)
    api_client.force_authenticate(world.users["task_force"])
    rows = api_client.get("/api/v1/tests-due/").json()
    by_firm = {r["enterprise"]: r for r in rows}
    assert set(by_firm) == {world.firm_a.pk, world.firm_b.pk}
    assert all("people" not in r for r in rows)
    assert by_firm[world.firm_b.pk]["due"] == 2 and by_firm[world.firm_b.pk]["pending"] == 2
    detail = api_client.get("/api/v1/tests-due/", {"enterprise": world.firm_b.pk}).json()
    assert [p["employee"] for p in detail[0]["people"]] == [other.pk, other.pk]
    # A firm's own officer sees one firm: the list by person as before.
    api_client.force_authenticate(world.users["ent_a"])
    assert "people" in api_client.get("/api/v1/tests-due/").json()[0]
    api_client.force_authenticate(world.users["outsider"])
    assert api_client.get("/api/v1/tests-due/").json() == []
