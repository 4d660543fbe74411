import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fugong.accounts.models import Department
from fugong.audit.models import AuditEntry
from fugong.audit.services import verify_chain
from fugong.enterprises import services
from fugong.enterprises.models import Enterprise, EnterpriseStatus, EnterpriseStatusChange
from tests.enterprises.helpers import firm_data
from tests.factories import make_uscc


def _errors(exc_info) -> dict:
    return exc_info.value.message_dict


# --- create ---------------------------------------------------------------------------------------


def test_create_saves_normalises_and_audits(world):
    actor = world.users["town_a"]
    code = make_uscc(9)
    data = firm_data(
        world.town_a, name=" 诸暨新建(集团)有限公司 ", uscc=f" {code[:6]} {code[6:12]}-{code[12:]} "
    )
    firm = services.create_enterprise(actor, data)
    assert firm.name == "诸暨新建（集团）有限公司"
    assert firm.uscc == make_uscc(9)
    assert firm.version == 1 and firm.status == EnterpriseStatus.NOT_RESUMED
    entry = AuditEntry.objects.get(action="enterprise.create", object_id=str(firm.pk))
    assert (
        entry.actor == actor
        and entry.after["uscc"] == make_uscc(9)
        and entry.after["status"] == "not_resumed"
    )
    assert verify_chain().ok


@pytest.mark.parametrize(
    "code, message",
    [
        (make_uscc(1)[:-1] + ("0" if make_uscc(1)[-1] != "0" else "1"), "统一社会信用代码校验位错误"),
        (make_uscc(1)[:17], "统一社会信用代码应为18位"),
        ("9133068100000100IO", "统一社会信用代码格式错误"),
        ("", "统一社会信用代码不能为空"),
    ],
)
def test_bad_credit_code_is_refused_naming_the_field(world, code, message):
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_a, uscc=code))
    assert message in " ".join(_errors(exc)["uscc"])
    assert Enterprise.objects.count() == before
    assert not AuditEntry.objects.filter(action="enterprise.create").exists()


def test_duplicate_credit_code_names_the_registered_firm(world):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_a, uscc=world.firm_a.uscc))
    assert _errors(exc)["uscc"] == [f"该统一社会信用代码已登记：{world.firm_a.name}"]
    assert Enterprise.objects.filter(uscc=world.firm_a.uscc).count() == 1


def test_duplicate_credit_code_outside_scope_does_not_reveal_the_firm(world):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_a, uscc=world.firm_c.uscc))
    message = " ".join(_errors(exc)["uscc"])
    assert "其他辖区" in message and world.firm_c.name not in message


def test_duplicate_name_in_the_same_town_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_a, name=world.firm_a.name))
    assert _errors(exc)["name"] == [f"企业名称重复：暨阳街道已登记同名企业「{world.firm_a.name}」"]
    assert Enterprise.objects.filter(name=world.firm_a.name).count() == 1


def test_same_name_in_another_town_is_allowed(world):
    firm = services.create_enterprise(
        world.users["task_force"], firm_data(world.town_b, name=world.firm_a.name)
    )
    assert firm.town == world.town_b


def test_half_width_brackets_do_not_make_a_second_firm(world):
    services.create_enterprise(world.users["town_a"], firm_data(world.town_a, 1, name="诸暨（暨阳）机械厂"))
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_a, 2, name="诸暨(暨阳)机械厂"))
    assert "name" in _errors(exc)


def test_every_rule_is_reported_at_once_with_field_names(world):
    data = firm_data(world.town_a, uscc="123", name="", legal_representative="", normal_headcount=-5)
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], data)
    errors = _errors(exc)
    assert errors["name"] == ["企业名称不能为空"]
    assert errors["legal_representative"] == ["法定代表人不能为空"]
    assert "统一社会信用代码应为18位" in errors["uscc"][0]
    assert errors["normal_headcount"][0].startswith("正常用工人数：")


def test_town_officer_creates_only_in_own_town(world):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_b))
    assert _errors(exc)["town"] == ["所属镇乡街道「店口镇」不在您的管辖范围内"]
    with pytest.raises(ValidationError):
        services.create_enterprise(world.users["task_force"], firm_data(world.other_town))
    assert not Enterprise.objects.filter(name__startswith="诸暨测试新建").exists()


def test_town_must_be_a_town_and_department_an_industry_department(world):
    data = firm_data(world.county, department=Department.objects.get(code="health"))
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["task_force"], data)
    errors = _errors(exc)
    assert "镇、乡或街道" in errors["town"][0]
    assert "卫生健康局" in errors["department"][0]


@pytest.mark.parametrize("who", ["ent_a", "dept_industry", "inspector", "grid_a", "employee_a"])
def test_roles_without_create_capability_are_refused(world, who):
    with pytest.raises(PermissionDenied):
        services.create_enterprise(world.users[who], firm_data(world.town_a))


