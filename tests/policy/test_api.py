"""API: reads reach the user's region, its ancestors and subtree; writes need the governing task force."""

import datetime as dt

import pytest

from fugong.policy.models import PolicyVersion, RiskArea
from fugong.policy.services import apply_preset

D = dt.date
BASE = "/api/v1"


@pytest.fixture
def api(api_client, world):
    def as_user(who):
        api_client.force_authenticate(world.users[who])
        return api_client

    return as_user


def test_policies_listed_by_reach(api, world, county_policy):
    other = apply_preset(world.other_county, "N3", effective_from=D(2021, 1, 7))
    city = apply_preset(world.city, "N4", effective_from=D(2020, 2, 26))
    ids = lambda who: {p["id"] for p in api(who).get(f"{BASE}/policies/").json()["results"]}  # noqa: E731
    assert ids("task_force") == {county_policy.pk, city.pk}
    assert ids("town_a") == {county_policy.pk, city.pk}
    assert ids("outsider") == {other.pk, city.pk}
    assert api("outsider").get(f"{BASE}/policies/{county_policy.pk}/").status_code == 404
    assert api("ent_a").get(f"{BASE}/policies/").status_code == 403


def test_versions_endpoint(api, world, county_policy):
    rows = api("town_a").get(f"{BASE}/policies/{county_policy.pk}/versions/").json()
    assert [r["number"] for r in rows] == [1]
    assert rows[0]["parameters"]["isolation_days_out_of_region"] == 14
    listed = api("town_a").get(f"{BASE}/policy-versions/", {"in_force_on": "2020-02-15"}).json()["results"]
    assert [v["id"] for v in listed] == [county_policy.versions.get().pk]
    assert api("outsider").get(f"{BASE}/policy-versions/").json()["results"] == []


def test_resolved_policy_for_region_and_date(api, world, county_policy):
    body = (
        api("town_a")
        .get(f"{BASE}/policy-resolved/", {"region": world.town_a.code, "date": "2020-02-15"})
        .json()
    )
    assert body["source_region_code"] == "330681" and body["inherited"] is True
    assert body["version_id"] == county_policy.versions.get().pk
    assert body["parameters"]["temperature_checks_per_day"] == 2
    assert body["no_return_areas"][0]["region_code"] == "42"
    assert body["checklists"] == ["N0_four_musts", "N0_six_always"]
    # Defaults: the user's own region, today.
    assert api("town_a").get(f"{BASE}/policy-resolved/").json()["region_code"] == world.town_a.code


def test_resolved_policy_errors(api, world, county_policy):
    assert api("outsider").get(f"{BASE}/policy-resolved/", {"region": world.town_a.code}).status_code == 404
    response = api("town_a").get(f"{BASE}/policy-resolved/", {"date": "2019-12-01"})
    assert response.status_code == 404 and "没有生效的防控政策" in response.json()["error"]["message"]
    response = api("town_a").get(f"{BASE}/policy-resolved/", {"date": "15/02/2020"})
    assert response.status_code == 400 and "「日期」" in response.json()["error"]["fields"]["date"][0]


