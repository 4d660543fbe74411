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
    WEIGHTS = "weights"  # {tag: weight} with tags from ``choices``
    REVIEW_CHAIN = "review_chain"
    COMMITMENTS = "commitments"
    CHECKLISTS = "checklists"  # ChecklistDefinition keys


SECTOR_CHOICES = (
    ("essential_public_service", gettext_lazy("保障公共事业运行必需")),
    ("epidemic_supplies", gettext_lazy("疫情防控必需")),
    ("daily_necessities", gettext_lazy("群众生活必需")),
)
DISINFECTION_AREA_CHOICES = (
    ("workshop", gettext_lazy("车间工作区")),
    ("office", gettext_lazy("办公室")),
    ("dormitory", gettext_lazy("宿舍区")),
    ("canteen", gettext_lazy("餐厅食堂")),
    ("isolation_site", gettext_lazy("隔离场所")),
    ("commuter_vehicle", gettext_lazy("通勤车辆")),
)
DISINFECTION_ROUND_CHOICES = (
    ("before_work", gettext_lazy("上班前")),
    ("after_work", gettext_lazy("下班后")),
)
DOCUMENT_CHOICES = (
    ("prevention_team", gettext_lazy("疫情防控工作小组名单")),
    ("prevention_plan", gettext_lazy("疫情防控工作方案")),
    ("production_plan", gettext_lazy("复工生产方案")),
    ("emergency_plan", gettext_lazy("疫情防控应急预案")),
    ("staff_roster", gettext_lazy("返岗返工人员“一人一档”")),
    ("commitment_letter", gettext_lazy("承诺书")),
    ("resumption_plan", gettext_lazy("复工复产工作方案")),
    ("returning_staff_statistics", gettext_lazy("返岗员工统计明细表")),
    ("operations_manual", gettext_lazy("防疫规范操作手册")),
    ("risk_assessment", gettext_lazy("复工风险评估")),
)
RESUMPTION_MODE_CHOICES = (
    ("closed_in_plant", gettext_lazy("封闭驻厂")),
    ("point_to_point", gettext_lazy("点对点通勤")),
    ("orderly_travel", gettext_lazy("有序出行")),
)
# N0 §一.1 priority classes. local_share is multiplied by the share (0–1); the others count once.
PRIORITY_TAG_CHOICES = (
    ("preparedness", gettext_lazy("疫情防控到位")),
    ("headcount_clarity", gettext_lazy("复工人员底数清")),
    ("local_share", gettext_lazy("本地员工占比（按比例）")),
    ("key_exporter", gettext_lazy("重要出口企业")),
    ("listed", gettext_lazy("上市公司")),
    ("key_manufacturing", gettext_lazy("重点制造业企业")),
    ("above_size", gettext_lazy("规上企业")),
    ("efficiency_a", gettext_lazy("亩均效益A类")),
    ("efficiency_b", gettext_lazy("亩均效益B类")),
    ("efficiency_c", gettext_lazy("亩均效益C类")),
    ("efficiency_d", gettext_lazy("亩均效益D类")),
)
REVIEW_MODE_CHOICES = (
    ("all", gettext_lazy("联合（全部通过，顺序不限）")),
    ("any", gettext_lazy("任一方通过")),
)
# Roles that can stand in a review step; departments are written "dept:<code>", and "dept:@industry"
# means the firm's own industry department (N0 块抓条保), which differs from firm to firm.
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
        help=gettext_lazy("未设置时仍照此办理，判定依据只写政策名称；设为“否”时此类人员改为隔离观察"),
    ),
    ParamSpec(
        "symptomatic_isolated",
        gettext_lazy("体温检测异常或有症状的员工须隔离观察"),
        Kind.BOOL,
        G_RETURN,
        help=gettext_lazy(
            "登记时发热或有症状、但无流行病学史的员工；未设置时仍照此办理，判定依据只写政策名称"
        ),
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
        "disinfection_areas",
        gettext_lazy("必须消杀的区域"),
        Kind.CHOICES,
        G_DISINFECT,
        choices=DISINFECTION_AREA_CHOICES,
    ),
    ParamSpec(
        "disinfection_rounds",
        gettext_lazy("每日消杀轮次"),
        Kind.CHOICES,
        G_DISINFECT,
        choices=DISINFECTION_ROUND_CHOICES,
    ),
    ParamSpec(
        "required_application_documents",
        gettext_lazy("复工申请须提交的材料"),
        Kind.CHOICES,
        G_REVIEW,
        choices=DOCUMENT_CHOICES,
    ),
    ParamSpec(
        "review_chain",
        gettext_lazy("审批流程"),
        Kind.REVIEW_CHAIN,
        G_REVIEW,
        help=gettext_lazy(
            "按顺序的环节；参与方写角色（town、task_force、enterprise、inspector）"
            "或部门（dept:health，dept:@industry 表示企业的行业主管部门）"
        ),
    ),
    ParamSpec(
        "priority_weights",
        gettext_lazy("优先审批权重"),
        Kind.WEIGHTS,
        G_REVIEW,
        min=0,
        max=100,
        choices=PRIORITY_TAG_CHOICES,
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
    mode: str = "any"  # "all": every participant must pass, in any order (N0 联合审核)

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
    fever_threshold_c: Decimal | None = None
    temperature_checks_per_day: int | None = None
    nucleic_test_interval_days: int | None = None
    antigen_daily: bool | None = None
    earliest_resumption_at: dt.datetime | None = None
    essential_sectors_exempt: tuple[str, ...] | None = None
    early_resumption_needs_approval: bool | None = None
    resumption_modes_allowed: tuple[str, ...] | None = None
    max_people_per_car: int | None = None
    dorm_max_per_room: int | None = None
    dorm_min_area_per_person_m2: Decimal | None = None
    gathering_plan_threshold: int | None = None
    meal_group_max: int | None = None
    disinfection_areas: tuple[str, ...] | None = None
    disinfection_rounds: tuple[str, ...] | None = None
    required_application_documents: tuple[str, ...] | None = None
    review_chain: tuple[ReviewStep, ...] | None = None
    priority_weights: dict[str, Decimal] | None = None
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


def _to_json(spec: ParamSpec, value):
    if spec.kind == Kind.DECIMAL:
        return float(value)
    if spec.kind == Kind.DATETIME:
        return timezone.localtime(value).isoformat()
    if spec.kind in (Kind.CHOICES, Kind.CHECKLISTS):
        return list(value)
    if spec.kind == Kind.WEIGHTS:
        return {k: float(v) for k, v in value.items()}
    if spec.kind in (Kind.REVIEW_CHAIN, Kind.COMMITMENTS):
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


class _Errors:
    def __init__(self):
        self.by_key: dict[str, list[str]] = {}

    def add(self, key, message):
        self.by_key.setdefault(key, []).append(str(message))


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


def _parse_weights(spec, raw, errors):
    if not isinstance(raw, dict):
        errors.add(spec.key, _("「%(label)s」须为“类别: 权重”的对照表。") % {"label": spec.label})
        return None
    allowed = dict(spec.choices)
    out = {}
    for tag, weight in raw.items():
        if tag not in allowed:
            errors.add(
                spec.key,
                _("「%(label)s」中的类别「%(tag)s」不存在；可选：%(opts)s。")
                % {"label": spec.label, "tag": tag, "opts": "、".join(allowed)},
            )
            continue
        try:
            value = _parse_decimal(
                ParamSpec(spec.key, spec.label, Kind.DECIMAL, spec.group, "", spec.min, spec.max, 2), weight
            )
        except (ValueError, TypeError):
            errors.add(
                spec.key,
                _("「%(label)s」中「%(tag)s」的权重须为 %(min)s 至 %(max)s 之间、最多两位小数的数值。")
                % {"label": spec.label, "tag": allowed[tag], "min": spec.min, "max": spec.max},
            )
            continue
        out[tag] = value
    order = [k for k, _label in spec.choices]
    return {k: out[k] for k in sorted(out, key=order.index)} or None


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
            errors.add(spec.key, _("%(where)s须包含 key、name、participants、mode。") % {"where": where})
            continue
        key, name = str(item.get("key") or "").strip(), str(item.get("name") or "").strip()
        participants, mode = item.get("participants"), item.get("mode", "any")
        extra = set(item) - {"key", "name", "participants", "mode"}
        problems = []
        if extra:
            problems.append(_("含有未知字段：%(f)s") % {"f": "、".join(sorted(extra))})
        if not _KEY_RE.match(key):
            problems.append(_("环节代码 key 须为小写英文字母开头的字母、数字或下划线"))
        elif key in seen:
            problems.append(_("环节代码「%(key)s」重复") % {"key": key})
        if not name:
            problems.append(_("环节名称 name 不能为空"))
        if not isinstance(participants, list) or not participants:
            problems.append(_("参与方 participants 至少一个"))
        else:
            bad = [
                str(p) for p in participants if not (p in roles or (isinstance(p, str) and _DEPT_RE.match(p)))
            ]
            if bad:
                problems.append(
                    _("参与方「%(bad)s」无效，须为 %(roles)s 或 dept:部门代码")
                    % {"bad": "、".join(bad), "roles": "、".join(sorted(roles))}
                )
            elif len(set(participants)) != len(participants):
                problems.append(_("参与方有重复"))
        if mode not in dict(REVIEW_MODE_CHOICES):
            problems.append(_("方式 mode 须为 all（联合，全部通过）或 any（任一方通过）"))
        if problems:
            errors.add(spec.key, f"{where}：{'；'.join(str(p) for p in problems)}。")
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
            errors.add(spec.key, _("%(where)s须且仅须包含 code、group、text。") % {"where": where})
            continue
        code = str(item.get("code") or "").strip()
        group, text = str(item.get("group") or "").strip(), str(item.get("text") or "").strip()
        problems = []
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", code):
            problems.append(_("编号 code 须为 1–40 位字母、数字、点、横线或下划线"))
        elif code in seen:
            problems.append(_("编号「%(code)s」重复") % {"code": code})
        if not text:
            problems.append(_("承诺内容 text 不能为空"))
        elif len(text) > 500:
            problems.append(_("承诺内容不能超过 500 字"))
        if len(group) > 40:
            problems.append(_("分组 group 不能超过 40 字"))
        if problems:
            errors.add(spec.key, f"{where}：{'；'.join(str(p) for p in problems)}。")
            continue
        seen.add(code)
        out.append(Commitment(code, group, text))
    return tuple(out) or None


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
            elif spec.kind == Kind.CHOICES:
                values[spec.key] = _parse_choices(spec, raw, errors)
            elif spec.kind == Kind.CHECKLISTS:
                values[spec.key] = _parse_checklists(spec, raw, errors)
            elif spec.kind == Kind.WEIGHTS:
                values[spec.key] = _parse_weights(spec, raw, errors)
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
    if errors.by_key:
        raise ValidationError(errors.by_key)
    return PolicyParameters(**values)


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
        raise ValidationError(errors.by_key)
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


def display_value(spec: ParamSpec, value) -> str:
    """One line for pages and diffs; "不适用" when the notice does not set it."""
    if value is None:
        return _("不适用")
    if spec.kind == Kind.BOOL:
        return _("是") if value else _("否")
    if spec.kind == Kind.DATETIME:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if spec.kind == Kind.DECIMAL:
        return _fmt(value)
    if spec.kind == Kind.CHOICES:
        return "、".join(choice_label(spec, v) for v in value)
    if spec.kind == Kind.CHECKLISTS:
        return "、".join(value)
    if spec.kind == Kind.WEIGHTS:
        return "；".join(f"{choice_label(spec, k)} {_fmt(v)}" for k, v in value.items())
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
    if spec.kind == Kind.WEIGHTS:
        return [{"label": choice_label(spec, k), "weight": _fmt(v)} for k, v in value.items()]
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
                "display": display_value(s, value),
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
                    "before": display_value(s, before),
                    "after": display_value(s, after),
                }
            )
    return rows
