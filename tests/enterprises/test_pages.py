import pytest
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.enterprises import services
from fugong.enterprises.models import Enterprise, EnterpriseStatus, EnterpriseStatusChange
from tests.conftest import EXPECTED_FIRMS
from tests.enterprises.helpers import import_row, make_xlsx, read_xlsx
from tests.factories import make_uscc

FIRM_KEYS = ["firm_a", "firm_b", "firm_c"]
VIEWERS = sorted(who for who in EXPECTED_FIRMS if who != "employee_a")
EXPORTERS = [
    "task_force",
    "task_force_outside",
    "dept_industry",
    "dept_health",
    "dept_commerce",
    "town_a",
    "town_b",
    "inspector",
    "outsider",
]


def _login(client, world, who):
    client.force_login(world.users[who])
    return world.users[who]


def _names_in(content: bytes, world) -> set[str]:
    """Firms linked from the page (the header names an enterprise user's own firm, so names alone mislead)."""
    text = content.decode()
    return {
        key
        for key in FIRM_KEYS
        if f'href="{reverse("enterprises:detail", args=[getattr(world, key).pk])}"' in text
    }


@pytest.mark.parametrize("who", VIEWERS)
def test_list_shows_exactly_the_firms_in_scope(client, world, who):
    _login(client, world, who)
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 200
    assert _names_in(response.content, world) == EXPECTED_FIRMS[who]
    assert f'data-testid="enterprise-total">{len(EXPECTED_FIRMS[who])}<' in response.content.decode()


@pytest.mark.parametrize("who", VIEWERS)
def test_detail_opens_only_inside_scope(client, world, who):
    _login(client, world, who)
    for key in FIRM_KEYS:
        response = client.get(reverse("enterprises:detail", args=[getattr(world, key).pk]))
        assert response.status_code == (200 if key in EXPECTED_FIRMS[who] else 404), key


@pytest.mark.parametrize("who", VIEWERS)
def test_search_never_reaches_outside_scope(client, world, who):
    _login(client, world, who)
    for key in FIRM_KEYS:
        firm = getattr(world, key)
        response = client.get(reverse("enterprises:list"), {"q": firm.uscc})
        assert _names_in(response.content, world) == ({key} if key in EXPECTED_FIRMS[who] else set())


