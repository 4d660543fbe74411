import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.regions.models import Region, RegionLevel
from fugong.regions.services import create_grid


@pytest.fixture
def village(world):
    return Region.objects.create(
        code="330681001001", name="江东社区", level=RegionLevel.VILLAGE, parent=world.town_a
    )


def test_town_officer_creates_numbered_grids_under_own_town_and_village(world, village):
    officer = world.users["town_a"]
    first = create_grid(officer, world.town_a, "第一网格")
    second = create_grid(officer, world.town_a, "第二网格")
    in_village = create_grid(officer, village, " 江东 一 网格 ")
    # Town grids use the town's 12-digit statistical code, so they can never take a village's code.
    assert first.code == "330681001000001"
    assert second.code == "330681001000002"
    assert in_village.code == "330681001001001"
    assert in_village.name == "江东 一 网格"
    assert first.level == RegionLevel.GRID
    assert first.path == "33/3306/330681/330681001/330681001000001/"
    assert world.town_a.contains(in_village)
    entry = AuditEntry.objects.filter(action="regions.grid.create", object_id=str(first.pk)).get()
    assert entry.actor == officer
    assert entry.after["code"] == "330681001000001"


def test_task_force_creates_anywhere_in_its_county(world):
    grid = create_grid(world.users["task_force"], world.town_b, "店口一网格")
    assert grid.parent == world.town_b


@pytest.mark.parametrize(
    "who", ["outsider", "town_b", "task_force_outside", "inspector", "dept_health", "ent_a", "grid_a"]
)
def test_others_may_not_create_grids_in_town_a(world, who):
    with pytest.raises(PermissionDenied):
        create_grid(world.users[who], world.town_a, "越权网格")
    assert not Region.objects.filter(level=RegionLevel.GRID).exists()
    assert not AuditEntry.objects.filter(action="regions.grid.create").exists()


def test_inactive_officer_refused(world):
    officer = world.users["town_a"]
    officer.is_active = False
    with pytest.raises(PermissionDenied):
        create_grid(officer, world.town_a, "第一网格")


def test_same_name_twice_is_refused_not_duplicated(world):
    create_grid(world.users["town_a"], world.town_a, "第一网格")
    with pytest.raises(ValidationError) as exc:
        create_grid(world.users["town_a"], world.town_a, "第一网格")
    assert "已有名为“第一网格”的网格" in exc.value.message_dict["name"][0]
    assert Region.objects.filter(level=RegionLevel.GRID).count() == 1


@pytest.mark.parametrize("name", ["", "   ", "网" * 101])
def test_bad_names(world, name):
    with pytest.raises(ValidationError) as exc:
        create_grid(world.users["town_a"], world.town_a, name)
    assert "name" in exc.value.message_dict


def test_grids_only_under_towns_and_villages(world):
    with pytest.raises(ValidationError) as exc:
        create_grid(world.users["task_force"], world.county, "县级网格")
    assert exc.value.message_dict["parent"] == ["网格只能建在镇乡街道或村社区之下。"]


def test_sequence_cap(world):
    Region.objects.create(
        code="330681001000999", name="最后网格", level=RegionLevel.GRID, parent=world.town_a
    )
    with pytest.raises(ValidationError, match="999"):
        create_grid(world.users["town_a"], world.town_a, "溢出网格")


def test_grid_page(client, world):
    client.force_login(world.users["town_a"])
    detail = client.get(reverse("regions:detail", args=[world.town_a.pk]))
    assert "新建网格" in detail.content.decode()
    response = client.post(reverse("regions:grid_create", args=[world.town_a.pk]), {"name": "第一网格"})
    assert response.status_code == 302
    assert Region.objects.filter(parent=world.town_a, name="第一网格", level=RegionLevel.GRID).exists()
    again = client.post(reverse("regions:grid_create", args=[world.town_a.pk]), {"name": "第一网格"})
    assert again.status_code == 400
    assert "已有名为“第一网格”的网格" in again.content.decode()


def test_grid_page_refuses_outsiders(client, world):
    client.force_login(world.users["town_b"])
    response = client.post(reverse("regions:grid_create", args=[world.town_a.pk]), {"name": "越权"})
    assert response.status_code == 404
    client.force_login(world.users["inspector"])
    assert (
        client.post(reverse("regions:grid_create", args=[world.town_a.pk]), {"name": "越权"}).status_code
        == 403
    )
    detail = client.get(reverse("regions:detail", args=[world.town_a.pk]))
    assert "新建网格" not in detail.content.decode()
    assert not Region.objects.filter(level=RegionLevel.GRID).exists()


def test_grid_api(api_client, world):
    url = f"/api/v1/regions/{world.town_a.pk}/grids/"
    api_client.force_authenticate(world.users["town_a"])
    response = api_client.post(url, {"name": "第一网格"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "330681001000001"
    assert response.json()["parent"] == world.town_a.pk
    duplicate = api_client.post(url, {"name": "第一网格"}, format="json")
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()["error"]["fields"]

    api_client.force_authenticate(world.users["outsider"])
    refused = api_client.post(url, {"name": "越权"}, format="json")
    assert refused.status_code == 403
    api_client.force_authenticate(world.users["inspector"])
    assert api_client.post(url, {"name": "越权"}, format="json").status_code == 403
    assert Region.objects.filter(level=RegionLevel.GRID).count() == 1
