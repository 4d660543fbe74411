"""The demo city's daily monitoring, recorded through the real services: yesterday's and today's
temperature rounds (with gaps, a fever and a cough), tests under the city's test cadence (one antigen
positive), the model firm's gate (visitors, a refused feverish visitor, vehicles) and the firms' daily
summaries, yesterday's confirmed.

Idempotent: every record carries a deterministic client key, so a second run stores nothing new.
"""

import datetime as dt
import random

from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.demo.workforce import _id_number
from fugong.enterprises.models import Enterprise
from fugong.monitoring.selectors import ON_SITE
from fugong.monitoring.services import record_bulk
from fugong.regions.models import Region
from fugong.workforce.models import Employee, EmployeeStatus

TESTING_NOTE = "常态化检测：每3天1次全员核酸（参照长春市通知七、（二））"


def _officer(firm: Enterprise) -> User:
    return User.objects.filter(role=Role.ENTERPRISE, enterprise=firm, is_active=True).order_by("pk").first()


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def ensure_test_cadence(city: Region) -> None:
    """The city adds a nucleic test every 3 days to its rules (a week ago), so the demo has tests due."""
    from fugong.policy.models import Policy
    from fugong.policy.services import create_version

    policy = Policy.objects.filter(region=city).first()
    if policy is None:
        return
    latest = policy.versions.order_by("-number").first()
    if latest is None or latest.parameters.get("nucleic_test_interval_days"):
        return
    params = dict(latest.parameters)
    params["nucleic_test_interval_days"] = 3
    start = max(latest.effective_from, timezone.localdate() - dt.timedelta(days=7))
    create_version(
        policy,
        params,
        effective_from=start,
        based_on=policy.latest_number,
        note=TESTING_NOTE,
        allow_past=True,
    )


def _rounds(rng, people, day: dt.date, now: dt.datetime, *, fever=None, cough=None) -> list[dict]:
    rows = []
    fever_pk, cough_pk = getattr(fever, "pk", None), getattr(cough, "pk", None)
    for person in people:
        for number, (hour, minute) in ((1, (8, 20)), (2, (14, 30))):
            moment = _at(day, hour, minute + rng.randrange(0, 25))
            if moment > now or (rng.random() < 0.04 and person.pk not in (fever_pk, cough_pk)):
                continue
            temp = f"{rng.choice(['36.2', '36.4', '36.5', '36.6', '36.8'])}"
            symptoms = []
            # Yesterday afternoon's round: always in the past, whatever time the demo is loaded.
            latest = number == 2 and day < now.date()
            if fever is not None and person.pk == fever.pk and latest:
                temp = "37.6"
            if cough is not None and person.pk == cough.pk and latest:
                symptoms = ["cough"]
            rows.append(
                {
                    "employee": person.pk,
                    "round": number,
                    "measured_at": moment.isoformat(),
                    "temperature": temp,
                    "symptoms": symptoms,
                    "health_code": "green",
                    "client_key": f"demo-{person.pk}-{day:%Y%m%d}-{number}",
                }
            )
    return rows


def build_checkins(firms: list[Enterprise], seed: int = 23) -> int:
    rng = random.Random(seed)
    now = timezone.localtime()
    today = now.date()
    stored = 0
    for index, firm in enumerate(firms):
        officer = _officer(firm)
        people = list(Employee.objects.filter(enterprise=firm, status__in=ON_SITE).order_by("pk"))
        if officer is None or not people:
            continue
        fever = people[3] if index == 0 and len(people) > 3 else None
        cough = people[5] if index == 1 and len(people) > 5 else None
        for day in (today - dt.timedelta(days=1), today):
            rows = _rounds(rng, people, day, now, fever=fever, cough=cough)
            stored += record_bulk(officer, firm, rows).stored
    return stored


