"""The gate keeper's phone page and the officers' read-only gate records.

Each view checks the capability, finds objects only through ``visible_to`` (a foreign row is a 404) and
calls one service. Only masked ID numbers are rendered. Every page load carries a fresh ``client_key``
so that a resend after a dropped connection returns the first record instead of making a second one.
"""

import datetime as dt
import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, DecimalField, F, Q, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import require
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise, GatePoint
from fugong.operations import services
from fugong.operations.models import EmployeeEntry, VehicleEntry, Visitor
from fugong.workforce.models import Employee, EmployeeStatus, HealthCode

TABS = ("employee", "visitor", "vehicle")
MODELS = {"employee": EmployeeEntry, "visitor": Visitor, "vehicle": VehicleEntry}
QUICK_TEMPERATURES = ("36.2", "36.5", "36.8", "37.0")
CODE_BUTTONS = [
    (HealthCode.GREEN, "green"),
    (HealthCode.YELLOW, "yellow"),
    (HealthCode.RED, "red"),
    (HealthCode.NONE, "none"),
]


def _firm(user) -> Enterprise:
    firm = Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).first()
    if firm is None:
        raise PermissionDenied
    return firm


def _errors(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {field: " ".join(msgs) for field, msgs in exc.message_dict.items()}
    return {"general": " ".join(exc.messages)}


def find_employees(user, q: str):
    """Among the firm's people: by name, the last four of the ID number, or the employee number."""
    q = (q or "").strip()
    if not q:
        return Employee.objects.none()
    match = Q(name__icontains=q) | Q(employee_no__iexact=q)
    if len(q) == 4:
        match |= Q(id_number_masked__iendswith=q)
    return (
        Employee.objects.visible_to(user)
        .filter(match)
        .exclude(status=EmployeeStatus.LEFT)
        .order_by("name", "id")[:8]
    )


def _today_lists(user, firm, on_date):
    entries = (
        EmployeeEntry.objects.visible_to(user)
        .filter(enterprise=firm, at__date=on_date)
        .select_related("employee", "gate")
    )
    visitors = (
        Visitor.objects.visible_to(user).filter(enterprise=firm, time_in__date=on_date).select_related("gate")
    )
    vehicles = (
        VehicleEntry.objects.visible_to(user).filter(enterprise=firm, at__date=on_date).select_related("gate")
    )
    inside = (
        Visitor.objects.visible_to(user)
        .filter(enterprise=firm, allowed=True, time_out__isnull=True)
        .order_by("time_in")
    )
    refusals = sorted(
        [("employee", e, e.employee.name, e.at) for e in entries if not e.allowed]
        + [("visitor", v, v.name, v.time_in) for v in visitors if not v.allowed]
        + [("vehicle", v, v.plate, v.at) for v in vehicles if not v.allowed],
        key=lambda row: row[3],
        reverse=True,
    )
    return {
        "entries": entries,
        "visitors": visitors,
        "vehicles": vehicles,
        "inside": inside,
        "refusals": [{"kind": k, "obj": o, "who": w, "at": a} for k, o, w, a in refusals],
    }


def _done(user, firm, value: str):
    kind, _sep, pk = (value or "").partition("-")
    if kind not in MODELS or not pk.isdigit():
        return None
    row = MODELS[kind].objects.visible_to(user).filter(pk=pk, enterprise=firm).first()
    if row is None:
        return None
    who = {"employee": lambda r: r.employee.name, "visitor": lambda r: r.name, "vehicle": lambda r: r.plate}
    return {"kind": kind, "obj": row, "who": who[kind](row)}


@login_required
def gate(request):
    """门岗登记 on a phone: three tabs, a big green or red answer, and today's lists."""
    user = request.user
    require(user, "gate.record")
    firm = _firm(user)
    tab = request.POST.get("kind") or request.GET.get("tab") or "employee"
    if tab not in TABS:
        tab = "employee"
    gates = list(GatePoint.objects.filter(enterprise=firm).order_by("name"))
    errors: dict = {}
    values = dict(request.POST.items()) if request.method == "POST" else {}
    if request.method == "POST":
        common = {
            "gate": request.POST.get("gate") or (gates[0] if len(gates) == 1 else None),
            "client_key": request.POST.get("client_key"),
        }
        try:
            if tab == "employee":
                pk = request.POST.get("employee", "")
                employee = Employee.objects.visible_to(user).filter(pk=pk).first() if pk.isdigit() else None
                if employee is None:
                    raise ValidationError({"employee": _("员工：请先查找并选择一名本企业员工")})
                row = services.record_employee_entry(
                    user,
                    employee,
                    temperature=request.POST.get("temperature"),
                    health_code=request.POST.get("health_code", ""),
                    **common,
                )
            elif tab == "visitor":
                row = services.record_visitor(
                    user,
                    firm,
                    **{
                        f: request.POST.get(f, "")
                        for f in ("name", "id_number", "phone", "company", "host", "purpose", "temperature")
                    },
                    health_code=request.POST.get("health_code", ""),
                    **common,
                )
            else:
                row = services.record_vehicle(
                    user,
                    firm,
                    **{
                        f: request.POST.get(f, "")
                        for f in ("plate", "driver_name", "driver_phone", "origin", "cargo", "pass_number")
                    },
                    disinfected=request.POST.get("disinfected") == "yes",
                    **common,
                )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            return redirect(reverse("operations:gate") + f"?tab={tab}&done={tab}-{row.pk}")
    q = request.GET.get("q", "") if request.method == "GET" else request.POST.get("q", "")
    selected = request.POST.get("employee", "")
    candidates = list(find_employees(user, q))
    if selected.isdigit() and not any(str(c.pk) == selected for c in candidates):
        candidates += list(Employee.objects.visible_to(user).filter(pk=selected))
    context = {
        "firm": firm,
        "tab": tab,
        "gates": gates,
        "errors": errors,
        "values": values,
        "q": q,
        "candidates": candidates,
        "selected": selected if selected else (str(candidates[0].pk) if len(candidates) == 1 else ""),
        "client_key": uuid.uuid4().hex,
        "quick_temperatures": QUICK_TEMPERATURES,
        "code_buttons": CODE_BUTTONS,
        "code_value": values.get("health_code", HealthCode.GREEN),
        "done": _done(user, firm, request.GET.get("done", "")) if request.method == "GET" else None,
        **_today_lists(user, firm, timezone.localdate()),
    }
    return render(request, "operations/gate.html", context, status=400 if errors else 200)


@login_required
@require_POST
def visitor_leave(request, pk: int):
    require(request.user, "gate.record")
    visitor = get_visible_or_404(Visitor, request.user, pk=pk)
    try:
        services.visitor_leaves(request.user, visitor)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError:
        pass  # a refused visitor never came in: nothing to record, the list shows why
    return redirect(reverse("operations:gate") + "?tab=visitor")


# The city-wide gate list: one row per entry, visitor or vehicle, refusals first by default.
RECORD_COLUMNS = [
    Column(gettext_lazy("结果"), "result", ("r_allowed",)),
    Column(gettext_lazy("时间"), "at", ("r_at",)),
    Column(gettext_lazy("企业"), "firm", ("r_firm",)),
    Column(gettext_lazy("类别"), "kind", ("r_kind",)),
    Column(gettext_lazy("人员或车辆"), "who", ("r_who",)),
    Column(gettext_lazy("身份证号或驾驶员")),
    Column(gettext_lazy("体温（℃）"), "temperature", ("r_temp",)),
    Column(gettext_lazy("门岗")),
    Column(gettext_lazy("拒绝原因")),
]
KIND_LABELS = {
    "employee": gettext_lazy("员工进厂"),
    "visitor": gettext_lazy("访客"),
    "vehicle": gettext_lazy("车辆"),
}
RESULTS = {"refused": False, "allowed": True}


def gate_rows(user, on_date, *, firm: str = "", kind: str = "", result: str = ""):
    """The gate records of ``on_date`` in the user's scope as one queryset (a union of the three kinds),
    each row with the same columns: id, r_kind, r_at, enterprise_id, r_firm, r_who, r_id, r_temp, r_gate,
    allowed, refusal_reason."""
    temperature = DecimalField(max_digits=4, decimal_places=1)
    parts = {
        "employee": (
            EmployeeEntry,
            "at",
            F("employee__name"),
            F("employee__id_number_masked"),
            F("temperature"),
        ),
        "visitor": (Visitor, "time_in", F("name"), F("id_number_masked"), F("temperature")),
        "vehicle": (VehicleEntry, "at", F("plate"), F("driver_name"), Value(None, output_field=temperature)),
    }
    queries = []
    for name, (model, at, who, ident, temp) in parts.items():
        if kind and kind != name:
            continue
        qs = model.objects.visible_to(user).filter(**{f"{at}__date": on_date})
        if firm:
            qs = qs.filter(enterprise__name__icontains=firm)
        if result in RESULTS:
            qs = qs.filter(allowed=RESULTS[result])
        queries.append(
            qs.order_by().values(
                "id",
                r_kind=Value(name, output_field=CharField()),
                r_at=F(at),
                r_firm_id=F("enterprise_id"),
                r_firm=F("enterprise__name"),
                r_who=who,
                r_id=ident,
                r_temp=temp,
                r_gate=F("gate__name"),
                r_allowed=F("allowed"),
                r_reason=F("refusal_reason"),
            )
        )
    if not queries:
        return EmployeeEntry.objects.none().values("id")
    first, *rest = queries
    return first.union(*rest, all=True) if rest else first


@login_required
def records(request):
    """门岗记录 (read-only). With a firm: its entries, visitors, vehicles and refusals on one day. Without:
    every firm's gate records of the day in the user's scope, refusals first, searchable by firm name."""
    user = request.user
    require(user, "gate.view")
    on_date = parse_date(request.GET.get("date", "") or "") or timezone.localdate()
    firm = None
    raw = request.GET.get("enterprise", "")
    if raw:
        firm = get_visible_or_404(Enterprise, user, pk=raw) if raw.isdigit() else None
        if firm is None:
            raise Http404
    elif user.enterprise_id:
        firm = Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).first()
    context = {
        "firm": firm,
        "on_date": on_date,
        "prev_date": on_date - dt.timedelta(days=1),
        "next_date": on_date + dt.timedelta(days=1),
        "kinds": list(KIND_LABELS.items()),
    }
    if firm is not None:
        context.update(_today_lists(user, firm, on_date))
        return render(request, "operations/records.html", context)
    firm_q = request.GET.get("firm", "").strip()
    kind = request.GET.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    result = request.GET.get("result", "")
    result = result if result in RESULTS else ""
    rows = gate_rows(user, on_date, firm=firm_q, kind=kind, result=result)
    # A union sorts by its own column names, hence the r_ names.
    table = sorted_table(request, rows, RECORD_COLUMNS, default="result", tiebreak=("-r_at", "r_kind", "-id"))
    context.update(
        {
            "table": table,
            "firm_q": firm_q,
            "kind": kind,
            "result": result,
            "kind_labels": KIND_LABELS,
            # Suggestions for the firm search: the names in scope, filtered by the browser as one types.
            "firm_names": Enterprise.objects.visible_to(user)
            .order_by("name")
            .values_list("name", flat=True)[:1000],
        }
    )
    return render(request, "operations/records.html", context)
