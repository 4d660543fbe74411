"""N1 — 长春净月潭度假区《统筹推进工业企业疫情防控和有序启动复工复产实施方案（试行）》, April 2022.

Source text: shared/seeds/001_b2923501d4a275de.txt. Each value's quotation is in ``sources``.
"""

from fugong.policy.presets.n0_zhuji_2020 import FEVER_SOURCE

PRESET = {
    "key": "N1_changchun_2022",
    "notice": "N1",
    "name": "长春净月潭度假区工业企业复工复产实施方案（2022）",
    "issuer": "度假区统筹疫情防控和工业企业复工复产工作专班",
    "issued": "2022年4月",
    "source_file": "seeds/001_b2923501d4a275de.txt",
    "parameters": {
        "pre_exit_nucleic_valid_hours": 48,
        "pre_exit_antigen_required": True,
        "buffer_zone_requires_negative_nucleic": True,
        "fever_threshold_c": 37.3,
        "nucleic_test_interval_days": 3,
        "antigen_daily": True,
        "resumption_modes_allowed": ["closed_in_plant"],
        "max_people_per_car": 3,
        "required_application_documents": [
            "commitment_letter",
            "emergency_plan",
            "resumption_plan",
            "returning_staff_statistics",
            "operations_manual",
        ],
        "review_chain": [
            {
                "key": "development_filing",
                "name": "区发改局备案",
                "participants": ["dept:development"],
                "mode": "any",
            },
            {
                "key": "onsite_guidance",
                "name": "教卫健局、应急局、消防大队及属地乡镇实地服务督导",
                "participants": ["dept:health", "dept:emergency", "dept:fire", "town"],
                "mode": "all",
            },
            {
                "key": "reported_to_city",
                "name": "上报市工信局",
                "participants": ["task_force"],
                "mode": "any",
            },
            {
                "key": "commitment_signed",
                "name": "企业出具履行主体责任承诺书",
                "participants": ["enterprise"],
                "mode": "any",
            },
        ],
    },
    "sources": {
        "pre_exit_nucleic_valid_hours": "五、（一）：持有48小时内核酸阴性检测报告及现场检测抗原阴性的，相关社区、卡点要立即放行",
        "pre_exit_antigen_required": "五、（一）：持有48小时内核酸阴性检测报告及现场检测抗原阴性的",
        "buffer_zone_requires_negative_nucleic": (
            "五、（二）：所有员工返回工厂后，要进入工厂单独设置的缓冲区，由区教卫健局组织进行核酸检测，呈阴性的方可返岗复工"
        ),
        "fever_threshold_c": FEVER_SOURCE,
        "nucleic_test_interval_days": "七、（二）：每3天组织1次全员核酸检测",
        "antigen_daily": "七、（二）：每天企业自行组织1次抗原试剂检测",
        "resumption_modes_allowed": (
            "三、企业复工复产标准：在当前疫情防控形势下，采取封闭驻厂方式推动相关企业复工复产；疫情防控形势好转后，适时进行调整，"
            "允许企业采取“点对点”通勤方式（调整时发布新版本）"
        ),
        "max_people_per_car": "六、（一）：每台车辆乘坐员工不超过3人（包括驾驶员）",
        "required_application_documents": (
            "四、（一）（二）：复工复产工作方案（附件3 参考模板）；附件3 二、《返岗员工统计明细表》（附件5）；"
            "附件3 五、《防疫规范操作手册》；附件3 九、《疫情应急处置预案》；四、（四）履行主体责任承诺书"
        ),
        "review_chain": (
            "四、（二）：向区发改局上报复工复产工作方案；（三）区发改局备案，并会同区教卫健局、应急局、消防大队及属地乡镇，"
            "开展实地服务、督导，并上报市工信局；（四）相关企业向度假区管委会出具履行主体责任承诺书"
        ),
    },
    "risk_areas": [],
    "no_return_areas": [],
}
