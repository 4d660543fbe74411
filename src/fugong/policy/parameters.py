"""The typed parameters of a policy version (SPEC §2).

Stored as JSON on ``PolicyVersion.parameters``; read as a frozen ``PolicyParameters``. A key that is
absent (or null) means the notice does not set that rule — "not applicable" — never a made-up default,
so a rule that reads a parameter must decide what "not set" means for it.

``PARAMETER_SPECS`` is the one list of keys, Chinese labels, units and bounds: the parser, the edit
form, the pages and the API schema are all driven from it.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
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
    OUTCOMES = "outcomes"  # {key from ``choices``: one of OUTCOME_CHOICES}
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
_DEPT_RE = re.compile(r"^dept:(@industry|[-a-zA-Z0-9_]+)$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


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


@dataclass(frozen=True)
class ReviewStep:
    key: str
    name: str
    participants: tuple[str, ...]
    mode: str = "any"  # "all": every participant must pass, in any order (joint review)

    @property
    def is_joint(self) -> bool:
        return self.mode == "all"

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "participants": list(self.participants),
            "mode": self.mode,
        }


@dataclass(frozen=True)
class Commitment:
    code: str
    group: str
    text: str

    def to_json(self) -> dict:
        return {"code": self.code, "group": self.group, "text": self.text}


@dataclass(frozen=True)
class Round:
    name: str
    opens: dt.time
    due: dt.time

    def to_json(self) -> dict:
        return {"name": self.name, "opens": self.opens.strftime("%H:%M"), "due": self.due.strftime("%H:%M")}


@dataclass(frozen=True)
class Term:
    key: str
    name: str

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name}


@dataclass(frozen=True)
class PlanSectionSpec:
    key: str
    name: str
    documents: tuple[str, ...]

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name, "documents": list(self.documents)}


@dataclass(frozen=True)
class PriorityFactor:
    """One weighted reason to review a firm first. Exactly one of ``measure``, ``field`` or ``tag``."""

    key: str
    name: str
    weight: Decimal
    measure: str = ""
    field: str = ""
    equals: str = ""
    tag: str = ""

    def to_json(self) -> dict:
        out = {"key": self.key, "name": self.name, "weight": float(self.weight)}
        for attr in ("measure", "field", "equals", "tag"):
            if getattr(self, attr):
                out[attr] = getattr(self, attr)
        return out


@dataclass(frozen=True)
class PolicyParameters:
    isolation_days_out_of_region: int | None = None
    travel_history_lookback_days: int | None = None
    pre_report_lead_days: int | None = None
    pre_exit_nucleic_valid_hours: int | None = None
    pre_exit_antigen_required: bool | None = None
    buffer_zone_requires_negative_nucleic: bool | None = None
    observation_point_required_for_hard_hit_returners: bool | None = None
    symptomatic_with_epi_history_barred: bool | None = None
    symptomatic_isolated: bool | None = None
    out_of_region_level: str | None = None
    case_contact_outcome: str | None = None
    health_code_outcomes: dict[str, str] | None = None
    residence_control_outcomes: dict[str, str] | None = None
    fever_threshold_c: Decimal | None = None
    temperature_checks_per_day: int | None = None
    temperature_rounds: tuple[Round, ...] | None = None
    nucleic_test_interval_days: int | None = None
    antigen_daily: bool | None = None
    earliest_resumption_at: dt.datetime | None = None
    essential_sectors_exempt: tuple[str, ...] | None = None
    early_resumption_needs_approval: bool | None = None
    resumption_modes_allowed: tuple[str, ...] | None = None
    closed_in_plant_zones: tuple[str, ...] | None = None
    max_people_per_car: int | None = None
    dorm_max_per_room: int | None = None
    dorm_min_area_per_person_m2: Decimal | None = None
    gathering_plan_threshold: int | None = None
    meal_group_max: int | None = None
    canteen_staggered_meals: bool | None = None
    required_supplies: tuple[str, ...] | None = None
    supplies_min_days_of_cover: int | None = None
    risk_weight_unmet_item: int | None = None
    risk_weight_abnormal_temperature: int | None = None
    risk_weight_overdue_test: int | None = None
    risk_weight_missed_disinfection: int | None = None
    risk_weight_stock_shortage: int | None = None
    incident_isolate_minutes: int | None = None
    incident_report_minutes: int | None = None
    incident_transfer_minutes: int | None = None
    incident_contacts_minutes: int | None = None
    incident_notify_minutes: int | None = None
    contact_lookback_days: int | None = None
    contact_gate_window_minutes: int | None = None
    disinfection_areas: tuple[Term, ...] | None = None
    disinfection_rounds: tuple[Term, ...] | None = None
    document_types: tuple[Term, ...] | None = None
    required_application_documents: tuple[str, ...] | None = None
    plan_sections: tuple[PlanSectionSpec, ...] | None = None
    review_chain: tuple[ReviewStep, ...] | None = None
    priority_factors: tuple[PriorityFactor, ...] | None = None
    page_notices: dict[str, str] | None = None
    commitments: tuple[Commitment, ...] | None = None
    required_checklists: tuple[str, ...] | None = None

    def to_json(self) -> dict:
        """The stored form: only the parameters that are set."""
        out = {}
        for spec in PARAMETER_SPECS:
            value = getattr(self, spec.key)
            if value is not None:
                out[spec.key] = _to_json(spec, value)
        return out

    def is_set(self, key: str) -> bool:
        return getattr(self, key) is not None

    def term_name(self, key: str, term: str) -> str:
        """The name a vocabulary parameter gives ``term`` (the key itself when the policy has none)."""
        for item in getattr(self, key) or ():
            if item.key == term:
                return item.name
        return term

    def term_keys(self, key: str) -> tuple[str, ...]:
        return tuple(item.key for item in getattr(self, key) or ())

    def outcome(self, key: str, value: str) -> str | None:
        """What an OUTCOMES parameter says for ``value`` ("barred", "isolate" …), None when unset."""
        mapping = getattr(self, key) or {}
        return mapping.get(value)

    def page_notice(self, page: str) -> str:
        return (self.page_notices or {}).get(page, "")


def _to_json(spec: ParamSpec, value):
    if spec.kind == Kind.DECIMAL:
        return float(value)
    if spec.kind == Kind.DATETIME:
        return timezone.localtime(value).isoformat()
    if spec.kind in (Kind.CHOICES, Kind.CHECKLISTS):
        return list(value)
    if spec.kind in (Kind.OUTCOMES, Kind.TEXTS):
        return dict(value)
    if spec.kind in (
        Kind.REVIEW_CHAIN,
        Kind.COMMITMENTS,
        Kind.ROUNDS,
        Kind.VOCABULARY,
        Kind.PLAN_SECTIONS,
        Kind.FACTORS,
    ):
        return [item.to_json() for item in value]
    return value


def _fmt(value) -> str:
    # 20 rather than 20.0 (JSON stores numbers as floats), 37.3 stays 37.3.
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


def _range_message(spec: ParamSpec, what: str) -> str:
    unit = _("（单位：%(unit)s）") % {"unit": spec.unit} if spec.unit else ""
    return _("「%(label)s」须为 %(min)s 至 %(max)s 之间的%(what)s%(unit)s。") % {
        "label": spec.label,
        "min": _fmt(spec.min),
        "max": _fmt(spec.max),
        "what": what,
        "unit": unit,
    }


def _parse_int(spec, raw):
    if isinstance(raw, bool) or not isinstance(raw, (int, str, Decimal, float)):
        raise ValueError
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError
    value = int(Decimal(str(raw).strip()))
    if Decimal(str(raw).strip()) != value:
        raise ValueError
    if not (spec.min <= value <= spec.max):
        raise ValueError
    return value


def _parse_decimal(spec, raw):
    if isinstance(raw, bool):
        raise ValueError
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValueError from exc
    if not value.is_finite() or not (spec.min <= value <= spec.max):
        raise ValueError
    if -value.as_tuple().exponent > spec.places:
        raise ValueError
    return value


def _parse_bool(raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "是", "1"}:
        return True
    if isinstance(raw, str) and raw.strip().lower() in {"false", "否", "0"}:
        return False
    raise ValueError


def _parse_datetime(raw):
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, str):
        value = dt.datetime.fromisoformat(raw.strip())
    else:
        raise ValueError
    if timezone.is_naive(value):
        # People write Beijing time; a bare "2020-02-10 00:00" means that.
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _as_list(raw):
    if isinstance(raw, (list, tuple)):
        return list(raw)
    raise ValueError


def _add_problems(errors, spec, where, n, problems):
    """One message for an item's problems, each given as (the fields it names, separated by spaces; text)."""
    fields = tuple(dict.fromkeys(f for names, _text in problems for f in names.split()))
    errors.add(spec.key, f"{where}：{'；'.join(str(text) for _names, text in problems)}。", n, fields)


