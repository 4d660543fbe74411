"""The timing report's figures equal the incidents' timestamps (DONE-WHEN), per incident, per town, with
the median and the slowest; the Excel export carries the same figures and is audited."""

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from fugong.audit.models import AuditEntry
from fugong.incidents import services, timing
from tests.incidents.furnish import incident_policy, open_report

pytestmark = pytest.mark.django_db

# minutes after opening at which each timed step was done (None: not done)
PLAN = [
    ("firm_a", {"isolate": 10, "report": 20, "transfer": 90, "find_contacts": 120, "notify_contacts": 300}),
    (
        "firm_a",
        {"isolate": 30, "report": 40, "transfer": None, "find_contacts": 200, "notify_contacts": None},
    ),
    ("firm_a", {"isolate": 5, "report": 15, "transfer": 60, "find_contacts": None, "notify_contacts": None}),
    ("firm_b", {"isolate": 45, "report": 50, "transfer": 150, "find_contacts": 240, "notify_contacts": 500}),
]


@pytest.fixture
def built(world, pinned_clock):
    incident_policy(world)
    base = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=2)
    made = []
    for n, (key, plan) in enumerate(PLAN):
        opened = base + dt.timedelta(hours=n)
        incident = open_report(getattr(world, key), name=f"人{n}", opened_at=opened)
        for kind, minutes in plan.items():
            if minutes is not None:
                services.complete_step(None, incident, kind, at=opened + dt.timedelta(minutes=minutes))
        made.append(incident)
    # Outside the period: not counted.
    old = open_report(world.firm_a, name="旧", opened_at=base - dt.timedelta(days=60))
    services.complete_step(None, old, "isolate", at=old.opened_at + dt.timedelta(minutes=999))
    return made


def test_the_figures_equal_the_timestamps(world, built):
    today = timezone.localdate()
    report = timing.timing_report(world.users["task_force"], today - dt.timedelta(days=7), today)
    assert [r.incident_id for r in report.rows] == [i.pk for i in built]
    for row, (_key, plan) in zip(report.rows, PLAN, strict=True):
        assert row.minutes == {k: (float(v) if v is not None else None) for k, v in plan.items()}
    a = next(g for g in report.towns if g.name == world.town_a.name)
    assert a.incidents == 3
    assert a.steps["isolate"].median == 10 and a.steps["isolate"].slowest == 30
    assert a.steps["report"].median == 20 and a.steps["report"].slowest == 40
    assert a.steps["transfer"].median == 75 and a.steps["transfer"].count == 2
    assert a.steps["notify_contacts"].median == 300 and a.steps["notify_contacts"].count == 1
    overall = report.overall
    assert overall.incidents == 4
    assert overall.steps["isolate"].median == 20  # 5, 10, 30, 45
    assert (
        overall.steps["isolate"].slowest == 45 and overall.steps["isolate"].slowest_firm == world.firm_b.name
    )
    # The town sees only its own.
    own = timing.timing_report(world.users["town_a"], today - dt.timedelta(days=7), today)
    assert len(own.rows) == 3 and [g.name for g in own.towns] == [world.town_a.name]
    assert timing.timing_report(world.users["outsider"], today - dt.timedelta(days=7), today).rows == []


def test_the_page_and_the_export(client, world, built):
    client.force_login(world.users["task_force"])
    today = timezone.localdate()
    page = client.get(
        "/incidents/timing/", {"start": (today - dt.timedelta(days=7)).isoformat(), "end": today.isoformat()}
    )
    assert page.status_code == 200
    assert f'data-testid="timing-row-{built[0].pk}"' in page.content.decode()
    response = client.get("/incidents/timing/export/", {"start": (today - dt.timedelta(days=7)).isoformat()})
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [r[3:] for r in rows] == [tuple(v for v in plan.values()) for _k, plan in PLAN]
    assert AuditEntry.objects.filter(action="incidents.timing.export").count() == 1
    for who in ("ent_a", "grid_a", "gate_a"):
        client.force_login(world.users[who])
        assert client.get("/incidents/timing/").status_code == 403
        assert client.get("/incidents/timing/export/").status_code == 403
    client.force_login(world.users["outsider"])
    assert f"timing-row-{built[0].pk}" not in client.get("/incidents/timing/").content.decode()
