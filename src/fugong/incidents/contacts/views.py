"""The contact search page: the ranked suggestions with their reasons and masked ID numbers, bulk confirm
and dismiss, the second-degree expansion, and how long the search took. Thin: reads through
``visible_to``, each change one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.roles import require
from fugong.core.scoping import get_visible_or_404
from fugong.incidents.contacts import services
from fugong.incidents.models import Contact, ContactStatus, Incident


def _url(name, *args) -> str:
    """A link to another part's page; empty until that part defines it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def may_decide(user, incident) -> bool:
    try:
        services.check_contacts_actor(user, incident)
    except PermissionDenied:
        return False
    return True


def _errors(exc: ValidationError) -> list[str]:
    return (
        [m for msgs in exc.message_dict.values() for m in msgs]
        if hasattr(exc, "error_dict")
        else exc.messages
    )


def _session_key(incident) -> str:
    return f"incident_contacts_{incident.pk}"


@login_required
def contacts(request, pk: int):
    user = request.user
    require(user, "incidents.view")
    incident = get_visible_or_404(Incident.objects.select_related("enterprise"), user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "expand":
                outcome = services.expand_second_degree(user, incident)
            else:
                outcome = services.run_search(user, incident)
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            request.session[_session_key(incident)] = {
                "took_ms": outcome.took_ms,
                "unmatched": outcome.unmatched,
            }
            messages.success(
                request,
                _("排查完成，用时 %(ms)d 毫秒：新增 %(added)d 人，更新 %(refreshed)d 人。")
                % {"ms": outcome.took_ms, "added": outcome.added, "refreshed": outcome.refreshed},
            )
        return redirect("incidents:contacts", pk=incident.pk)
    rows = list(
        Contact.objects.visible_to(user)
        .filter(incident=incident)
        .select_related("employee", "visitor")
        .order_by("degree", "-score", "id")
    )
    for row in rows:
        row.name = (row.employee or row.visitor).name if (row.employee or row.visitor) else ""
        row.masked_id = (
            (row.employee or row.visitor).id_number_masked if (row.employee or row.visitor) else ""
        )
        row.reason_text = "、".join(r.get("text", "") for r in row.reasons)
    window_error = ""
    try:
        since, until, gate = services.search_window(incident)
    except ValidationError as exc:
        since = until = gate = None
        window_error = "；".join(_errors(exc))
    last = request.session.get(_session_key(incident)) or {}
    return render(
        request,
        "incidents/contacts_list.html",
        {
            "incident": incident,
            "index_people": [p.employee for p in incident.index_people.select_related("employee")],
            "rows": rows,
            "suggested": sum(1 for r in rows if r.status == ContactStatus.SUGGESTED),
            "confirmed": sum(1 for r in rows if r.status == ContactStatus.CONFIRMED),
            "may_decide": may_decide(user, incident),
            "since": since,
            "until": until,
            "gate_window": gate,
            "window_error": window_error,
            "took_ms": last.get("took_ms"),
            "unmatched": last.get("unmatched") or [],
            "detail_url": _url("incidents:detail", incident.pk),
        },
    )


@login_required
@require_POST
def contacts_confirm(request, pk: int):
    user = request.user
    require(user, "incidents.contacts")
    incident = get_visible_or_404(Incident.objects.select_related("enterprise"), user, pk=pk)
    ids = request.POST.getlist("contact")
    try:
        if request.POST.get("action") == "dismiss":
            n = services.dismiss(user, incident, ids)
            messages.success(request, _("已排除 %(n)d 人。") % {"n": n})
        else:
            notes = services.confirm(user, incident, ids)
            messages.success(request, _("已确认所选密切接触者，并按政策安排观察。"))
            for note in notes:
                messages.warning(request, note)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    return redirect("incidents:contacts", pk=incident.pk)