def build_gate(firm: Enterprise) -> None:
    from fugong.operations import services

    keeper = User.objects.filter(role=Role.GATE_KEEPER, enterprise=firm).first() or _officer(firm)
    people = list(Employee.objects.filter(enterprise=firm, status=EmployeeStatus.AT_WORK).order_by("pk")[:6])
    for person in people:
        services.record_employee_entry(
            keeper, person, temperature="36.5", health_code="green", client_key=f"demo-entry-{person.pk}"
        )
    rng = random.Random(firm.pk)
    visitors = [
        ("周立新", "330106", "13957500101", "杭州精工机械", "设备维修", "36.4"),
        ("吴海峰", "330681", "13857500202", "诸暨物流", "送货", "36.6"),
        ("沈建国", "330602", "13757500303", "绍兴铜材", "洽谈订单", "37.5"),
    ]
    for n, (name, county, phone, company, purpose, temp) in enumerate(visitors):
        id_number = _id_number(rng, county)
        services.record_visitor(
            keeper,
            firm,
            name=name,
            id_number=id_number,
            phone=phone,
            company=company,
            host="办公室 王主任",
            purpose=purpose,
            temperature=temp,
            health_code="green",
            client_key=f"demo-visitor-{firm.pk}-{n}",
        )
    for n, (plate, driver, origin, cargo, disinfected) in enumerate(
        [
            ("浙D3A726", "赵师傅", "杭州市萧山区", "铜棒", True),
            ("浙D8K115", "钱师傅", "绍兴市柯桥区", "包装箱", False),
        ]
    ):
        services.record_vehicle(
            keeper,
            firm,
            plate=plate,
            driver_name=driver,
            driver_phone="1398750040" + str(n),
            origin=origin,
            cargo=cargo,
            disinfected=disinfected,
            pass_number=f"DK-{n + 1:03d}" if disinfected else "",
            client_key=f"demo-vehicle-{firm.pk}-{n}",
        )


def build_tests(firms: list[Enterprise], seed: int = 29) -> int:
    """Nucleic samples 1–4 days ago, so that some people are due today and some overdue; one antigen
    positive in the second firm (which raises an alert and isolates the person)."""
    from fugong.monitoring.models import TestSource
    from fugong.monitoring.testing.services import record_tests_bulk

    rng = random.Random(seed)
    now = timezone.localtime()
    stored = 0
    for index, firm in enumerate(firms):
        officer = _officer(firm)
        people = list(Employee.objects.filter(enterprise=firm, status__in=ON_SITE).order_by("pk"))
        if officer is None or not people:
            continue
        rows = []
        for person in people:
            ago = rng.choice([1, 2, 3, 3, 4])
            rows.append(
                {
                    "employee": person.pk,
                    "kind": "nucleic",
                    "sampled_at": (_at(now.date() - dt.timedelta(days=ago), 9, 0)).isoformat(),
                    "result": "negative",
                    "lab": "诸暨市人民医院检验科",
                    "client_key": f"demo-nucleic-{person.pk}",
                }
            )
        if index == 1 and len(people) > 7:
            rows.append(
                {
                    "employee": people[7].pk,
                    "kind": "antigen",
                    "sampled_at": _at(now.date() - dt.timedelta(days=1), 7, 45).isoformat(),
                    "result": "positive",
                    "lab": "企业自测",
                    "client_key": f"demo-antigen-{people[7].pk}",
                }
            )
        stored += record_tests_bulk(officer, firm, rows, source=TestSource.UPLOAD).stored
    return stored


def build_summaries(firms: list[Enterprise]) -> None:
    """Yesterday's summaries are built and confirmed by the model firm; today's are drafts."""
    from fugong.reports.models import DailySummary, SummaryStatus
    from fugong.reports.services import build_summaries as build
    from fugong.reports.services import confirm_summary

    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    # Yesterday is a past day (not rebuilt after 00:30); the demo seeds it deliberately.
    build(yesterday, force=True)
    build(today)
    for firm in firms[:6]:
        summary = DailySummary.objects.filter(enterprise=firm, day=yesterday).first()
        officer = _officer(firm)
        if summary is not None and officer is not None and summary.status == SummaryStatus.DRAFT:
            confirm_summary(officer, summary, note="已核对，情况正常")


def build_monitoring(city: Region, firms: list[Enterprise]) -> None:
    ensure_test_cadence(city)
    build_checkins(firms)
    build_gate(firms[0])
    build_tests(firms)
    build_summaries(firms)
