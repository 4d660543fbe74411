"""A policy with one checklist holding an item of every data rule, a self-assessed item and an inspected
item; and helpers that build each kind of record a rule reads, directly (the rules read, they do not
write)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.disinfection.models import DisinfectionRecord
from fugong.enterprises.models import (
    DormRoom,
    Enterprise,
    EnterpriseStatus,
    GridUnit,
    IsolationRoom,
    PreventionTeamMember,
    TeamRole,
)
from fugong.monitoring.models import HealthCheckin
from fugong.operations.models import EmployeeEntry
from fugong.policy.models import ChecklistDefinition, ChecklistItem, Notice, Policy
from fugong.policy.services import apply_preset, create_version
from fugong.supplies.models import Stock
from fugong.workforce.models import Employee, EmployeeStatus
from tests.workforce.conftest import PRESET_START, make_employee

TEST_CHECKLIST = "TEST_all_rules"
# (code, method, rule, args) of the test checklist, in order.
ITEMS = [
    ("T-ISO", "data", "has_isolation_room", {}),
    ("T-STOCK", "data", "stock_at_least_minimum", {}),
    ("T-GRID", "data", "all_staff_in_grid_units", {}),
    ("T-DORM", "data", "dorm_density_within_limits", {}),
    ("T-CHECK", "data", "two_checkins_yesterday", {}),
    ("T-DIS-W", "data", "disinfection_rounds_logged", {"area": "workshop"}),
    ("T-DIS", "data", "disinfection_rounds_logged", {}),
    ("T-GATE", "data", "gate_entries_with_temperature", {}),
    ("T-TEAM", "data", "prevention_team_registered", {}),
    ("T-COMMIT", "data", "commitments_signed", {}),
    ("T-SELF", "self_assessment", "", {}),
    ("T-INSP", "inspection", "", {}),
]
WORKPLACE = {
    "required_supplies": ["mask"],
    "supplies_min_days_of_cover": 7,
    "dorm_max_per_room": 6,
    "dorm_min_area_per_person_m2": 2.5,
    "disinfection_areas": [{"key": "workshop", "name": "车间"}, {"key": "office", "name": "办公室"}],
    "commitments": [
        {"code": "C-1", "group": "承诺", "text": "落实防疫主体责任"},
        {"code": "C-2", "group": "承诺", "text": "如实报告员工健康状况"},
    ],
    "risk_weight_unmet_item": 5,
    "risk_weight_abnormal_temperature": 30,
    "risk_weight_overdue_test": 3,
    "risk_weight_missed_disinfection": 4,
    "risk_weight_stock_shortage": 10,
    "required_checklists": [TEST_CHECKLIST],
}
WORKPLACE_UNSET = [k for k in WORKPLACE if k not in ("required_checklists", "disinfection_areas")]


def make_checklist() -> ChecklistDefinition:
    notice = Notice.objects.get(code="N2")
    definition, _ = ChecklistDefinition.objects.get_or_create(
        key=TEST_CHECKLIST, defaults={"name": "测试清单", "notice": notice, "source": "二、（二）"}
    )
    for order, (code, method, rule, args) in enumerate(ITEMS, start=1):
        ChecklistItem.objects.get_or_create(
            definition=definition,
            code=code,
            defaults={
                "order": order,
                "text": f"检查项{code}",
                "notice_ref": "二、（二）",
                "check_method": method,
                "data_rule": rule,
                "data_rule_args": args,
            },
        )
    return definition


def publish(world, changes: dict, drop=()):
    """A new version of the county's policy: N2's values with ``changes``, without ``drop``."""
    policy = Policy.objects.filter(region=world.county).first() or apply_preset(
        world.county, "N2", effective_from=PRESET_START
    )
    latest = policy.latest_version()
    parameters = {k: v for k, v in {**latest.parameters, **changes}.items() if k not in drop}
    return create_version(
        policy,
        parameters,
        effective_from=max(latest.effective_from + dt.timedelta(days=1), PRESET_START),
        based_on=latest.number,
        note="测试用政策：检查清单与风险权重",
        allow_past=True,
    )


@pytest.fixture
def policy(world):
    make_checklist()
    return publish(world, WORKPLACE)


def item(code) -> ChecklistItem:
    return ChecklistItem.objects.get(definition__key=TEST_CHECKLIST, code=code)


def resume(*firms):
    Enterprise.objects.filter(pk__in=[f.pk for f in firms]).update(status=EnterpriseStatus.RESUMED)


def person(firm, name="张三", status=EmployeeStatus.AT_WORK) -> Employee:
    employee = make_employee(firm, name=name)
    Employee.objects.filter(pk=employee.pk).update(status=status)
    employee.status = status
    return employee


def at(day, hour=9, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def checkin(employee, day, number, temperature="36.5", abnormal=False):
    return HealthCheckin.objects.create(
        employee=employee,
        enterprise_id=employee.enterprise_id,
        day=day,
        round=number,
        temperature=Decimal(temperature),
        source="self",
        abnormal=abnormal,
        measured_at=at(day, 6 + 6 * number),
    )


def entry(employee, day):
    return EmployeeEntry.objects.create(
        enterprise_id=employee.enterprise_id, employee=employee, at=at(day, 7), temperature=Decimal("36.4")
    )


def disinfect(firm, day, area, round_, area_name="车间", round_name="上班前"):
    return DisinfectionRecord.objects.create(
        enterprise=firm,
        day=day,
        area=area,
        area_name=area_name,
        round=round_,
        round_name=round_name,
        agent="84消毒液",
        concentration="500mg/L",
        operator="李四",
        done_at=at(day, 7),
    )


def all_rounds(firm, day):
    for area, area_name in (("workshop", "车间"), ("office", "办公室")):
        for round_, round_name in (("before_work", "上班前"), ("after_work", "下班后")):
            disinfect(firm, day, area, round_, area_name, round_name)


def stock(firm, item="mask", quantity=500):
    return Stock.objects.create(enterprise=firm, item=item, unit="个", quantity=quantity)


def isolation_room(firm):
    return IsolationRoom.objects.create(enterprise=firm, kind="observation_point", name="观察点", capacity=2)


def leader(firm, name="王厂长"):
    return PreventionTeamMember.objects.create(enterprise=firm, name=name, team_role=TeamRole.LEADER)


def grid(firm, *people):
    unit = GridUnit.objects.create(enterprise=firm, level="workshop", name="一车间")
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(grid_unit=unit)
    return unit


def dorm(firm, people, area="30", number="101"):
    room = DormRoom.objects.create(
        enterprise=firm, building="1号楼", number=number, capacity=8, area_m2=Decimal(area)
    )
    Employee.objects.filter(pk__in=[p.pk for p in people]).update(dorm_room=room)
    return room


def commitments(firm, actor, codes=("C-1", "C-2")):
    from fugong.resumption.models import Commitment, ResumptionApplication

    application = ResumptionApplication.objects.create(
        enterprise=firm, kind="first_resumption", created_by=actor
    )
    for code in codes:
        Commitment.objects.create(
            application=application, code=code, text=code, affirmed_by_name="王厂长", affirmed_by=actor
        )
    return application


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def photo(name="现场照片.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


def today():
    return timezone.localdate()
