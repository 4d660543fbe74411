import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from fugong.accounts.models import Department, User
from fugong.accounts.roles import Role
from fugong.accounts.services import create_user, set_active
from fugong.audit.models import AuditEntry

PASSWORD = "Fugong-2020-safe"


def make(world, actor="task_force", **fields):
    fields.setdefault("username", "new_user")
    fields.setdefault("password", PASSWORD)
    fields.setdefault("full_name", "王芳")
    return create_user(world.users[actor], **fields)


def errors_of(world, **fields) -> dict:
    users = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        make(world, **fields)
    assert User.objects.count() == users
    return exc.value.message_dict


def test_task_force_creates_town_officer_inside_its_county(world):
    user = make(world, role=Role.TOWN, region=world.town_b, phone="13800001111")
    assert user.role == Role.TOWN and user.region == world.town_b
    assert user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="accounts.user.create", object_id=str(user.pk))
    assert entry.actor == world.users["task_force"]
    assert entry.after["region"] == world.town_b.pk and "password" not in entry.after


def test_scope_outside_the_creators_region_is_refused(world):
    errors = errors_of(world, role=Role.TOWN, region=world.other_town)
    assert errors["region"] == ["管辖区域必须在您的管辖范围（诸暨市）之内。"]
    errors = errors_of(world, role=Role.TASK_FORCE, region=world.city)
    assert "管辖范围" in errors["region"][0]


def test_region_level_must_fit_the_role(world):
    errors = errors_of(world, role=Role.TOWN, region=world.county)
    assert errors["region"][0].startswith("角色“镇乡街道”的管辖区域应为：镇乡街道")
    errors = errors_of(world, role=Role.TASK_FORCE, region=world.town_a)
    assert "区县" in errors["region"][0]
    assert "region" in errors_of(world, role=Role.INSPECTOR, region=None)


def test_department_officer_needs_a_department(world):
    assert errors_of(world, role=Role.DEPARTMENT, region=world.county)["department"] == [
        "部门人员必须指定所属部门。"
    ]
    user = make(
        world, role=Role.DEPARTMENT, region=world.county, department=Department.objects.get(code="health")
    )
    assert user.department.code == "health"


def test_enterprise_roles_only_for_firms_in_scope(world):
    errors = errors_of(world, role=Role.ENTERPRISE, enterprise=world.firm_c)
    assert errors["enterprise"] == [
        f"未找到统一社会信用代码为 {world.firm_c.uscc} 的企业，或该企业不在您的管辖范围内。"
    ]
    assert errors_of(world, role=Role.GATE_KEEPER)["enterprise"] == ["企业角色必须指定所属企业。"]
    user = make(world, role=Role.GATE_KEEPER, enterprise=world.firm_b, region=world.other_town)
    assert user.enterprise == world.firm_b
    assert user.region is None  # a stray region never rides along with an enterprise role


def test_grid_worker_firms_must_be_in_scope_and_in_their_area(world):
    user = make(world, role=Role.GRID_WORKER, region=world.town_a, assigned_enterprises=[world.firm_a])
    assert list(user.assigned_enterprises.all()) == [world.firm_a]
    errors = errors_of(
        world, username="w2", role=Role.GRID_WORKER, region=world.town_a, assigned_enterprises=[world.firm_b]
    )
    assert "不在该网格员的区域" in errors["assigned_enterprises"][0]
    errors = errors_of(
        world, username="w3", role=Role.GRID_WORKER, region=world.town_a, assigned_enterprises=[world.firm_c]
    )
    assert "不在您的管辖范围内" in errors["assigned_enterprises"][0]


def test_username_password_and_phone_rules(world):
    assert "已存在" in errors_of(world, username="town_a", role=Role.TOWN, region=world.town_a)["username"][0]
    assert errors_of(world, role=Role.TOWN, region=world.town_a, password="qwertyuiop")["password"] == [
        "这个密码太常见了。"
    ]
    assert errors_of(world, role=Role.TOWN, region=world.town_a, phone="12345")["phone"] == [
        "手机号格式不正确：应为 11 位手机号或带区号的固定电话。"
    ]
    assert "role" in errors_of(world, role="mayor", region=world.town_a)


