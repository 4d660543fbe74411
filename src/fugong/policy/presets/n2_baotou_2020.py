"""N2 — 包头市工业领域疫情防控工作组《关于进一步做好全市工业企业疫情防控和复工复产工作的紧急通知》, Feb 2020.

Source text: shared/seeds/002_1bd094d72351d70d.txt. Each value's quotation is in ``sources``.
"""

from fugong.policy.presets.n0_zhuji_2020 import FEVER_SOURCE

PRESET = {
    "key": "N2_baotou_2020",
    "notice": "N2",
    "name": "包头市工业企业疫情防控和复工复产紧急通知（2020）",
    "issuer": "包头市新型冠状病毒感染肺炎防控工作指挥部工业领域疫情防控工作组",
    "issued": "2020年2月",
    "source_file": "seeds/002_1bd094d72351d70d.txt",
    "parameters": {
        "isolation_days_out_of_region": 14,
        "observation_point_required_for_hard_hit_returners": True,
        "symptomatic_isolated": True,
        "fever_threshold_c": 37.3,
        "temperature_checks_per_day": 2,
        # 2月9日24时 is the first instant of 10 February, Beijing time.
        "earliest_resumption_at": "2020-02-10T00:00:00+08:00",
        "essential_sectors_exempt": ["essential_public_service", "epidemic_supplies", "daily_necessities"],
        "early_resumption_needs_approval": True,
        "disinfection_areas": [
            "workshop",
            "office",
            "dormitory",
            "canteen",
            "isolation_site",
            "commuter_vehicle",
        ],
        "disinfection_rounds": ["before_work", "after_work"],
        "required_application_documents": ["emergency_plan", "resumption_plan", "risk_assessment"],
        "required_checklists": ["N2_double_control_test_isolation", "N2_six_must_disinfect"],
    },
    "sources": {
        "isolation_days_out_of_region": "二、（二）“双隔离”：外地返岗人员坚决执行14天隔离期",
        "observation_point_required_for_hard_hit_returners": (
            "二、（四）设置固定观察点：企业在尚未落实防疫隔离观察点的情况下，原则上不得允许员工从湖北（武汉）"
            "等省内外疫情较重地区返岗"
        ),
        "symptomatic_isolated": "二、（二）“双隔离”：企业设立隔离区，外地返岗员工和体温检测异常员工实施隔离观察",
        "fever_threshold_c": FEVER_SOURCE,
        "temperature_checks_per_day": "二、（二）“双测”：即每天要对上岗员工进行2次体温检测",
        "earliest_resumption_at": "二、企业复产时间不早于2月9日24时",
        "essential_sectors_exempt": (
            "二、除涉及保障公共事业运行必需、疫情防控必需、群众生活必需等重要国计民生的相关企业外，"
            "企业复产时间不早于2月9日24时"
        ),
        "early_resumption_needs_approval": "二、（一）有重要和紧急任务需要提前开工的，经当地防控指挥部批准可以提前复工",
        "disinfection_areas": (
            "二、（五）“六个必消”：车间工作区必消、办公室必消、宿舍区必消、餐厅食堂必消、隔离场所必消、通勤车辆必消"
        ),
        "disinfection_rounds": "二、（五）每日在上班前、下班后……必消",
        "required_application_documents": (
            "二、（一）制定复工预案。明确复工时间、复工范围（产线）、返岗人员、防疫制度和责任分工，"
            "并……对复工后面临的风险进行评估。对各类突发状况，特别是疫情突发状况制定预案"
        ),
        "required_checklists": "二、（二）“双控双测双隔离”；二、（五）“六个必消”",
    },
    "risk_areas": [
        {
            "region_code": "42",
            "name": "湖北省",
            "level": "high",
            "source": "N2 二、（四）湖北（武汉）等省内外疫情较重地区",
        },
    ],
    "no_return_areas": [],
}
