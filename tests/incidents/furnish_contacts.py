"""The contact search's scene (generated assignments, gate entries, visitors, declarations around an index
person) for the tests, and Contact rows for the scope walk."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from fugong.arrangements.models import Carpool
from fugong.enterprises.models import GatePoint
from fugong.incidents import services
from fugong.incidents.models import Contact, IncidentSource
from fugong.operations.models import EmployeeEntry, Visitor
from fugong.workforce.models import CloseContact
from fugong.workforce.validation import mask_id_number
from tests.arrangements.conftest import grid, place, room, route, sitting, staff
from tests.incidents.furnish import incident_policy

READ_CAPABILITY = {"incident-contacts": "incidents.view"}

CONTACT_POLICY = {
    "contact_lookback_days": 2,
    "contact_gate_window_minutes": 5,
    "case_contact_outcome": "isolate",
}


def day(n: int) -> dt.date:
    """``n`` days before today."""
    return timezone.localdate() - dt.timedelta(days=n)


def at(n: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day(n), dt.time(hour, minute)))


def entry(person, gate, when):
    return EmployeeEntry.objects.create(
        enterprise=person.enterprise, employee=person, gate=gate, at=when, temperature=Decimal("36.5")
    )


def visitor(firm, gate, when, name="访客", number="330681199001011234"):
    return Visitor.objects.create(
        enterprise=firm,
        gate=gate,
        name=name,
        id_number_encrypted="x",
        id_number_index=f"{name}-{when.timestamp()}",
        id_number_masked=mask_id_number(number),
        phone="13900000000",
        host="张经理",
        purpose="送货",
        temperature=Decimal("36.4"),
        time_in=when,
    )


def scene(firm):
    """An index person and the people around them. Window (lookback 2 days from yesterday 09:00, until
    now = today 09:00): the days 3 days ago … today. Each name says what the search must find."""
    names = [
        "主病例",
        "同屋甲",
        "旧室友",
        "隔壁住",
        "班车乙",
        "同餐丙",
        "车间丁",
        "岗位戊",
        "拼车己",
        "门岗庚",
        "门岗迟",
        "别门辛",
        "早进壬",
        "旧餐癸",
        "王申报",
    ]
    people = dict(zip(names, staff(firm, len(names)), strict=True))
    from fugong.workforce.models import Employee

    for name, person in people.items():
        Employee.objects.filter(pk=person.pk).update(name=name)
        person.name = name
    index = people["主病例"]
    r1, r2 = room(firm, "101"), room(firm, "102")
    place([index], r1, starts_on=day(20))
    place([people["同屋甲"]], r1, starts_on=day(10), ends_on=day(2))  # 3 and 2 days ago: 2 nights
    place([people["旧室友"]], r1, starts_on=day(20), ends_on=day(4))  # left before the window
    place([people["隔壁住"]], r2, starts_on=day(20))
    bus = route(firm)
    place([index], bus, starts_on=day(20))
    place([people["班车乙"]], bus, starts_on=day(5))  # 4 days
    k1, k2 = sitting(firm), sitting(firm, "第二批", starts="12:00", ends="12:30")
    place([index], k1, starts_on=day(20))
    place([people["同餐丙"]], k1, starts_on=day(1), ends_on=day(1))  # 1 day
    place([index], k2, starts_on=day(20), ends_on=day(4))  # the index person left k2 before the window
    place([people["旧餐癸"]], k2, starts_on=day(20))
    g1 = grid(firm)
    post = grid(firm, "一号岗", level="post", parent=g1)
    place([index, people["车间丁"]], g1, starts_on=day(30))  # 4 days
    place([people["岗位戊"]], post, starts_on=day(30))  # a post below the unit: not the same unit
    car = Carpool.objects.create(enterprise=firm, plate="浙D88888", seats=5)
    place([index], car, starts_on=day(20))
    place([people["拼车己"]], car, starts_on=day(2))  # 3 days
    gate1 = GatePoint.objects.create(enterprise=firm, name="东门")
    gate2 = GatePoint.objects.create(enterprise=firm, name="西门")
    entry(index, gate1, at(1, 8))
    entry(index, gate1, at(2, 8))
    entry(index, gate1, at(5, 8))  # before the window
    entry(people["门岗庚"], gate1, at(1, 8, 3))  # 3 minutes after
    entry(people["门岗迟"], gate1, at(1, 8, 10))  # 10 minutes: too late
    entry(people["别门辛"], gate2, at(1, 8, 1))  # another gate
    entry(people["早进壬"], gate1, at(5, 8, 1))  # beside an entry outside the window
    entry(people["同屋甲"], gate1, at(2, 8, 4))
    guest = visitor(firm, gate1, at(2, 7, 58), name="来访客")
    visitor(firm, gate1, at(2, 9, 0), name="晚访客")
    CloseContact.objects.create(employee=index, contact_date=day(1), description="与王申报同桌吃饭")
    CloseContact.objects.create(employee=index, contact_date=day(1), description="与快递员当面交接")
    CloseContact.objects.create(employee=index, contact_date=day(9), description="与隔壁住聊天")  # too early
    return SimpleNamespace(people=people, index=index, visitor=guest, gate=gate1)


def incident_for(world, firm, index, *, actor=None):
    return services.open_incident(
        actor,
        firm,
        source=IncidentSource.REPORT,
        employees=[index],
        reference_at=at(1, 9),
        report="卫健部门通报：核酸检测阳性",
    )


def furnish(world):
    incident_policy(world, **CONTACT_POLICY)
    for firm in (world.firm_a, world.firm_b, world.firm_c):
        index, other = staff(firm, 2, prefix=f"{firm.pk}号员工")
        incident = incident_for(world, firm, index)
        Contact.objects.create(
            incident=incident,
            employee=other,
            reasons=[{"kind": "dorm", "text": "同宿舍 1 晚", "count": 1}],
            score=10,
        )
