"""A deterministic demo city: Zhuji (诸暨, 330681) with its real towns and plausible firms.

The same seed gives the same data every time; ``size`` scales the number of firms so that benchmarks
build a 20,000-firm city with the code that builds the 300-firm demo.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc as uscc_std

from fugong.accounts.departments import ensure_default_departments
from fugong.accounts.models import Department, User
from fugong.accounts.roles import Role
from fugong.enterprises.models import (
    CanteenSitting,
    DormRoom,
    Enterprise,
    EnterpriseStatus,
    EnterpriseStatusChange,
    GatePoint,
    GridLevel,
    GridUnit,
    IndustryClass,
    IsolationKind,
    IsolationRoom,
    PreventionTeamMember,
    ResumptionMode,
    ShuttleRoute,
    TeamRole,
    Zone,
    ZoneKind,
)
from fugong.regions.models import Region, RegionLevel

CITY_CODE = "330681"  # 诸暨市
OUTSIDE_COUNTY_CODE = "330602"  # 越城区, home of the outsider accounts
DEMO_PASSWORD = "Fugong@2026"

# Zhuji's industry clusters by town: (GB/T 4754 division, product word, department code).
CLUSTERS = {
    "大唐街道": [("17", "袜业", "industry"), ("17", "针织", "industry"), ("18", "服饰", "industry")],
    "店口镇": [
        ("33", "五金", "industry"),
        ("32", "铜业", "industry"),
        ("34", "阀门", "industry"),
        ("38", "电器", "industry"),
    ],
    "山下湖镇": [("24", "珍珠", "commerce"), ("24", "珠宝", "commerce")],
    "枫桥镇": [("17", "纺织", "industry"), ("18", "服装", "industry"), ("34", "机械", "industry")],
    "次坞镇": [("33", "金属制品", "industry"), ("30", "建材", "construction")],
    "姚江镇": [("38", "电机", "industry"), ("36", "汽车零部件", "industry")],
}
GENERAL = [
    ("13", "食品", "agriculture"),
    ("14", "饮料", "agriculture"),
    ("27", "医药", "development"),
    ("35", "医疗器械", "development"),
    ("17", "纺织", "industry"),
    ("29", "塑料制品", "industry"),
    ("34", "机械", "industry"),
    ("35", "环保设备", "industry"),
    ("38", "电气", "industry"),
    ("39", "电子", "industry"),
    ("26", "新材料", "industry"),
    ("22", "纸业", "industry"),
    ("36", "汽车配件", "industry"),
    ("44", "热电", "development"),
    ("46", "水务", "construction"),
    ("54", "物流", "transport"),
]
BRAND_SYLLABLES = list("华盛海天恒达兴隆金鑫鸿宏伟建丰瑞祥和泰安越浣暨诚信远东方正新宇明光永嘉富源通博联众创")
SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏吕丁沈任姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷黎史龙陶贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢骆岳齐"
)
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红玲文斌辉鹏飞云燕萍亮波宁凯晨浩宇欣怡")
TOWN_ROADS = ["工业路", "兴业路", "创业大道", "科技路", "开发路", "振兴路", "人民路", "望云路", "浣东路"]


@dataclass
class DemoResult:
    firms: int = 0
    applications: int = 0
    employees: int = 0
    users: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, scope)


def make_uscc(rng: random.Random, serial: int, area_code: str = CITY_CODE) -> str:
    # 9 = registered by market regulation, 1 = enterprise; the county code; a 9-char organisation code.
    # Six digits of serial keep codes unique up to a province-sized 999,999 firms.
    body = f"91{area_code}" + f"{serial:06d}{rng.randrange(1000):03d}"
    return body + uscc_std.calc_check_digit(body)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def ensure_regions() -> Region:
    from fugong.regions.services import load_divisions

    load_divisions(CITY_CODE, villages=True)
    load_divisions(OUTSIDE_COUNTY_CODE)
    return Region.objects.get(code=CITY_CODE)


def ensure_policy(city: Region) -> None:
    from fugong.policy.models import Policy
    from fugong.policy.services import apply_preset

    if not Policy.objects.filter(region=city).exists():
        # In force for two months already, so that returns dated in the past are decided under it.
        apply_preset(city, "N0", actor=None, effective_from=timezone.localdate() - dt.timedelta(days=60))
        adopt_workplace_rules(Policy.objects.get(region=city))


# The workplace measures the demo city takes over from the other notices, each value citing its notice.
ADOPTED = {
    "N1": ("max_people_per_car", "required_supplies"),
    "N2": ("disinfection_areas", "disinfection_rounds"),
    "N3": ("gathering_plan_threshold", "meal_group_max"),
    "N4": ("dorm_max_per_room", "dorm_min_area_per_person_m2", "canteen_staggered_meals"),
}
# Values no notice gives: the demo city's own, with their basis.
LOCAL_VALUES = {
    "incident_isolate_minutes": 30,
    "incident_report_minutes": 120,
    "incident_transfer_minutes": 240,
    "incident_contacts_minutes": 480,
    "incident_notify_minutes": 720,
    "contact_lookback_days": 2,
    # The whole chain: the firm isolates and reports, the health bureau transfers, traces and
    # investigates, the town seals, notifies, observes and closes.
    "incident_steps": {
        "isolate": "enterprise",
        "report": "enterprise",
        "transfer": "dept:health",
        "seal_disinfect": "town",
        "find_contacts": "dept:health",
        "notify_contacts": "town",
        "observe": "town",
        "investigate": "dept:health",
        "close": "town",
    },
    "contact_gate_window_minutes": 5,
    "supplies_min_days_of_cover": 7,
    "risk_weight_unmet_item": 5,
    "risk_weight_abnormal_temperature": 30,
    "risk_weight_overdue_test": 3,
    "risk_weight_missed_disinfection": 4,
    "risk_weight_stock_shortage": 10,
}
LOCAL_BASIS = (
    "市防控专班会议纪要：企业防疫物资储备不少于7天用量；督查按风险评分排序；疫情处置各环节时限及办理分工"
)


def adopt_workplace_rules(policy) -> None:
    """Version 2 of the demo policy: the workplace measures of N1–N4 and the city's own values."""
    from fugong.policy.loading import preset_provenance
    from fugong.policy.selectors import get_preset
    from fugong.policy.services import create_version

    latest = policy.versions.order_by("-number").first()
    parameters = dict(latest.parameters)
    provenance = {}
    checklists = list(parameters.get("required_checklists") or [])
    for key, names in ADOPTED.items():
        preset = get_preset(key)
        sources = preset_provenance(preset)
        for name in names:
            parameters[name] = preset.data["parameters"][name]["value"]
            provenance[name] = sources[name]
        for checklist in preset.data["parameters"].get("required_checklists", {}).get("value", []):
            if checklist not in checklists:
                checklists.append(checklist)
    parameters["required_checklists"] = checklists
    parameters.update(LOCAL_VALUES)
    create_version(
        policy,
        parameters,
        effective_from=timezone.localdate() - dt.timedelta(days=30),
        based_on=latest.number,
        note=LOCAL_BASIS,
        allow_past=True,
        provenance=provenance,
    )


