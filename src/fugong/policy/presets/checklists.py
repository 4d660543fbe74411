"""Checklist definitions from the notices (SPEC §7), item texts as the notices word them.

Each item says how it is checked: "data" items name a DataRule the compliance engine answers from
records (with ``args`` where the rule needs one); the others are answered by the firm's self-assessment
or by an inspector. ``ref`` cites the notice section.
"""

CHECKLISTS = [
    {
        "key": "N0_four_musts",
        "name": "四必须防控承诺",
        "notice": "N0",
        "source": "N0 一、基本原则 3．压实责任",
        "items": [
            {
                "code": "N0-4M-1",
                "ref": "N0 一、3",
                "method": "data",
                "rule": "prevention_team_registered",
                "text": "必须成立由企业法人代表牵头的疫情防控工作小组，组成专班负责疫情防控工作，"
                "制订本企业疫情防控和复工方案",
            },
            {
                "code": "N0-4M-2",
                "ref": "N0 一、3",
                "method": "inspection",
                "text": "必须严密落实各项防疫措施，做好完善的每日台账记录，自觉承担本企业防控责任和经费支出",
            },
            {
                "code": "N0-4M-3",
                "ref": "N0 一、3",
                "method": "inspection",
                "text": "必须承诺疫期不新招收不符合疫控要求的重点区域人员及其密切接触者",
            },
            {
                "code": "N0-4M-4",
                "ref": "N0 一、3；二、返岗阶段 3",
                "method": "inspection",
                "text": "必须严格落实绍外返工人员不少于14天的企业自身隔离医学观察措施",
            },
        ],
    },
    {
        "key": "N0_six_always",
        "name": "六个一律",
        "notice": "N0",
        "source": "N0 一、基本原则 3．压实责任",
        "items": [
            {
                "code": "N0-6A-1",
                "ref": "N0 一、3",
                "method": "self_assessment",
                "text": "一律如实报告员工个人健康状况，自觉接受防疫监测，严格落实符合防疫要求的个人防护措施，"
                "确保职工身体健康",
            },
            {
                "code": "N0-6A-2",
                "ref": "N0 一、3",
                "method": "self_assessment",
                "text": "一律由企业组织，在符合防疫要求的前提下，通过微信、网络课堂等各种方式对员工进行一次"
                "防疫安全教育培训",
            },
            {
                "code": "N0-6A-3",
                "ref": "N0 一、3",
                "method": "inspection",
                "text": "一律对企业公共区域和生产生活区域进行严格的消毒灭菌工作，确保符合防疫有关要求",
            },
            {
                "code": "N0-6A-4",
                "ref": "N0 一、3",
                "method": "inspection",
                "text": "一律对所有的生产加工设施设备进行一次全面的检查维修和消毒，排查隐患，确保设施设备安全",
            },
            {
                "code": "N0-6A-5",
                "ref": "N0 一、3",
                "method": "inspection",
                "text": "一律要求企业主要负责人、防疫和安全管理人员提前到岗到位、履行职责",
            },
            {
                "code": "N0-6A-6",
                "ref": "N0 一、3",
                "method": "inspection",
                "text": "一律落实未经审批同意复工的企业责任追究制度",
            },
        ],
    },
    {
        "key": "N2_double_control_test_isolation",
        "name": "双控双测双隔离",
        "notice": "N2",
        "source": "N2 二、（二）全面核查上岗人员",
        "items": [
            {
                "code": "N2-DC-1",
                "ref": "N2 二、（二）双控",
                "method": "data",
                "rule": "gate_entries_with_temperature",
                "text": "严格控制外来人员：安排专岗统一管理厂区入口，外来人员说明原因并详细登记，进入厂区前进行体温监测",
            },
            {
                "code": "N2-DC-2",
                "ref": "N2 二、（二）双控",
                "method": "inspection",
                "text": "严格控制外来车辆：外来车辆说明原因并详细登记，进入厂区前实施消毒，否则一律不得进入厂区",
            },
            {
                "code": "N2-DT-1",
                "ref": "N2 二、（二）双测",
                "method": "data",
                "rule": "two_checkins_yesterday",
                "text": "每天对上岗员工进行2次体温检测",
            },
            {
                "code": "N2-DT-2",
                "ref": "N2 二、（二）双测",
                "method": "inspection",
                "text": "在厂区入口、办公场所入口设置体温监测点，安排专人负责，对上下班员工逐一进行体温监测",
            },
            {
                "code": "N2-DI-1",
                "ref": "N2 二、（二）双隔离；二、（四）",
                "method": "data",
                "rule": "has_isolation_room",
                "text": "企业设立隔离区（相对独立的固定观察点）",
            },
            {
                "code": "N2-DI-2",
                "ref": "N2 二、（二）双隔离",
                "method": "inspection",
                "text": "外地返岗员工和体温检测异常员工实施隔离观察，外地返岗人员坚决执行14天隔离期",
            },
        ],
    },
    {
        "key": "N2_six_must_disinfect",
        "name": "六个必消",
        "notice": "N2",
        "source": "N2 二、（五）必须进行厂区环境消杀",
        "description": "每日在上班前、下班后消杀；重点区域应多次消杀，确保环境消杀无死角。",
        "items": [
            {
                "code": "N2-6D-1",
                "ref": "N2 二、（五）",
                "method": "data",
                "rule": "disinfection_rounds_logged",
                "args": {"area": "workshop"},
                "text": "车间工作区必消",
            },
            {
                "code": "N2-6D-2",
                "ref": "N2 二、（五）",
                "method": "data",
                "rule": "disinfection_rounds_logged",
                "args": {"area": "office"},
                "text": "办公室必消",
            },
            {
                "code": "N2-6D-3",
                "ref": "N2 二、（五）",
                "method": "data",
                "rule": "disinfection_rounds_logged",
                "args": {"area": "dormitory"},
                "text": "宿舍区必消",
            },
            {
                "code": "N2-6D-4",
                "ref": "N2 二、（五）",
                "method": "data",
                "rule": "disinfection_rounds_logged",
                "args": {"area": "canteen"},
                "text": "餐厅食堂必消（就餐人员实行分餐制、派餐制）",
            },
            {
                "code": "N2-6D-5",
                "ref": "N2 二、（五）",
                "method": "data",
                "rule": "disinfection_rounds_logged",
                "args": {"area": "isolation_site"},
                "text": "隔离场所必消",
            },
            {
                "code": "N2-6D-6",
                "ref": "N2 二、（五）",
                "method": "data",
                "rule": "disinfection_rounds_logged",
                "args": {"area": "commuter_vehicle"},
                "text": "通勤车辆必消",
            },
        ],
    },
    {
        "key": "N3_five_haves_one_grid",
        "name": "五有一网格",
        "notice": "N3",
        "source": "N3 二、1．严格落实“五有一网格”责任",
        "items": [
            {"code": "N3-5H-1", "ref": "N3 二、1", "method": "self_assessment", "text": "有疫情防控指南"},
            {
                "code": "N3-5H-2",
                "ref": "N3 二、1",
                "method": "data",
                "rule": "prevention_team_registered",
                "text": "有防控管理制度和责任人",
            },
            {
                "code": "N3-5H-3",
                "ref": "N3 二、1",
                "method": "data",
                "rule": "stock_at_least_minimum",
                "text": "有适量防护物资储备",
            },
            {
                "code": "N3-5H-4",
                "ref": "N3 二、1",
                "method": "inspection",
                "text": "有属地医疗卫生力量指导支持",
            },
            {
                "code": "N3-5H-5",
                "ref": "N3 二、1",
                "method": "data",
                "rule": "has_isolation_room",
                "text": "有隔离场所和转运安排准备",
            },
            {
                "code": "N3-1G-1",
                "ref": "N3 二、1",
                "method": "data",
                "rule": "all_staff_in_grid_units",
                "text": "实施网格化管理，组织开展重点人群信息登记、摸排和日常健康监测工作",
            },
        ],
    },
    {
        "key": "N4_eight_workplace_measures",
        "name": "工作场所防控八项措施",
        "notice": "N4",
        "source": "N4 一、（二）督促企业做好工作场所防控",
        "items": [
            {
                "code": "N4-8W-1",
                "ref": "N4 一、（二）1",
                "method": "data",
                "rule": "gate_entries_with_temperature",
                "text": "加强进出人员登记管理，员工每次进入厂区必须检测体温",
            },
            {
                "code": "N4-8W-2",
                "ref": "N4 一、（二）2",
                "method": "inspection",
                "text": "保持工作场所通风换气。如使用空调，应当确保供风安全充足，所有排风直接排到室外",
            },
            {
                "code": "N4-8W-3",
                "ref": "N4 一、（二）3",
                "method": "inspection",
                "text": "保障洗手等设施运转正常。如无洗手设备，应配备免洗消毒用品",
            },
            {
                "code": "N4-8W-4",
                "ref": "N4 一、（二）4",
                "method": "inspection",
                "text": "做好工作和生活场所清洁消毒。电梯按钮、门把手等频繁接触部位应当增加消毒次数",
            },
            {
                "code": "N4-8W-5",
                "ref": "N4 一、（二）5",
                "method": "data",
                "rule": "dorm_density_within_limits",
                "text": "减少员工聚集和集体活动。员工集体宿舍原则上每间不超过6人，人均不少于2.5平方米",
            },
            {
                "code": "N4-8W-6",
                "ref": "N4 一、（二）6",
                "method": "self_assessment",
                "text": "加强员工集体用餐管理。实行错峰就餐，有条件的使用餐盒、分散用餐",
            },
            {
                "code": "N4-8W-7",
                "ref": "N4 一、（二）7",
                "method": "inspection",
                "text": "做好医务服务。设立医务室的企业要调配必要的药物和防护物资，配合疾控部门规范开展隔离观察与追踪管理。"
                "没有设立医务室的企业就近与医疗机构建立联系，确保企业员工及时得到救治或医疗服务",
            },
            {
                "code": "N4-8W-8",
                "ref": "N4 一、（二）8",
                "method": "inspection",
                "text": "规范垃圾收集处理。在公共区域设置口罩专用回收箱，加强垃圾分类管理",
            },
        ],
    },
]

CHECKLISTS_BY_KEY = {c["key"]: c for c in CHECKLISTS}
