"""The parameter kinds, their choices and ``PARAMETER_SPECS``: the one list of keys, Chinese labels,
units and bounds that the parser, the edit form, the pages and the API schema are all driven from."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext_lazy

from fugong.accounts.roles import Role


class Kind(StrEnum):
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    DATETIME = "datetime"
    CHOICES = "choices"  # a list drawn from ``choices``
    REVIEW_CHAIN = "review_chain"
    COMMITMENTS = "commitments"
    CHECKLISTS = "checklists"  # ChecklistDefinition keys
    CHOICE = "choice"  # one value drawn from ``choices``
    ROUNDS = "rounds"  # [{name, opens "HH:MM", due "HH:MM"}], in order, not overlapping
    OUTCOMES = "outcomes"  # {key from ``choices``: one of ``answers`` (OUTCOME_CHOICES unless set)}
    VOCABULARY = "vocabulary"  # [{key, name}]: a list of terms the notice itself defines
    PLAN_SECTIONS = "plan_sections"  # [{key, name, documents: [document type keys]}]
    FACTORS = "factors"  # [{key, name, weight, and one of measure / field (+ equals) / tag}]
    TEXTS = "texts"  # {page key from ``choices``: text shown on that page}


SECTOR_CHOICES = (
    ("essential_public_service", gettext_lazy("保障公共事业运行必需")),
    ("epidemic_supplies", gettext_lazy("疫情防控必需")),
    ("daily_necessities", gettext_lazy("群众生活必需")),
)
RESUMPTION_MODE_CHOICES = (
    ("closed_in_plant", gettext_lazy("封闭驻厂")),
    ("point_to_point", gettext_lazy("点对点通勤")),
    ("orderly_travel", gettext_lazy("有序出行")),
)
# What a priority factor may be computed from: measures worked out from the application, or the
# enterprise file's yes/no fields and its per-mu efficiency class. A city's own factor uses a ``tag``
# the town puts on the enterprise file.
PRIORITY_MEASURE_CHOICES = (
    ("preparedness", gettext_lazy("防控准备完成度（方案、材料、承诺的完成比例）")),
    ("headcount_clarity", gettext_lazy("复工人员底数清（返岗人员情况填写完整且合计相符）")),
    ("local_share", gettext_lazy("本地员工占比（按比例计分）")),
)
PRIORITY_FIELD_CHOICES = (
    ("is_essential_public_service", gettext_lazy("公共事业运行必需")),
    ("is_epidemic_supplies", gettext_lazy("疫情防控必需（防疫物资）")),
    ("is_daily_necessities", gettext_lazy("群众生活必需")),
    ("is_key_exporter", gettext_lazy("重点外贸企业")),
    ("is_listed", gettext_lazy("上市企业")),
    ("is_key_manufacturing", gettext_lazy("重点制造业企业")),
    ("is_above_size", gettext_lazy("规上企业")),
    ("efficiency_class", gettext_lazy("亩均效益分类")),
)
EFFICIENCY_VALUES = ("A", "B", "C", "D")
OUT_OF_REGION_CHOICES = (
    ("province", gettext_lazy("省外（以企业所在省为本地）")),
    ("prefecture", gettext_lazy("市外（以企业所在地级市为本地）")),
    ("county", gettext_lazy("县外（以企业所在县、市、区为本地）")),
)
OUTCOME_CHOICES = (
    ("barred", gettext_lazy("暂不得返岗")),
    ("isolate", gettext_lazy("隔离观察")),
    ("buffer", gettext_lazy("入缓冲区，核酸阴性后返岗")),
    ("none", gettext_lazy("不受限制")),
)
# The handling steps of an incident, in their order; the code knows what each does (the contact search
# completes find_contacts, the notices notify_contacts …), the policy says which apply and who does them.
INCIDENT_STEP_CHOICES = (
    ("isolate", gettext_lazy("就地隔离")),
    ("report", gettext_lazy("报告镇街")),
    ("transfer", gettext_lazy("转运发热门诊")),
    ("seal_disinfect", gettext_lazy("封闭并消毒相关场所")),
    ("find_contacts", gettext_lazy("排查密切接触者")),
    ("notify_contacts", gettext_lazy("通知密切接触者")),
    ("observe", gettext_lazy("医学观察")),
    ("investigate", gettext_lazy("流调溯源")),
    ("close", gettext_lazy("结案")),
)
# Who handles a step: the firm, its town, a department by code, or the task force.
STEP_OWNER_CHOICES = (
    ("enterprise", gettext_lazy("企业")),
    ("town", gettext_lazy("镇街")),
    ("dept:health", gettext_lazy("卫生健康部门")),
    ("task_force", gettext_lazy("防控指挥部")),
)
HEALTH_CODE_CHOICES = (
    ("red", gettext_lazy("红码")),
    ("yellow", gettext_lazy("黄码")),
    ("green", gettext_lazy("绿码")),
)
RESIDENCE_CONTROL_CHOICES = (
    ("sealed", gettext_lazy("封控区")),
    ("controlled", gettext_lazy("管控区")),
    ("precaution", gettext_lazy("防范区")),
)
ZONE_CHOICES = (
    ("production", gettext_lazy("生产区")),
    ("living", gettext_lazy("生活区")),
    ("logistics", gettext_lazy("物流区")),
    ("waste", gettext_lazy("废弃物处置区")),
    ("office", gettext_lazy("办公区")),
)
# The protective supplies a firm keeps; the ledger's items, of which the policy may require some.
SUPPLY_CHOICES = (
    ("mask", gettext_lazy("医用口罩")),
    ("n95", gettext_lazy("N95口罩")),
    ("protective_suit", gettext_lazy("防护服")),
    ("disinfectant", gettext_lazy("消杀用品")),
    ("thermometer", gettext_lazy("测温设备")),
    ("antigen_kit", gettext_lazy("抗原检测试剂盒")),
    ("gloves", gettext_lazy("医用手套")),
    ("goggles", gettext_lazy("护目镜")),
)
# Pages that show the policy's own words to the people using them.
PAGE_CHOICES = (
    ("returns", gettext_lazy("返岗报备与卡口对接页")),
    ("roster", gettext_lazy("员工花名册页")),
    ("resumption_form", gettext_lazy("复工申请填报页")),
    ("isolation_rooms", gettext_lazy("隔离室设置页")),
)
REVIEW_MODE_CHOICES = (
    ("all", gettext_lazy("联合（全部通过，顺序不限）")),
    ("any", gettext_lazy("任一方通过")),
)
# Roles that can stand in a review step; departments are written "dept:<code>", and "dept:@industry"
# means the firm's own industry department (departments answer for their sector), which differs from firm to firm.
REVIEW_ROLES = (Role.TOWN, Role.TASK_FORCE, Role.INSPECTOR, Role.ENTERPRISE)
INDUSTRY_DEPARTMENT = "dept:@industry"


@dataclass(frozen=True)
class ParamSpec:
    key: str
    label: object  # lazy Chinese label
    kind: Kind
    group: object
    unit: object = ""
    min: Decimal | int | None = None
    max: Decimal | int | None = None
    places: int = 0
    choices: tuple = ()
    help: object = ""
    answers: tuple = ()  # OUTCOMES: what each key may be mapped to (OUTCOME_CHOICES when empty)

    def answer_choices(self) -> tuple:
        return self.answers or OUTCOME_CHOICES


G_RETURN = gettext_lazy("返岗与隔离")
G_HEALTH = gettext_lazy("健康监测与检测")
G_RESUME = gettext_lazy("复工条件")
G_PLACE = gettext_lazy("场所、车辆与聚集")
G_DISINFECT = gettext_lazy("消杀")
G_REVIEW = gettext_lazy("申报与审批")
G_COMMIT = gettext_lazy("企业承诺与检查清单")
G_SUPPLY = gettext_lazy("防疫物资")
G_RISK = gettext_lazy("风险评分")
G_INCIDENT = gettext_lazy("疫情处置")

PARAMETER_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec(
        "isolation_days_out_of_region",
        gettext_lazy("外地返岗人员隔离观察天数"),
        Kind.INT,
        G_RETURN,
        gettext_lazy("天"),
        0,
        60,
    ),
    ParamSpec(
        "travel_history_lookback_days",
        gettext_lazy("流行病学史追溯天数"),
        Kind.INT,
        G_RETURN,
        gettext_lazy("天"),
        1,
        60,
        help=gettext_lazy("此天数内到过风险地区或有接触史的人员不得返岗"),
    ),
    ParamSpec(
        "pre_report_lead_days",
        gettext_lazy("返岗人员提前报备天数"),
        Kind.INT,
        G_RETURN,
        gettext_lazy("天"),
        0,
        30,
    ),
    ParamSpec(
        "pre_exit_nucleic_valid_hours",
        gettext_lazy("出小区核酸阴性报告有效时长"),
        Kind.INT,
        G_RETURN,
        gettext_lazy("小时"),
        1,
        168,
    ),
    ParamSpec("pre_exit_antigen_required", gettext_lazy("出小区须现场抗原检测阴性"), Kind.BOOL, G_RETURN),
    ParamSpec(
        "buffer_zone_requires_negative_nucleic",
        gettext_lazy("进厂先入缓冲区，核酸阴性后方可返岗"),
        Kind.BOOL,
        G_RETURN,
    ),
    ParamSpec(
        "observation_point_required_for_hard_hit_returners",
        gettext_lazy("接收疫情较重地区返岗人员须先设固定观察点"),
        Kind.BOOL,
        G_RETURN,
    ),
    ParamSpec(
        "symptomatic_with_epi_history_barred",
        gettext_lazy("有流行病学史且发热或有症状者送发热门诊排查，暂不得返岗"),
        Kind.BOOL,
        G_RETURN,
        help=gettext_lazy("未设置或设为“否”时，此类人员按其余规则判定"),
    ),
    ParamSpec(
        "symptomatic_isolated",
        gettext_lazy("体温检测异常或有症状的员工须隔离观察"),
        Kind.BOOL,
        G_RETURN,
        help=gettext_lazy("登记时发热或有症状、但无流行病学史的员工；未设置时此规则不适用"),
    ),
    ParamSpec(
        "out_of_region_level",
        gettext_lazy("“外地返岗人员”的范围"),
        Kind.CHOICE,
        G_RETURN,
        choices=OUT_OF_REGION_CHOICES,
        help=gettext_lazy("从何处返回算外地：省外、地级市外或县（市、区）外"),
    ),
    ParamSpec(
        "case_contact_outcome",
        gettext_lazy("追溯期内与确诊、疑似病例密切接触者"),
        Kind.CHOICE,
        G_RETURN,
        choices=OUTCOME_CHOICES,
    ),
    ParamSpec(
        "health_code_outcomes",
        gettext_lazy("健康码颜色的处置"),
        Kind.OUTCOMES,
        G_RETURN,
        choices=HEALTH_CODE_CHOICES,
    ),
    ParamSpec(
        "residence_control_outcomes",
        gettext_lazy("居住地管控状态的处置"),
        Kind.OUTCOMES,
        G_RETURN,
        choices=RESIDENCE_CONTROL_CHOICES,
    ),
    ParamSpec(
        "fever_threshold_c",
        gettext_lazy("发热体温阈值（达到即异常）"),
        Kind.DECIMAL,
        G_HEALTH,
        "℃",
        Decimal("36.5"),
        Decimal("39.0"),
        places=1,
    ),
    ParamSpec(
        "temperature_checks_per_day",
        gettext_lazy("每人每日体温检测次数（不少于）"),
        Kind.INT,
        G_HEALTH,
        gettext_lazy("次/日"),
        1,
        12,
    ),
    ParamSpec(
        "temperature_rounds",
        gettext_lazy("每日体温检测的轮次与时段"),
        Kind.ROUNDS,
        G_HEALTH,
        help=gettext_lazy("每轮的名称、开始时间和截止时间（北京时间），按先后排列，时段不得重叠"),
    ),
    ParamSpec(
        "nucleic_test_interval_days",
        gettext_lazy("全员核酸检测间隔"),
        Kind.INT,
        G_HEALTH,
        gettext_lazy("天"),
        1,
        30,
    ),
    ParamSpec("antigen_daily", gettext_lazy("每日抗原检测"), Kind.BOOL, G_HEALTH),
    ParamSpec(
        "earliest_resumption_at",
        gettext_lazy("最早复工时间"),
        Kind.DATETIME,
        G_RESUME,
        help=gettext_lazy("北京时间；在此之前除下列类别企业外不得复工"),
    ),
    ParamSpec(
        "essential_sectors_exempt",
        gettext_lazy("不受最早复工时间限制的企业类别"),
        Kind.CHOICES,
        G_RESUME,
        choices=SECTOR_CHOICES,
    ),
    ParamSpec("early_resumption_needs_approval", gettext_lazy("提前复工须经指挥部批准"), Kind.BOOL, G_RESUME),
    ParamSpec(
        "resumption_modes_allowed",
        gettext_lazy("允许的复工方式"),
        Kind.CHOICES,
        G_RESUME,
        choices=RESUMPTION_MODE_CHOICES,
    ),
    ParamSpec(
        "closed_in_plant_zones",
        gettext_lazy("封闭驻厂企业须硬隔离设置的分区"),
        Kind.CHOICES,
        G_PLACE,
        choices=ZONE_CHOICES,
    ),
    ParamSpec(
        "max_people_per_car",
        gettext_lazy("每车乘坐人数上限（含驾驶员）"),
        Kind.INT,
        G_PLACE,
        gettext_lazy("人"),
        1,
        60,
    ),
    ParamSpec(
        "dorm_max_per_room",
        gettext_lazy("集体宿舍每间人数上限"),
        Kind.INT,
        G_PLACE,
        gettext_lazy("人/间"),
        1,
        50,
    ),
    ParamSpec(
        "dorm_min_area_per_person_m2",
        gettext_lazy("集体宿舍人均面积下限"),
        Kind.DECIMAL,
        G_PLACE,
        gettext_lazy("平方米/人"),
        Decimal("0.5"),
        Decimal("50"),
        places=2,
    ),
    ParamSpec(
        "gathering_plan_threshold",
        gettext_lazy("须制定防控方案的聚集活动人数（含本数）"),
        Kind.INT,
        G_PLACE,
        gettext_lazy("人"),
        2,
        10000,
        help=gettext_lazy("“50人以上”按《民法典》第一千二百五十九条包括本数"),
    ),
    ParamSpec(
        "meal_group_max",
        gettext_lazy("聚餐人数上限（含本数）"),
        Kind.INT,
        G_PLACE,
        gettext_lazy("人"),
        1,
        100,
    ),
    ParamSpec(
        "canteen_staggered_meals",
        gettext_lazy("实行错峰就餐（同一食堂各批次时段不得重叠）"),
        Kind.BOOL,
        G_PLACE,
    ),
    ParamSpec(
        "required_supplies",
        gettext_lazy("企业须储备的防疫物资"),
        Kind.CHOICES,
        G_SUPPLY,
        choices=SUPPLY_CHOICES,
    ),
    ParamSpec(
        "supplies_min_days_of_cover",
        gettext_lazy("防疫物资最低储备天数"),
        Kind.INT,
        G_SUPPLY,
        gettext_lazy("天"),
        1,
        180,
        help=gettext_lazy("按近7日平均日用量计算可用天数；库存为零的物资一律视为不足"),
    ),
    ParamSpec(
        "risk_weight_unmet_item",
        gettext_lazy("风险权重：每个未达标的检查项"),
        Kind.INT,
        G_RISK,
        gettext_lazy("分/项"),
        0,
        100,
    ),
    ParamSpec(
        "risk_weight_abnormal_temperature",
        gettext_lazy("风险权重：每名体温或症状异常人员"),
        Kind.INT,
        G_RISK,
        gettext_lazy("分/人"),
        0,
        100,
    ),
    ParamSpec(
        "risk_weight_overdue_test",
        gettext_lazy("风险权重：每名核酸或抗原检测逾期人员"),
        Kind.INT,
        G_RISK,
        gettext_lazy("分/人"),
        0,
        100,
    ),
    ParamSpec(
        "risk_weight_missed_disinfection",
        gettext_lazy("风险权重：每个缺漏的消杀轮次"),
        Kind.INT,
        G_RISK,
        gettext_lazy("分/轮次"),
        0,
        100,
    ),
    ParamSpec(
        "risk_weight_stock_shortage",
        gettext_lazy("风险权重：每种储备不足的防疫物资"),
        Kind.INT,
        G_RISK,
        gettext_lazy("分/种"),
        0,
        100,
    ),
    ParamSpec(
        "incident_isolate_minutes",
        gettext_lazy("发现异常后就地隔离的时限"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("分钟"),
        1,
        1440,
        help=gettext_lazy("从预警或报告立案起算"),
    ),
    ParamSpec(
        "incident_report_minutes",
        gettext_lazy("报告镇街的时限"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("分钟"),
        1,
        1440,
        help=gettext_lazy("从立案起算"),
    ),
    ParamSpec(
        "incident_transfer_minutes",
        gettext_lazy("转运至发热门诊的时限"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("分钟"),
        1,
        2880,
        help=gettext_lazy("从立案起算"),
    ),
    ParamSpec(
        "incident_contacts_minutes",
        gettext_lazy("排查出密切接触者的时限"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("分钟"),
        1,
        2880,
        help=gettext_lazy("从立案起算"),
    ),
    ParamSpec(
        "incident_notify_minutes",
        gettext_lazy("通知密切接触者的时限"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("分钟"),
        1,
        2880,
        help=gettext_lazy("从立案起算"),
    ),
    ParamSpec(
        "contact_lookback_days",
        gettext_lazy("密切接触者追溯天数"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("天"),
        1,
        21,
        help=gettext_lazy("从发病或采样时间往前追溯"),
    ),
    ParamSpec(
        "contact_gate_window_minutes",
        gettext_lazy("同一门岗先后进出视为接触的时间窗"),
        Kind.INT,
        G_INCIDENT,
        gettext_lazy("分钟"),
        1,
        120,
    ),
    ParamSpec(
        "review_cases_outside_isolation",
        gettext_lazy("在居家或集中隔离以外发现确诊病例时一律责任倒查"),
        Kind.BOOL,
        G_INCIDENT,
        help=gettext_lazy("检测阳性者此前不在隔离观察中时，自动启动对企业的责任倒查"),
    ),
    ParamSpec(
        "incident_steps",
        gettext_lazy("疫情处置步骤及办理方"),
        Kind.OUTCOMES,
        G_INCIDENT,
        choices=INCIDENT_STEP_CHOICES,
        answers=STEP_OWNER_CHOICES,
        help=gettext_lazy("未列出的步骤不在处置流程中；防控指挥部可办理任一步骤"),
    ),
    ParamSpec(
        "disinfection_areas",
        gettext_lazy("必须消杀的区域"),
        Kind.VOCABULARY,
        G_DISINFECT,
        help=gettext_lazy("须消杀的区域，如车间工作区、办公区、宿舍、食堂"),
    ),
    ParamSpec(
        "disinfection_rounds",
        gettext_lazy("每日消杀轮次"),
        Kind.VOCABULARY,
        G_DISINFECT,
        help=gettext_lazy("每日消杀的轮次，如上班前、下班后"),
    ),
    ParamSpec(
        "document_types",
        gettext_lazy("复工申请材料种类"),
        Kind.VOCABULARY,
        G_REVIEW,
        help=gettext_lazy("企业可上传的材料种类；须提交的材料从中选择"),
    ),
    ParamSpec(
        "required_application_documents",
        gettext_lazy("复工申请须提交的材料"),
        Kind.CHOICES,
        G_REVIEW,
        help=gettext_lazy("从本版本的「复工申请材料种类」中选择"),
    ),
    ParamSpec(
        "plan_sections",
        gettext_lazy("复工方案的章节"),
        Kind.PLAN_SECTIONS,
        G_REVIEW,
        help=gettext_lazy("每一章节属于哪些材料；须提交的材料所含章节须逐项填写"),
    ),
    ParamSpec(
        "review_chain",
        gettext_lazy("审批流程"),
        Kind.REVIEW_CHAIN,
        G_REVIEW,
        help=gettext_lazy(
            "按顺序的审批环节；每一环节的参与方（镇乡街道、专班、督查组、企业防疫专员、"
            "某一部门或企业的行业主管部门）及会签方式"
        ),
    ),
    ParamSpec(
        "priority_factors",
        gettext_lazy("优先审批因素与权重"),
        Kind.FACTORS,
        G_REVIEW,
        min=0,
        max=100,
        help=gettext_lazy("每个因素的计分依据：由申请计算所得、企业档案的字段或镇街给企业加的标签"),
    ),
    ParamSpec(
        "page_notices",
        gettext_lazy("页面上向使用者展示的政策原文"),
        Kind.TEXTS,
        G_COMMIT,
        choices=PAGE_CHOICES,
    ),
    ParamSpec("commitments", gettext_lazy("企业承诺事项"), Kind.COMMITMENTS, G_COMMIT),
    ParamSpec("required_checklists", gettext_lazy("必须执行的检查清单"), Kind.CHECKLISTS, G_COMMIT),
)
SPECS_BY_KEY = {s.key: s for s in PARAMETER_SPECS}
