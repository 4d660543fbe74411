"""The timing report (issue 13 item 6): for the incidents opened in a period, the minutes from the
incident's opening (the first alert) to each timed step being done — per incident, per town and over
all — with the median and the slowest per step. One query over the steps of every visible incident."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.utils import timezone

from fugong.incidents.models import Incident, IncidentStep, StepKind

TIMED_STEPS = [
    StepKind.ISOLATE,
    StepKind.REPORT,
    StepKind.TRANSFER,
    StepKind.FIND_CONTACTS,
    StepKind.NOTIFY_CONTACTS,
]


def minutes_between(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


@dataclass
class IncidentTiming:
    incident_id: int
    firm: str
    town: str
    opened_at: dt.datetime
    minutes: dict[str, float | None]  # step kind → minutes from opening; None: not done yet (or skipped)

    def cells(self) -> list[float | None]:
        return [self.minutes.get(k.value) for k in TIMED_STEPS]


@dataclass
class StepStats:
    count: int = 0
    median: float | None = None
    slowest: float | None = None
    slowest_firm: str = ""


@dataclass
class GroupTiming:
    name: str
    incidents: int = 0
    steps: dict[str, StepStats] = field(default_factory=dict)

    def cells(self) -> list[StepStats]:
        return [self.steps[k.value] for k in TIMED_STEPS]


@dataclass
class TimingReport:
    start: dt.date
    end: dt.date
    rows: list[IncidentTiming]
    towns: list[GroupTiming]
    overall: GroupTiming
    step_labels: list[str]


def _stats(name: str, rows: list[IncidentTiming]) -> GroupTiming:
    group = GroupTiming(name=name, incidents=len(rows))
    for kind in TIMED_STEPS:
        done = [(r.minutes[kind.value], r.firm) for r in rows if r.minutes.get(kind.value) is not None]
        stats = StepStats(count=len(done))
        if done:
            stats.median = round(statistics.median(m for m, _ in done), 1)
            stats.slowest, stats.slowest_firm = max(done, key=lambda pair: pair[0])
        group.steps[kind.value] = stats
    return group


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def timing_report(user, start: dt.date, end: dt.date, *, town_id: int | None = None) -> TimingReport:
    """The incidents ``user`` may see opened from ``start`` to ``end`` (local dates, inclusive)."""
    since, until = period_bounds(start, end)
    incidents = Incident.objects.visible_to(user).filter(opened_at__gte=since, opened_at__lt=until)
    if town_id:
        incidents = incidents.filter(town_id=town_id)
    rows: dict[int, IncidentTiming] = {}
    for pk, firm, town, opened_at in incidents.order_by("opened_at", "id").values_list(
        "pk", "enterprise__name", "town__name", "opened_at"
    ):
        rows[pk] = IncidentTiming(pk, firm, town, opened_at, {k.value: None for k in TIMED_STEPS})
    steps = IncidentStep.objects.filter(
        incident__in=incidents,
        kind__in=[k.value for k in TIMED_STEPS],
        done_at__isnull=False,
        skipped=False,
    ).values_list("incident_id", "kind", "done_at")
    for incident_id, kind, done_at in steps:
        row = rows.get(incident_id)
        if row is not None:
            row.minutes[kind] = minutes_between(row.opened_at, done_at)
    ordered = list(rows.values())
    by_town: dict[str, list[IncidentTiming]] = {}
    for row in ordered:
        by_town.setdefault(row.town, []).append(row)
    return TimingReport(
        start=start,
        end=end,
        rows=ordered,
        towns=[_stats(name, items) for name, items in sorted(by_town.items())],
        overall=_stats("", ordered),
        step_labels=[str(k.label) for k in TIMED_STEPS],
    )


MAX_PERIOD_DAYS = 366


def export_timing(actor, start: dt.date, end: dt.date, *, town_id: int | None = None) -> bytes:
    """The report as a workbook: one sheet per incident, one per town (median and slowest), audited."""
    from io import BytesIO

    from django.utils import translation
    from django.utils.translation import gettext as _
    from django.utils.translation import gettext_lazy
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from fugong.accounts.roles import require
    from fugong.audit.services import record_export
    from fugong.core.dates import format_date
    from fugong.core.excel import DATETIME_NUMBER_FORMAT, local_cell_datetime, safe_cell_text

    require(actor, "incidents.report")
    report = timing_report(actor, start, end, town_id=town_id)
    workbook = Workbook()
    with translation.override("zh-hans"):
        labels = [str(k.label) for k in TIMED_STEPS]
        sheet = workbook.active
        sheet.title = _("各事件")
        sheet.append([_("企业"), _("镇街"), _("立案时间")] + [_("%(s)s（分钟）") % {"s": s} for s in labels])
        for row in report.rows:
            sheet.append(
                [safe_cell_text(row.firm), safe_cell_text(row.town), local_cell_datetime(row.opened_at)]
                + row.cells()
            )
            sheet[sheet.max_row][2].number_format = DATETIME_NUMBER_FORMAT
        towns = workbook.create_sheet(_("各镇街"))
        head = [_("镇街"), _("事件数")]
        for s in labels:
            head += [_("%(s)s中位数（分钟）") % {"s": s}, _("%(s)s最慢（分钟）") % {"s": s}]
        towns.append(head)
        for group in [*report.towns, report.overall]:
            line = [safe_cell_text(group.name or _("合计")), group.incidents]
            for stats in group.cells():
                line += [stats.median, stats.slowest]
            towns.append(line)
        for ws in (sheet, towns):
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
        filters = {_("日期范围"): f"{format_date(start)}至{format_date(end)}"}
    buffer = BytesIO()
    workbook.save(buffer)
    record_export(
        actor,
        "incidents.timing.export",
        gettext_lazy("疫情处置时效"),
        filters,
        len(report.rows),
        object_type="incidents.incident",
    )
    return buffer.getvalue()
