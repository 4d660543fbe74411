"""Issue 11: every file of people's or firms' data that leaves the system — the enterprise register (page
and API), the roster, the return statistics, the daily roll-up, the prefilled shift sheet — writes one
audit entry naming who, what, the filters in force (as the page shows them) and how many rows the file
holds; a refused download writes nothing, and no phone or ID number reaches the entry."""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.audit import labels
from fugong.audit.models import AuditEntry
from fugong.core.dates import format_date
from fugong.enterprises.excel import REGISTER_SHEET
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.monitoring import schedule, shift_excel
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import Employee, EmployeeStatus
from fugong.workforce.roster.excel import ROSTER_SHEET
from tests.workforce.conftest import make_employee, n0, valid_id  # noqa: F401 - n0 is a fixture

pytestmark = pytest.mark.django_db

SEARCHED_PHONE = "13912345678"


@pytest.fixture
def data(world, n0):  # noqa: F811
    """firm_a (暨阳) and firm_b (店口) resumed; firm_a has three people at work (one outside the county),
    one registered and one who left; firm_b one at work."""
    Enterprise.objects.filter(pk__in=[world.firm_a.pk, world.firm_b.pk]).update(
        status=EnterpriseStatus.RESUMED
    )

    def person(firm, status, **extra):
        employee = make_employee(firm, **extra)
        Employee.objects.filter(pk=employee.pk).update(status=status)
        return employee

    ids = [valid_id(birth=f"1990010{n}") for n in range(1, 7)]
    ids[2] = valid_id(area="361102")  # born in 信州区, lives nowhere recorded: not local
    people = [
        person(world.firm_a, EmployeeStatus.AT_WORK, name="王甲", phone=SEARCHED_PHONE, id_number=ids[0]),
        person(world.firm_a, EmployeeStatus.AT_WORK, name="李乙", id_number=ids[1]),
        person(world.firm_a, EmployeeStatus.AT_WORK, name="赵丙", id_number=ids[2]),
        person(world.firm_a, EmployeeStatus.REGISTERED, name="钱丁", id_number=ids[3]),
        person(world.firm_a, EmployeeStatus.LEFT, name="孙戊", id_number=ids[4]),
        person(world.firm_b, EmployeeStatus.AT_WORK, name="周己", id_number=ids[5]),
    ]
    return {"ids": ids, "phones": [p.phone for p in people]}


# Reading the files back ---------------------------------------------------------------------------------


