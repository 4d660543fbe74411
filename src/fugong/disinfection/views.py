"""The disinfection log's pages: the firm officer's phone sheet (every required area × round of the day
as a tile; tap an open one, confirm the prefilled form), the officers' list of firms with today's gaps,
a firm's day read-only, the firm's settings (due times, areas it does not have) and the records list
with its Excel export.

Each view checks the capability, finds objects only through ``visible_to`` (a foreign firm is a 404)
and calls the services for every write. Forms carry a fresh ``client_key`` so a resend is a no-op.
"""

import datetime as dt
import uuid
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.roles import can, require
from fugong.core.dates import format_date
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.disinfection import export, services
from fugong.disinfection.models import DisinfectionRecord
from fugong.disinfection.selectors import OPERATING_STATUSES, day_sheet, gaps_by_firm
from fugong.enterprises.models import Enterprise

# Before any epidemic rule: a day before this is a typo, and the day links must not run off the calendar.
EARLIEST = dt.date(2000, 1, 1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: " ".join(msgs) for field, msgs in exc.message_dict.items()}
    return {"general": " ".join(exc.messages)}


def _day(request, key="day") -> dt.date:
    """The day asked for, never after today (a day still to come has nothing to show)."""
    today = timezone.localdate()
    try:
        day = parse_date(request.GET.get(key, "") or "") or today
    except ValueError:
        day = today
    return min(max(day, EARLIEST), today)


def _own_firm(user) -> Enterprise | None:
    """The firm the user keeps the log for; None for officers over firms."""
    if not user.enterprise_id or not can(user, "disinfection.record"):
        return None
    firm = Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).select_related("town").first()
    if firm is None:
        raise PermissionDenied
    return firm


def _day_links(day: dt.date) -> dict:
    today = timezone.localdate()
    return {
        "day": day,
        "today": today,
        "is_today": day == today,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today else None,
    }


@login_required
def index(request):
    """消杀登记: the firm's own day on a phone, or for officers the firms of their scope with gaps."""
    user = request.user
    require(user, "disinfection.view")
    day = _day(request)
    firm = _own_firm(user)
    if firm is not None:
        context = {"sheet": day_sheet(firm, day), "editable": True, **_day_links(day)}
        return render(request, "disinfection/sheet.html", context)
    return _firm_list(request, day)


FIRM_COLUMNS = [
    Column(gettext_lazy("企业"), "name", ("name",)),
    Column(gettext_lazy("镇街"), "town", ("town__name", "name")),
    Column(gettext_lazy("已登记"), "done", ("done_count",)),
    Column(gettext_lazy("未完成轮次"), "gaps", ("gap_count",)),
    Column(gettext_lazy("已超时"), "overdue", ("overdue_count",)),
]


def _counted(counts: dict[int, int]) -> Case:
    """The per-firm number computed in Python as a column the database can sort: one When per distinct
    value (a dozen at most), not one per firm."""
    by_value: dict[int, list[int]] = {}
    for firm_id, n in counts.items():
        by_value.setdefault(n, []).append(firm_id)
    whens = [When(pk__in=ids, then=Value(n)) for n, ids in sorted(by_value.items()) if n]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _firm_list(request, day):
    user = request.user
    firms = Enterprise.objects.visible_to(user).filter(status__in=OPERATING_STATUSES)
    firm_q = request.GET.get("firm", "").strip()
    if firm_q:
        firms = firms.filter(name__icontains=firm_q)
    gaps = gaps_by_firm(day, enterprise_ids=firms.values("pk"))
    rows = firms.select_related("town").annotate(
        gap_count=_counted({k: len(v) for k, v in gaps.items()}),
        overdue_count=_counted({k: sum(g["overdue"] for g in v) for k, v in gaps.items()}),
    )
    done = dict(
        DisinfectionRecord.objects.filter(day=day, enterprise__in=firms.values("pk"))
        .order_by()
        .values("enterprise_id")
        .annotate(n=Count("id"))
        .values_list("enterprise_id", "n")
    )
    rows = rows.annotate(done_count=_counted(done))
    table = sorted_table(
        request, rows, FIRM_COLUMNS, default="-overdue", tiebreak=("-gap_count", "name", "pk")
    )
    context = {
        "table": table,
        "firm_q": firm_q,
        "total_gaps": sum(len(v) for v in gaps.values()),
        "total_overdue": sum(g["overdue"] for v in gaps.values() for g in v),
        "firms_with_gaps": len(gaps),
        **_day_links(day),
    }
    return render(request, "disinfection/firms.html", context)


