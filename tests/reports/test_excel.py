"""User text in the roll-up workbook stays text: a firm's note or name never becomes a formula."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.http import content_disposition_header

from fugong.core.excel import DATE_NUMBER_FORMAT, DATETIME_NUMBER_FORMAT, safe_cell_text
from fugong.enterprises.models import Enterprise
from fugong.reports import services
from fugong.reports.excel import rollup_filename
from fugong.reports.models import DailySummary

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw,written",
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example","点我")', '\'=HYPERLINK("http://evil.example","点我")'),
        ("+86 138", "'+86 138"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("正常 =1", "正常 =1"),
        ("", ""),
        (None, None),
        (5, 5),
    ],
)
def test_safe_cell_text(raw, written):
    assert safe_cell_text(raw) == written


def test_export_writes_notes_and_names_as_text(world, day, client):
    services.build_summaries(day.day)
    Enterprise.objects.filter(pk=world.firm_b.pk).update(name="=cmd|' /C calc'!A0")
    DailySummary.objects.filter(enterprise=world.firm_a).update(note='=HYPERLINK("http://evil.example","x")')
    client.force_login(world.users["task_force"])
    response = client.get(reverse("reports:export"), {"day": day.day.isoformat()})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    firms = book["企业明细"]
    headers = [c.value for c in firms[1]]
    name_col, note_col = headers.index("企业名称"), headers.index("情况说明")
    rows = list(firms.iter_rows(min_row=2))
    assert len(rows) == 2
    cells = [row[name_col] for row in rows] + [row[note_col] for row in rows]
    assert all(cell.data_type != "f" for cell in cells)
    values = {cell.value for cell in cells}
    assert "'=cmd|' /C calc'!A0" in values and '\'=HYPERLINK("http://evil.example","x")' in values
    assert world.firm_a.name in values


def test_export_writes_dates_and_times_in_local_time_in_chinese(world, day, client):
    """A summary confirmed at 22:04 UTC was confirmed at 06:04 the next morning in Shanghai: the cell says
    so, as a real date cell shown 2026年12月5日 06:04; the days read 2026年12月4日; the file is named in Chinese."""
    services.build_summaries(day.day)
    at = dt.datetime(2026, 12, 4, 22, 4, tzinfo=dt.UTC)
    DailySummary.objects.filter(enterprise=world.firm_a).update(confirmed_at=at)
    client.force_login(world.users["task_force"])
    response = client.get(reverse("reports:export"), {"day": day.day.isoformat()})
    assert response["Content-Disposition"] == content_disposition_header(True, rollup_filename(day.day))
    assert rollup_filename(day.day) == f"每日汇总-{day.day:%Y%m%d}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    firms = book["企业明细"]
    headers = [c.value for c in firms[1]]
    confirmed_col = headers.index("确认时间")
    row = next(r for r in firms.iter_rows(min_row=2) if r[2].value == world.firm_a.name)
    cell = row[confirmed_col]
    assert cell.value == dt.datetime(2026, 12, 5, 6, 4)
    assert cell.number_format == DATETIME_NUMBER_FORMAT == 'yyyy"年"m"月"d"日" hh:mm'
    assert row[0].value.date() == day.day and row[0].number_format == DATE_NUMBER_FORMAT
    for cell in book["镇街汇总"]["A"][1:]:
        assert cell.number_format == DATE_NUMBER_FORMAT