def _book(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def _filled_rows(content: bytes, sheet: str) -> int:
    """Rows below the header with anything in them (the shift sheet's drop-downs reach row 200)."""
    rows = _book(content)[sheet].iter_rows(min_row=2, values_only=True)
    return sum(1 for row in rows if any(cell not in (None, "") for cell in row))


def _statistics_total(content: bytes) -> int:
    """The first 合计 of the 返岗员工统计: the people the annex counts."""
    for row in _book(content)["返岗员工统计"].iter_rows(values_only=True):
        if row and row[0] == "合计":
            return row[1]
    raise AssertionError("no 合计 row")


@dataclass
class Export:
    id: str
    url: Callable  # world -> path
    params: Callable  # world -> query parameters
    who: str  # a role allowed to export
    refused: str  # a role refused
    action: str
    filters: Callable  # world -> the filters the entry must hold
    rows: Callable  # file bytes -> data rows
    expected_rows: int
    target: Callable | None = None  # world -> the object the entry is about
    extra: dict = field(default_factory=dict)


def _status(value) -> str:
    return str(dict(EmployeeStatus.choices)[value])


def _round_one(world) -> str:
    rounds = schedule.rounds_of(find_policy_for(world.town_a, timezone.localdate()))
    return schedule.round_label(rounds, 1)


EXPORTS = [
    Export(
        "register-page",
        lambda w: reverse("enterprises:export"),
        lambda w: {"town": w.town_a.pk, "status": "resumed", "page": "2"},
        "task_force",
        "grid_a",
        "enterprise.export",
        lambda w: {"所属镇乡街道": "暨阳街道", "状态": "已复工"},
        lambda c: _filled_rows(c, REGISTER_SHEET),
        1,
    ),
    Export(
        "register-api",
        lambda w: "/api/v1/enterprises/export/",
        lambda w: {"status": "resumed"},
        "town_b",
        "ent_a",
        "enterprise.export",
        lambda w: {"状态": "已复工"},
        lambda c: _filled_rows(c, REGISTER_SHEET),
        1,
    ),
    Export(
        "roster-search",
        lambda w: reverse("workforce:roster_export"),
        lambda w: {"status": "at_work", "q": SEARCHED_PHONE},
        "town_a",
        "employee_a",
        "workforce.roster_export",
        # The phone searched for is a filter, masked as the log keeps every phone.
        lambda w: {"状态": _status("at_work"), "姓名": "139****5678"},
        lambda c: _filled_rows(c, ROSTER_SHEET),
        1,
    ),
    Export(
        "roster-firm",
        lambda w: reverse("workforce:roster_export"),
        lambda w: {"firm": w.firm_a.pk, "local": "no"},
        "task_force",
        "employee_a",
        "workforce.roster_export",
        lambda w: {"企业": w.firm_a.name, "本地/外地": "外地员工"},
        lambda c: _filled_rows(c, ROSTER_SHEET),
        1,
        target=lambda w: w.firm_a,
    ),
    Export(
        "roster-firm-officer",
        lambda w: reverse("workforce:roster_export"),
        lambda w: {},
        "ent_a",
        "employee_a",
        "workforce.roster_export",
        lambda w: {},
        lambda c: _filled_rows(c, ROSTER_SHEET),
        5,
        target=lambda w: w.firm_a,
    ),
    Export(
        "statistics-firm",
        lambda w: reverse("workforce:roster_statistics"),
        # One firm's statistics count all its people: the status filter does not apply, nor is logged.
        lambda w: {"firm": w.firm_a.pk, "status": "at_work"},
        "town_a",
        "employee_a",
        "workforce.statistics_export",
        lambda w: {"企业": w.firm_a.name},
        _statistics_total,
        4,
        target=lambda w: w.firm_a,
    ),
    Export(
        "statistics-filtered",
        lambda w: reverse("workforce:roster_statistics"),
        lambda w: {"status": "at_work"},
        "task_force",
        "employee_a",
        "workforce.statistics_export",
        lambda w: {"状态": _status("at_work")},
        _statistics_total,
        4,
    ),
    Export(
        "daily-rollup",
        lambda w: reverse("reports:export"),
        lambda w: {"day": timezone.localdate().isoformat(), "town": w.town_a.pk},
        "task_force",
        "gate_a",
        "reports.export",
        lambda w: {"日期": format_date(timezone.localdate()), "镇街": "暨阳街道"},
        lambda c: _filled_rows(c, "企业明细"),
        1,
        target=lambda w: w.town_a,
        extra={"towns": 1},
    ),
    Export(
        "shift-sheet",
        lambda w: reverse("monitoring:bulk_template"),
        lambda w: {"round": 1},
        "ent_a",
        "town_a",
        "monitoring.shift_sheet_export",
        lambda w: {"轮次": _round_one(w)},
        lambda c: _filled_rows(c, shift_excel.SHEET),
        3,
        target=lambda w: w.firm_a,
    ),
]


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("export", EXPORTS, ids=[e.id for e in EXPORTS])
def test_export_writes_one_entry_with_actor_filters_and_rows(client, world, data, export):
    user = world.users[export.who]
    client.force_login(user)
    last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(export.url(world), export.params(world))
    assert response.status_code == 200, response.status_code
    rows = export.rows(_content(response))
    assert rows == export.expected_rows

    entries = list(AuditEntry.objects.filter(id__gt=last))
    assert [e.action for e in entries] == [export.action]
    entry = entries[0]
    assert entry.actor == user and entry.actor_label == user.username
    assert entry.after["rows"] == rows
    assert entry.after["filters"] == export.filters(world)
    assert entry.after["scope"] == user.scope_label
    for key, value in export.extra.items():
        assert entry.after[key] == value
    if export.target is not None:
        target = export.target(world)
        assert (entry.object_type, entry.object_id) == (
            f"{target._meta.app_label}.{target._meta.model_name}",
            str(target.pk),
        )
    # Said in words on the list: what, how many, which filters.
    assert entry.note.startswith(f"导出{entry.after['what']}，共{rows}行；筛选条件：")
    for label, value in export.filters(world).items():
        assert f"{label}：{value}" in entry.note
    assert labels.is_known_action(entry.action)
    # No person's phone or ID number, whatever was searched or written to the file.
    logged = json.dumps([entry.after, entry.note, entry.object_repr], ensure_ascii=False)
    for secret in data["phones"] + data["ids"]:
        assert secret not in logged


@pytest.mark.parametrize("export", EXPORTS, ids=[e.id for e in EXPORTS])
def test_a_refused_export_writes_nothing(client, world, data, export):
    client.force_login(world.users[export.refused])
    before = AuditEntry.objects.count()
    response = client.get(export.url(world), export.params(world))
    assert response.status_code == 403, response.status_code
    assert AuditEntry.objects.count() == before


def test_an_unfiltered_export_says_so_and_names_the_scope(client, world, data):
    client.force_login(world.users["town_a"])
    client.get(reverse("enterprises:export"))
    entry = AuditEntry.objects.get(action="enterprise.export")
    assert entry.after["filters"] == {} and entry.after["rows"] == 1
    assert entry.note == "导出企业名录，共1行；筛选条件：无（可见范围内全部）；范围：暨阳街道"


def test_the_entry_is_written_in_chinese_whatever_the_page_language(client, world, data):
    client.force_login(world.users["task_force"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(reverse("workforce:roster_export"), {"status": "at_work", "local": "yes"})
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="workforce.roster_export")
    assert entry.after["what"] == "员工名册"
    assert entry.after["filters"] == {"状态": "在岗", "本地/外地": "本地员工"}
    assert entry.after["rows"] == 3  # 王甲, 李乙 of firm_a and 周己 of firm_b


def test_the_unmasked_roster_export_is_logged_as_an_export_and_as_a_view(world, data):
    from fugong.audit.services import VIEW_PERSONAL_DATA
    from fugong.workforce.roster.export import export_roster

    export_roster(world.users["ent_a"], Employee.objects.all(), unmasked=True)
    export = AuditEntry.objects.get(action="workforce.roster_export")
    assert export.after["rows"] == 5 and export.after["unmasked"] is True
    assert AuditEntry.objects.get(action=VIEW_PERSONAL_DATA).after["count"] == 5
