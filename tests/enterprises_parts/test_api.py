"""/api/v1/ for the parts of a firm: scoped reads, writes through the services, one error format."""

import pytest

from fugong.audit.models import AuditEntry
from tests.enterprises_parts.cases import KINDS

API = "/api/v1"


def url(route, pk=None):
    return f"{API}/{route}/" if pk is None else f"{API}/{route}/{pk}/"


def as_user(api_client, user):
    api_client.force_authenticate(user)
    return api_client


@pytest.mark.parametrize("slug", list(KINDS))
@pytest.mark.parametrize("who", ["ent_a", "town_a", "task_force"])
def test_create_update_delete_each_kind(world, parts, api_client, slug, who):
    model, route, payload, (field, value) = KINDS[slug]
    client = as_user(api_client, world.users[who])
    start = AuditEntry.objects.count()

    created = client.post(url(route), {"enterprise": world.firm_a.pk, **payload}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["enterprise"] == world.firm_a.pk and body["enterprise_name"] == world.firm_a.name
    obj = model.objects.get(pk=body["id"], enterprise=world.firm_a)

    changed = client.patch(url(route, obj.pk), {field: value}, format="json")
    assert changed.status_code == 200, changed.json()
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == str(value)

    assert client.delete(url(route, obj.pk)).status_code == 204
    assert not model.objects.filter(pk=obj.pk).exists()
    actions = list(AuditEntry.objects.filter(id__gt=0).order_by("id").values_list("action", flat=True))[
        start:
    ]
    name = model._meta.model_name
    assert actions == [f"enterprise.{name}.create", f"enterprise.{name}.update", f"enterprise.{name}.delete"]


@pytest.mark.parametrize("slug", list(KINDS))
def test_full_put_keeps_the_firm(world, parts, api_client, slug):
    model, route, payload, _ = KINDS[slug]
    obj = parts["a"][slug]
    client = as_user(api_client, world.users["ent_a"])
    if slug == "grid-units":
        obj = parts["a"]["grid"][0]
    response = client.put(url(route, obj.pk), {"enterprise": world.firm_c.pk, **payload}, format="json")
    assert response.status_code == 200, response.json()
    obj.refresh_from_db()
    assert obj.enterprise_id == world.firm_a.pk


@pytest.mark.parametrize("slug", list(KINDS))
@pytest.mark.parametrize("who", ["outsider", "ent_c", "town_b"])
def test_foreign_firm_is_never_written(world, parts, api_client, slug, who):
    model, route, payload, (field, value) = KINDS[slug]
    client = as_user(api_client, world.users[who])
    before = model.objects.filter(enterprise=world.firm_a).count()
    audit_before = AuditEntry.objects.count()

    response = client.post(url(route), {"enterprise": world.firm_a.pk, **payload}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["enterprise"] == ["企业：未找到该对象，或不在您的管辖范围内。"]

    obj = parts["a"][slug]
    assert client.get(url(route, obj.pk)).status_code == 404
    assert client.patch(url(route, obj.pk), {field: value}, format="json").status_code == 404
    assert client.delete(url(route, obj.pk)).status_code == 404
    assert model.objects.filter(enterprise=world.firm_a).count() == before
    assert model.objects.filter(pk=obj.pk).exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("slug", list(KINDS))
@pytest.mark.parametrize("who", ["gate_a", "inspector", "dept_industry", "grid_a"])
def test_read_only_roles_read_but_may_not_write(world, parts, api_client, slug, who):
    model, route, payload, (field, value) = KINDS[slug]
    client = as_user(api_client, world.users[who])
    obj = parts["a"][slug]
    listed = client.get(url(route), {"enterprise": world.firm_a.pk})
    assert listed.status_code == 200
    assert obj.pk in {row["id"] for row in listed.json()["results"]}
    assert client.get(url(route, obj.pk)).status_code == 200

    before = model.objects.count()
    assert (
        client.post(url(route), {"enterprise": world.firm_a.pk, **payload}, format="json").status_code == 403
    )
    assert client.patch(url(route, obj.pk), {field: value}, format="json").status_code == 403
    assert client.delete(url(route, obj.pk)).status_code == 403
    assert model.objects.count() == before


def test_employee_has_no_access(world, parts, api_client):
    client = as_user(api_client, world.users["employee_a"])
    assert client.get(url("gates")).status_code == 403


def test_anonymous_is_refused(world, parts, api_client):
    assert api_client.get(url("gates")).status_code in (401, 403)


@pytest.mark.parametrize("slug", list(KINDS))
def test_lists_are_scoped_and_filter_by_firm(world, parts, api_client, slug):
    _, route, _, _ = KINDS[slug]
    own, foreign = parts["a"][slug], parts["c"][slug]
    client = as_user(api_client, world.users["ent_a"])
    ids = {row["id"] for row in client.get(url(route), {"page_size": 500}).json()["results"]}
    assert own.pk in ids and foreign.pk not in ids
    # Filtering by a foreign firm gives an empty list, the same as a firm that does not exist.
    assert client.get(url(route), {"enterprise": world.firm_c.pk}).json()["count"] == 0
    assert client.get(url(route), {"enterprise": 999999}).json()["count"] == 0

    tf = as_user(api_client, world.users["task_force"])
    rows = tf.get(url(route), {"enterprise": world.firm_a.pk, "page_size": 500}).json()["results"]
    assert rows and {row["enterprise"] for row in rows} == {world.firm_a.pk}


def test_rule_errors_name_field_and_rule_in_chinese(world, parts, api_client):
    client = as_user(api_client, world.users["ent_a"])
    response = client.post(
        url("dorm-rooms"),
        {"enterprise": world.firm_a.pk, "building": "1号楼", "number": "101", "capacity": 4, "area_m2": "20"},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["number"] == ["房间号：本企业“1号楼”已有房间“101”。"]
    assert "房间号：本企业“1号楼”已有房间“101”" in error["message"]

    response = client.post(
        url("canteen-sittings"),
        {
            "enterprise": world.firm_a.pk,
            "canteen": "一号食堂",
            "name": "夜宵",
            "starts_at": "22:00",
            "ends_at": "21:30",
            "seats": 10,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["ends_at"] == [
        "结束时间：必须晚于开始时间 22:00，当前为 21:30。"
    ]

    response = client.post(
        url("dorm-rooms"), {"enterprise": world.firm_a.pk, "building": "1号楼"}, format="json"
    )
    fields = response.json()["error"]["fields"]
    assert fields["number"][0].startswith("房间号：") and fields["capacity"][0].startswith("床位数：")


def test_grid_rules_through_the_api(world, parts, api_client):
    workshop, team, post = parts["a"]["grid"]
    client = as_user(api_client, world.users["ent_a"])
    bad = client.post(
        url("grid-units"),
        {"enterprise": world.firm_a.pk, "level": "post", "parent": workshop.pk, "name": "整经岗"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["parent"] == ["上级单元：岗位的上级必须是班组，“一车间”是车间。"]
    good = client.post(
        url("grid-units"),
        {"enterprise": world.firm_a.pk, "level": "post", "parent": team.pk, "name": "整经岗"},
        format="json",
    )
    assert good.status_code == 201 and good.json()["level_display"] == "岗位"
    # A part of a foreign firm cannot even be named as a parent.
    foreign_workshop = parts["c"]["grid"][0]
    response = client.post(
        url("grid-units"),
        {"enterprise": world.firm_a.pk, "level": "team", "parent": foreign_workshop.pk, "name": "乙班"},
        format="json",
    )
    assert response.json()["error"]["fields"]["parent"] == ["上级单元：未找到该对象，或不在您的管辖范围内。"]
    # And a unit with children cannot be deleted.
    response = client.delete(url("grid-units", workshop.pk))
    assert response.status_code == 400 and "下级单元" in response.json()["error"]["message"]


def test_warnings_come_back_with_the_saved_row(world, api_client):
    client = as_user(api_client, world.users["ent_a"])
    response = client.post(
        url("prevention-team"),
        {"enterprise": world.firm_a.pk, "name": "李四", "team_role": "leader"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        "组长“李四”与法定代表人“张伟”不一致；按要求防疫工作小组应由法定代表人牵头。"
    ]
    listed = client.get(url("prevention-team")).json()["results"]
    assert listed[0]["warnings"] == []


def test_dorm_rooms_show_area_per_bed(world, parts, api_client):
    client = as_user(api_client, world.users["ent_a"])
    row = client.get(url("dorm-rooms", parts["a"]["dorm-rooms"].pk)).json()
    assert row["area_per_bed"] == "5.00"


def test_schema_documents_the_routes(world, api_client):
    client = as_user(api_client, world.users["task_force"])
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for _, route, _, _ in KINDS.values():
        assert f"/api/v1/{route}/" in paths and f"/api/v1/{route}/{{id}}/" in paths


def test_grid_units_filter_by_level_and_parent(world, parts, api_client):
    workshop, team, post = parts["a"]["grid"]
    client = as_user(api_client, world.users["ent_a"])
    children = client.get(url("grid-units"), {"parent": workshop.pk}).json()["results"]
    assert [row["id"] for row in children] == [team.pk]
    posts = client.get(url("grid-units"), {"level": "post"}).json()["results"]
    assert [row["id"] for row in posts] == [post.pk]
    foreign_parent = parts["c"]["grid"][0]
    assert client.get(url("grid-units"), {"parent": foreign_parent.pk}).json()["count"] == 0
