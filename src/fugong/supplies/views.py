"""The supplies pages: the firm's ledger (stock, receive/issue on a phone, history, its demands), the
officers' list of firms with their shortages, and the demand queue of the town and the task force.

Views are thin: they find objects only through ``visible_to`` (a foreign row is a 404), call one
service, and put the service's messages on the form so that every error shows at once. Each entry page
carries a fresh ``client_key`` so that a resend after a dropped connection books nothing twice.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.roles import can, require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise
from fugong.policy.parameters import SUPPLY_CHOICES

from . import services
from .demands import request_supplies
from .export import export_movements
from .forms import AdjustForm, DemandForm, IssueForm, ReceiveForm, add_service_errors
from .models import DemandRequest, MovementKind, Stock
from .selectors import cover_by_firm, movements, rounded, shortages_by_firm

HISTORY_SIZE = 50


def _own_firm(user) -> Enterprise:
    firm = (
        Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).first()
        if user.enterprise_id
        else None
    )
    if firm is None:
        raise PermissionDenied
    return firm


def _key() -> str:
    return uuid.uuid4().hex


def _history_filters(request) -> dict:
    item = request.GET.get("item", "")
    kind = request.GET.get("kind", "")
    return {
        "item": item if item in dict(SUPPLY_CHOICES) else "",
        "kind": kind if kind in MovementKind.values else "",
        "start": parse_date(request.GET.get("start", "") or ""),
        "end": parse_date(request.GET.get("end", "") or ""),
    }


def _cover_rows(firm, day):
    rows = cover_by_firm(day, [firm.pk]).get(firm.pk, [])
    for row in rows:
        row["daily_text"] = rounded(row["daily_use"])
        row["cover_text"] = rounded(row["days_of_cover"])
    return rows


def _firm_page(request, firm, *, editable: bool):
    user = request.user
    filters = _history_filters(request)
    history = movements(user, firm=firm, **filters)[:HISTORY_SIZE]
    firm_demands = DemandRequest.objects.visible_to(user).filter(enterprise=firm)[:20]
    units = dict(Stock.objects.filter(enterprise=firm).values_list("item", "unit"))
    return render(
        request,
        "supplies/firm.html",
        {
            "firm": firm,
            "editable": editable,
            "can_demand": editable and can(user, "supplies.demand"),
            "cover": _cover_rows(firm, timezone.localdate()),
            "history": [(m, units.get(m.item, "")) for m in history],
            "filters": filters,
            "items": SUPPLY_CHOICES,
            "kinds": MovementKind.choices,
            "demands": firm_demands,
            "today": timezone.localdate(),
        },
    )


# The officers' list: firms in scope with how many required items are short.
FIRM_COLUMNS = [
    Column(gettext_lazy("企业"), "name", ("name",)),
    Column(gettext_lazy("镇街"), "town", ("town__name",)),
    Column(gettext_lazy("不足物资数"), "short", ("n_short",)),
    Column(gettext_lazy("不足物资及依据")),
]


@login_required
def index(request):
    """防疫物资: the firm's own ledger, or for officers the firms in scope with their shortages."""
    user = request.user
    require(user, "supplies.view")
    raw = request.GET.get("enterprise", "")
    if user.enterprise_id:
        return _firm_page(request, _own_firm(user), editable=can(user, "supplies.record"))
    if raw:
        if not raw.isdigit():
            raise Http404
        return _firm_page(request, get_visible_or_404(Enterprise, user, pk=raw), editable=False)
    q = request.GET.get("q", "").strip()
    firms = Enterprise.objects.visible_to(user).select_related("town")
    if q:
        firms = firms.filter(name__icontains=q)
    ids = list(firms.values_list("pk", flat=True))
    shortages = shortages_by_firm(timezone.localdate(), ids)
    by_count: dict[int, list[int]] = {}
    for pk, rows in shortages.items():
        if rows:
            by_count.setdefault(len(rows), []).append(pk)
    # The count as a column the database sorts and pages by (a handful of distinct counts).
    n_short = Case(
        *[When(pk__in=pks, then=Value(n)) for n, pks in by_count.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    table = sorted_table(
        request, firms.annotate(n_short=n_short), FIRM_COLUMNS, default="-short", tiebreak=("name", "pk")
    )
    rows = [(firm, shortages.get(firm.pk, [])) for firm in table.page]
    return render(
        request,
        "supplies/officers.html",
        {
            "table": table,
            "rows": rows,
            "q": q,
            "short_firms": sum(1 for r in shortages.values() if r),
            "firm_names": Enterprise.objects.visible_to(user)
            .order_by("name")
            .values_list("name", flat=True)[:1000],
        },
    )


def _entry(request, form_class, template, write, *, title, done):
    user = request.user
    require(user, "supplies.record")
    firm = _own_firm(user)
    stocks = list(Stock.objects.visible_to(user).filter(enterprise=firm))
    extra = {}
    if form_class is IssueForm:
        labels = dict(SUPPLY_CHOICES)
        extra["items"] = [
            (s.item, f"{labels[s.item]}（{_('现有')}{s.quantity}{s.unit}）")
            for s in stocks
            if s.item in labels
        ]
    if request.method == "POST":
        form = form_class(request.POST, **extra)
        form.is_valid()
        try:
            movement = write(user, firm, form.cleaned_data)
        except services.InsufficientStock as exc:
            form.add_error(None, exc.messages)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done(movement))
            return redirect("supplies:index")
    else:
        initial = {"client_key": _key()}
        if request.GET.get("item") in dict(SUPPLY_CHOICES):
            initial["item"] = request.GET["item"]
        form = form_class(initial=initial, **extra)
    takers = []
    if form_class is IssueForm:
        from fugong.enterprises.models import GridUnit

        takers = list(GridUnit.objects.filter(enterprise=firm).values_list("name", flat=True)[:200])
    return render(
        request,
        template,
        {"form": form, "firm": firm, "title": title, "stocks": stocks, "takers": takers},
    )


def _done_text(movement) -> str:
    return _("已登记：%(item)s%(change)+d，结存%(balance)d") % {
        "item": movement.get_item_display(),
        "change": movement.change,
        "balance": movement.balance_after,
    }


@login_required
def receive(request):
    return _entry(
        request,
        ReceiveForm,
        "supplies/entry.html",
        lambda user, firm, d: services.receive(
            user,
            firm,
            d.get("item"),
            d.get("quantity"),
            unit=d.get("unit"),
            counterparty=d.get("counterparty"),
            note=d.get("note"),
            client_key=d.get("client_key"),
        ),
        title=_("入库登记"),
        done=_done_text,
    )


@login_required
def issue(request):
    return _entry(
        request,
        IssueForm,
        "supplies/entry.html",
        lambda user, firm, d: services.issue(
            user,
            firm,
            d.get("item"),
            d.get("quantity"),
            counterparty=d.get("counterparty"),
            note=d.get("note"),
            client_key=d.get("client_key"),
        ),
        title=_("领用登记"),
        done=_done_text,
    )


@login_required
def adjust(request):
    return _entry(
        request,
        AdjustForm,
        "supplies/entry.html",
        lambda user, firm, d: services.adjust(
            user, firm, d.get("item"), d.get("counted_quantity"), d.get("note")
        ),
        title=_("库存盘点"),
        done=_done_text,
    )


@login_required
def export(request):
    user = request.user
    require(user, "supplies.view")
    firm = None
    raw = request.GET.get("enterprise", "")
    if user.enterprise_id:
        firm = _own_firm(user)
    elif raw.isdigit():
        firm = get_visible_or_404(Enterprise, user, pk=raw)
    content, _count = export_movements(user, firm=firm, **_history_filters(request))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename=supplies-movements.xlsx"
    return response


@login_required
def demand_new(request):
    """提出物资需求: what the firm cannot source itself, to its town."""
    user = request.user
    require(user, "supplies.demand")
    firm = _own_firm(user)
    if request.method == "POST":
        form = DemandForm(request.POST)
        form.is_valid()
        d = form.cleaned_data
        try:
            req = request_supplies(
                user,
                firm,
                d.get("item"),
                d.get("quantity"),
                d.get("needed_by"),
                d.get("reason"),
                client_key=d.get("client_key"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("需求已提交镇街协调"))
            return redirect("supplies:demand", pk=req.pk)
    else:
        initial = {"client_key": _key()}
        if request.GET.get("item") in dict(SUPPLY_CHOICES):
            initial["item"] = request.GET["item"]
        form = DemandForm(initial=initial)
    return render(request, "supplies/demand_new.html", {"form": form, "firm": firm})


def demand_url(req) -> str:
    return reverse("supplies:demand", kwargs={"pk": req.pk})


# Demand views (queue, detail, transitions) are in demand_views.py to keep this module short.
from .demand_views import demand, demand_act, demands  # noqa: E402, F401
