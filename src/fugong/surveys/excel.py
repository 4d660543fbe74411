"""A campaign's answers as a workbook: one row per firm in the viewer's scope, one column per field (the
supplies demand one column per item), firms that have not answered included with their status."""

import datetime as dt
import io

from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from fugong.accounts.roles import can
from fugong.audit.services import record_export
from fugong.core.excel import date_number_format, local_cell_datetime, safe_cell_text
from fugong.surveys import fields as catalogue
from fugong.surveys import selectors
from fugong.surveys.models import ResponseStatus


def columns(campaign) -> list[tuple[str, object]]:
    """(header, getter(response)) for every column of the workbook."""
    cols = [
        (_("企业名称"), lambda r: r.enterprise.name),
        (_("统一社会信用代码"), lambda r: r.enterprise.uscc),
        (_("镇乡街道"), lambda r: r.enterprise.town.name),
        (_("填报状态"), lambda r: str(ResponseStatus(r.status).label)),
        (_("提交时间"), lambda r: local_cell_datetime(r.submitted_at)),
        (_("逾期提交"), lambda r: _("是") if r.late else ""),
        (_("催报次数"), lambda r: r.reminders_sent),
    ]
    for key in campaign.fields:
        spec = catalogue.BY_KEY.get(key)
        if spec is None:
            continue
        if spec.kind == catalogue.SUPPLIES:
            for item in catalogue.SUPPLY_KEYS:
                header = f"{spec.label}（{catalogue.SUPPLY_LABELS[item]}）"
                cols.append((header, lambda r, k=key, i=item: (r.answers.get(k) or {}).get(i)))
        else:
            cols.append((str(spec.label), lambda r, s=spec: _cell(s, r.answers.get(s.key))))
    return cols


def _cell(spec, value):
    if value in (None, ""):
        return None
    if spec.kind == catalogue.DATE:
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    if spec.kind == catalogue.YESNO:
        return _("是") if value else _("否")
    return value


def export_answers(actor, campaign, *, pending_only=False) -> tuple[bytes, int]:
    """The workbook and its number of data rows; re-scoped here and audited."""
    if not (can(actor, "surveys.view") or can(actor, "surveys.manage")):
        raise PermissionDenied
    rows = selectors.responses(actor, campaign).order_by("enterprise__name", "pk")
    if pending_only:
        rows = rows.filter(status=ResponseStatus.PENDING)
    with translation.override("zh-hans"):
        book = Workbook()
        sheet = book.active
        sheet.title = "填报结果"
        cols = columns(campaign)
        sheet.append([str(h) for h, _get in cols])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        count = 0
        for response in rows.iterator(chunk_size=1000):
            values = [get(response) for _h, get in cols]
            sheet.append([safe_cell_text(str(v) if isinstance(v, str) else v) for v in values])
            for cell, value in zip(sheet[sheet.max_row], values, strict=True):
                number_format = date_number_format(value)
                if number_format:
                    cell.number_format = number_format
            count += 1
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 22
        buffer = io.BytesIO()
        book.save(buffer)
        filters = {gettext_lazy("摸排调查"): campaign.title}
        if pending_only:
            filters[gettext_lazy("填报状态")] = str(ResponseStatus.PENDING.label)
        record_export(
            actor, "surveys.export", gettext_lazy("摸排调查填报结果"), filters, count, target=campaign
        )
    return buffer.getvalue(), count
