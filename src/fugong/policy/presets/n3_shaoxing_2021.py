"""N3 — 绍兴市经济和信息化局《关于切实加强冬春季工业企业疫情防控工作的通知》（绍市经信〔2021〕1号）, 2021-01-07.

Source text: shared/seeds/003_d71710a53810c0db.txt. Each value's quotation is in ``sources``.
"""

from fugong.policy.presets.n0_zhuji_2020 import FEVER_SOURCE

PRESET = {
    "key": "N3_shaoxing_2021",
    "notice": "N3",
    "name": "绍兴市冬春季工业企业疫情防控通知（2021）",
    "issuer": "绍兴市经济和信息化局",
    "issued": "2021年1月7日",
    "source_file": "seeds/003_d71710a53810c0db.txt",
    "parameters": {
        "fever_threshold_c": 37.3,
        # “50人以上” and “10人以下” include the number itself (《民法典》第一千二百五十九条).
        "gathering_plan_threshold": 50,
        "meal_group_max": 10,
        "required_checklists": ["N3_five_haves_one_grid"],
    },
    "sources": {
        "fever_threshold_c": FEVER_SOURCE,
        "gathering_plan_threshold": "二、3．二是严格控制聚集性活动：50人以上集聚性会议活动应当制定疫情防控方案，提倡采取视频形式举行",
        "meal_group_max": "二、3．二是：不组织大规模聚会聚餐，提倡聚会聚餐等控制在10人以下（倡导性要求）",
        "required_checklists": "二、1．严格落实“五有一网格”责任",
    },
    "risk_areas": [],
    "no_return_areas": [],
}
