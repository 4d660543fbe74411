"""Pages: everyone with policy.view reads the rules over them; only the governing task force edits."""

import datetime as dt

import pytest
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.policy.models import NoReturnArea, Policy, RiskArea
from fugong.policy.services import apply_preset

D = dt.date


def client_for(client, world, who):
    client.force_login(world.users[who])
    return client


def form_data(policy, **overrides):
    """What the edit page posts back when nothing is touched, as a browser would send it."""
    from fugong.policy.forms import PolicyVersionForm

    form = PolicyVersionForm(
        params=policy.latest_version().params, initial={"based_on_version": policy.latest_number}
    )
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    data.update(overrides)
    return data


@pytest.mark.parametrize("who", ["task_force", "town_a", "inspector", "dept_health", "grid_a"])
def test_officers_see_the_policy_over_them(client, world, county_policy, who):
    response = client_for(client, world, who).get(reverse("policy:index"), {"date": "2020-02-15"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "诸暨市复工复产防控政策" in body and "外地返岗人员隔离观察天数" in body
    assert "湖北省" in body and "四必须防控承诺" in body
    assert "必须严格落实绍外返工人员不少于14天的企业自身隔离医学观察措施" in body


def test_town_sees_inherited_note_and_no_edit_button(client, world, county_policy):
    body = (
        client_for(client, world, "town_a")
        .get(reverse("policy:index"), {"date": "2020-02-15"})
        .content.decode()
    )
    assert "沿用上级「诸暨市」的政策" in body
    assert reverse("policy:edit", args=[county_policy.pk]) not in body


def test_task_force_sees_edit_button(client, world, county_policy):
    body = client_for(client, world, "task_force").get(reverse("policy:index")).content.decode()
    assert reverse("policy:edit", args=[county_policy.pk]) in body


def test_enterprise_roles_have_no_policy_pages(client, world, county_policy):
    assert client_for(client, world, "ent_a").get(reverse("policy:index")).status_code == 403


def test_anonymous_is_sent_to_login(client, county_policy):
    response = client.get(reverse("policy:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_another_countys_region_is_not_found(client, world, county_policy):
    c = client_for(client, world, "outsider")
    assert c.get(reverse("policy:index"), {"region": world.town_a.code}).status_code == 404
    assert c.get(reverse("policy:history", args=[county_policy.pk])).status_code == 404
    assert c.get(reverse("policy:areas", args=[county_policy.pk])).status_code == 404
    body = c.get(reverse("policy:index")).content.decode()
    assert "没有生效的防控政策" in body


def test_edit_page_permissions(client, world, county_policy):
    url = reverse("policy:edit", args=[county_policy.pk])
    assert client_for(client, world, "task_force").get(url).status_code == 200
    assert client_for(client, world, "town_a").get(url).status_code == 403
    assert client_for(client, world, "inspector").get(url).status_code == 403
    assert client_for(client, world, "task_force_outside").get(url).status_code == 404


def test_county_task_force_cannot_edit_the_city_policy(client, world, county_policy):
    city = apply_preset(world.city, "N3", effective_from=D(2021, 1, 7))
    c = client_for(client, world, "task_force")
    assert c.get(reverse("policy:history", args=[city.pk])).status_code == 200  # it lives under it
    assert c.get(reverse("policy:edit", args=[city.pk])).status_code == 403


def test_task_force_publishes_a_new_version(client, world, county_policy, today):
    c = client_for(client, world, "task_force")
    later = today + dt.timedelta(days=3)
    data = form_data(
        county_policy,
        isolation_days_out_of_region="7",
        effective_from=later.isoformat(),
        note="指挥部第5次会议",
    )
    response = c.post(reverse("policy:edit", args=[county_policy.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    county_policy.refresh_from_db()
    v2 = county_policy.latest_version()
    assert (v2.number, v2.effective_from, v2.note) == (2, later, "指挥部第5次会议")
    assert v2.params.isolation_days_out_of_region == 7
    # Untouched fields came through unchanged, structured ones included.
    v1 = county_policy.versions.get(number=1)
    assert v2.params.review_chain == v1.params.review_chain
    assert v2.params.commitments == v1.params.commitments
    assert v2.params.priority_factors == v1.params.priority_factors
    assert AuditEntry.objects.filter(action="policy.version.create", actor=world.users["task_force"]).exists()
    history = c.get(reverse("policy:history", args=[county_policy.pk])).content.decode()
    assert 'data-changed="isolation_days_out_of_region"' in history and "指挥部第5次会议" in history


def test_form_shows_chinese_errors_naming_the_field(client, world, county_policy, today):
    c = client_for(client, world, "task_force")
    data = form_data(county_policy, isolation_days_out_of_region="90", effective_from="2020-01-01", note="x")
    response = c.post(reverse("policy:edit", args=[county_policy.pk]), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "「外地返岗人员隔离观察天数」须为 0 至 60 之间的整数（单位：天）。" in body
    assert county_policy.versions.count() == 1


def test_form_rejects_past_date(client, world, county_policy):
    c = client_for(client, world, "task_force")
    data = form_data(
        county_policy, isolation_days_out_of_region="7", effective_from="2020-03-01", note="补录"
    )
    body = c.post(reverse("policy:edit", args=[county_policy.pk]), data).content.decode()
    assert "「生效日期」不得早于今天" in body
    assert county_policy.versions.count() == 1


def test_stale_form_is_refused_on_the_page(client, world, county_policy, today):
    c = client_for(client, world, "task_force")
    first = form_data(county_policy, pre_report_lead_days="3", effective_from=today.isoformat(), note="甲")
    second = form_data(county_policy, pre_report_lead_days="4", effective_from=today.isoformat(), note="乙")
    assert c.post(reverse("policy:edit", args=[county_policy.pk]), first).status_code == 302
    response = c.post(reverse("policy:edit", args=[county_policy.pk]), second)
    assert response.status_code == 200
    assert "更新为第2版" in response.content.decode()
    assert county_policy.versions.count() == 2


def test_bad_review_step_is_named_by_step_and_field(client, world, county_policy, today):
    c = client_for(client, world, "task_force")
    data = form_data(county_policy, effective_from=today.isoformat(), note="x")
    data["review_chain-2-key"] = "Task Force"  # step 3 of N0's chain
    body = c.post(reverse("policy:edit", args=[county_policy.pk]), data).content.decode()
    assert "「审批流程」第3步：环节代码 key 须为小写英文字母开头的字母、数字或下划线。" in body
    assert 'href="#id_review_chain-2-key"' in body
    assert county_policy.versions.count() == 1


def test_edit_prefilled_from_preset(client, world, county_policy):
    c = client_for(client, world, "task_force")
    body = c.get(reverse("policy:edit", args=[county_policy.pk]), {"preset": "N2"}).content.decode()
    assert "以下为预设「包头市工业企业疫情防控和复工复产紧急通知（2020）」的参数" in body
    assert 'value="2020-02-10T00:00"' in body


def test_apply_page_for_a_town_override(client, world, county_policy, today):
    c = client_for(client, world, "task_force")
    assert c.get(reverse("policy:apply"), {"region": world.town_b.code}).status_code == 200
    response = c.post(
        reverse("policy:apply"),
        {"region": world.town_b.pk, "preset": "N2_baotou_2020", "effective_from": today.isoformat()},
    )
    assert response.status_code == 302
    assert Policy.objects.get(region=world.town_b).latest_version().preset_key == "N2_baotou_2020"
    # Regions outside the task force's county are not offered.
    response = c.post(
        reverse("policy:apply"),
        {"region": world.other_town.pk, "preset": "N0", "effective_from": today.isoformat()},
    )
    assert response.status_code == 200 and not Policy.objects.filter(region=world.other_town).exists()
    assert client_for(client, world, "town_a").get(reverse("policy:apply")).status_code == 403


def test_areas_page_add_and_end(client, world, county_policy, today):
    c = client_for(client, world, "task_force")
    url = reverse("policy:areas", args=[county_policy.pk])
    response = c.post(
        url,
        {
            "kind": "risk",
            "risk-region_code": "420100",
            "risk-name": "武汉市",
            "risk-level": "high",
            "risk-valid_from": "2020-02-01",
            "risk-source": "国家卫健委",
        },
    )
    assert response.status_code == 302
    area = RiskArea.objects.get(policy=county_policy)
    assert area.region_code == "4201" and area.created_by == world.users["task_force"]
    response = c.post(reverse("policy:risk_area_end", args=[area.pk]), {"last_day": "2020-04-07"})
    assert response.status_code == 302
    area.refresh_from_db()
    assert area.valid_to == D(2020, 4, 7)
    body = c.get(url).content.decode()
    assert "武汉市" in body and "已截止" in body


def test_areas_page_shows_field_errors(client, world, county_policy):
    c = client_for(client, world, "task_force")
    url = reverse("policy:areas", args=[county_policy.pk])
    body = c.post(
        url,
        {
            "kind": "no_return",
            "noreturn-region_code": "湖北",
            "noreturn-name": "湖北省",
            "noreturn-valid_from": "2020-02-01",
        },
    ).content.decode()
    # The area is picked from a list; a value that is not a division code is refused by the field.
    assert "「地区」请从下拉列表中选择，或输入地名搜索后选择" in body
    assert NoReturnArea.objects.filter(policy=county_policy).count() == 1  # only the preset's


def test_town_cannot_add_or_end_areas(client, world, county_policy):
    c = client_for(client, world, "town_a")
    url = reverse("policy:areas", args=[county_policy.pk])
    assert c.get(url).status_code == 200
    assert (
        c.post(
            url,
            {
                "kind": "risk",
                "risk-region_code": "42",
                "risk-name": "湖北省",
                "risk-level": "high",
                "risk-valid_from": "2020-02-01",
            },
        ).status_code
        == 403
    )
    area = NoReturnArea.objects.get(policy=county_policy)
    assert (
        c.post(reverse("policy:no_return_area_end", args=[area.pk]), {"last_day": "2020-03-01"}).status_code
        == 403
    )
    outsider = client_for(client, world, "task_force_outside")
    assert (
        outsider.post(
            reverse("policy:no_return_area_end", args=[area.pk]), {"last_day": "2020-03-01"}
        ).status_code
        == 404
    )
    area.refresh_from_db()
    assert area.valid_to is None


def test_admin_shows_policy_read_only(client, county_policy):
    from fugong.accounts.models import User

    admin = User.objects.create_superuser("root", "", "pass-12345")
    client.force_login(admin)
    assert client.get(reverse("admin:policy_policy_changelist")).status_code == 200
    assert client.get(reverse("admin:policy_policy_change", args=[county_policy.pk])).status_code == 200
    assert client.get(reverse("admin:policy_checklistdefinition_changelist")).status_code == 200
    assert client.get(reverse("admin:policy_policyversion_add")).status_code == 403
    version = county_policy.versions.get()
    assert (
        client.post(
            reverse("admin:policy_policyversion_delete", args=[version.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
