import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.audit.services import record


@pytest.fixture
def entries(world):
    u = world.users
    return {
        "tf_on_a": record(
            u["task_force"],
            "enterprises.enterprise.update",
            world.firm_a,
            before={"name": "旧名", "normal_headcount": 100},
            after={"name": world.firm_a.name, "normal_headcount": 120},
        ),
        "town_b_grid": record(u["town_b"], "regions.grid.create", world.town_b, after={"name": "一网格"}),
        "ent_a_self": record(
            u["ent_a"],
            "enterprises.zone.create",
            object_type="enterprises.zone",
            object_id="1",
            object_repr="生产区",
        ),
        "outsider_on_c": record(
            u["outsider"], "enterprises.enterprise.update", world.firm_c, after={"name": "x"}
        ),
        "ent_c_self": record(
            u["ent_c"],
            "enterprises.zone.create",
            object_type="enterprises.zone",
            object_id="2",
            object_repr="生活区",
        ),
        "system_on_a": record(
            None, "enterprises.enterprise.status", world.firm_a, after={"status": "resumed"}
        ),
        "system_on_c": record(
            None, "enterprises.enterprise.status", world.firm_c, after={"status": "resumed"}
        ),
        "system_on_outsider": record(None, "accounts.user.deactivate", u["outsider"]),
        "system_on_town_a_user": record(None, "accounts.user.deactivate", u["town_a"]),
    }


ZHUJI = {"tf_on_a", "town_b_grid", "ent_a_self", "system_on_a", "system_on_town_a_user"}
YUECHENG = {"outsider_on_c", "ent_c_self", "system_on_c", "system_on_outsider"}


def visible_keys(entries, ids):
    return {key for key, entry in entries.items() if entry.pk in ids}


def test_each_task_force_sees_only_its_county(client, world, entries):
    client.force_login(world.users["task_force"])
    page = client.get(reverse("audit:list"))
    assert page.status_code == 200
    assert visible_keys(entries, {e.pk for e in page.context["page"]}) == ZHUJI
    html = page.content.decode()
    assert world.firm_c.name not in html and "生活区" not in html

    client.force_login(world.users["task_force_outside"])
    page = client.get(reverse("audit:list"))
    assert visible_keys(entries, {e.pk for e in page.context["page"]}) == YUECHENG
    assert world.firm_a.name not in page.content.decode()


def test_api_is_scoped_the_same_way(api_client, world, entries):
    api_client.force_authenticate(world.users["task_force"])
    body = api_client.get("/api/v1/audit-entries/", {"page_size": 100}).json()
    assert visible_keys(entries, {row["id"] for row in body["results"]}) == ZHUJI
    foreign = api_client.get(f"/api/v1/audit-entries/{entries['outsider_on_c'].pk}/")
    assert foreign.status_code == 404
    own = api_client.get(f"/api/v1/audit-entries/{entries['tf_on_a'].pk}/").json()
    assert own["before"] == {"name": "旧名", "normal_headcount": 100}
    assert own["entry_hash"] == entries["tf_on_a"].entry_hash


@pytest.mark.parametrize("who", ["town_a", "dept_health", "inspector", "ent_a", "grid_a"])
def test_only_task_force_reads_the_log(client, api_client, world, entries, who):
    client.force_login(world.users[who])
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:detail", args=[entries["tf_on_a"].pk])).status_code == 403
    api_client.force_authenticate(world.users[who])
    assert api_client.get("/api/v1/audit-entries/").status_code == 403


def test_detail_shows_the_diff_and_hides_foreign_entries(client, world, entries):
    client.force_login(world.users["task_force"])
    response = client.get(reverse("audit:detail", args=[entries["tf_on_a"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>旧名</del>" in html and f"<ins>{world.firm_a.name}</ins>" in html
    assert "正常用工人数" in html  # keys shown with the model's own field labels
    assert "<del>100</del>" in html and "<ins>120</ins>" in html
    assert client.get(reverse("audit:detail", args=[entries["outsider_on_c"].pk])).status_code == 404


def test_filters(client, api_client, world, entries):
    client.force_login(world.users["task_force"])
    url = reverse("audit:list")

    def ids(params):
        return visible_keys(entries, {e.pk for e in client.get(url, params).context["page"]})

    assert ids({"action": "regions.grid.create"}) == {"town_b_grid"}
    assert ids({"actor": "ENT_"}) == {"ent_a_self"}
    assert ids({"object_type": "enterprises.enterprise", "object_id": str(world.firm_a.pk)}) == {
        "tf_on_a",
        "system_on_a",
    }
    today = timezone.localdate()
    assert ids({"date_from": today.isoformat(), "date_to": today.isoformat()}) == ZHUJI
    tomorrow = today + datetime.timedelta(days=1)
    assert ids({"date_from": tomorrow.isoformat()}) == set()

    bad = client.get(
        url, {"date_from": today.isoformat(), "date_to": (today - datetime.timedelta(days=1)).isoformat()}
    )
    assert bad.status_code == 400
    assert "截止日期不能早于起始日期" in bad.content.decode()
    assert not list(bad.context["page"])

    api_client.force_authenticate(world.users["task_force"])
    body = api_client.get("/api/v1/audit-entries/", {"action": "enterprises.enterprise.status"}).json()
    assert visible_keys(entries, {row["id"] for row in body["results"]}) == {"system_on_a"}
    bad_api = api_client.get("/api/v1/audit-entries/", {"date_from": "2024-13-01"})
    assert bad_api.status_code == 400 and "date_from" in bad_api.json()["error"]["fields"]


def test_list_is_paginated(client, world):
    actor = world.users["town_a"]
    for i in range(55):
        record(actor, "regions.grid.create", world.town_a, after={"i": i})
    client.force_login(world.users["task_force"])
    first = client.get(reverse("audit:list"))
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.count == 55
    second = client.get(reverse("audit:list"), {"page": 2, "action": "regions.grid.create"})
    assert len(second.context["page"]) == 5
    filtered = client.get(reverse("audit:list"), {"action": "regions.grid.create"}).content.decode()
    assert "?action=regions.grid.create&amp;page=2" in filtered  # the next link keeps the filters
    assert AuditEntry.objects.count() == 55
