"""The movement history as Excel (日期时间, 企业, 物资, 类型, 数量, 结存, 领用/来源, 备注, 登记人), re-scoped here
and audited with ``record_export``."""

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

from .models import MovementKind
from .selectors import item_name, movements

COLUMNS = [
    (gettext_lazy("时间"), 20),
    (gettext_lazy("企业"), 30),
    (gettext_lazy("物资"), 16),
    (gettext_lazy("类型"), 10),
    (gettext_lazy("数量变化"), 10),
    (gettext_lazy("结存"), 10),
    (gettext_lazy("单位"), 8),
    (gettext_lazy("领用/来源"), 20),
    (gettext_lazy("备注"), 30),
    (gettext_lazy("登记人"), 12),
]


def export_movements(actor, *, firm=None, item="", kind="", start=None, end=None) -> tuple[bytes, int]:
    require(actor, "supplies.view")
    rows = movements(actor, firm=firm, item=item, kind=kind, start=start, end=end).order_by(
        "enterprise__name", "at", "id"
    )
    from .models import Stock

    units = {
        (s.enterprise_id, s.item): s.unit
        for s in Stock.objects.visible_to(actor).only("enterprise_id", "item", "unit")
    }
    workbook = Workbook()
    sheet = workbook.active
    with translation.override("zh-hans"):
        sheet.title = _("物资出入库记录")
        sheet.append([str(label) for label, _width in COLUMNS])
        kinds = dict(MovementKind.choices)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, (_label, width) in enumerate(COLUMNS):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        count = 0
        for row in rows.iterator(chunk_size=2000):
            values = [
                local_cell_datetime(row.at),
                row.enterprise.name,
                item_name(row.item),
                str(kinds.get(row.kind, row.kind)),
                row.change,
                row.balance_after,
                units.get((row.enterprise_id, row.item), ""),
                row.counterparty,
                row.note,
                getattr(row.recorded_by, "full_name", "") or getattr(row.recorded_by, "username", ""),
            ]
            sheet.append([safe_cell_text(v) for v in values])
            sheet[sheet.max_row][0].number_format = DATETIME_NUMBER_FORMAT
            count += 1
        sheet.freeze_panes = "A2"
        filters = {}
        if firm is not None:
            filters[_("企业")] = firm.name
        if item:
            filters[_("物资")] = item_name(item)
        if kind in kinds:
            filters[_("类型")] = str(kinds[kind])
        if start or end:
            filters[_("日期范围")] = (
                f"{format_date(start) if start else ''}至{format_date(end) if end else ''}"
            )
    buffer = BytesIO()
    workbook.save(buffer)
    record_export(
        actor,
        "supplies.export",
        gettext_lazy("物资出入库记录"),
        filters,
        count,
        target=firm,
        object_type="supplies.stockmovement",
    )
    return buffer.getvalue(), count
