"""The arrangement pages: the firm's officer sees and edits its dorms, sittings, commute and grids with
the policy's flags on top; officers list the firms in scope by flag count and open a read-only view.

Every object is found through ``visible_to`` (a foreign one is a 404); every write is one service call.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.arrangements import pages, services
from fugong.arrangements.flags import flags_by_firm, flags_for_firm
from fugong.arrangements.forms import AssignForm, CarpoolForm
from fugong.arrangements.models import Assignment, AssignmentKind, Carpool
from fugong.arrangements.selectors import TARGET_MODEL, occupants_on, without_grid_unit
from fugong.core.scoping import get_visible_or_404
from fugong.core.tables import Column, sorted_table
from fugong.enterprises.models import Enterprise


def _day(request) -> dt.date:
    return parse_date(request.GET.get("date", "") or "") or timezone.localdate()


def _own_firm(user):
    if not user.enterprise_id:
        return None
    return Enterprise.objects.visible_to(user).filter(pk=user.enterprise_id).select_related("town").first()


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


FIRM_COLUMNS = [
    Column(gettext_lazy("企业"), "name", ("name",)),
    Column(gettext_lazy("镇街"), "town", ("town__name",)),
    Column(gettext_lazy("问题数"), "flags", ("n_flags",)),
    Column(gettext_lazy("未纳入网格人数"), "ungrouped", ("n_ungrouped",)),
]


def _counts_case(counts: dict[int, int]):
    if not counts:
        return Value(0, output_field=IntegerField())
    return Case(
        *[When(pk=pk, then=Value(n)) for pk, n in counts.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


@login_required
def index(request):
    """The firm's own arrangements, or for officers every firm in scope with its flag count."""
    user = request.user
    require(user, "arrangements.view")
    firm = _own_firm(user)
    if firm is not None:
        return _firm_page(request, firm, editable=can(user, "arrangements.edit"))
    if user.enterprise_id:
        raise PermissionDenied
    day = _day(request)
    firms = Enterprise.objects.visible_to(user)
    q = request.GET.get("q", "").strip()
    if q:
        firms = firms.filter(Q(name__icontains=q) | Q(town__name__icontains=q))
    ids = list(firms.values_list("pk", flat=True))
    flag_counts = {pk: len(f) for pk, f in flags_by_firm(day, ids).items()}
    ungrouped = without_grid_unit(day, ids)
    rows = firms.select_related("town").annotate(
        n_flags=_counts_case(flag_counts), n_ungrouped=_counts_case(ungrouped)
    )
    table = sorted_table(request, rows, FIRM_COLUMNS, default="-flags", tiebreak=("name", "pk"))
    return render(
        request,
        "arrangements/firms.html",
        {"table": table, "q": q, "day": day, "total_flags": sum(flag_counts.values())},
    )


@login_required
def firm_view(request, pk: int):
    """An officer's read-only view of one firm's arrangements."""
    require(request.user, "arrangements.view")
    firm = get_visible_or_404(Enterprise.objects.select_related("town"), request.user, pk=pk)
    if request.user.enterprise_id == firm.pk:
        return redirect("arrangements:index")
    return _firm_page(request, firm, editable=False)


def _firm_page(request, firm, *, editable: bool):
    day = _day(request)
    tab = request.GET.get("tab", "dorm")
    if tab not in dict(pages.TABS):
        tab = "dorm"
    flags = flags_for_firm(firm, day)
    context = {
        "firm": firm,
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "tab": tab,
        "tabs": [(key, _(label)) for key, label in pages.TABS],
        "flags": flags,
        "editable": editable,
        "is_today": day == timezone.localdate(),
    }
    if tab == "dorm":
        context["rows"] = pages.dorm_tab(firm, day, flags)
    elif tab == "canteen":
        context["rows"] = pages.canteen_tab(firm, day, flags)
    elif tab == "commute":
        context["routes"], context["cars"] = pages.commute_tab(firm, day, flags)
    elif tab == "grid":
        context["units"] = pages.grid_tab(firm, day)
    else:
        context["ungrouped"] = pages.ungrouped_tab(firm, day)
    return render(request, "arrangements/firm.html", context)


