"""The parts page: tabs, inline HTMX forms that also work as plain POST, scope and read-only roles."""

import pytest
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.enterprises.models import DormRoom, GatePoint, GridUnit
from tests.enterprises_parts.cases import KINDS, form_data

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(firm, tab=None):
    url = reverse("enterprises:parts", args=[firm.pk])
    return f"{url}?tab={tab}" if tab else url


def section(firm, slug):
    return reverse("enterprises:parts-section", args=[firm.pk, slug])


def edit(firm, slug, pk):
    return reverse("enterprises:parts-edit", args=[firm.pk, slug, pk])


def delete(firm, slug, pk):
    return reverse("enterprises:parts-delete", args=[firm.pk, slug, pk])


def logged_in(client, user):
    client.force_login(user)
    return client


def existing_form_data(obj, payload):
    """What the edit form would post back for ``obj``: its stored values for the payload's fields."""
    return form_data({key: getattr(obj, key) for key in payload})


@pytest.mark.parametrize("slug", list(KINDS))
def test_each_tab_renders_with_its_rows(world, parts, client, slug):
    logged_in(client, world.users["ent_a"])
    response = client.get(page(world.firm_a, slug))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="parts-panel"' in html and f'id="part-{slug}"' in html
    assert (
        str(parts["a"][slug].name if hasattr(parts["a"][slug], "name") else parts["a"][slug].number) in html
    )
    assert parts["c"]["gates"].enterprise.name not in html
    # Editors get the inline add form, pointed at the section URL for both HTMX and plain POST.
    assert (
        f'hx-post="{section(world.firm_a, slug)}"' in html
        and f'action="{section(world.firm_a, slug)}"' in html
    )


def test_unknown_tab_falls_back_to_the_first(world, parts, client):
    logged_in(client, world.users["ent_a"])
    response = client.get(page(world.firm_a, "nonsense"))
    assert response.status_code == 200 and 'id="part-prevention-team"' in response.content.decode()