@login_required
def firm_day(request, pk: int):
    """One firm's day, read-only: what officers open from the list."""
    user = request.user
    require(user, "disinfection.view")
    firm = get_visible_or_404(Enterprise.objects.select_related("town"), user, pk=pk)
    day = _day(request)
    own = _own_firm(user)
    context = {"sheet": day_sheet(firm, day), "editable": own is not None and own.pk == firm.pk}
    return render(request, "disinfection/sheet.html", context | _day_links(day))


@login_required
def record(request):
    """The short form behind a tile: area and round fixed, the rest prefilled from the last round."""
    user = request.user
    require(user, "disinfection.record")
    firm = _own_firm(user)
    if firm is None:
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    try:
        day = parse_date(source.get("day", "") or "") or timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    area, round_ = source.get("area", ""), source.get("round", "")
    sheet = day_sheet(firm, min(day, timezone.localdate()))
    policy = sheet["policy"]
    if not sheet["required"]:
        messages.error(request, _("当日政策未规定消杀区域"))
        return redirect(reverse("disinfection:index"))
    params = policy.parameters
    # A tile always names a pair of the day; a POST is left to the service, which names the bad field.
    listed = area in params.term_keys("disinfection_areas") and round_ in params.term_keys(
        "disinfection_rounds"
    )
    if request.method != "POST" and not listed:
        messages.error(request, _("请从当日的消杀项目中选择要登记的区域和轮次"))
        return redirect(reverse("disinfection:index") + f"?day={min(day, timezone.localdate()).isoformat()}")
    area_name = params.term_name("disinfection_areas", area)
    round_name = params.term_name("disinfection_rounds", round_)
    errors: dict = {}
    is_today = day == timezone.localdate()
    values = services.last_entry(firm) | {
        "done_time": timezone.localtime().strftime("%H:%M") if is_today else "",
        "note": "",
    }
    if request.method == "POST":
        values = {
            k: request.POST.get(k, "") for k in ("agent", "concentration", "operator", "done_time", "note")
        }
        done_at = None
        if values["done_time"]:
            try:
                done_at = timezone.make_aware(
                    dt.datetime.combine(day, dt.time.fromisoformat(values["done_time"]))
                )
            except ValueError:
                errors["done_at"] = _("消杀时间：应为时间，如 07:30")
        if not errors:
            try:
                row = services.record_round(
                    user,
                    firm,
                    day=day,
                    area=area,
                    round=round_,
                    agent=values["agent"],
                    concentration=values["concentration"],
                    operator=values["operator"],
                    done_at=done_at,
                    note=values["note"],
                    client_key=request.POST.get("client_key"),
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request,
                    _("已登记：%(area)s %(round)s") % {"area": row.area_name, "round": row.round_name},
                )
                return redirect(reverse("disinfection:index") + f"?day={day.isoformat()}")
    context = {
        "firm": firm,
        "day": day,
        "area": area,
        "round": round_,
        "area_name": area_name,
        "round_name": round_name,
        "values": values,
        "errors": errors,
        "client_key": request.POST.get("client_key") if errors else uuid.uuid4().hex,
        "is_today": is_today,
    }
    return render(request, "disinfection/record.html", context, status=400 if errors else 200)