def _editing_firm(user):
    require(user, "arrangements.edit")
    firm = _own_firm(user)
    if firm is None:
        raise PermissionDenied
    return firm


def _target_from(firm, value: str):
    kind, _sep, pk = (value or "").partition(":")
    if kind not in AssignmentKind.values or not pk.isdigit():
        return None, None
    return kind, TARGET_MODEL[kind].objects.filter(enterprise=firm, pk=pk).first()


@login_required
def assign(request):
    """安排人员: a person, a place, a start date and a seat; the flags come back as warnings."""
    user = request.user
    firm = _editing_firm(user)
    initial = {
        "starts_on": timezone.localdate(),
        "target": request.GET.get("target", ""),
        "employee": request.GET.get("employee", ""),
    }
    form = AssignForm(request.POST if request.method == "POST" else None, firm=firm, initial=initial)
    if request.method == "POST" and form.is_valid():
        kind, target = _target_from(firm, form.cleaned_data["target"])
        if target is None:
            form.add_error("target", _("不是本企业登记的去处"))
        else:
            try:
                assignment = services.assign(
                    user,
                    form.cleaned_data["employee"],
                    kind,
                    target,
                    starts_on=form.cleaned_data["starts_on"],
                    seat=form.cleaned_data["seat"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已安排%(name)s：%(target)s")
                    % {"name": assignment.employee.name, "target": assignment.target},
                )
                for flag in assignment.flags:
                    messages.warning(request, flag)
                return redirect(reverse("arrangements:index") + f"?tab={pages.tab_of(kind)}")
    status = 400 if request.method == "POST" else 200
    return render(request, "arrangements/assign.html", {"form": form, "firm": firm}, status=status)


@login_required
@require_POST
def end(request, pk: int):
    """The person's last day there (today unless a date is given)."""
    user = request.user
    _editing_firm(user)
    assignment = get_visible_or_404(Assignment.objects.select_related("employee"), user, pk=pk)
    ends_on = request.POST.get("ends_on") or timezone.localdate()
    try:
        services.end_assignment(user, assignment, ends_on)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(
            request,
            _("已结束%(name)s的安排：%(target)s")
            % {"name": assignment.employee.name, "target": assignment.target},
        )
    return redirect(reverse("arrangements:index") + f"?tab={pages.tab_of(assignment.kind)}")


@login_required
def on_day(request, kind: str, pk: int):
    """Who was in one room, sitting, route, car or grid unit on a day, and its dated history."""
    user = request.user
    require(user, "arrangements.view")
    if kind not in TARGET_MODEL:
        raise Http404
    target = get_visible_or_404(TARGET_MODEL[kind], user, pk=pk)
    day = _day(request)
    context = {
        "target": target,
        "kind": kind,
        "kind_label": AssignmentKind(kind).label,
        "day": day,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "people": occupants_on(target, day),
        "history": pages.history(target, kind),
        "editable": can(user, "arrangements.edit") and user.enterprise_id == target.enterprise_id,
        "tab": pages.tab_of(kind),
    }
    return render(request, "arrangements/on_day.html", context)


@login_required
def carpool_form(request, pk: int | None = None):
    """登记或修改通勤私家车."""
    user = request.user
    firm = _editing_firm(user)
    carpool = get_visible_or_404(Carpool, user, pk=pk) if pk else None
    initial = {"plate": carpool.plate, "seats": carpool.seats, "driver": carpool.driver_id} if carpool else {}
    form = CarpoolForm(request.POST if request.method == "POST" else None, firm=firm, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "driver": form.cleaned_data["driver"]}
        try:
            if carpool is None:
                services.create_carpool(user, firm, data)
            else:
                services.update_carpool(user, carpool, data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已保存私家车%(plate)s") % {"plate": data["plate"].upper()})
            return redirect(reverse("arrangements:index") + "?tab=commute")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "arrangements/carpool_form.html", {"form": form, "carpool": carpool}, status=status
    )