def test_htmx_tab_switch_returns_only_the_panel(world, parts, client):
    logged_in(client, world.users["ent_a"])
    response = client.get(section(world.firm_a, "dorm-rooms"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="parts-panel"') and "<html" not in html
    assert 'data-testid="area-per-bed">5.00<' in html
    # Without HTMX the section URL sends the browser to the page with that tab.
    plain = client.get(section(world.firm_a, "dorm-rooms"))
    assert plain.status_code == 302 and plain["Location"] == page(world.firm_a, "dorm-rooms")


def test_unknown_kind_is_404(world, client):
    logged_in(client, world.users["ent_a"])
    assert client.get(section(world.firm_a, "kitchens"), **HTMX).status_code == 404
    assert client.post(section(world.firm_a, "kitchens"), {"name": "x"}).status_code == 404


@pytest.mark.parametrize("slug", list(KINDS))
@pytest.mark.parametrize("who", ["ent_a", "town_a"])
def test_add_edit_delete_with_plain_posts(world, parts, client, slug, who):
    model, _, payload, (field, value) = KINDS[slug]
    logged_in(client, world.users[who])
    start = AuditEntry.objects.count()

    response = client.post(section(world.firm_a, slug), form_data(payload))
    assert response.status_code == 302 and response["Location"] == page(world.firm_a, slug)
    obj = model.objects.filter(enterprise=world.firm_a).order_by("-pk").first()
    assert getattr(obj, list(payload)[0]) is not None and obj.pk != parts["a"][slug].pk
    followed = client.get(response["Location"])
    assert "已添加" in followed.content.decode()

    data = {**existing_form_data(obj, payload), field: value}
    response = client.post(edit(world.firm_a, slug, obj.pk), data)
    assert response.status_code == 302
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == str(value)

    confirm = client.get(delete(world.firm_a, slug, obj.pk))
    assert confirm.status_code == 200 and "确定删除" in confirm.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()
    response = client.post(delete(world.firm_a, slug, obj.pk))
    assert response.status_code == 302
    assert not model.objects.filter(pk=obj.pk).exists()
    assert AuditEntry.objects.count() == start + 3


@pytest.mark.parametrize("slug", list(KINDS))
def test_add_edit_delete_with_htmx(world, parts, client, slug):
    model, _, payload, (field, value) = KINDS[slug]
    logged_in(client, world.users["ent_a"])
    count = model.objects.filter(enterprise=world.firm_a).count()

    response = client.post(section(world.firm_a, slug), form_data(payload), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="parts-panel"')
    assert "已添加" in html and '<details class="part-add" open>' in html
    assert model.objects.filter(enterprise=world.firm_a).count() == count + 1
    obj = model.objects.filter(enterprise=world.firm_a).order_by("-pk").first()

    response = client.get(edit(world.firm_a, slug, obj.pk), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and f'hx-post="{edit(world.firm_a, slug, obj.pk)}"' in html
    assert 'class="part-add"' not in html  # one form at a time

    response = client.post(
        edit(world.firm_a, slug, obj.pk), {**existing_form_data(obj, payload), field: value}, **HTMX
    )
    assert response.status_code == 200 and "已保存" in response.content.decode()
    obj.refresh_from_db()
    assert str(getattr(obj, field)) == str(value)

    response = client.post(delete(world.firm_a, slug, obj.pk), **HTMX)
    assert response.status_code == 200 and "已删除" in response.content.decode()
    assert model.objects.filter(enterprise=world.firm_a).count() == count


def test_errors_come_back_in_the_form_and_nothing_is_saved(world, parts, client):
    logged_in(client, world.users["ent_a"])
    data = {"building": "1号楼", "number": "101", "capacity": "0", "area_m2": "20"}
    for extra in ({}, HTMX):
        response = client.post(section(world.firm_a, "dorm-rooms"), data, **extra)
        html = response.content.decode()
        assert response.status_code == 200
        assert "房间号：本企业“1号楼”已有房间“101”。" in html
        assert "床位数：至少为 1，当前为 0。" in html
        assert 'aria-invalid="true"' in html and '<details class="part-add" open>' in html
    assert DormRoom.objects.filter(enterprise=world.firm_a).count() == 1


def test_edit_errors_keep_the_edit_form(world, parts, client):
    logged_in(client, world.users["ent_a"])
    sitting = parts["a"]["canteen-sittings"]
    data = {
        "canteen": sitting.canteen,
        "name": sitting.name,
        "starts_at": "12:00",
        "ends_at": "11:00",
        "seats": 30,
    }
    response = client.post(edit(world.firm_a, "canteen-sittings", sitting.pk), data, **HTMX)
    html = response.content.decode()
    assert "结束时间：必须晚于开始时间 12:00，当前为 11:00。" in html
    assert f'hx-post="{edit(world.firm_a, "canteen-sittings", sitting.pk)}"' in html
    sitting.refresh_from_db()
    assert sitting.starts_at.hour == 11


def test_grid_units_show_as_a_tree(world, parts, client):
    workshop, team, post = parts["a"]["grid"]
    logged_in(client, world.users["gate_a"])
    html = client.get(page(world.firm_a, "grid-units")).content.decode()
    tree = html[html.index('data-testid="grid-tree"') :]
    assert tree.index(workshop.name) < tree.index(team.name) < tree.index(post.name)
    # Nesting: the post sits two lists deeper than the workshop.
    between = tree[tree.index(workshop.name) : tree.index(post.name)]
    assert between.count("<ul>") == 2


def test_grid_rule_error_on_the_page(world, parts, client):
    workshop, _, _ = parts["a"]["grid"]
    logged_in(client, world.users["ent_a"])
    response = client.post(
        section(world.firm_a, "grid-units"),
        {"level": "post", "parent": workshop.pk, "name": "整经岗", "leader": "", "zone": ""},
    )
    assert "上级单元：岗位的上级必须是班组，“一车间”是车间。" in response.content.decode()
    assert not GridUnit.objects.filter(name="整经岗").exists()


def test_grid_parent_choices_are_the_firms_own(world, parts, client):
    logged_in(client, world.users["ent_a"])
    html = client.get(page(world.firm_a, "grid-units")).content.decode()
    assert "一车间" in html
    foreign = parts["c"]["grid"][0]
    response = client.post(
        section(world.firm_a, "grid-units"),
        {"level": "team", "parent": foreign.pk, "name": "乙班", "leader": "", "zone": ""},
    )
    assert response.status_code == 200 and not GridUnit.objects.filter(name="乙班").exists()


def test_delete_refused_by_a_rule_says_why(world, parts, client):
    workshop, _, _ = parts["a"]["grid"]
    logged_in(client, world.users["ent_a"])
    response = client.post(delete(world.firm_a, "grid-units", workshop.pk), **HTMX)
    assert "下还有 1 个下级单元" in response.content.decode()
    response = client.post(delete(world.firm_a, "grid-units", workshop.pk), follow=True)
    assert "下还有 1 个下级单元" in response.content.decode()
    assert GridUnit.objects.filter(pk=workshop.pk).exists()


def test_leader_warning_is_shown(world, client):
    logged_in(client, world.users["ent_a"])
    data = {"name": "李四", "team_role": "leader", "position": "", "phone": "", "duties": ""}
    response = client.post(section(world.firm_a, "prevention-team"), data, follow=True)
    html = response.content.decode()
    assert "已添加" in html and "组长“李四”与法定代表人“张伟”不一致" in html


@pytest.mark.parametrize("who", ["gate_a", "inspector", "dept_industry", "grid_a", "task_force"])
def test_viewers_see_the_page(world, parts, client, who):
    logged_in(client, world.users[who])
    response = client.get(page(world.firm_a, "gates"))
    assert response.status_code == 200
    assert "东门" in response.content.decode()


@pytest.mark.parametrize("who", ["gate_a", "inspector", "dept_industry", "grid_a"])
def test_read_only_roles_get_no_controls_and_403_on_writes(world, parts, client, who):
    logged_in(client, world.users[who])
    gate = parts["a"]["gates"]
    html = client.get(page(world.firm_a, "gates")).content.decode()
    assert 'data-testid="read-only"' in html
    assert 'class="part-add"' not in html and edit(world.firm_a, "gates", gate.pk) not in html
    assert client.post(section(world.firm_a, "gates"), {"name": "北门", "location": ""}).status_code == 403
    assert client.get(edit(world.firm_a, "gates", gate.pk)).status_code == 403
    assert (
        client.post(edit(world.firm_a, "gates", gate.pk), {"name": "北门", "location": ""}).status_code == 403
    )
    assert client.post(delete(world.firm_a, "gates", gate.pk)).status_code == 403
    assert list(GatePoint.objects.filter(enterprise=world.firm_a).values_list("name", flat=True)) == ["东门"]


@pytest.mark.parametrize("who", ["outsider", "ent_c", "town_b", "task_force_outside"])
def test_foreign_firm_is_404_everywhere(world, parts, client, who):
    logged_in(client, world.users[who])
    gate = parts["a"]["gates"]
    assert client.get(page(world.firm_a)).status_code == 404
    assert client.get(section(world.firm_a, "gates"), **HTMX).status_code == 404
    assert client.post(section(world.firm_a, "gates"), {"name": "北门", "location": ""}).status_code == 404
    assert client.get(edit(world.firm_a, "gates", gate.pk)).status_code == 404
    assert (
        client.post(edit(world.firm_a, "gates", gate.pk), {"name": "北门", "location": ""}).status_code == 404
    )
    assert client.post(delete(world.firm_a, "gates", gate.pk)).status_code == 404
    assert list(GatePoint.objects.filter(enterprise=world.firm_a).values_list("name", flat=True)) == ["东门"]


def test_part_of_another_firm_through_own_firms_url_is_404(world, parts, client):
    # The task force sees firm_a and firm_b; a firm_b gate must not be reachable under firm_a's URL.
    logged_in(client, world.users["task_force"])
    foreign_gate = parts["c"]["gates"]
    assert client.get(edit(world.firm_a, "gates", foreign_gate.pk)).status_code == 404
    assert client.post(delete(world.firm_a, "gates", foreign_gate.pk)).status_code == 404
    assert GatePoint.objects.filter(pk=foreign_gate.pk).exists()


def test_employee_and_anonymous_are_kept_out(world, parts, client):
    assert client.get(page(world.firm_a)).status_code == 302  # to the login page
    logged_in(client, world.users["employee_a"])
    assert client.get(page(world.firm_a)).status_code == 403


def test_notices_for_missing_leader_and_isolation(world, client):
    import datetime as dt

    from fugong.policy.selectors import policy_for
    from fugong.policy.services import apply_preset

    logged_in(client, world.users["ent_a"])
    html = client.get(page(world.firm_a, "prevention-team")).content.decode()
    assert "防疫工作小组尚未设置组长" in html
    # The isolation-room rule is shown only where the policy in force sets it, with its source.
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    html = client.get(page(world.firm_a, "isolation-rooms")).content.decode()
    assert "须先设置隔离室或固定观察点" not in html
    apply_preset(world.town_a, "N2", effective_from=dt.date(2020, 1, 1))  # the town's own
    html = client.get(page(world.firm_a, "isolation-rooms")).content.decode()
    assert "须先设置隔离室或固定观察点" in html
    source = policy_for(world.firm_a.town).cite("observation_point_required_for_hard_hit_returners")
    assert source in html.replace("&quot;", '"').replace("&#x27;", "'")


def test_firm_detail_links_to_the_parts_page_for_editors_only(world, parts, client):
    detail = reverse("enterprises:detail", args=[world.firm_a.pk])
    logged_in(client, world.users["ent_a"])
    html = client.get(detail).content.decode()
    for slug in KINDS:
        assert f'href="{page(world.firm_a, slug)}"' in html
    logged_in(client, world.users["gate_a"])
    assert page(world.firm_a) not in client.get(detail).content.decode()
