"""The forms that once took typed division codes now take a picked place: the picked code is what gets
saved, labels are words, a picked place names an empty place field, and the page shows the current
value by name in server-rendered selects (which also work without script)."""

import html as htmlmod
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fugong.policy.models import Policy, RiskArea
from fugong.regions.catalog import NATION
from fugong.regions.models import RegionLevel
from fugong.regions.widgets import RegionField
from fugong.workforce.models import CheckpointArrival, Employee
from tests.regions.division_data import write_division_csvs
from tests.workforce.conftest import days_ago, make_employee, use_preset, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def nation(tmp_path, settings):
    return write_division_csvs(tmp_path, settings)


def page_of(response, status=200):
    assert response.status_code == status, response.status_code
    return htmlmod.unescape(response.content.decode())


def selected(page, select_id):
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, select_id
    return re.findall(r'<option value="([^"]*)" selected>', match.group(1))


def employee_data(**extra):
    return {"name": "周九", "id_number": valid_id(), "phone": "13900001111", **extra}


def test_employee_form_saves_the_picked_places(client, world, nation):
    client.force_login(world.users["ent_a"])
    data = employee_data(
        residence_region=world.town_b.code,
        left_locality="on",
        left_on=days_ago(12).isoformat(),
        destination_code="330881001",
        return_from_code="420102",
    )
    response = client.post(reverse("workforce:employee_create"), data)
    assert response.status_code == 302, page_of(response, response.status_code)
    person = Employee.objects.get(name="周九")
    assert person.residence_region == world.town_b
    assert person.destination_code == "330881001" and person.return_from_code == "420102"
    # The names left empty were taken from the picks.
    assert person.destination == "衢州市江山市双塔街道" and person.return_from == "武汉市江岸区"


def test_without_script_the_deepest_consistent_select_wins(client, world, nation):
    client.force_login(world.users["ent_a"])
    # The hidden input still holds the old value; the county was changed, the town select is stale.
    data = employee_data(
        residence_region=world.town_a.code,
        residence_region__1="33",
        residence_region__2="3306",
        residence_region__3="330602",
        residence_region__4=world.town_a.code,
    )
    assert client.post(reverse("workforce:employee_create"), data).status_code == 302
    assert Employee.objects.get(name="周九").residence_region == world.other_county


def test_edit_page_shows_the_places_by_name_in_selects(client, world, nation):
    person = make_employee(
        world.firm_a, name="吴庚", residence_region=world.town_b.code, destination_code="330881001"
    )
    client.force_login(world.users["ent_a"])
    page = page_of(client.get(reverse("workforce:employee_edit", args=[person.pk])))
    assert "区划代码" not in page
    assert '<label for="id_residence_region_1">居住地' in page
    assert '<label for="id_destination_code_1">所赴地' in page
    assert '<label for="id_return_from_code_1">返程出发地' in page
    assert [selected(page, f"id_residence_region_{n}") for n in (1, 2, 3, 4)] == [
        ["33"],
        ["3306"],
        ["330681"],
        [world.town_b.code],
    ]
    assert "已选：浙江省 / 绍兴市 / 诸暨市 / 店口镇" in page
    assert "已选：浙江省 / 衢州市 / 江山市 / 双塔街道" in page
    # One more select under the deepest pick, for its villages.
    assert selected(page, "id_destination_code_5") == []
    assert "民声社区居委会" in page
    assert 'name="destination_code" id="id_destination_code" value="330881001"' in page
    assert "fugong/region_picker.js" in page and "fugong/region_picker.css" in page


def test_an_unchanged_edit_keeps_names_as_they_were(client, world, nation):
    person = make_employee(world.firm_a, name="吴庚", destination_code="4201", destination="")
    client.force_login(world.users["ent_a"])
    data = {
        "name": "吴庚",
        "phone": person.phone,
        "destination_code": "4201",
        "version": person.version,
    }
    assert client.post(reverse("workforce:employee_edit", args=[person.pk]), data).status_code == 302
    person.refresh_from_db()
    assert person.destination == "" and person.destination_code == "4201"


def test_travel_row_saves_the_picked_place_and_names_it(client, world, nation):
    person = make_employee(world.firm_a, name="王甲")
    client.force_login(world.users["ent_a"])
    url = reverse("workforce:employee_travel", args=[person.pk])
    page = page_of(client.get(url))
    assert '<label for="id_stops-0-region_code_1">地区' in page and "区划代码" not in page
    data = {
        "version": str(person.version),
        "stops-TOTAL_FORMS": "1",
        "stops-INITIAL_FORMS": "0",
        "contacts-TOTAL_FORMS": "0",
        "contacts-INITIAL_FORMS": "0",
        "stops-0-region_code": "420102002",
        "stops-0-place": "",
        "stops-0-from_date": days_ago(6).isoformat(),
        "stops-0-to_date": days_ago(4).isoformat(),
    }
    assert client.post(url, data).status_code == 302
    stop = person.travel_stops.get()
    assert (stop.region_code, stop.place) == ("420102002", "武汉市江岸区大智街道")
    page = page_of(client.get(url))
    assert "已选：湖北省 / 武汉市 / 江岸区 / 大智街道" in page


def test_checkpoint_source_is_a_county_at_least(client, world, nation):
    client.force_login(world.users["town_a"])
    checkpoint = reverse("workforce:checkpoint")
    first = page_of(client.get(checkpoint))
    assert '<label for="id_came_from_code_1">来源地' in first and "区划代码" not in first
    key = re.search(r'name="client_key" value="([^"]+)"', first).group(1)
    data = {"checkpoint": "诸暨高速出口", "name": "张三", "id_number": valid_id(), "client_key": key}
    response = client.post(checkpoint, {**data, "came_from_code": "42"})
    assert "「来源地」请至少选到区县一级" in page_of(response, 400)
    assert not CheckpointArrival.objects.exists()
    client.post(checkpoint, {**data, "came_from_code": "420102"})
    arrival = CheckpointArrival.objects.get()
    assert (arrival.came_from_code, arrival.came_from) == ("420102", "武汉市江岸区")


def test_risk_area_form_saves_a_national_pick(client, world, nation):
    use_preset(world, "N0")
    policy = Policy.objects.get(region=world.county)
    client.force_login(world.users["task_force"])
    url = reverse("policy:areas", args=[policy.pk])
    page = page_of(client.get(url))
    assert '<label for="id_risk-region_code_1">地区' in page
    assert '<label for="id_noreturn-region_code_1">地区' in page
    data = {"kind": "risk", "risk-region_code": "4201", "risk-level": "high", "risk-valid_from": "2020-02-01"}
    assert client.post(url, data).status_code == 302
    area = RiskArea.objects.get(policy=policy, region_code="4201")
    assert area.name == "武汉市"


def test_region_field_messages_name_the_field():
    field = RegionField(label="来源地", source=NATION, min_level=RegionLevel.COUNTY, required=False)
    assert field.clean("") == ""
    assert field.clean("420102000") == "420102"  # the padded form is stored short
    for value, message in (
        ("湖北", "「来源地」请从下拉列表中选择，或输入地名搜索后选择"),
        ("4201", "「来源地」请至少选到区县一级"),
    ):
        with pytest.raises(ValidationError) as exc:
            field.clean(value)
        assert exc.value.messages == [message]
    required = RegionField(label="地区", source=NATION, required=True)
    with pytest.raises(ValidationError) as exc:
        required.clean("")
    assert exc.value.messages == ["请选择「地区」"]
