import re

import pytest
from django.urls import reverse

from fugong.regions.models import Region, RegionLevel


def firm_count(html: str, code: str) -> int:
    match = re.search(rf'data-testid="firm-count-{code}"[^>]*>(\d+) 家企业', html)
    assert match, f"no firm count for {code}"
    return int(match.group(1))


@pytest.fixture
def village(world):
    return Region.objects.create(
        code="330681001001", name="江东社区", level=RegionLevel.VILLAGE, parent=world.town_a
    )


def test_tree_shows_own_subtree_with_scoped_counts(client, world):
    client.force_login(world.users["task_force"])
    response = client.get(reverse("regions:tree"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "诸暨市" in html and "暨阳街道" in html and "店口镇" in html
    assert "越城区" not in html and "府山街道" not in html
    assert firm_count(html, "330681") == 2
    assert firm_count(html, "330681001") == 1
    # Counts only: no firm is named on the tree.
    for firm in (world.firm_a, world.firm_b, world.firm_c):
        assert firm.name not in html


def test_counts_follow_the_users_scope(client, world):
    client.force_login(world.users["dept_industry"])  # sees firm_a only
    html = client.get(reverse("regions:tree")).content.decode()
    assert firm_count(html, "330681") == 1
    assert firm_count(html, "330681104") == 0

    client.force_login(world.users["task_force_outside"])
    html = client.get(reverse("regions:tree")).content.decode()
    assert firm_count(html, "330602") == 1
    assert "诸暨市" not in html


def test_children_partial_for_htmx(client, world, village):
    client.force_login(world.users["task_force"])
    tree = client.get(reverse("regions:tree")).content.decode()
    assert f'hx-get="{reverse("regions:children", args=[world.town_a.pk])}"' in tree
    response = client.get(reverse("regions:children", args=[world.town_a.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "江东社区" in html and "<html" not in html
    assert "firm-count-330681001001" not in html  # firms belong to towns; no count below them


def test_pages_stay_inside_the_subtree(client, world):
    client.force_login(world.users["town_a"])
    assert client.get(reverse("regions:detail", args=[world.town_a.pk])).status_code == 200
    assert client.get(reverse("regions:detail", args=[world.county.pk])).status_code == 404
    assert client.get(reverse("regions:children", args=[world.town_b.pk])).status_code == 404
    client.force_login(world.users["task_force"])
    assert client.get(reverse("regions:detail", args=[world.other_town.pk])).status_code == 404
    detail = client.get(reverse("regions:detail", args=[world.town_b.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert 'data-testid="region-firm-count">1<' in html
    assert "绍兴市诸暨市店口镇" in html


@pytest.mark.parametrize("who", ["ent_a", "gate_a", "employee_a"])
def test_enterprise_roles_have_no_region_pages(client, world, who):
    client.force_login(world.users[who])
    assert client.get(reverse("regions:tree")).status_code == 403


def test_anonymous_goes_to_login(client, world):
    response = client.get(reverse("regions:tree"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_api_lists_reference_regions_with_filters(api_client, world, village):
    api_client.force_authenticate(world.users["town_a"])
    everything = api_client.get("/api/v1/regions/", {"page_size": 100}).json()
    assert {r["code"] for r in everything["results"]} >= {"33", "330602", "330602001", "330681001001"}

    by_parent = api_client.get("/api/v1/regions/", {"parent": world.county.pk}).json()
    assert [r["code"] for r in by_parent["results"]] == ["330681001", "330681104"]
    by_level = api_client.get("/api/v1/regions/", {"level": RegionLevel.COUNTY}).json()
    assert {r["code"] for r in by_level["results"]} == {"330681", "330602"}
    by_code = api_client.get("/api/v1/regions/", {"code": "330681104"}).json()
    assert [r["name"] for r in by_code["results"]] == ["店口镇"]
    by_name = api_client.get("/api/v1/regions/", {"search": "府山"}).json()
    assert [r["code"] for r in by_name["results"]] == ["330602001"]
    within = api_client.get("/api/v1/regions/", {"within": "330681001"}).json()
    assert [r["code"] for r in within["results"]] == ["330681001", "330681001001"]
    bad_level = api_client.get("/api/v1/regions/", {"level": 9})
    assert bad_level.status_code == 400 and "level" in bad_level.json()["error"]["fields"]


def test_api_children_and_detail(api_client, world, village):
    api_client.force_authenticate(world.users["inspector"])
    children = api_client.get(f"/api/v1/regions/{world.town_a.pk}/children/").json()
    assert [r["code"] for r in children["results"]] == ["330681001001"]
    assert children["results"][0]["level_label"] == "村社区"
    detail = api_client.get(f"/api/v1/regions/{world.county.pk}/").json()
    assert detail["path"] == "33/3306/330681/" and detail["parent"] == world.city.pk


@pytest.mark.parametrize("who", ["ent_a", "employee_a"])
def test_api_needs_region_view(api_client, world, who):
    api_client.force_authenticate(world.users[who])
    assert api_client.get("/api/v1/regions/").status_code == 403
    assert api_client.get(f"/api/v1/regions/{world.town_a.pk}/children/").status_code == 403