def _firm_rows(
    rng: random.Random, size: int, towns: list[Region], departments: dict, classes: dict, area_code: str
):
    # Industrial towns carry most firms, as in the real city.
    weights = [6 if t.name in CLUSTERS else (3 if t.name.endswith("街道") else 2) for t in towns]
    used_names: set[tuple[str, int]] = set()
    for serial in range(1, size + 1):
        town = rng.choices(towns, weights)[0]
        cluster = CLUSTERS.get(town.name, []) + GENERAL
        division, product, dept_code = rng.choice(cluster)
        while True:
            brand = "".join(rng.sample(BRAND_SYLLABLES, 2))
            prefix = rng.choice(("诸暨市", "浙江", "诸暨"))
            suffix = (
                rng.choice(("有限公司", "股份有限公司", "科技有限公司", "制造有限公司"))
                if product not in ("水务", "热电")
                else "有限公司"
            )
            name = f"{prefix}{brand}{product}{suffix}"
            if (name, town.pk) not in used_names:
                used_names.add((name, town.pk))
                break
        headcount = int(rng.lognormvariate(4.0, 1.0)) + 8
        above_size = headcount >= 80 or rng.random() < 0.15
        essential = product in ("水务", "热电", "食品", "医药", "医疗器械")
        yield Enterprise(
            name=name,
            uscc=make_uscc(rng, serial, area_code),
            legal_representative=person_name(rng),
            legal_representative_phone=phone(rng),
            prevention_lead=person_name(rng),
            prevention_lead_phone=phone(rng),
            address=f"浙江省{town.parent.name}{town.name}{rng.choice(TOWN_ROADS)}{rng.randrange(1, 899)}号",
            town=town,
            department=departments[dept_code],
            industry_class=classes.get(division),
            is_essential_public_service=product in ("水务", "热电"),
            is_epidemic_supplies=product in ("医药", "医疗器械")
            or (product == "纺织" and rng.random() < 0.1),
            is_daily_necessities=product in ("食品", "饮料"),
            is_key_exporter=rng.random() < (0.35 if product in ("袜业", "珍珠", "五金", "针织") else 0.08),
            is_listed=above_size and rng.random() < 0.06,
            is_key_manufacturing=above_size and rng.random() < 0.3,
            is_above_size=above_size,
            efficiency_class=rng.choices("ABCD", (2, 4, 3, 1))[0] if above_size else "",
            normal_headcount=headcount,
            normal_daily_output=Decimal(headcount * rng.uniform(0.15, 0.6)).quantize(Decimal("0.01")),
            local_employee_share=Decimal(rng.uniform(25, 95)).quantize(Decimal("0.01")),
            resumption_mode=rng.choice(ResumptionMode.values),
            status=rng.choices(
                EnterpriseStatus.values,
                (30, 10, 52, 6, 2) if not essential else (5, 5, 88, 2, 0),
            )[0],
        )