@pytest.mark.parametrize("who", EXPORTERS)
def test_export_contains_only_firms_in_scope(client, world, who):
    _login(client, world, who)
    response = client.get(reverse("enterprises:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_xlsx(b"".join(response.streaming_content))
    names = {row["单位名称"] for row in rows}
    assert names == {getattr(world, key).name for key in EXPECTED_FIRMS[who]}


def test_town_a_export_lacks_firm_b_and_follows_the_register_layout(client, world):
    _login(client, world, "town_a")
    response = client.get(reverse("enterprises:export"))
    rows = read_xlsx(b"".join(response.streaming_content))
    assert [row["单位名称"] for row in rows] == [world.firm_a.name]
    header = list(rows[0])
    assert header[:6] == ["单位名称", "统一社会信用代码", "所属区", "所属乡镇", "单位地址", "法定代表人"]
    for column in ["联系人", "联系电话", "企业规模", "职工人数", "所属大类", "所属行业", "状态"]:
        assert column in header
    assert rows[0]["所属区"] == "诸暨市" and rows[0]["所属乡镇"] == "暨阳街道" and rows[0]["状态"] == "未复工"
    assert AuditEntry.objects.get(action="enterprise.export").after["rows"] == 1


def test_export_follows_the_list_filters(client, world):
    _login(client, world, "task_force")
    services.change_status(world.users["task_force"], world.firm_b, EnterpriseStatus.RESUMED, "复工")
    response = client.get(
        reverse("enterprises:export"),
        {"status": "resumed", "town": "", "tags": ["is_listed", "is_key_exporter"]},
    )
    assert read_xlsx(b"".join(response.streaming_content)) == []
    response = client.get(reverse("enterprises:export"), {"status": "resumed", "town": ""})
    assert [row["单位名称"] for row in read_xlsx(b"".join(response.streaming_content))] == [world.firm_b.name]
    filters = [
        e.after["filters"] for e in AuditEntry.objects.filter(action="enterprise.export").order_by("id")
    ]
    # By the labels and values the page shows; the empty town is no filter.
    assert filters == [{"状态": "已复工", "重点标签": ["上市企业", "重点外贸企业"]}, {"状态": "已复工"}]


@pytest.mark.parametrize("who", ["grid_a", "ent_a", "gate_a", "employee_a"])
def test_export_needs_the_capability(client, world, who):
    _login(client, world, who)
    assert client.get(reverse("enterprises:export")).status_code == 403


def test_employee_may_not_open_the_register(client, world):
    _login(client, world, "employee_a")
    assert client.get(reverse("enterprises:list")).status_code == 403


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_filters_and_htmx_partial(client, world):
    _login(client, world, "task_force")
    services.update_enterprise(world.users["task_force"], world.firm_b, {"is_key_exporter": True}, 1)
    response = client.get(reverse("enterprises:list"), {"tags": ["is_key_exporter"]}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content and 'id="results"' in content
    assert _names_in(response.content, world) == {"firm_b"}
    response = client.get(reverse("enterprises:list"), {"town": world.town_a.pk})
    assert _names_in(response.content, world) == {"firm_a"}
    assert 'class="status status-not_resumed"' in response.content.decode()


def test_list_cannot_be_widened_by_a_foreign_town_filter(client, world):
    _login(client, world, "town_a")
    response = client.get(reverse("enterprises:list"), {"town": world.town_b.pk})
    assert _names_in(response.content, world) == {"firm_a"}


def test_detail_shows_fields_history_and_part_sections(client, world):
    services.change_status(world.users["town_a"], world.firm_a, EnterpriseStatus.RESUMED, "核准复工")
    _login(client, world, "town_a")
    content = client.get(reverse("enterprises:detail", args=[world.firm_a.pk])).content.decode()
    assert world.firm_a.uscc in content and "核准复工" in content
    for section in [
        "team",
        "zones",
        "grid-units",
        "dorm-rooms",
        "canteen-sittings",
        "shuttle-routes",
        "isolation-rooms",
        "gates",
    ]:
        assert f'id="part-{section}"' in content
    assert 'id="status-form"' in content


def test_detail_has_no_status_form_for_the_firm_itself(client, world):
    _login(client, world, "ent_a")
    content = client.get(reverse("enterprises:detail", args=[world.firm_a.pk])).content.decode()
    assert 'id="status-form"' not in content


def _form_post(firm_or_none, **overrides):
    data = {
        "name": "诸暨页面新建有限公司",
        "uscc": make_uscc(321),
        "legal_representative": "周强",
        "address": "页面路1号",
        "normal_headcount": "10",
        "normal_daily_output": "1.5",
    }
    data.update(overrides)
    return data


def test_create_page_saves_a_valid_firm(client, world):
    _login(client, world, "town_a")
    from fugong.accounts.models import Department

    data = _form_post(None, town=world.town_a.pk, department=Department.objects.get(code="industry").pk)
    response = client.post(reverse("enterprises:create"), data)
    firm = Enterprise.objects.get(uscc=make_uscc(321))
    assert response.status_code == 302 and response["Location"] == reverse(
        "enterprises:detail", args=[firm.pk]
    )


def test_create_page_shows_chinese_errors_and_saves_nothing(client, world):
    _login(client, world, "town_a")
    from fugong.accounts.models import Department

    bad_code = make_uscc(321)[:-1] + ("0" if make_uscc(321)[-1] != "0" else "1")
    data = _form_post(
        None, uscc=bad_code, town=world.town_a.pk, department=Department.objects.get(code="industry").pk
    )
    response = client.post(reverse("enterprises:create"), data)
    assert response.status_code == 200
    assert "统一社会信用代码校验位错误" in response.content.decode()
    assert not Enterprise.objects.filter(name="诸暨页面新建有限公司").exists()


def test_create_page_offers_only_own_towns(client, world):
    _login(client, world, "town_a")
    content = client.get(reverse("enterprises:create")).content.decode()
    assert "暨阳街道" in content and "店口镇" not in content and "府山街道" not in content


def test_enterprise_officer_edit_form_has_no_government_fields(client, world):
    _login(client, world, "ent_a")
    response = client.get(reverse("enterprises:edit", args=[world.firm_a.pk]))
    content = response.content.decode()
    assert 'name="address"' in content and 'name="version"' in content
    assert 'name="town"' not in content and 'name="is_key_exporter"' not in content
    # Fields smuggled into the post are not in the form and so never reach the service.
    response = client.post(
        reverse("enterprises:edit", args=[world.firm_a.pk]),
        {
            "address": "企业自改地址",
            "normal_headcount": "99",
            "normal_daily_output": "20",
            "version": "1",
            "town": world.town_b.pk,
            "is_key_exporter": "on",
        },
    )
    assert response.status_code == 302
    world.firm_a.refresh_from_db()
    assert (
        world.firm_a.address == "企业自改地址"
        and world.firm_a.town == world.town_a
        and not world.firm_a.is_key_exporter
    )


def test_town_officer_edits_local_tags_and_the_firm_page_shows_them(client, world):
    _login(client, world, "town_a")
    url = reverse("enterprises:edit", args=[world.firm_a.pk])
    form = client.get(url).content.decode()
    assert 'name="local_tags"' in form
    response = client.post(
        url,
        {
            "name": world.firm_a.name,
            "uscc": world.firm_a.uscc,
            "legal_representative": world.firm_a.legal_representative,
            "address": world.firm_a.address,
            "town": world.town_a.pk,
            "department": world.firm_a.department_id,
            "normal_headcount": "10",
            "normal_daily_output": "1",
            "local_tags": "高新技术企业、节水标杆",
            "version": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()
    world.firm_a.refresh_from_db()
    assert world.firm_a.local_tags == ["高新技术企业", "节水标杆"]
    page = client.get(reverse("enterprises:detail", args=[world.firm_a.pk])).content.decode()
    assert "高新技术企业" in page and "节水标杆" in page
    # The edit form shows them back as one line.
    assert "高新技术企业、节水标杆" in client.get(url).content.decode()
    # The firm's own officer sees them but cannot edit them.
    _login(client, world, "ent_a")
    assert 'name="local_tags"' not in client.get(url).content.decode()


def test_enterprise_officer_cannot_open_another_firms_edit_page(client, world):
    _login(client, world, "ent_a")
    assert client.get(reverse("enterprises:edit", args=[world.firm_b.pk])).status_code == 404


@pytest.mark.parametrize("who", ["dept_industry", "inspector", "grid_a", "gate_a"])
def test_edit_needs_the_capability(client, world, who):
    _login(client, world, who)
    assert client.get(reverse("enterprises:edit", args=[world.firm_a.pk])).status_code == 403


def test_edit_page_refuses_a_stale_version(client, world):
    _login(client, world, "ent_a")
    services.update_enterprise(world.users["town_a"], world.firm_a, {"address": "镇街先改"}, 1)
    response = client.post(
        reverse("enterprises:edit", args=[world.firm_a.pk]),
        {"address": "企业后改", "normal_headcount": "99", "normal_daily_output": "20", "version": "1"},
    )
    assert response.status_code == 200 and "已被他人修改" in response.content.decode()
    world.firm_a.refresh_from_db()
    assert world.firm_a.address == "镇街先改"


def test_status_form_changes_status_or_explains_refusal(client, world):
    _login(client, world, "town_a")
    url = reverse("enterprises:status", args=[world.firm_a.pk])
    response = client.post(url, {"status": "sealed", "reason": "发现病例", "version": "1"}, follow=True)
    assert "不能从「未复工」变更为「封闭」" in response.content.decode()
    client.post(url, {"status": "resumed", "reason": "核准复工", "version": "1"})
    world.firm_a.refresh_from_db()
    assert world.firm_a.status == EnterpriseStatus.RESUMED
    assert EnterpriseStatusChange.objects.filter(enterprise=world.firm_a).count() == 1


def test_status_post_is_refused_outside_scope_and_without_capability(client, world):
    _login(client, world, "town_a")
    assert (
        client.post(
            reverse("enterprises:status", args=[world.firm_b.pk]),
            {"status": "resumed", "reason": "x", "version": "1"},
        ).status_code
        == 404
    )
    _login(client, world, "ent_a")
    assert (
        client.post(
            reverse("enterprises:status", args=[world.firm_a.pk]),
            {"status": "resumed", "reason": "x", "version": "1"},
        ).status_code
        == 403
    )


def test_import_page_lists_bad_rows_and_saves_nothing(client, world):
    _login(client, world, "town_a")
    upload = make_xlsx([import_row(1), import_row(2, 法定代表人="")])
    response = client.post(reverse("enterprises:import"), {"file": upload, "on_duplicate": "error"})
    content = response.content.decode()
    assert "行号" in content and "字段" in content and "原因" in content
    assert "<td>3</td><td>法定代表人</td><td>法定代表人不能为空</td>" in content
    assert not Enterprise.objects.filter(name__startswith="诸暨导入测试").exists()


def test_import_page_creates_all_rows(client, world):
    _login(client, world, "town_a")
    response = client.post(
        reverse("enterprises:import"),
        {"file": make_xlsx([import_row(1), import_row(2)]), "on_duplicate": "error"},
    )
    assert 'id="import-result"' in response.content.decode()
    assert Enterprise.objects.filter(name__startswith="诸暨导入测试").count() == 2


def test_import_page_refuses_other_file_types(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, world, "town_a")
    upload = SimpleUploadedFile("firms.csv", b"a,b\n", content_type="text/csv")
    response = client.post(reverse("enterprises:import"), {"file": upload, "on_duplicate": "error"})
    assert ".xlsx" in response.content.decode() and response.status_code == 200


def test_import_template_download(client, world):
    _login(client, world, "town_a")
    response = client.get(reverse("enterprises:import_template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    _login(client, world, "inspector")
    assert client.get(reverse("enterprises:import_template")).status_code == 403
