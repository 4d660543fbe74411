"""The day's roll-up as a workbook: one sheet by town, one by firm, headers in Chinese from FIGURES."""

import datetime as dt
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from fugong.core.excel import date_number_format, local_cell_datetime, safe_cell_text
from fugong.enterprises.excel import XLSX_CONTENT_TYPE
from fugong.reports.models import FIGURES

__all__ = ["XLSX_CONTENT_TYPE", "rollup_filename", "rollup_workbook"]

TOWN_SHEET = "镇街汇总"
FIRM_SHEET = "企业明细"


def _headers(sheet, headers) -> None:
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(str(header)) * 2 + 2)
    sheet.freeze_panes = "B2"


def rollup_filename(day: dt.date) -> str:
    """The download's name, in Chinese like the other exports: 每日汇总-20261204.xlsx."""
    return f"每日汇总-{day:%Y%m%d}.xlsx"


def rollup_workbook(day: dt.date, towns, summaries, total: dict) -> bytes:
    figure_headers = [str(label) for _name, label in FIGURES]
    book = Workbook()
    sheet = book.active
    sheet.title = TOWN_SHEET
    _headers(
        sheet, ["日期", "镇街", "区划代码", "企业数", "已确认", "仅确认截至目前", "待确认", *figure_headers]
    )
    for row in towns:
        sheet.append(
            [
                day,
                safe_cell_text(row.region.name),
                row.region.code,
                row.firms,
                row.confirmed,
                row.provisional_count,
                row.unconfirmed_count,
                *row.figures(),
            ]
        )
    sheet.append(
        [
            day,
            "合计",
            "",
            total["firms"],
            total["confirmed"],
            total["provisional_count"],
            total["unconfirmed_count"],
            *total["figures"],
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    firms = book.create_sheet(FIRM_SHEET)
    _headers(
        firms,
        [
            "日期",
            "镇街",
            "企业名称",
            "统一社会信用代码",
            "状态",
            "确认时间",
            "已到期轮次",
            "情况说明",
            *figure_headers,
        ],
    )
    for summary in summaries:
        confirmed_at = local_cell_datetime(summary.confirmed_at)
        firms.append(
            [
                summary.day,
                # Names and the note are typed by people: never let them become formulas.
                safe_cell_text(summary.town.name),
                safe_cell_text(summary.enterprise.name),
                safe_cell_text(summary.enterprise.uscc),
                str(summary.get_status_display()),
                confirmed_at,
                # "1/2": the figures count the rounds due by then (a provisional or a morning's draft).
                f"{summary.rounds_due}/{summary.rounds_required}" if summary.rounds_required else "",
                safe_cell_text(summary.note),
                *summary.figures().values(),
            ]
        )
    for ws in (sheet, firms):
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                number_format = date_number_format(cell.value)
                if number_format:
                    cell.number_format = number_format
    out = BytesIO()
    book.save(out)
    return out.getvalue()
