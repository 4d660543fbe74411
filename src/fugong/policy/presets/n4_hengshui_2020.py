"""N4 — 衡水市工业和信息化局《工业企业复工复产和疫情防控工作督导推进实施方案》（衡工信〔2020〕3号）, 2020-02-26.

Source text: shared/seeds/004_7e0d20deca29b882.txt. Each value's quotation is in ``sources``.
"""

PRESET = {
    "key": "N4_hengshui_2020",
    "notice": "N4",
    "name": "衡水市工业企业复工复产和疫情防控督导推进方案（2020）",
    "issuer": "衡水市工业和信息化局",
    "issued": "2020年2月26日",
    "source_file": "seeds/004_7e0d20deca29b882.txt",
    "parameters": {
        "fever_threshold_c": 37.3,
        "temperature_checks_per_day": 2,
        "dorm_max_per_room": 6,
        "dorm_min_area_per_person_m2": 2.5,
        "required_checklists": ["N4_eight_workplace_measures"],
    },
    "sources": {
        "fever_threshold_c": (
            "序言：认真落实国务院应对新型冠状病毒感染肺炎疫情联系防控机制《企事业单位复工复产疫情防控措施指南》"
            "（该指南以 37.3℃ 判定发热）"
        ),
        "temperature_checks_per_day": (
            "一、（一）1．对处在隔离期间和入住集体宿舍的员工，每日进行2日[次]体温监测；一、（二）1．员工每次进入厂区必须检测体温"
        ),
        "dorm_max_per_room": "一、（二）5．员工集体宿舍原则上每间不超过6人",
        "dorm_min_area_per_person_m2": "一、（二）5．人均不少于2.5平方米",
        "required_checklists": "一、（二）督促企业做好工作场所防控 1–8",
    },
    "risk_areas": [],
    "no_return_areas": [],
}