class _Errors:
    def __init__(self):
        self.by_key: dict[str, list[str]] = {}
        self.places: dict[str, list[ErrorPlace]] = {}

    def add(self, key, message, row=None, fields=()):
        self.by_key.setdefault(key, []).append(str(message))
        if row is not None:
            self.places.setdefault(key, []).append(ErrorPlace(str(message), row, tuple(fields)))


@dataclass(frozen=True)
class ErrorPlace:
    """Where in a structured value a message points: the row (1-based position in a list, or the key of
    a mapping) and the item's fields it names, so that a form can put it beside those inputs."""

    message: str
    row: int | str
    fields: tuple[str, ...] = ()


class ParameterErrors(ValidationError):
    """The parser's ValidationError {key: [messages]}, plus ``places``: where each message points."""

    def __init__(self, errors: _Errors):
        super().__init__(errors.by_key)
        self.places = errors.places


def _parse_choices(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为列表。") % {"label": spec.label})
        return None
    allowed = dict(spec.choices)
    bad = [str(i) for i in items if i not in allowed]
    if bad:
        errors.add(
            spec.key,
            _("「%(label)s」含有不认可的选项：%(bad)s；可选：%(opts)s。")
            % {
                "label": spec.label,
                "bad": "、".join(bad),
                "opts": "、".join(f"{k}（{v}）" for k, v in spec.choices),
            },
        )
        return None
    if len(set(items)) != len(items):
        errors.add(spec.key, _("「%(label)s」有重复的选项。") % {"label": spec.label})
        return None
    if not items:
        return None
    # Stored in the order of the choices, so that two versions with the same set compare equal.
    order = [k for k, _label in spec.choices]
    return tuple(sorted(items, key=order.index))


def _parse_checklists(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为检查清单代码的列表。") % {"label": spec.label})
        return None
    bad = [str(i) for i in items if not isinstance(i, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,60}", i)]
    if bad:
        errors.add(
            spec.key,
            _("「%(label)s」中的「%(bad)s」不是有效的清单代码。")
            % {"label": spec.label, "bad": "、".join(bad)},
        )
        return None
    if len(set(items)) != len(items):
        errors.add(spec.key, _("「%(label)s」有重复的清单。") % {"label": spec.label})
        return None
    return tuple(items) or None


def _parse_review_chain(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为环节列表。") % {"label": spec.label})
        return None
    steps, seen = [], set()
    roles = {str(r) for r in REVIEW_ROLES}
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d步") % {"label": spec.label, "n": n}
        if not isinstance(item, dict):
            errors.add(spec.key, _("%(where)s须包含 key、name、participants、mode。") % {"where": where}, n)
            continue
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        participants, mode = item.get("participants"), item.get("mode", "any")
        extra = set(item) - {"key", "name", "participants", "mode"}
        problems = []
        if extra:
            problems.append(("", _("含有未知字段：%(f)s") % {"f": "、".join(sorted(extra))}))
        if not _KEY_RE.match(key):
            problems.append(("key", _("环节代码 key 须为小写英文字母开头的字母、数字或下划线")))
        elif key in seen:
            problems.append(("key", _("环节代码「%(key)s」重复") % {"key": key}))
        if not name:
            problems.append(("name", _("环节名称 name 不能为空")))
        if not isinstance(participants, list) or not participants:
            problems.append(("participants", _("参与方 participants 至少一个")))
        else:
            bad = [
                str(p) for p in participants if not (p in roles or (isinstance(p, str) and _DEPT_RE.match(p)))
            ]
            if bad:
                problems.append(
                    (
                        "participants",
                        _("参与方「%(bad)s」无效，须为 %(roles)s 或 dept:部门代码")
                        % {"bad": "、".join(bad), "roles": "、".join(sorted(roles))},
                    )
                )
            elif len(set(participants)) != len(participants):
                problems.append(("participants", _("参与方有重复")))
        if mode not in dict(REVIEW_MODE_CHOICES):
            problems.append(("mode", _("方式 mode 须为 all（联合，全部通过）或 any（任一方通过）")))
        if problems:
            _add_problems(errors, spec, where, n, problems)
            continue
        seen.add(key)
        steps.append(ReviewStep(key, name, tuple(participants), mode))
    return tuple(steps) or None


def _parse_commitments(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为承诺条目列表。") % {"label": spec.label})
        return None
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d条") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"code", "group", "text"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 code、group、text。") % {"where": where}, n)
            continue
        code = str(item.get("code") or "").strip()
        group, text = str(item.get("group") or "").strip(), str(item.get("text") or "").strip()
        problems = []
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", code):
            problems.append(("code", _("编号 code 须为 1–40 位字母、数字、点、横线或下划线")))
        elif code in seen:
            problems.append(("code", _("编号「%(code)s」重复") % {"code": code}))
        if not text:
            problems.append(("text", _("承诺内容 text 不能为空")))
        elif len(text) > 500:
            problems.append(("text", _("承诺内容不能超过 500 字")))
        if len(group) > 40:
            problems.append(("group", _("分组 group 不能超过 40 字")))
        if problems:
            _add_problems(errors, spec, where, n, problems)
            continue
        seen.add(code)
        out.append(Commitment(code, group, text))
    return tuple(out) or None


_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_TERM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


def _parse_choice(spec, raw, errors):
    allowed = dict(spec.choices)
    if raw not in allowed:
        errors.add(
            spec.key,
            _("「%(label)s」须为以下之一：%(opts)s。")
            % {"label": spec.label, "opts": "、".join(f"{k}（{v}）" for k, v in spec.choices)},
        )
        return None
    return raw


def _parse_rounds(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为轮次列表。") % {"label": spec.label})
        return None
    out, previous_due = [], None
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d轮") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"name", "opens", "due"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 name、opens、due。") % {"where": where}, n)
            return None
        name = str(item.get("name") or "").strip()
        times = {}
        for part in ("opens", "due"):
            match = _TIME_RE.match(str(item.get(part) or "").strip())
            if not match:
                errors.add(
                    spec.key,
                    _("%(where)s的 %(part)s 须为 24 小时制时间，例如 06:00。")
                    % {"where": where, "part": part},
                    n,
                    (part,),
                )
                return None
            times[part] = dt.time(int(match.group(1)), int(match.group(2)))
        if not name or len(name) > 20:
            errors.add(spec.key, _("%(where)s的名称 name 须为 1–20 字。") % {"where": where}, n, ("name",))
            return None
        if times["opens"] >= times["due"]:
            errors.add(
                spec.key, _("%(where)s的开始时间须早于截止时间。") % {"where": where}, n, ("opens", "due")
            )
            return None
        if previous_due is not None and times["opens"] < previous_due:
            errors.add(
                spec.key,
                _("%(where)s的开始时间不得早于上一轮的截止时间：时段不得重叠。") % {"where": where},
                n,
                ("opens",),
            )
            return None
        previous_due = times["due"]
        out.append(Round(name, times["opens"], times["due"]))
    return tuple(out) or None


def _parse_outcomes(spec, raw, errors):
    if not isinstance(raw, dict):
        errors.add(spec.key, _("「%(label)s」须为“情形: 处置”的对照表。") % {"label": spec.label})
        return None
    keys, outcomes = dict(spec.choices), dict(OUTCOME_CHOICES)
    out = {}
    for key, value in raw.items():
        if key not in keys:
            errors.add(
                spec.key,
                _("「%(label)s」中的「%(key)s」不存在；可选：%(opts)s。")
                % {
                    "label": spec.label,
                    "key": key,
                    "opts": "、".join(f"{k}（{v}）" for k, v in spec.choices),
                },
                key,
            )
        elif value not in outcomes:
            errors.add(
                spec.key,
                _("「%(label)s」中「%(key)s」的处置须为以下之一：%(opts)s。")
                % {
                    "label": spec.label,
                    "key": keys[key],
                    "opts": "、".join(f"{k}（{v}）" for k, v in OUTCOME_CHOICES),
                },
                key,
            )
        else:
            out[key] = value
    order = [k for k, _label in spec.choices]
    return {k: out[k] for k in sorted(out, key=order.index)} or None


def _parse_vocabulary(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为条目列表，每条含 key 与 name。") % {"label": spec.label})
        return None
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d条") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"key", "name"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 key、name。") % {"where": where}, n)
            return None
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        if not _TERM_RE.match(key):
            errors.add(
                spec.key,
                _("%(where)s的代码 key 须为字母开头的 1–40 位字母、数字、横线或下划线。") % {"where": where},
                n,
                ("key",),
            )
            return None
        if key in seen:
            errors.add(
                spec.key, _("%(where)s的代码「%(key)s」重复。") % {"where": where, "key": key}, n, ("key",)
            )
            return None
        if not name or len(name) > 60:
            errors.add(spec.key, _("%(where)s的名称 name 须为 1–60 字。") % {"where": where}, n, ("name",))
            return None
        seen.add(key)
        out.append(Term(key, name))
    return tuple(out) or None


def _parse_plan_sections(spec, raw, errors, documents):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为章节列表。") % {"label": spec.label})
        return None
    out, seen = [], set()
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d章") % {"label": spec.label, "n": n}
        if not isinstance(item, dict) or set(item) - {"key", "name", "documents"}:
            errors.add(spec.key, _("%(where)s须且仅须包含 key、name、documents。") % {"where": where}, n)
            return None
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        docs = item.get("documents") or []
        if not _TERM_RE.match(key) or key in seen:
            errors.add(spec.key, _("%(where)s的代码 key 无效或重复。") % {"where": where}, n, ("key",))
            return None
        if not name or len(name) > 60:
            errors.add(spec.key, _("%(where)s的名称 name 须为 1–60 字。") % {"where": where}, n, ("name",))
            return None
        if not isinstance(docs, list) or not docs:
            errors.add(
                spec.key, _("%(where)s须列出所属的材料 documents。") % {"where": where}, n, ("documents",)
            )
            return None
        bad = [str(d) for d in docs if d not in documents]
        if bad:
            errors.add(
                spec.key,
                _("%(where)s所属的材料「%(bad)s」不在「复工申请材料种类」中。")
                % {"where": where, "bad": "、".join(bad)},
                n,
                ("documents",),
            )
            return None
        seen.add(key)
        out.append(PlanSectionSpec(key, name, tuple(docs)))
    return tuple(out) or None


def _parse_factors(spec, raw, errors):
    try:
        items = _as_list(raw)
    except ValueError:
        errors.add(spec.key, _("「%(label)s」须为因素列表。") % {"label": spec.label})
        return None
    out, seen = [], set()
    measures, fields = dict(PRIORITY_MEASURE_CHOICES), dict(PRIORITY_FIELD_CHOICES)
    for n, item in enumerate(items, start=1):
        where = _("「%(label)s」第%(n)d项") % {"label": spec.label, "n": n}
        allowed = {"key", "name", "weight", "measure", "field", "equals", "tag"}
        if not isinstance(item, dict) or set(item) - allowed:
            errors.add(
                spec.key,
                _("%(where)s只能包含 key、name、weight、measure、field、equals、tag。") % {"where": where},
                n,
            )
            return None
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        measure, field_ = str(item.get("measure") or ""), str(item.get("field") or "")
        equals, tag = str(item.get("equals") or ""), str(item.get("tag") or "").strip()
        problems = []
        if not _TERM_RE.match(key) or key in seen:
            problems.append(("key", _("代码 key 无效或重复")))
        if not name or len(name) > 60:
            problems.append(("name", _("名称 name 须为 1–60 字")))
        try:
            weight = _parse_decimal(
                ParamSpec(spec.key, spec.label, Kind.DECIMAL, spec.group, "", spec.min, spec.max, 2),
                item.get("weight"),
            )
        except (ValueError, TypeError):
            weight = None
            problems.append(
                (
                    "weight",
                    _("权重 weight 须为 %(min)s 至 %(max)s 之间、最多两位小数的数值")
                    % {"min": spec.min, "max": spec.max},
                )
            )
        if sum(bool(x) for x in (measure, field_, tag)) != 1:
            problems.append(("measure field tag", _("须且仅须指定 measure、field、tag 之一")))
        elif measure and measure not in measures:
            problems.append(("measure", _("measure 须为以下之一：%(opts)s") % {"opts": "、".join(measures)}))
        elif field_ and field_ not in fields:
            problems.append(("field", _("field 须为以下之一：%(opts)s") % {"opts": "、".join(fields)}))
        elif field_ == "efficiency_class" and equals not in EFFICIENCY_VALUES:
            problems.append(("equals", _("按亩均效益分类计分时 equals 须为 A、B、C 或 D")))
        elif equals and field_ != "efficiency_class":
            problems.append(("equals", _("equals 只用于 efficiency_class")))
        elif tag and len(tag) > 40:
            problems.append(("tag", _("标签 tag 不能超过 40 字")))
        if problems:
            _add_problems(errors, spec, where, n, problems)
            continue
        seen.add(key)
        out.append(PriorityFactor(key, name, weight, measure, field_, equals, tag))
    return tuple(out) or None


def _parse_texts(spec, raw, errors):
    if not isinstance(raw, dict):
        errors.add(spec.key, _("「%(label)s」须为“页面: 文字”的对照表。") % {"label": spec.label})
        return None
    pages = dict(spec.choices)
    out = {}
    for key, text in raw.items():
        text = str(text or "").strip()
        if key not in pages:
            errors.add(
                spec.key,
                _("「%(label)s」中的页面「%(key)s」不存在；可选：%(opts)s。")
                % {"label": spec.label, "key": key, "opts": "、".join(pages)},
                key,
            )
        elif not text or len(text) > 1000:
            errors.add(
                spec.key,
                _("「%(label)s」中「%(page)s」的文字须为 1–1000 字。")
                % {"label": spec.label, "page": pages[key]},
                key,
            )
        else:
            out[key] = text
    order = [k for k, _label in spec.choices]
    return {k: out[k] for k in sorted(out, key=order.index)} or None


def parse_parameters(data) -> PolicyParameters:
    """Typed parameters from stored or submitted JSON; ValidationError {key: [Chinese message]} otherwise.

    Pure (no database), so reading a stored version never depends on other tables. Checks that need the
    database — that departments and checklists exist — are in ``validate_parameters``.
    """
    if not isinstance(data, dict):
        raise ValidationError({"parameters": [_("参数须为“参数代码: 值”的对照表。")]})
    errors = _Errors()
    values = {}
    for key in data:
        if key not in SPECS_BY_KEY:
            errors.add(key, _("未知参数「%(key)s」。") % {"key": key})
    for spec in PARAMETER_SPECS:
        raw = data.get(spec.key)
        if raw is None or raw == "":
            continue
        try:
            if spec.kind == Kind.INT:
                values[spec.key] = _parse_int(spec, raw)
            elif spec.kind == Kind.DECIMAL:
                values[spec.key] = _parse_decimal(spec, raw)
            elif spec.kind == Kind.BOOL:
                values[spec.key] = _parse_bool(raw)
            elif spec.kind == Kind.DATETIME:
                values[spec.key] = _parse_datetime(raw)
            elif spec.kind == Kind.CHOICES and spec.key == "required_application_documents":
                types = values.get("document_types") or ()
                dynamic = ParamSpec(
                    spec.key, spec.label, spec.kind, spec.group, choices=tuple((t.key, t.name) for t in types)
                )
                values[spec.key] = _parse_choices(dynamic, raw, errors)
            elif spec.kind == Kind.CHOICES:
                values[spec.key] = _parse_choices(spec, raw, errors)
            elif spec.kind == Kind.CHOICE:
                values[spec.key] = _parse_choice(spec, raw, errors)
            elif spec.kind == Kind.ROUNDS:
                values[spec.key] = _parse_rounds(spec, raw, errors)
            elif spec.kind == Kind.OUTCOMES:
                values[spec.key] = _parse_outcomes(spec, raw, errors)
            elif spec.kind == Kind.VOCABULARY:
                values[spec.key] = _parse_vocabulary(spec, raw, errors)
            elif spec.kind == Kind.PLAN_SECTIONS:
                types = {t.key for t in values.get("document_types") or ()}
                values[spec.key] = _parse_plan_sections(spec, raw, errors, types)
            elif spec.kind == Kind.FACTORS:
                values[spec.key] = _parse_factors(spec, raw, errors)
            elif spec.kind == Kind.TEXTS:
                values[spec.key] = _parse_texts(spec, raw, errors)
            elif spec.kind == Kind.CHECKLISTS:
                values[spec.key] = _parse_checklists(spec, raw, errors)
            elif spec.kind == Kind.REVIEW_CHAIN:
                values[spec.key] = _parse_review_chain(spec, raw, errors)
            elif spec.kind == Kind.COMMITMENTS:
                values[spec.key] = _parse_commitments(spec, raw, errors)
        except (ValueError, TypeError, ArithmeticError):
            errors.add(spec.key, _kind_message(spec))
    if values.get("essential_sectors_exempt") and "earliest_resumption_at" not in values:
        errors.add(
            "essential_sectors_exempt",
            _("「%(label)s」须与「%(other)s」一同设置：没有最早复工时间就无所谓豁免。")
            % {
                "label": SPECS_BY_KEY["essential_sectors_exempt"].label,
                "other": SPECS_BY_KEY["earliest_resumption_at"].label,
            },
        )
    rounds, checks = values.get("temperature_rounds"), values.get("temperature_checks_per_day")
    if rounds and checks and len(rounds) < checks:
        errors.add(
            "temperature_rounds",
            _("「%(label)s」只有%(n)d轮，少于「%(other)s」的%(checks)d次。")
            % {
                "label": SPECS_BY_KEY["temperature_rounds"].label,
                "n": len(rounds),
                "other": SPECS_BY_KEY["temperature_checks_per_day"].label,
                "checks": checks,
            },
        )
    if errors.by_key:
        raise ParameterErrors(errors)
    return PolicyParameters(**{k: v for k, v in values.items() if v is not None})


def _kind_message(spec: ParamSpec) -> str:
    if spec.kind == Kind.INT:
        return _range_message(spec, _("整数"))
    if spec.kind == Kind.DECIMAL:
        what = _("数值（最多%(n)d位小数）") % {"n": spec.places}
        return _range_message(spec, what)
    if spec.kind == Kind.BOOL:
        return _("「%(label)s」须为“是”或“否”。") % {"label": spec.label}
    if spec.kind == Kind.DATETIME:
        return _("「%(label)s」须为日期时间，例如 2020-02-10 00:00（北京时间）。") % {"label": spec.label}
    return _("「%(label)s」格式不正确。") % {"label": spec.label}


def validate_parameters(data) -> PolicyParameters:
    """``parse_parameters`` plus the checks against the database, for anything about to be saved."""
    from fugong.accounts.models import Department
    from fugong.policy.models import ChecklistDefinition

    params = parse_parameters(data)
    errors = _Errors()
    if params.review_chain:
        codes = {
            p[5:]
            for step in params.review_chain
            for p in step.participants
            if p.startswith("dept:") and p != INDUSTRY_DEPARTMENT
        }
        known = set(Department.objects.filter(code__in=codes).values_list("code", flat=True))
        for code in sorted(codes - known):
            errors.add(
                "review_chain",
                _("「%(label)s」中的部门「%(code)s」不存在。")
                % {"label": SPECS_BY_KEY["review_chain"].label, "code": code},
            )
    if params.required_checklists:
        known = set(
            ChecklistDefinition.objects.filter(key__in=params.required_checklists).values_list(
                "key", flat=True
            )
        )
        for key in params.required_checklists:
            if key not in known:
                errors.add(
                    "required_checklists",
                    _("「%(label)s」中的清单「%(key)s」不存在。")
                    % {"label": SPECS_BY_KEY["required_checklists"].label, "key": key},
                )
    if errors.by_key:
        raise ParameterErrors(errors)
    return params


def choice_label(spec: ParamSpec, key: str) -> str:
    return str(dict(spec.choices).get(key, key))


def participant_label(token: str) -> str:
    """A review participant for people: 属地镇乡街道, 卫生健康局, 企业的行业主管部门."""
    from fugong.accounts.models import Department

    if token == INDUSTRY_DEPARTMENT:
        return _("企业的行业主管部门")
    if token.startswith("dept:"):
        dept = Department.objects.filter(code=token[5:]).only("name").first()
        return dept.name if dept else token[5:]
    try:
        return str(Role(token).label)
    except ValueError:
        return token


def _checklist_names(keys) -> list[str]:
    """The checklists' names as people know them, in the order given; a key no checklist
    has any more shows as it is."""
    from fugong.policy.models import ChecklistDefinition  # models import this module

    names = dict(ChecklistDefinition.objects.filter(key__in=list(keys)).values_list("key", "name"))
    return [names.get(key, key) for key in keys]


def display_value(spec: ParamSpec, value, params: "PolicyParameters | None" = None) -> str:
    """One line for pages and diffs; "不适用" when the notice does not set it. ``params`` names the
    terms a parameter draws from another one of the same version (the required documents)."""
    if value is None:
        return _("不适用")
    if spec.key == "required_application_documents" and params is not None:
        return "、".join(params.term_name("document_types", v) for v in value)
    if spec.kind == Kind.CHOICE:
        return choice_label(spec, value)
    if spec.kind == Kind.ROUNDS:
        return "；".join(f"{r.name} {r.opens:%H:%M}–{r.due:%H:%M}" for r in value)
    if spec.kind == Kind.OUTCOMES:
        outcomes = dict(OUTCOME_CHOICES)
        return "；".join(f"{choice_label(spec, k)}：{outcomes[v]}" for k, v in value.items())
    if spec.kind == Kind.VOCABULARY:
        return "、".join(t.name for t in value)
    if spec.kind == Kind.PLAN_SECTIONS:
        return "、".join(t.name for t in value)
    if spec.kind == Kind.FACTORS:
        return "；".join(f"{f.name} {_fmt(f.weight)}" for f in value)
    if spec.kind == Kind.TEXTS:
        return "；".join(f"{choice_label(spec, k)}：{v}" for k, v in value.items())
    if spec.kind == Kind.BOOL:
        return _("是") if value else _("否")
    if spec.kind == Kind.DATETIME:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if spec.kind == Kind.DECIMAL:
        return _fmt(value)
    if spec.kind == Kind.CHOICES:
        return "、".join(choice_label(spec, v) for v in value)
    if spec.kind == Kind.CHECKLISTS:
        return "、".join(_checklist_names(value))
    if spec.kind == Kind.REVIEW_CHAIN:
        parts = []
        for step in value:
            who = "、".join(participant_label(p) for p in step.participants)
            joint = _("联合") if step.is_joint and len(step.participants) > 1 else ""
            parts.append(f"{step.name}（{who}{joint}）")
        return " → ".join(parts)
    if spec.kind == Kind.COMMITMENTS:
        return "；".join(f"{c.group + '：' if c.group else ''}{c.text}" for c in value)
    return str(value)


def _detail(spec: ParamSpec, value) -> list[dict] | None:
    """Structured values as rows, for pages that show them as lists rather than one line."""
    if value is None:
        return None
    if spec.kind == Kind.REVIEW_CHAIN:
        return [
            {
                "name": step.name,
                "who": "、".join(participant_label(p) for p in step.participants),
                "joint": step.is_joint and len(step.participants) > 1,
            }
            for step in value
        ]
    if spec.kind == Kind.COMMITMENTS:
        return [{"code": c.code, "group": c.group, "text": c.text} for c in value]
    if spec.kind == Kind.FACTORS:
        return [{"label": f.name, "weight": _fmt(f.weight)} for f in value]
    if spec.kind == Kind.CHECKLISTS:
        from fugong.policy.models import ChecklistDefinition

        names = dict(ChecklistDefinition.objects.filter(key__in=value).values_list("key", "name"))
        return [{"key": k, "name": names.get(k, k)} for k in value]
    return None


def parameter_rows(params: PolicyParameters) -> list[dict]:
    """Every parameter with its label, unit and display value, in spec order (grouped by ``group``)."""
    rows = []
    for s in PARAMETER_SPECS:
        value = getattr(params, s.key)
        rows.append(
            {
                "key": s.key,
                "label": s.label,
                "unit": s.unit if value is not None else "",
                "group": s.group,
                "kind": str(s.kind),
                "value": value,
                "help": s.help,
                "display": display_value(s, value, params),
                "detail": _detail(s, value),
            }
        )
    return rows


def diff_parameters(old: PolicyParameters | None, new: PolicyParameters) -> list[dict]:
    """The parameters whose value differs, for the version history."""
    rows = []
    for s in PARAMETER_SPECS:
        before = getattr(old, s.key) if old is not None else None
        after = getattr(new, s.key)
        if before != after:
            rows.append(
                {
                    "key": s.key,
                    "label": s.label,
                    "unit": s.unit if after is not None else "",
                    "before_unit": s.unit if before is not None else "",
                    "before": display_value(s, before, old),
                    "after": display_value(s, after, new),
                }
            )
    return rows
