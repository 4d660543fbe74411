"""Rosters for demo firms, imported through the real roster path, with returners from several places —
some from a risk area, some from the no-return area — then arrivals, pre-reports and checkpoint records
made through the services, so that every decision shown in the demo was reached by the rules."""

import datetime as dt
import io
import random

from django.utils import timezone
from stdnum.cn import ric

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.core import crypto
from fugong.demo.applications import _officer
from fugong.demo.city import person_name, phone
from fugong.enterprises.models import Enterprise
from fugong.policy.models import Policy, RiskArea
from fugong.policy.services import add_risk_area
from fugong.regions.models import Region
from fugong.workforce import services
from fugong.workforce.models import Employee, EmployeeStatus, ReturnDecision
from fugong.workforce.returns import services as returns
from fugong.workforce.roster.excel import COLUMNS, write_roster
from fugong.workforce.roster.importing import import_roster

# Home counties of returners: (code, name, weight). 420102 lies in the demo preset's no-return area (湖北).
HOMES = [
    ("330681", "诸暨市", 10),
    ("361102", "信州区", 3),
    ("341202", "颍州区", 3),
    ("520102", "南明区", 2),
    ("410102", "中原区", 2),
    ("310115", "浦东新区", 2),
    ("420102", "江岸区", 1),
]
DEMO_RISK_AREA = ("310115", "上海市浦东新区", "medium")
TRANSPORT = ["火车/高铁", "客车/大巴", "自驾", "企业包车"]


def _id_number(rng: random.Random, county: str) -> str:
    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
    body = f"{county}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _row(rng: random.Random, firm: Enterprise, n: int, today: dt.date) -> dict:
    code, county, _ = rng.choices(HOMES, [h[2] for h in HOMES])[0]
    local = code == "330681"
    row = {
        "name": person_name(rng),
        "enterprise_name": firm.name,
        "employee_no": f"E{n:04d}",
        "id_number": _id_number(rng, code),
        "department_name": rng.choice(["生产部", "质检部", "仓储部", "行政部"]),
        "job": rng.choice(["操作工", "质检员", "仓管员", "机修工", "文员"]),
        "phone": phone(rng),
        "residence_address": f"{firm.town.name}{rng.choice(['望云路', '工业路', '兴业路'])}{rng.randint(1, 300)}号",
        "residence_region": firm.town.code if local else code,
        "has_fever": "否",
    }
    if local:
        return row | {"left": "否", "has_returned": "否"}
    back = rng.random() < 0.6
    left_on = today - dt.timedelta(days=rng.randint(15, 40))
    row |= {
        "left": f"是 {left_on:%Y-%m-%d}",
        "destination": county,
        "current_city": "诸暨市" if back else county,
        "has_returned": "是" if back else "否",
        "transport": rng.choice(TRANSPORT),
        "transport_number": f"G{rng.randint(1000, 9999)}",
    }
    if back:
        returned = today - dt.timedelta(days=rng.randint(0, 10))
        row |= {
            "return_date": f"{returned:%Y-%m-%d}",
            "travel": f"{county}（{code}） {returned - dt.timedelta(days=10):%Y-%m-%d}至{returned:%Y-%m-%d}",
        }
    else:
        row["expected_return_date"] = f"{today + dt.timedelta(days=rng.randint(2, 6)):%Y-%m-%d}"
    return row


def _risk_area(city: Region, today: dt.date) -> None:
    policy = Policy.objects.filter(region=city).first()
    code, name, level = DEMO_RISK_AREA
    if policy and not RiskArea.objects.filter(policy=policy, region_code__startswith=code).exists():
        add_risk_area(
            policy,
            region_code=code,
            name=name,
            level=level,
            valid_from=today - dt.timedelta(days=20),
            source="演示数据：上级通报的中风险地区",
        )


