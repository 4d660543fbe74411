"""The disinfection records of a date range as Excel (SPEC §11 消杀记录: 日期, 场所/区域, 消毒时间, 消毒剂名称及
浓度, 执行人, 备注), re-scoped here and audited with ``record_export``."""

import datetime as dt
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from fugong.accounts.roles import require
from fugong.audit.services import record_export
from fugong.core.dates import format_date
from fugong.core.excel import (
    DATE_NUMBER_FORMAT,
    DATETIME_NUMBER_FORMAT,
    local_cell_datetime,
    safe_cell_text,
)
from fugong.disinfection.models import DisinfectionRecord

MAX_DAYS = 366
COLUMNS = [
    (gettext_lazy("日期"), 14),
    (gettext_lazy("企业"), 30),
    (gettext_lazy("区域"), 14),
    (gettext_lazy("轮次"), 10),
    (gettext_lazy("消杀时间"), 20),
    (gettext_lazy("消毒剂"), 16),
    (gettext_lazy("浓度"), 12),
    (gettext_lazy("消杀人员"), 12),
    (gettext_lazy("备注"), 30),
    (gettext_lazy("登记人"), 12),
]


def check_range(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    errors = {}
    if start is None:
        errors["start"] = _("开始日期：必须填写有效的日期")
    if end is None:
        errors["end"] = _("结束日期：必须填写有效的日期")
    if not errors and end < start:
        errors["end"] = _("结束日期：不能早于开始日期")
    if not errors and (end - start).days >= MAX_DAYS:
        errors["end"] = _("结束日期：一次最多导出%(n)d天") % {"n": MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    return start, end


def records_in_range(actor, start, end, *, firm=None, firm_q: str = ""):
    qs = DisinfectionRecord.objects.visible_to(actor).filter(day__gte=start, day__lte=end)
    if firm is not None:
        qs = qs.filter(enterprise=firm)
    if firm_q:
        qs = qs.filter(enterprise__name__icontains=firm_q)
    return qs.select_related("enterprise", "recorded_by")


def export_records(actor, start, end, *, firm=None, firm_q: str = "") -> bytes:
    require(actor, "disinfection.view")
    start, end = check_range(start, end)
    rows = records_in_range(actor, start, end, firm=firm, firm_q=firm_q).order_by(
        "day", "enterprise__name", "done_at", "id"
    )
    workbook = Workbook()
    sheet = workbook.active
    with translation.override("zh-hans"):
        sheet.title = _("消杀记录")
        sheet.append([str(label) for label, _width in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_label, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    count = 0
    for row in rows.iterator(chunk_size=2000):
        values = [
            row.day,
            row.enterprise.name,
            row.area_name,
            row.round_name,
            local_cell_datetime(row.done_at),
            row.agent,
            row.concentration,
            row.operator,
            row.note,
            getattr(row.recorded_by, "full_name", "") or getattr(row.recorded_by, "username", ""),
        ]
        sheet.append([safe_cell_text(v) for v in values])
        count += 1
        written = sheet[sheet.max_row]
        written[0].number_format = DATE_NUMBER_FORMAT
        written[4].number_format = DATETIME_NUMBER_FORMAT
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    with translation.override("zh-hans"):
        filters = {_("日期范围"): f"{format_date(start)}至{format_date(end)}"}
        if firm is not None:
            filters[_("企业")] = firm.name
        elif firm_q:
            filters[_("企业")] = firm_q
    record_export(
        actor,
        "disinfection.export",
        gettext_lazy("消杀记录"),
        filters,
        count,
        target=firm,
        object_type="disinfection.disinfectionrecord",
    )
    return buffer.getvalue()