def test_status_cannot_be_set_through_create_or_update(world):
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(world.users["town_a"], firm_data(world.town_a, status="resumed"))
    assert "状态变更" in _errors(exc)["status"][0]


# --- update ---------------------------------------------------------------------------------------


def test_enterprise_officer_edits_own_contacts_and_figures(world):
    firm = world.firm_a
    updated = services.update_enterprise(
        world.users["ent_a"],
        firm,
        {
            "address": "新地址1号",
            "normal_headcount": 300,
            "prevention_lead": "孙丽",
            "resumption_mode": "closed_in_plant",
        },
        firm.version,
    )
    assert updated.version == 2
    firm.refresh_from_db()
    assert (firm.address, firm.normal_headcount, firm.prevention_lead) == ("新地址1号", 300, "孙丽")
    entry = AuditEntry.objects.get(action="enterprise.update", object_id=str(firm.pk))
    assert entry.before["normal_headcount"] == 120 and entry.after["normal_headcount"] == 300
    assert "name" not in entry.after  # only what changed


def test_enterprise_officer_cannot_change_town_or_tags(world):
    firm = world.firm_a
    address = firm.address
    data = {"town": world.town_b, "is_key_exporter": True, "is_above_size": True, "address": "改了"}
    with pytest.raises(ValidationError) as exc:
        services.update_enterprise(world.users["ent_a"], firm, data, firm.version)
    errors = _errors(exc)
    assert errors["town"] == ["所属镇乡街道由政府部门维护，企业不能修改"]
    assert errors["is_key_exporter"] == ["重点外贸企业由政府部门维护，企业不能修改"]
    assert "is_above_size" in errors
    firm.refresh_from_db()
    assert (firm.town, firm.is_key_exporter, firm.address, firm.version) == (world.town_a, False, address, 1)
    assert not AuditEntry.objects.filter(action="enterprise.update").exists()


def test_enterprise_officer_may_resend_unchanged_government_fields(world):
    firm = world.firm_a
    data = {"town": world.town_a, "name": firm.name, "is_key_exporter": False, "address": "同样提交全部字段"}
    updated = services.update_enterprise(world.users["ent_a"], firm, data, firm.version)
    assert updated.address == "同样提交全部字段"


def test_enterprise_officer_cannot_edit_another_firm(world):
    with pytest.raises(PermissionDenied):
        services.update_enterprise(world.users["ent_a"], world.firm_b, {"address": "x"}, 1)


def test_town_officer_cannot_edit_a_firm_of_another_town(world):
    with pytest.raises(PermissionDenied):
        services.update_enterprise(world.users["town_a"], world.firm_b, {"address": "x"}, 1)
    world.firm_b.refresh_from_db()
    assert world.firm_b.address != "x"


def test_town_officer_sets_tags(world):
    firm = services.update_enterprise(
        world.users["town_a"], world.firm_a, {"is_key_exporter": True, "efficiency_class": "A"}, 1
    )
    assert firm.is_key_exporter and firm.tags == ["重点外贸企业"]


def test_stale_version_is_refused_and_nothing_is_lost(world):
    firm = world.firm_a
    services.update_enterprise(world.users["town_a"], firm, {"address": "第一人修改"}, 1)
    with pytest.raises(services.VersionConflict) as exc:
        services.update_enterprise(world.users["ent_a"], firm, {"address": "第二人修改"}, 1)
    assert "已被他人修改" in exc.value.message and exc.value.current_version == 2
    firm.refresh_from_db()
    assert firm.address == "第一人修改" and firm.version == 2


def test_a_retried_update_that_already_went_through_is_not_a_conflict(world):
    firm = world.firm_a
    services.update_enterprise(world.users["town_a"], firm, {"address": "重试地址"}, 1)
    again = services.update_enterprise(world.users["town_a"], firm, {"address": "重试地址"}, 1)
    assert again.version == 2
    assert AuditEntry.objects.filter(action="enterprise.update").count() == 1


def test_missing_version_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.update_enterprise(world.users["town_a"], world.firm_a, {"address": "x"}, None)
    assert "版本号" in _errors(exc)["version"][0]


def test_update_rechecks_duplicates_against_other_firms(world):
    other = services.create_enterprise(world.users["town_a"], firm_data(world.town_a))
    with pytest.raises(ValidationError) as exc:
        services.update_enterprise(
            world.users["town_a"], other, {"uscc": world.firm_a.uscc, "name": world.firm_a.name}, 1
        )
    errors = _errors(exc)
    assert errors["uscc"] == [f"该统一社会信用代码已登记：{world.firm_a.name}"]
    assert errors["name"][0].startswith("企业名称重复")


