"""N0 — 诸暨市《关于进一步做好全市企业复工和疫情防控工作的实施方案》, February 2020.

Source text: shared/seeds/000_df0fd5db25f8cec5.txt. Each value's quotation is in ``sources``.
"""

FEVER_SOURCE = (
    "通知只写“发热”，未写数值；取全国通行的发热判定标准 37.3℃（国务院联防联控机制"
    "《企事业单位复工复产疫情防控措施指南》，SPEC §2）"
)

FOUR_MUSTS = [
    "必须成立由企业法人代表牵头的疫情防控工作小组，组成专班负责疫情防控工作，制订本企业疫情防控和复工方案",
    "必须严密落实各项防疫措施，做好完善的每日台账记录，自觉承担本企业防控责任和经费支出",
    "必须承诺疫期不新招收不符合疫控要求的重点区域人员及其密切接触者",
    "必须严格落实绍外返工人员不少于14天的企业自身隔离医学观察措施",
]
SIX_ALWAYS = [
    "一律如实报告员工个人健康状况，自觉接受防疫监测，严格落实符合防疫要求的个人防护措施，确保职工身体健康",
    "一律由企业组织，在符合防疫要求的前提下，通过微信、网络课堂等各种方式对员工进行一次防疫安全教育培训",
    "一律对企业公共区域和生产生活区域进行严格的消毒灭菌工作，确保符合防疫有关要求",
    "一律对所有的生产加工设施设备进行一次全面的检查维修和消毒，排查隐患，确保设施设备安全",
    "一律要求企业主要负责人、防疫和安全管理人员提前到岗到位、履行职责",
    "一律落实未经审批同意复工的企业责任追究制度",
]

PRESET = {
    "key": "N0_zhuji_2020",
    "notice": "N0",
    "name": "诸暨市企业复工和疫情防控实施方案（2020）",
    "issuer": "诸暨市企业复工和疫情防控工作专班",
    "issued": "2020年2月",
    "source_file": "seeds/000_df0fd5db25f8cec5.txt",
    "parameters": {
        "isolation_days_out_of_region": 14,
        "travel_history_lookback_days": 14,
        "symptomatic_with_epi_history_barred": True,
        "pre_report_lead_days": 2,
        "fever_threshold_c": 37.3,
        "temperature_checks_per_day": 2,
        "resumption_modes_allowed": ["closed_in_plant"],
        "required_application_documents": [
            "prevention_team",
            "prevention_plan",
            "production_plan",
            "emergency_plan",
            "staff_roster",
            "commitment_letter",
        ],
        "review_chain": [
            {"key": "town_check", "name": "属地镇乡核查", "participants": ["town"], "mode": "any"},
            {
                "key": "joint_review",
                "name": "行业主管部门和卫健局联合审核",
                "participants": ["dept:@industry", "dept:health"],
                "mode": "all",
            },
            {
                "key": "task_force_approval",
                "name": "市防疫指挥部批准",
                "participants": ["task_force"],
                "mode": "any",
            },
            {
                "key": "filed",
                "name": "报市疫情联防联控指挥部备案",
                "participants": ["task_force"],
                "mode": "any",
            },
        ],
        # The notice names the classes but no weights; these are this preset's starting values,
        # preparedness first because the notice puts it first, for the task force to adjust.
        "priority_weights": {
            "preparedness": 20,
            "headcount_clarity": 10,
            "local_share": 10,
            "key_exporter": 10,
            "listed": 10,
            "key_manufacturing": 10,
            "above_size": 10,
            "efficiency_a": 10,
            "efficiency_b": 6,
            "efficiency_c": 3,
            "efficiency_d": 0,
        },
        "commitments": [
            *({"code": f"N0-4M-{i}", "group": "四必须", "text": t} for i, t in enumerate(FOUR_MUSTS, 1)),
            *({"code": f"N0-6A-{i}", "group": "六个一律", "text": t} for i, t in enumerate(SIX_ALWAYS, 1)),
        ],
        "required_checklists": ["N0_four_musts", "N0_six_always"],
    },
    "sources": {
        "isolation_days_out_of_region": "二、返岗阶段 3．分类管理：企业接收返工人员后，要立即对绍外人员落实居厂隔离观察14天措施",
        "travel_history_lookback_days": "二、准备阶段 2．提前告知：14天内有流行病学史或与其他区域确诊病例、疑似病例密切接触者，一律不得返还",
        "symptomatic_with_epi_history_barred": (
            "二、返岗阶段 3．分类管理：对14天内有流行病学史的返工人员，发现有发热、咳嗽等症状的，"
            "要第一时间用救护车送人民医院发热门诊就诊排查"
        ),
        "pre_report_lead_days": "二、返岗阶段 2．有序对接：企业要将返工人员信息提前2天报镇乡",
        "fever_threshold_c": FEVER_SOURCE,
        "temperature_checks_per_day": "二、复工阶段 1．日常防疫：每天不少于2次实行全员测量体温并进行健康询问",
        "resumption_modes_allowed": "二、复工阶段 1．日常防疫：疫情防控期间职工吃住在厂",
        "required_application_documents": (
            "二、准备阶段 3．复工核准：须将疫情防控工作小组、疫情防控工作方案、复工生产方案、疫情防控应急预案、"
            "返岗返工人员“一人一档”和承诺书等相关材料报属地镇乡核查"
        ),
        "review_chain": (
            "二、准备阶段 3．复工核准：报属地镇乡核查，经行业主管部门和卫健局联合审核后报市防疫指挥部批准后方可复工"
            "……复工情况报**市疫情联防联控指挥部备案"
        ),
        "priority_weights": (
            "一、1．防控为先：对疫情防控到位、复工人员底数清、本地员工占比大的重要出口企业、上市公司、"
            "重点制造业企业、规上企业和亩均效益高企业予以优先审批复工（权重为预设初值）"
        ),
        "commitments": "一、3．压实责任：严格执行“四必须”防控承诺、做到“六个一律”",
        "required_checklists": "一、3．压实责任：“四必须”“六个一律”",
    },
    "risk_areas": [],
    "no_return_areas": [
        {
            "region_code": "42",
            "name": "湖北省",
            "source": "N0 二、准备阶段 2．提前告知：湖北等疫情重点区域一律不得返还",
        },
    ],
}