@login_required
def settings_page(request):
    """The firm's due time per round and the areas it does not have."""
    user = request.user
    require(user, "disinfection.record")
    firm = _own_firm(user)
    if firm is None:
        raise PermissionDenied
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "schedule":
                sheet = day_sheet(firm, timezone.localdate())
                failed = {}
                for round_ in sheet["rounds"]:
                    value = request.POST.get(f"due_{round_.key}", "")
                    try:
                        services.set_schedule(user, firm, round_.key, value)
                    except ValidationError as exc:
                        failed[f"due_{round_.key}"] = " ".join(sum(exc.message_dict.values(), []))
                if failed:
                    raise ValidationError(failed)
                messages.success(request, _("完成时限已保存"))
            elif action == "exempt":
                services.set_exemption(
                    user, firm, request.POST.get("area", ""), request.POST.get("reason", "")
                )
                messages.success(request, _("已登记本企业没有该区域"))
            elif action == "unexempt":
                services.clear_exemption(user, firm, request.POST.get("area", ""))
                messages.success(request, _("已恢复该区域的消杀要求"))
            else:
                raise ValidationError(_("未知的操作"))
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect(reverse("disinfection:settings"))
    sheet = day_sheet(firm, timezone.localdate())
    context = {
        "sheet": sheet,
        "errors": errors,
        "posted": request.POST if errors else {},
        "exempt_area": request.POST.get("area", "") if errors else "",
    }
    return render(request, "disinfection/settings.html", context, status=400 if errors else 200)


RECORD_COLUMNS = [
    Column(gettext_lazy("日期"), "day", ("day", "done_at")),
    Column(gettext_lazy("企业"), "firm", ("enterprise__name",)),
    Column(gettext_lazy("区域"), "area", ("area_name",)),
    Column(gettext_lazy("轮次"), "round", ("round_name",)),
    Column(gettext_lazy("消杀时间"), "done_at", ("done_at",)),
    Column(gettext_lazy("消毒剂及浓度")),
    Column(gettext_lazy("消杀人员"), "operator", ("operator",)),
]


def _range(request):
    today = timezone.localdate()
    start = request.GET.get("start")
    end = request.GET.get("end")
    try:
        start = parse_date(start) if start else today - dt.timedelta(days=6)
        end = parse_date(end) if end else today
    except ValueError:
        start = end = None
    return start, end


@login_required
def records(request):
    """消杀记录: every record of a date range in the user's scope, searchable by firm, with the export."""
    user = request.user
    require(user, "disinfection.view")
    own = _own_firm(user)
    start, end = _range(request)
    firm_q = "" if own else request.GET.get("firm", "").strip()
    errors = {}
    try:
        export.check_range(start, end)
    except ValidationError as exc:
        errors = _errors(exc)
    if errors:
        rows = DisinfectionRecord.objects.none()
    else:
        rows = export.records_in_range(user, start, end, firm=own, firm_q=firm_q)
    table = sorted_table(request, rows, RECORD_COLUMNS, default="-day", tiebreak=("-done_at", "-id"))
    context = {
        "table": table,
        "start": start,
        "end": end,
        "firm_q": firm_q,
        "own": own,
        "errors": errors,
        "range_label": f"{format_date(start)}至{format_date(end)}" if start and end else "",
    }
    return render(request, "disinfection/records.html", context, status=400 if errors else 200)


@login_required
def records_export(request):
    user = request.user
    require(user, "disinfection.view")
    own = _own_firm(user)
    start, end = _range(request)
    firm = own
    raw = request.GET.get("enterprise", "")
    if raw and firm is None:
        if not raw.isdigit():
            raise Http404
        firm = get_visible_or_404(Enterprise, user, pk=raw)
    try:
        content = export.export_records(
            user, start, end, firm=firm, firm_q="" if own else request.GET.get("firm", "").strip()
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(reverse("disinfection:records"))
    name = f"消杀记录-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return FileResponse(BytesIO(content), as_attachment=True, filename=name, content_type=XLSX)