# --- status ---------------------------------------------------------------------------------------


def test_status_change_follows_transitions_and_is_logged(world):
    actor = world.users["town_a"]
    firm = services.change_status(actor, world.firm_a, EnterpriseStatus.PREPARING, "关键岗位人员先行返岗")
    firm = services.change_status(actor, firm, EnterpriseStatus.RESUMED, "核准复工")
    assert firm.status == EnterpriseStatus.RESUMED and firm.status_changed_at is not None
    history = list(EnterpriseStatusChange.objects.filter(enterprise=firm).order_by("at", "id"))
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [
        ("not_resumed", "preparing", actor),
        ("preparing", "resumed", actor),
    ]
    entries = AuditEntry.objects.filter(action="enterprise.status", object_id=str(firm.pk)).order_by("id")
    assert [(e.before["status"], e.after["status"], e.note) for e in entries] == [
        ("not_resumed", "preparing", "关键岗位人员先行返岗"),
        ("preparing", "resumed", "核准复工"),
    ]
    assert firm.version == 3


def test_refused_transition_names_both_states_and_changes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.change_status(world.users["town_a"], world.firm_a, EnterpriseStatus.SEALED, "发现病例")
    message = _errors(exc)["status"][0]
    assert "不能从「未复工」变更为「封闭」" in message
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.NOT_RESUMED
    assert not EnterpriseStatusChange.objects.exists()
    assert not AuditEntry.objects.filter(action="enterprise.status").exists()


def test_status_change_needs_a_reason(world):
    with pytest.raises(ValidationError) as exc:
        services.change_status(world.users["town_a"], world.firm_a, EnterpriseStatus.RESUMED, "  ")
    assert _errors(exc)["reason"] == ["变更原因不能为空"]


def test_same_status_is_refused(world):
    services.change_status(world.users["town_a"], world.firm_a, EnterpriseStatus.RESUMED, "复工")
    with pytest.raises(ValidationError) as exc:
        services.change_status(world.users["town_a"], world.firm_a, EnterpriseStatus.RESUMED, "再次复工")
    assert "已是「已复工」" in _errors(exc)["status"][0]


@pytest.mark.parametrize("who", ["ent_a", "dept_industry", "inspector", "grid_a"])
def test_only_town_and_task_force_change_status_by_hand(world, who):
    with pytest.raises(PermissionDenied):
        services.change_status(world.users[who], world.firm_a, EnterpriseStatus.RESUMED, "自行复工")
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.NOT_RESUMED


def test_status_of_a_foreign_firm_cannot_be_changed(world):
    with pytest.raises(PermissionDenied):
        services.change_status(world.users["town_a"], world.firm_b, EnterpriseStatus.RESUMED, "越权")


def test_workflow_changes_status_on_its_own_authority(world):
    firm = services.change_status(
        None, world.firm_a, EnterpriseStatus.RESUMED, "复工申请已核准", workflow="复工申请 FG-2020-0001"
    )
    change = EnterpriseStatusChange.objects.get(enterprise=firm)
    assert change.source == "复工申请 FG-2020-0001" and change.actor is None
    assert AuditEntry.objects.get(action="enterprise.status").actor_label == "system"


def test_status_change_with_stale_version_is_a_conflict(world):
    services.update_enterprise(world.users["town_a"], world.firm_a, {"address": "改"}, 1)
    with pytest.raises(services.VersionConflict):
        services.change_status(
            world.users["town_a"], world.firm_a, EnterpriseStatus.RESUMED, "复工", expected_version=1
        )


def test_town_officer_sets_local_tags_the_firm_cannot(world):
    firm = services.update_enterprise(
        world.users["town_a"], world.firm_a, {"local_tags": " 高新技术企业、节水标杆，高新技术企业\n"}, 1
    )
    assert firm.local_tags == ["高新技术企业", "节水标杆"]
    entry = AuditEntry.objects.filter(action="enterprise.update").latest("id")
    assert entry.after["local_tags"] == ["高新技术企业", "节水标杆"]
    with pytest.raises(ValidationError) as exc:
        services.update_enterprise(world.users["ent_a"], firm, {"local_tags": ["自评标杆"]}, firm.version)
    assert "由政府部门维护" in _errors(exc)["local_tags"][0]
    with pytest.raises(ValidationError) as exc:
        services.update_enterprise(world.users["town_a"], firm, {"local_tags": ["长" * 41]}, firm.version)
    assert "超过40字" in _errors(exc)["local_tags"][0]
    with pytest.raises(ValidationError) as exc:
        services.update_enterprise(world.users["town_a"], firm, {"local_tags": {"a": 1}}, firm.version)
    assert "标签名称的列表" in _errors(exc)["local_tags"][0]
