"""Pages for the inside of a firm: one page, a tab per kind, inline add/edit/delete.

With HTMX each action answers with the re-rendered panel (tabs and the active section); without
JavaScript the same URLs take a normal POST and redirect back to the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from fugong.accounts.roles import require
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from fugong.enterprises.parts import services
from fugong.enterprises.parts.forms import FORMS

DEFAULT_TAB = next(iter(services.PART_KINDS))


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _firm(request, pk) -> Enterprise:
    require(request.user, services.VIEW_CAPABILITY)
    return get_visible_or_404(Enterprise.objects.select_related("town", "department"), request.user, pk=pk)


def _editable_firm(request, pk) -> Enterprise:
    firm = _firm(request, pk)
    require(request.user, services.EDIT_CAPABILITY)
    return firm


def _page_url(firm, kind) -> str:
    return f"{reverse('enterprises:parts', args=[firm.pk])}?tab={kind.slug}"


def _render(request, firm, kind, *, add_form=None, edit_form=None, editing=None, flashes=(), add_open=False):
    editable = services.can_edit(request.user, firm)
    counts = services.part_counts(firm)
    tabs = [
        {"kind": k, "count": counts[slug], "active": k is kind} for slug, k in services.PART_KINDS.items()
    ]
    context = {
        "firm": firm,
        "kind": kind,
        "tabs": tabs,
        "can_edit": editable,
        "notices": services.notices_for(kind, firm),
        "flashes": flashes,
        "editing": editing,
        "edit_form": edit_form,
        "add_form": add_form
        if add_form is not None
        else (FORMS[kind.slug](enterprise=firm) if editable else None),
        "add_open": add_open or bool(add_form is not None and add_form.errors),
        "row_template": f"enterprises/parts/kinds/{kind.slug}.html",
    }
    if kind.slug == "grid-units":
        context["grid_roots"], context["grid_loose"] = services.grid_tree(firm)
    else:
        context["items"] = services.parts_of(kind, firm)
    template = "enterprises/parts/_panel.html" if _is_htmx(request) else "enterprises/parts/page.html"
    return render(request, template, context)


def _done(request, firm, kind, text: str, warnings: list[str], *, added=False):
    """After a change: the fresh panel for HTMX, or back to the page with messages."""
    if _is_htmx(request):
        flashes = [("success", text)] + [("warning", w) for w in warnings]
        # After an add the form stays open: people enter dorm rooms or team members in a row.
        return _render(request, firm, kind, flashes=flashes, add_open=added)
    messages.success(request, text)
    for warning in warnings:
        messages.warning(request, warning)
    return redirect(_page_url(firm, kind))


@login_required
@require_http_methods(["GET"])
def parts(request, pk):
    firm = _firm(request, pk)
    kind = services.PART_KINDS.get(request.GET.get("tab", ""), services.PART_KINDS[DEFAULT_TAB])
    return _render(request, firm, kind)


@login_required
@require_http_methods(["GET", "POST"])
def section(request, pk, kind):
    """GET: the panel for one tab. POST: add a row of that kind."""
    kind = services.get_kind(kind)
    if request.method == "GET":
        firm = _firm(request, pk)
        if not _is_htmx(request):
            return redirect(_page_url(firm, kind))
        return _render(request, firm, kind)
    firm = _editable_firm(request, pk)
    form = FORMS[kind.slug](request.POST, enterprise=firm)
    if form.is_valid():
        try:
            saved = services.create_part(request.user, kind, firm, form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            text = gettext("已添加%(kind)s“%(obj)s”。") % {"kind": kind.verbose_name, "obj": saved.obj}
            return _done(request, firm, kind, text, saved.warnings, added=True)
    return _render(request, firm, kind, add_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk, kind, part_pk):
    kind = services.get_kind(kind)
    firm = _editable_firm(request, pk)
    obj = get_object_or_404(kind.model, pk=part_pk, enterprise=firm)
    form_class = FORMS[kind.slug]
    if request.method == "GET":
        return _render(request, firm, kind, edit_form=form_class(enterprise=firm, instance=obj), editing=obj)
    form = form_class(request.POST, enterprise=firm, instance=obj)
    if form.is_valid():
        try:
            saved = services.update_part(request.user, kind, obj, form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            text = gettext("已保存%(kind)s“%(obj)s”。") % {"kind": kind.verbose_name, "obj": saved.obj}
            return _done(request, firm, kind, text, saved.warnings)
    return _render(request, firm, kind, edit_form=form, editing=obj)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk, kind, part_pk):
    """GET asks for confirmation (the no-JavaScript path); POST deletes."""
    kind = services.get_kind(kind)
    firm = _editable_firm(request, pk)
    obj = get_object_or_404(kind.model, pk=part_pk, enterprise=firm)
    if request.method == "GET":
        return render(
            request, "enterprises/parts/confirm_delete.html", {"firm": firm, "kind": kind, "obj": obj}
        )
    label = str(obj)
    try:
        services.delete_part(request.user, kind, obj)
    except ValidationError as exc:
        if _is_htmx(request):
            return _render(request, firm, kind, flashes=[("error", m) for m in exc.messages])
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_page_url(firm, kind))
    text = gettext("已删除%(kind)s“%(obj)s”。") % {"kind": kind.verbose_name, "obj": label}
    return _done(request, firm, kind, text, [])