def _insert(rows) -> None:
    batch: list[Enterprise] = []
    for firm in rows:
        batch.append(firm)
        if len(batch) >= 2000:
            Enterprise.objects.bulk_create(batch, ignore_conflicts=True, batch_size=2000)
            batch = []
    if batch:
        Enterprise.objects.bulk_create(batch, ignore_conflicts=True, batch_size=2000)


def _record_initial_statuses() -> None:
    """Firms load with the status they had when the city started using FuGong; the history says so."""
    changed = Enterprise.objects.exclude(status=EnterpriseStatus.NOT_RESUMED).filter(
        status_changes__isnull=True
    )
    EnterpriseStatusChange.objects.bulk_create(
        [
            EnterpriseStatusChange(
                enterprise_id=pk,
                from_status=EnterpriseStatus.NOT_RESUMED,
                to_status=status,
                reason="系统启用时的企业状态",
                source="初始数据",
            )
            for pk, status in changed.values_list("pk", "status").iterator()
        ],
        batch_size=2000,
    )


def _add_parts(rng: random.Random, firm: Enterprise) -> None:
    PreventionTeamMember.objects.create(
        enterprise=firm,
        name=firm.legal_representative,
        team_role=TeamRole.LEADER,
        position="法定代表人",
        phone=firm.legal_representative_phone,
        duties="全面负责本企业疫情防控工作",
    )
    PreventionTeamMember.objects.create(
        enterprise=firm,
        name=firm.prevention_lead,
        team_role=TeamRole.DEPUTY,
        position="防疫专员",
        phone=firm.prevention_lead_phone,
        duties="员工健康监测、台账登记、物资保障",
    )
    for kind in (ZoneKind.PRODUCTION, ZoneKind.LIVING, ZoneKind.LOGISTICS, ZoneKind.WASTE):
        Zone.objects.create(enterprise=firm, kind=kind, name=ZoneKind(kind).label)
    production = firm.zones.get(kind=ZoneKind.PRODUCTION)
    for w in range(1, rng.randint(2, 4)):
        workshop = GridUnit.objects.create(
            enterprise=firm,
            level=GridLevel.WORKSHOP,
            name=f"{w}号车间",
            leader=person_name(rng),
            zone=production,
        )
        for t in range(1, 3):
            team = GridUnit.objects.create(
                enterprise=firm,
                parent=workshop,
                level=GridLevel.TEAM,
                name=f"{w}车间{t}班",
                leader=person_name(rng),
            )
            GridUnit.objects.create(
                enterprise=firm, parent=team, level=GridLevel.POST, name=f"{w}-{t}-01岗位"
            )
    for n in range(1, rng.randint(3, 9)):
        DormRoom.objects.create(
            enterprise=firm,
            building="1号宿舍楼",
            number=f"{100 + n}",
            capacity=rng.choice((4, 6, 8)),
            area_m2=Decimal(rng.choice((14, 18, 20, 24))),
        )
    CanteenSitting.objects.create(
        enterprise=firm, canteen="职工食堂", name="第一批", starts_at="11:00", ends_at="11:30", seats=60
    )
    CanteenSitting.objects.create(
        enterprise=firm, canteen="职工食堂", name="第二批", starts_at="11:40", ends_at="12:10", seats=60
    )
    ShuttleRoute.objects.create(
        enterprise=firm,
        name="城区线",
        vehicle_plate=f"浙D{rng.randrange(10**5):05d}",
        driver_name=person_name(rng),
        driver_phone=phone(rng),
        supervisor_name=person_name(rng),
        seats=rng.choice((19, 33, 45)),
        route="城区—厂区",
    )
    IsolationRoom.objects.create(
        enterprise=firm,
        kind=IsolationKind.ISOLATION_ROOM,
        name="临时隔离室",
        location="厂区东侧独立平房",
        capacity=2,
    )
    GatePoint.objects.create(enterprise=firm, name="东大门", location="厂区东侧")