def test_task_force_creates_and_ends_risk_area(api, world, county_policy):
    payload = {
        "policy": county_policy.pk,
        "region_code": "420100",
        "name": "武汉市",
        "level": "high",
        "valid_from": "2020-02-01",
        "source": "国家卫健委",
    }
    response = api("task_force").post(f"{BASE}/risk-areas/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["region_code"] == "4201" and response.json()["level_display"] == "高风险"
    area_id = response.json()["id"]
    response = api("task_force").post(
        f"{BASE}/risk-areas/{area_id}/end/", {"last_day": "2020-04-07"}, format="json"
    )
    assert response.status_code == 200 and response.json()["valid_to"] == "2020-04-07"
    listed = api("town_a").get(f"{BASE}/risk-areas/", {"in_force_on": "2020-03-01"}).json()["results"]
    assert [a["id"] for a in listed] == [area_id]
    assert api("town_a").get(f"{BASE}/risk-areas/", {"in_force_on": "2020-04-08"}).json()["results"] == []


def test_risk_area_write_permissions(api, world, county_policy):
    payload = {
        "policy": county_policy.pk,
        "region_code": "42",
        "name": "湖北省",
        "level": "high",
        "valid_from": "2020-02-01",
    }
    assert api("town_a").post(f"{BASE}/risk-areas/", payload, format="json").status_code == 403
    # Another county's task force cannot even name the policy.
    response = api("task_force_outside").post(f"{BASE}/risk-areas/", payload, format="json")
    assert response.status_code == 400 and "policy" in response.json()["error"]["fields"]
    city = apply_preset(world.city, "N3", effective_from=D(2021, 1, 7))
    response = api("task_force").post(f"{BASE}/risk-areas/", {**payload, "policy": city.pk}, format="json")
    assert response.status_code == 403
    assert not RiskArea.objects.exists()


def test_risk_area_bad_input_is_chinese(api, world, county_policy):
    payload = {
        "policy": county_policy.pk,
        "region_code": "Hubei",
        "name": "湖北省",
        "level": "high",
        "valid_from": "2020-02-01",
        "valid_to": "2020-01-01",
    }
    response = api("task_force").post(f"{BASE}/risk-areas/", payload, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields["region_code"][0].startswith("「区划代码」") and fields["valid_to"][0].startswith(
        "「截止日期」"
    )


def test_new_version_via_api_and_conflict(api, world, county_policy, today):
    params = county_policy.latest_version().parameters
    url = f"{BASE}/policies/{county_policy.pk}/new-version/"
    body = {
        "based_on_version": 1,
        "effective_from": today.isoformat(),
        "parameters": {**params, "antigen_daily": True},
        "note": "加测抗原",
    }
    response = api("task_force").post(url, body, format="json")
    assert response.status_code == 201 and response.json()["number"] == 2
    response = api("task_force").post(url, {**body, "note": "重复提交"}, format="json")
    assert response.status_code == 409 and "更新为第2版" in response.json()["error"]["message"]
    assert api("town_a").post(url, body, format="json").status_code == 403
    response = api("task_force").post(
        url, {**body, "based_on_version": 2, "parameters": {"meal_group_max": 0}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["meal_group_max"][0].startswith("「聚餐人数上限（含本数）」")
    assert PolicyVersion.objects.filter(policy=county_policy).count() == 2


def test_checklists_and_parameter_specs(api, world):
    rows = api("inspector").get(f"{BASE}/checklists/").json()["results"]
    assert {r["key"] for r in rows} >= {"N3_five_haves_one_grid", "N4_eight_workplace_measures"}
    n3 = api("inspector").get(f"{BASE}/checklists/N3_five_haves_one_grid/").json()
    assert [i["code"] for i in n3["items"]][:2] == ["N3-5H-1", "N3-5H-2"]
    specs = api("inspector").get(f"{BASE}/policies/parameter-specs/").json()
    fever = next(s for s in specs if s["key"] == "fever_threshold_c")
    assert fever["label"] == "发热体温阈值（达到即异常）" and fever["unit"] == "℃"
    assert api("employee_a").get(f"{BASE}/checklists/").status_code == 403


def test_notices_and_presets_are_listed_with_sources(api, world, county_policy):
    codes = {n["code"] for n in api("town_a").get(f"{BASE}/notices/").json()["results"]}
    assert {"N0", "N1", "N2", "N3", "N4"} <= codes
    notice = api("town_a").get(f"{BASE}/notices/N2/").json()
    assert "六个必消" in notice["text"]
    keys = {p["key"] for p in api("town_a").get(f"{BASE}/presets/").json()["results"]}
    assert "N0_zhuji_2020" in keys
    version = api("town_a").get(f"{BASE}/policies/{county_policy.pk}/versions/").json()[0]
    assert version["provenance"]["isolation_days_out_of_region"]["section"] == "二、返岗阶段 3．分类管理"
    resolved = api("town_a").get(f"{BASE}/policy-resolved/", {"region": "330681001"}).json()
    assert resolved["sources"]["pre_report_lead_days"].startswith("《诸暨市企业复工和疫情防控实施方案》")


def test_preset_files_are_checked_loaded_and_applied_through_the_api(api, world, county_policy):
    from tests.test_sixth_city import CITY

    bad = api("task_force").post(
        f"{BASE}/presets/check/", {"content": CITY.replace("value: county", "value: moon")}
    )
    assert bad.status_code == 400
    assert "须为以下之一" in str(bad.json()["error"])
    checked = api("task_force").post(f"{BASE}/presets/check/", {"content": CITY, "region": "330681001"})
    assert checked.status_code == 200
    changed = {row["key"]: row for row in checked.json()["changes"]}
    assert changed["isolation_days_out_of_region"]["before"] == "14"
    # Towns and outsiders may read but not load.
    assert api("town_a").post(f"{BASE}/presets/", {"content": CITY}).status_code == 403
    today = dt.date.today().isoformat()
    refused = api("task_force_outside").post(
        f"{BASE}/presets/", {"content": CITY, "region": "330681001", "effective_from": today}
    )
    assert refused.status_code == 404
    from fugong.policy.models import Preset

    assert not Preset.objects.filter(key="demo_city_2026").exists()  # loaded and applied, or neither
    made = api("task_force").post(
        f"{BASE}/presets/", {"content": CITY, "region": "330681001", "effective_from": today}
    )
    assert made.status_code == 201, made.json()
    assert made.json()["notice"] == "LX2026"


def test_preview_and_export_of_a_policy(api, world, county_policy):
    latest = county_policy.latest_version()
    body = {
        "based_on_version": latest.number,
        "effective_from": dt.date.today().isoformat(),
        "parameters": {**latest.parameters, "isolation_days_out_of_region": 7},
        "note": "会议纪要",
    }
    impact = api("task_force").post(f"{BASE}/policies/{county_policy.pk}/preview/", body, format="json")
    assert impact.status_code == 200 and impact.json()["people_total"] == 0
    assert (
        api("town_a").post(f"{BASE}/policies/{county_policy.pk}/preview/", body, format="json").status_code
        == 403
    )
    exported = api("town_a").get(f"{BASE}/policies/{county_policy.pk}/export/")
    assert exported.status_code == 200 and "format: 1" in exported.content.decode()
    assert api("outsider").get(f"{BASE}/policies/{county_policy.pk}/export/").status_code == 404
