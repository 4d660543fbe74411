"""The departments a city's task force works with (块抓条保, the task force's member units), as rows not code."""

DEFAULT_DEPARTMENTS = [
    # code, name, cross_sector, is_industry
    ("industry", "经济和信息化局", False, True),
    ("health", "卫生健康局", True, False),
    ("development", "发展和改革局", True, True),
    ("emergency", "应急管理局", True, False),
    ("commerce", "商务局", False, True),
    ("transport", "交通运输局", False, True),
    ("construction", "住房和城乡建设局", False, True),
    ("agriculture", "农业农村局", False, True),
    ("market", "市场监督管理局", False, True),
    ("fire", "消防救援大队", True, False),
    ("culture_tourism", "文化广电旅游局", False, True),
]


def ensure_default_departments(department_model=None) -> None:
    if department_model is None:
        from fugong.accounts.models import Department as department_model
    for code, name, cross_sector, is_industry in DEFAULT_DEPARTMENTS:
        department_model.objects.get_or_create(
            code=code, defaults={"name": name, "cross_sector": cross_sector, "is_industry": is_industry}
        )
