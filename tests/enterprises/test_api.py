import pytest

from fugong.accounts.models import Department
from fugong.audit.models import AuditEntry
from fugong.enterprises import services
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from tests.conftest import EXPECTED_FIRMS
from tests.enterprises.helpers import read_xlsx
from tests.factories import make_uscc

URL = "/api/v1/enterprises/"
FIRM_KEYS = ["firm_a", "firm_b", "firm_c"]


def _as(api_client, world, who):
    api_client.force_authenticate(world.users[who])
    return api_client


def _names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def _expected(world, who) -> set[str]:
    return {getattr(world, key).name for key in EXPECTED_FIRMS[who]}


def _new(world, **overrides) -> dict:
    data = {
        "name": "诸暨接口新建有限公司",
        "uscc": make_uscc(888),
        "legal_representative": "吴刚",
        "address": "接口路8号",
        "town": world.town_a.pk,
        "department": Department.objects.get(code="industry").pk,
        "industry_class": None,
        "normal_headcount": 60,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", sorted(w for w in EXPECTED_FIRMS if w != "employee_a"))
def test_list_and_retrieve_are_scoped(api_client, world, who):
    client = _as(api_client, world, who)
    assert _names(client.get(URL)) == _expected(world, who)
    for key in FIRM_KEYS:
        response = client.get(f"{URL}{getattr(world, key).pk}/")
        assert response.status_code == (200 if key in EXPECTED_FIRMS[who] else 404)


def test_foreign_object_answers_404_in_chinese(api_client, world):
    response = _as(api_client, world, "town_a").get(f"{URL}{world.firm_b.pk}/")
    assert response.status_code == 404 and "管辖范围" in response.json()["error"]["message"]


def test_employee_is_forbidden(api_client, world):
    assert _as(api_client, world, "employee_a").get(URL).status_code == 403


def test_create_through_the_service(api_client, world):
    response = _as(api_client, world, "town_a").post(URL, _new(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["version"] == 1 and body["status"] == "not_resumed" and body["town_name"] == "暨阳街道"
    assert AuditEntry.objects.filter(action="enterprise.create", object_id=str(body["id"])).exists()


def test_create_with_bad_credit_code_names_the_field(api_client, world):
    code = make_uscc(888)[:-1] + ("0" if make_uscc(888)[-1] != "0" else "1")
    response = _as(api_client, world, "town_a").post(URL, _new(world, uscc=code), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["uscc"] == ["统一社会信用代码校验位错误，请核对营业执照"]
    assert "统一社会信用代码校验位错误" in error["message"]
    assert not Enterprise.objects.filter(name="诸暨接口新建有限公司").exists()


def test_create_duplicate_is_refused(api_client, world):
    response = _as(api_client, world, "town_a").post(URL, _new(world, uscc=world.firm_a.uscc), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["uscc"] == [f"该统一社会信用代码已登记：{world.firm_a.name}"]


def test_create_in_a_foreign_town_is_refused(api_client, world):
    response = _as(api_client, world, "town_a").post(URL, _new(world, town=world.town_b.pk), format="json")
    assert (
        response.status_code == 400 and "不在您的管辖范围内" in response.json()["error"]["fields"]["town"][0]
    )


@pytest.mark.parametrize("who", ["ent_a", "dept_health", "inspector"])
def test_create_needs_the_capability(api_client, world, who):
    assert _as(api_client, world, who).post(URL, _new(world), format="json").status_code == 403


def test_update_with_version(api_client, world):
    client = _as(api_client, world, "town_a")
    response = client.patch(f"{URL}{world.firm_a.pk}/", {"address": "接口改址", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 2
    world.firm_a.refresh_from_db()
    assert world.firm_a.address == "接口改址"


def test_full_put_round_trip(api_client, world):
    client = _as(api_client, world, "ent_a")
    body = client.get(f"{URL}{world.firm_a.pk}/").json()
    body["prevention_lead"] = "郑一"
    response = client.put(f"{URL}{world.firm_a.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["prevention_lead"] == "郑一"


def test_update_without_version_is_refused(api_client, world):
    response = _as(api_client, world, "town_a").patch(
        f"{URL}{world.firm_a.pk}/", {"address": "x"}, format="json"
    )
    assert response.status_code == 400 and "version" in response.json()["error"]["fields"]


def test_stale_version_is_409(api_client, world):
    services.update_enterprise(world.users["task_force"], world.firm_a, {"address": "专班先改"}, 1)
    response = _as(api_client, world, "town_a").patch(
        f"{URL}{world.firm_a.pk}/", {"address": "镇街后改", "version": 1}, format="json"
    )
    assert response.status_code == 409
    assert (
        response.json()["error"]["code"] == "conflict"
        and "已被他人修改" in response.json()["error"]["message"]
    )
    world.firm_a.refresh_from_db()
    assert world.firm_a.address == "专班先改"


def test_enterprise_officer_cannot_patch_town_or_tags(api_client, world):
    response = _as(api_client, world, "ent_a").patch(
        f"{URL}{world.firm_a.pk}/", {"town": world.town_b.pk, "is_listed": True, "version": 1}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["town"] == ["所属镇乡街道由政府部门维护，企业不能修改"] and "is_listed" in fields


def test_enterprise_officer_cannot_patch_another_firm(api_client, world):
    response = _as(api_client, world, "ent_a").patch(
        f"{URL}{world.firm_b.pk}/", {"address": "x", "version": 1}, format="json"
    )
    assert response.status_code == 404


def test_status_cannot_be_patched(api_client, world):
    response = _as(api_client, world, "town_a").patch(
        f"{URL}{world.firm_a.pk}/", {"status": "resumed", "version": 1}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.NOT_RESUMED


def test_status_action(api_client, world):
    client = _as(api_client, world, "town_a")
    url = f"{URL}{world.firm_a.pk}/status/"
    refused = client.post(url, {"status": "sealed", "reason": "病例"}, format="json")
    assert (
        refused.status_code == 400
        and "不能从「未复工」变更为「封闭」" in refused.json()["error"]["fields"]["status"][0]
    )
    done = client.post(url, {"status": "resumed", "reason": "核准复工", "version": 1}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "resumed"
    stale = client.post(url, {"status": "suspended", "reason": "停工", "version": 1}, format="json")
    assert stale.status_code == 409
    history = client.get(f"{URL}{world.firm_a.pk}/status-history/").json()
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        ("not_resumed", "resumed", "核准复工")
    ]
    assert AuditEntry.objects.filter(action="enterprise.status").count() == 1


@pytest.mark.parametrize("who, code", [("ent_a", 403), ("dept_industry", 403), ("town_b", 404)])
def test_status_action_is_refused_to_others(api_client, world, who, code):
    response = _as(api_client, world, who).post(
        f"{URL}{world.firm_a.pk}/status/", {"status": "resumed", "reason": "x"}, format="json"
    )
    assert response.status_code == code


def test_filters_search_and_ordering(api_client, world):
    actor = world.users["task_force"]
    services.update_enterprise(
        actor, world.firm_b, {"is_above_size": True, "is_listed": True, "efficiency_class": "A"}, 1
    )
    services.change_status(actor, world.firm_a, EnterpriseStatus.RESUMED, "复工")
    client = _as(api_client, world, "task_force")
    assert _names(client.get(URL, {"status": "resumed"})) == {world.firm_a.name}
    assert _names(client.get(URL, {"town": world.town_b.pk})) == {world.firm_b.name}
    assert _names(client.get(URL, {"above_size": "true"})) == {world.firm_b.name}
    assert _names(client.get(URL, {"tags": ["is_listed", "is_above_size"]})) == {world.firm_b.name}
    assert _names(client.get(URL, {"efficiency_class": "A"})) == {world.firm_b.name}
    assert _names(client.get(URL, {"q": "五金"})) == {world.firm_b.name}
    assert _names(client.get(URL, {"search": world.firm_a.uscc})) == {world.firm_a.name}
    assert _names(client.get(URL, {"q": world.firm_c.uscc})) == set()  # outside scope
    ordered = [row["name"] for row in client.get(URL, {"ordering": "-name"}).json()["results"]]
    assert ordered == sorted(ordered, reverse=True)
    counts = client.get(f"{URL}counts/").json()
    assert counts["total"] == 2 and counts["above_size"] == 1
    assert {c["value"]: c["count"] for c in counts["by_status"]}["resumed"] == 1


def test_foreign_town_filter_is_an_error_not_a_leak(api_client, world):
    response = _as(api_client, world, "town_a").get(URL, {"town": world.town_b.pk})
    assert response.status_code == 400


def test_export_action_is_scoped(api_client, world):
    response = _as(api_client, world, "town_a").get(f"{URL}export/")
    assert response.status_code == 200
    assert [row["单位名称"] for row in read_xlsx(response.content)] == [world.firm_a.name]
    assert _as(api_client, world, "ent_a").get(f"{URL}export/").status_code == 403


def test_industry_classes(api_client, world):
    response = _as(api_client, world, "ent_a").get("/api/v1/industry-classes/")
    assert response.status_code == 200 and len(response.json()) == 97
    manufacturing = _as(api_client, world, "ent_a").get("/api/v1/industry-classes/", {"section": "C"}).json()
    assert len(manufacturing) == 31 and manufacturing[4] == {
        "id": manufacturing[4]["id"],
        "code": "17",
        "name": "纺织业",
        "section": "C",
        "section_name": "制造业",
    }


def test_town_officer_sets_local_tags_through_the_api(api_client, world):
    client = _as(api_client, world, "town_a")
    response = client.patch(
        f"{URL}{world.firm_a.pk}/", {"local_tags": ["高新技术企业"], "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["local_tags"] == ["高新技术企业"]
    response = _as(api_client, world, "ent_a").patch(
        f"{URL}{world.firm_a.pk}/", {"local_tags": [], "version": 2}, format="json"
    )
    assert response.status_code == 400 and "local_tags" in response.json()["error"]["fields"]
    world.firm_a.refresh_from_db()
    assert world.firm_a.local_tags == ["高新技术企业"]
