from fugong.enterprises.models import IndustryClass


def test_all_97_divisions_of_gbt4754_2017_are_loaded(db):
    codes = list(IndustryClass.objects.order_by("code").values_list("code", flat=True))
    assert codes == [f"{i:02d}" for i in range(1, 98)]
    sections = set(IndustryClass.objects.values_list("section", flat=True))
    assert sections == set("ABCDEFGHIJKLMNOPQRST")


def test_division_names_and_sections_follow_the_standard(db):
    expected = {
        "01": ("A", "农、林、牧、渔业", "农业"),
        "05": ("A", "农、林、牧、渔业", "农、林、牧、渔专业及辅助性活动"),
        "11": ("B", "采矿业", "开采专业及辅助性活动"),
        "17": ("C", "制造业", "纺织业"),
        "27": ("C", "制造业", "医药制造业"),
        "43": ("C", "制造业", "金属制品、机械和设备修理业"),
        "44": ("D", "电力、热力、燃气及水生产和供应业", "电力、热力生产和供应业"),
        "58": ("G", "交通运输、仓储和邮政业", "多式联运和运输代理业"),
        "65": ("I", "信息传输、软件和信息技术服务业", "软件和信息技术服务业"),
        "79": ("N", "水利、环境和公共设施管理业", "土地管理业"),
        "96": ("S", "公共管理、社会保障和社会组织", "基层群众自治组织及其他组织"),
        "97": ("T", "国际组织", "国际组织"),
    }
    for code, (section, section_name, name) in expected.items():
        row = IndustryClass.objects.get(code=code)
        assert (row.section, row.section_name, row.name) == (section, section_name, name)
    # Manufacturing is divisions 13–43.
    assert set(IndustryClass.objects.filter(section="C").values_list("code", flat=True)) == {
        str(i) for i in range(13, 44)
    }