@transaction.atomic
def build_city(
    size: int = 300,
    seed: int = 20200210,
    with_parts: bool = True,
    with_applications: bool = True,
    with_rosters: bool = True,
) -> DemoResult:
    """Idempotent: firms are keyed by credit code, so running it twice creates nothing new."""
    rng = random.Random(seed)
    ensure_default_departments()
    city = ensure_regions()
    ensure_policy(city)
    towns = list(Region.objects.within(city).filter(level=RegionLevel.TOWN).order_by("code"))
    departments = {d.code: d for d in Department.objects.all()}
    classes = {c.code: c for c in IndustryClass.objects.all()}
    result = DemoResult()
    firms_before = Enterprise.objects.filter(town__path__startswith=city.path).count()
    _insert(_firm_rows(rng, size, towns, departments, classes, CITY_CODE))
    # A few firms next door, so that the outsider accounts see something that is not 诸暨's.
    outside = Region.objects.get(code=OUTSIDE_COUNTY_CODE)
    # All in the outsider's own street, so that even a tiny city gives them something to see.
    outside_towns = list(Region.objects.within(outside).filter(level=RegionLevel.TOWN).order_by("code")[:1])
    _insert(
        _firm_rows(
            random.Random(seed + 2),
            max(3, size // 30),
            outside_towns,
            departments,
            classes,
            OUTSIDE_COUNTY_CODE,
        )
    )
    _record_initial_statuses()
    firms = Enterprise.objects.filter(town__path__startswith=city.path).order_by("uscc")
    result.firms = firms.count()
    if with_parts:
        parts_rng = random.Random(seed + 1)
        for firm in firms.filter(is_above_size=True)[:60]:
            if not firm.zones.exists():
                _add_parts(parts_rng, firm)
    result.users = ensure_users(city, firms)
    if with_applications:
        from fugong.demo.applications import build_applications

        result.applications = build_applications(city)
    if with_rosters:
        from fugong.demo import workforce

        model_firm = User.objects.get(username="qiye").enterprise
        # The firm the demo's officer signs in to keeps a temporary isolation room (N4's isolation area),
        # so that its fever is isolated there like any well-run firm's.
        if not IsolationRoom.objects.filter(enterprise=model_firm).exists():
            IsolationRoom.objects.create(
                enterprise=model_firm,
                kind=IsolationKind.ISOLATION_ROOM,
                name="临时隔离室",
                location="门岗东侧独立房间",
                capacity=2,
            )
        others = firms.exclude(pk=model_firm.pk).filter(zones__isnull=False).distinct()[:9]
        result.employees = workforce.build_rosters(city, [model_firm, *others])
        workforce.build_checkpoint_arrivals(city)
        workforce.link_employee_login(model_firm)
        from fugong.demo.monitoring import build_monitoring

        build_monitoring(city, [model_firm, *others])
        build_workplace(city, [model_firm, *others])
    if created := result.firms - firms_before:
        from fugong.audit.services import record

        record(
            None,
            "demo.load_city",
            city,
            after={"firms_created": created, "size": size, "seed": seed},
            note="载入演示城市数据（企业按初始状态直接建档）",
        )
    return result


# The workplace apps' demo data (disinfection, supplies, arrangements, gatherings, surveys), each made
# through its services; the compliance pictures come last, built from all of it.
WORKPLACE_DEMOS = [
    "fugong.demo.arrangements",
    "fugong.demo.disinfection",
    "fugong.demo.supplies",
    "fugong.demo.gatherings",
    "fugong.demo.surveys",
    "fugong.demo.compliance",
    "fugong.demo.incidents",
]


def build_workplace(city: Region, firms: list) -> None:
    from importlib import import_module

    for name in WORKPLACE_DEMOS:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.build(city, firms)


def set_demo_password(user: User) -> None:
    """The demo's one password, held to the password rules (settings.AUTH_PASSWORD_VALIDATORS) like any
    other: the README and ``load_demo`` print it, so it must be one the system would accept."""
    validate_password(DEMO_PASSWORD, user)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])