@pytest.mark.parametrize("who", ["town_a", "dept_health", "inspector", "ent_a"])
def test_only_task_force_creates_users(world, who):
    with pytest.raises(PermissionDenied):
        make(world, actor=who, role=Role.TOWN, region=world.town_a)
    assert not User.objects.filter(username="new_user").exists()


def test_user_list_is_scoped(client, world):
    client.force_login(world.users["task_force"])
    response = client.get(reverse("accounts:users"), {"page": 1})
    names = {u.username for u in response.context["page"]}
    assert {"town_a", "town_b", "dept_health", "grid_a", "ent_a", "gate_a", "employee_a", "tf_zhuji"} <= names
    assert not names & {"outsider", "tf_yuecheng", "ent_c"}
    html = response.content.decode()
    assert world.firm_c.name not in html
    filtered = client.get(reverse("accounts:users"), {"role": "enterprise"})
    assert {u.username for u in filtered.context["page"]} == {"ent_a"}

    client.force_login(world.users["town_a"])
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403


def test_create_user_page(client, world):
    client.force_login(world.users["task_force"])
    form = client.get(reverse("accounts:user_create"))
    assert form.status_code == 200
    region_choices = {str(r.pk) for r in form.context["form"].fields["region"].queryset}
    assert str(world.town_a.pk) in region_choices and str(world.other_town.pk) not in region_choices
    data = {
        "username": "ent_b",
        "full_name": "李强",
        "role": Role.ENTERPRISE,
        "enterprise_uscc": world.firm_b.uscc.lower(),
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post(reverse("accounts:user_create"), data)
    assert response.status_code == 302
    assert User.objects.get(username="ent_b").enterprise == world.firm_b

    foreign = client.post(
        reverse("accounts:user_create"), {**data, "username": "ent_c2", "enterprise_uscc": world.firm_c.uscc}
    )
    assert foreign.status_code == 400
    assert "不在您的管辖范围内" in foreign.content.decode()
    mismatch = client.post(
        reverse("accounts:user_create"), {**data, "username": "x2", "password2": "other-pass-1"}
    )
    assert "两次输入的密码不一致" in mismatch.content.decode()
    outside = client.post(
        reverse("accounts:user_create"),
        {**data, "username": "x3", "role": Role.TOWN, "region": world.other_town.pk, "enterprise_uscc": ""},
    )
    assert outside.status_code == 400
    assert not User.objects.filter(username__in=["ent_c2", "x2", "x3"]).exists()


def test_deactivate_and_reactivate(client, world):
    tf = world.users["task_force"]
    target = world.users["town_a"]
    client.force_login(tf)
    response = client.post(reverse("accounts:user_deactivate", args=[target.pk]))
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    entry = AuditEntry.objects.get(action="accounts.user.deactivate", object_id=str(target.pk))
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}

    other = client.__class__()
    assert not other.login(username="town_a", password="pass-12345")

    client.post(reverse("accounts:user_activate", args=[target.pk]))
    target.refresh_from_db()
    assert target.is_active
    assert other.login(username="town_a", password="pass-12345")


def test_deactivate_refuses_outsiders_and_self(client, world):
    tf = world.users["task_force"]
    client.force_login(tf)
    assert (
        client.post(reverse("accounts:user_deactivate", args=[world.users["outsider"].pk])).status_code == 404
    )
    assert client.get(reverse("accounts:user_deactivate", args=[world.users["town_a"].pk])).status_code == 405
    with pytest.raises(ValidationError):
        set_active(tf, tf, False)
    with pytest.raises(PermissionDenied):
        set_active(world.users["town_a"], world.users["town_b"], False)
    world.users["outsider"].refresh_from_db()
    assert world.users["outsider"].is_active and tf.is_active