def build_rosters(city: Region, firms: list[Enterprise], seed: int = 17, people: int = 30) -> int:
    """Idempotent: firms that already have people are left alone."""
    rng = random.Random(seed)
    today = timezone.localdate()
    _risk_area(city, today)
    from fugong.regions.services import load_divisions

    for code, _name, _weight in HOMES:  # returners' home counties, for residence and travel records
        load_divisions(code)
    made = 0
    for firm in firms:
        if firm.employees.exists():
            continue
        officer = _officer(firm, rng)
        rows = [_row(rng, firm, n, today) for n in range(1, people + 1)]
        book = write_roster([[row.get(c.key) for c in COLUMNS] for row in rows])
        result = import_roster(officer, firm, io.BytesIO(book), filename="demo.xlsx")
        if not result.ok:
            raise RuntimeError(f"demo roster for {firm} refused: {result.errors[:3]}")
        made += result.created
        _move_people(officer, firm, today)
    return made


def _move_people(officer: User, firm: Enterprise, today: dt.date) -> None:
    staff = list(firm.employees.order_by("pk"))
    for person in staff:
        if person.return_date:
            services.record_arrival_at_plant(officer, person, arrived_on=person.return_date)
        elif person.is_local and not person.left_locality:
            services.record_arrival_at_plant(officer, person, arrived_on=today)
        person.refresh_from_db()
        if person.status == EmployeeStatus.ARRIVED and person.decision == ReturnDecision.MAY_RETURN:
            services.change_status(
                officer, person, EmployeeStatus.AT_WORK, "本地员工，无风险旅居史，直接上岗"
            )
    expected = [p for p in firm.employees.filter(expected_return_date__gt=today).order_by("pk")]
    by_date: dict[dt.date, list[Employee]] = {}
    for person in expected:
        if person.decision != ReturnDecision.BARRED:
            by_date.setdefault(person.expected_return_date, []).append(person)
    for day, people in sorted(by_date.items()):
        returns.pre_report(officer, people, day)


def build_checkpoint_arrivals(city: Region, seed: int = 19) -> None:
    """Two matched arrivals of pre-reported people and one stranger the town must follow up."""
    from fugong.workforce.models import CheckpointArrival

    if CheckpointArrival.objects.filter(town__path__startswith=city.path).exists():
        return
    rng = random.Random(seed)
    reported = list(
        Employee.objects.filter(enterprise__town__path__startswith=city.path, pre_reports__isnull=False)
        .select_related("enterprise__town")
        .order_by("pk")
        .distinct()[:2]
    )
    for person in reported:
        town = person.enterprise.town
        officer = User.objects.filter(role=Role.TOWN, region=town).first() or User.objects.get(
            username="zhuanban"
        )
        returns.record_arrival(
            officer,
            town,
            checkpoint="G60沪昆高速诸暨出口卡口",
            name=person.name,
            id_number=crypto.decrypt(
                person.id_number_encrypted
            ),  # read off the ID card phone=person.phone, came_from=person.destination,
            vehicle=person.transport_number,
            stated_employer=person.enterprise.name,
            client_key=f"demo-arrival-{person.pk}",
        )
    town = Region.objects.get(code="330681104")  # 店口镇
    officer = User.objects.get(username="diankou")
    returns.record_arrival(
        officer,
        town,
        checkpoint="G60沪昆高速诸暨出口卡口",
        name=person_name(rng),
        id_number=_id_number(rng, "361102"),
        phone=phone(rng),
        came_from="上饶市信州区",
        vehicle="赣E12345",
        stated_employer="店口镇某五金厂",
        client_key="demo-arrival-stranger",
    )


def link_employee_login(firm: Enterprise) -> None:
    """The ``yuangong`` login opens its own file: it is linked to one of the model firm's people and
    bears that person's name (the account was created with a random name before any file existed).
    A database loaded before this was fixed gets the name put right on the next load."""
    user = User.objects.filter(username="yuangong").first()
    if user is None:
        return
    person = Employee.objects.filter(user=user).first()
    if person is None:
        person = firm.employees.filter(user__isnull=True).order_by("pk").first()
        officer = User.objects.filter(role=Role.ENTERPRISE, enterprise=firm).order_by("pk").first()
        if person is None or officer is None:
            return
        person = services.link_account(officer, person, user)
    if user.full_name != person.name:
        user.full_name = person.name
        user.save(update_fields=["full_name"])