def ensure_users(city: Region, firms) -> list[tuple[str, str, str]]:
    towns = {t.name: t for t in Region.objects.within(city).filter(level=RegionLevel.TOWN)}
    depts = {d.code: d for d in Department.objects.all()}
    outside = Region.objects.get(code=OUTSIDE_COUNTY_CODE)
    outside_town = Region.objects.within(outside).filter(level=RegionLevel.TOWN).order_by("code").first()
    # The enterprise accounts belong to a sizeable 店口 firm; a tiny benchmark city may have none.
    model_firm = (
        firms.filter(town=towns["店口镇"], is_above_size=True).order_by("uscc").first()
        or firms.filter(town=towns["店口镇"]).order_by("uscc").first()
        or firms.order_by("uscc").first()
    )
    grid_firms = list(firms.filter(town=towns["暨阳街道"]).order_by("uscc")[:8])
    specs = [
        ("zhuanban", Role.TASK_FORCE, "诸暨市疫情防控工作领导小组", {"region": city}),
        ("jingxin", Role.DEPARTMENT, "市经信局", {"region": city, "department": depts["industry"]}),
        ("weijian", Role.DEPARTMENT, "市卫健局", {"region": city, "department": depts["health"]}),
        ("fagai", Role.DEPARTMENT, "市发改局", {"region": city, "department": depts["development"]}),
        ("diankou", Role.TOWN, "店口镇", {"region": towns["店口镇"]}),
        ("datang", Role.TOWN, "大唐街道", {"region": towns["大唐街道"]}),
        ("jiyang", Role.TOWN, "暨阳街道", {"region": towns["暨阳街道"]}),
        ("wangge", Role.GRID_WORKER, "暨阳街道网格员", {"region": towns["暨阳街道"]}),
        ("ducha", Role.INSPECTOR, "市督查组", {"region": city}),
        ("qiye", Role.ENTERPRISE, model_firm.name, {"enterprise": model_firm}),
        ("menggang", Role.GATE_KEEPER, model_firm.name, {"enterprise": model_firm}),
        ("yuangong", Role.EMPLOYEE, model_firm.name, {"enterprise": model_firm}),
        ("waibu", Role.TOWN, f"越城区{outside_town.name}（外部人员）", {"region": outside_town}),
    ]
    rows = []
    rng = random.Random(7)
    for username, role, label, scope in specs:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "full_name": person_name(rng), **scope}
        )
        if created:
            set_demo_password(user)
        if role == Role.GRID_WORKER:
            user.assigned_enterprises.add(*grid_firms)
        rows.append((username, Role(role).label, label))
    return rows
