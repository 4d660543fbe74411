"""隔离观察通知书 (issue 13 item 3): one A4 page per confirmed contact, a merged file to print, a QR code to a
public verify page, and the record of how each was delivered.

The notice is rendered again from the stored rows whenever it is asked for, so it always shows the
current period (an episode extended or released prints as it now stands). The verify token is made the
first time a notice is issued and never changes: a notice already handed out keeps working.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fugong.accounts.roles import Role, can, require
from fugong.audit.services import record
from fugong.incidents.models import Contact, ContactStatus, StepKind
from fugong.policy.parameters import OUTCOME_CHOICES
from fugong.policy.selectors import find_policy_for
from fugong.resumption import certificates

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")

NOTICE_TITLE = "隔离观察通知书"


class DeliveryMethod(models.TextChoices):
    PRINTED = "printed", _("打印送达")
    LINK = "link", _("链接送达")


class PublicStatus(models.TextChoices):
    """What the verify page says about a notice."""

    ACTIVE = "active", _("观察中")
    ENDED = "ended", _("观察期满")
    RELEASED = "released", _("已解除")
    WITHDRAWN = "withdrawn", _("已撤销")


# -- tokens and addresses -------------------------------------------------------------------------------


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def issue_tokens(contacts) -> None:
    """Give every contact without a verify token one (first issue). A racing second request finds the
    token already set by the conditional update and keeps the first one."""
    for contact in contacts:
        if contact.notice_token:
            continue
        token = _new_token()
        Contact.objects.filter(pk=contact.pk, notice_token="").update(notice_token=token)
        contact.notice_token = Contact.objects.values_list("notice_token", flat=True).get(pk=contact.pk)


def verify_url(contact, base_url: str | None = None) -> str:
    path = reverse("incidents:notice_verify", args=[contact.notice_token])
    base = settings.PUBLIC_BASE_URL or base_url or "http://127.0.0.1:8000"
    return base.rstrip("/") + path


def find_by_token(token: str):
    """The confirmed-or-later contact holding this token, or None. Holding the unguessable token is the
    permission (like the certificate check), so this is deliberately not scoped."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return Contact.objects.select_related("employee", "visitor", "episode").filter(notice_token=token).first()


# -- what the notice says -------------------------------------------------------------------------------


def person_of(contact):
    return contact.employee or contact.visitor


def reasons_text(contact) -> str:
    return "；".join(str(r.get("text", "")) for r in (contact.reasons or []) if r.get("text"))


def period(contact) -> tuple[dt.date | None, dt.date | None]:
    """The observation period: the linked episode's, else from the day the contact was confirmed with
    no end known yet."""
    episode = contact.episode
    if episode is not None:
        return episode.started_on, episode.planned_end
    decided = contact.decided_at or contact.notified_at
    return (timezone.localtime(decided).date() if decided else None), None


def isolation_days(contact) -> int | None:
    start, end = period(contact)
    if start and end:
        return (end - start).days
    return None


def public_status(contact, today: dt.date | None = None) -> str:
    if contact.status != ContactStatus.CONFIRMED:
        return PublicStatus.WITHDRAWN
    episode = contact.episode
    if episode is not None and episode.released_at is not None:
        return PublicStatus.RELEASED
    _start, end = period(contact)
    if end is not None and end < (today or timezone.localdate()):
        return PublicStatus.ENDED
    return PublicStatus.ACTIVE


def measure(contact, policy) -> tuple[str, str]:
    """The observation measure and its citation from the policy's case_contact_outcome; the episode's
    kind when the policy sets none (the measure actually taken)."""
    value = policy.parameters.case_contact_outcome if policy is not None else None
    if value:
        return str(dict(OUTCOME_CHOICES).get(value, value)), policy.cite("case_contact_outcome")
    if contact.episode is not None:
        return str(contact.episode.get_kind_display()), ""
    return "健康监测", ""


def notice_context(contact, *, base_url: str | None = None, policy=None) -> dict:
    incident = contact.incident
    firm = incident.enterprise
    if policy is None:
        policy = find_policy_for(firm.town, timezone.localdate())
    person = person_of(contact)
    start, end = period(contact)
    what, cite = measure(contact, policy)
    url = verify_url(contact, base_url)
    issued = contact.notified_at or contact.decided_at or timezone.now()
    return {
        "name": person.name if person else "",
        "id_masked": getattr(person, "id_number_masked", ""),
        "firm_name": firm.name,
        "reasons": reasons_text(contact),
        "measure": what,
        "cite": cite,
        "start": certificates.chinese_date(start),
        "end": certificates.chinese_date(end),
        "days": isolation_days(contact),
        "place": contact.episode.place_note if contact.episode else "",
        "town": certificates.town_label(firm),
        "issuer": f"{firm.town.name}疫情防控工作领导小组" if firm.town else "",
        "issue_date": certificates.chinese_date(issued),
        "verify_url": url,
        "qr_data_uri": certificates.qr_png_data_uri(url),
    }


def render_notices_html(contacts, *, base_url: str | None = None) -> str:
    contacts = list(contacts)
    issue_tokens(contacts)
    # An official notice is Chinese whatever language the printing officer reads the site in.
    with translation.override("zh-hans"):
        policies: dict = {}
        pages = []
        for contact in contacts:
            town = contact.incident.enterprise.town
            if town.pk not in policies:
                policies[town.pk] = find_policy_for(town, timezone.localdate())
            pages.append(notice_context(contact, base_url=base_url, policy=policies[town.pk]))
        return render_to_string("incidents/notices_pdf.html", {"pages": pages, "title": NOTICE_TITLE})


def render_notices_pdf(contacts, *, base_url: str | None = None) -> bytes:
    """The notices as one A4 PDF, one page each, with the CJK fonts embedded by WeasyPrint."""
    from weasyprint import HTML

    html = render_notices_html(contacts, base_url=base_url)
    return HTML(string=html, url_fetcher=certificates._data_only_fetcher()).write_pdf()


def printable(queryset):
    """The confirmed contacts of ``queryset`` with what a notice reads, in print order."""
    return (
        queryset.filter(status=ContactStatus.CONFIRMED)
        .select_related("incident__enterprise__town__parent", "employee", "visitor", "episode")
        .order_by("incident_id", "-score", "id")
    )


# -- delivery -------------------------------------------------------------------------------------------


def record_delivery(actor, contacts, method: str) -> list[Contact]:
    """Record that the notices of ``contacts`` were delivered (printed and handed over, or sent as the
    personal verify link). A contact already notified keeps its first time and method, so a resend is
    harmless. When every confirmed contact of an incident is notified, its NOTIFY_CONTACTS step is done."""
    from fugong.incidents.services import complete_step
    from fugong.workforce.guards import is_health_officer

    require(actor, "incidents.handle")
    if actor.role == Role.DEPARTMENT and not is_health_officer(actor):
        raise PermissionDenied(_("疫情处置由卫生健康部门办理。"))
    if method not in DeliveryMethod.values:
        raise ValidationError({"method": [_("送达方式：应为打印送达或链接送达")]})
    ids = sorted({c.pk for c in contacts})
    if not ids:
        raise ValidationError({"contacts": [_("密切接触者：请至少选择一人")]})
    visible = Contact.objects.visible_to(actor).filter(pk__in=ids)
    if visible.count() != len(ids):
        raise ValidationError({"contacts": [_("密切接触者：有人不存在或不在您的管辖范围内")]})
    if visible.exclude(status=ContactStatus.CONFIRMED).exists():
        raise ValidationError({"contacts": [_("密切接触者：只能向已确认的密切接触者送达通知书")]})

    now = timezone.now()
    with transaction.atomic():
        rows = list(Contact.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
        issue_tokens(rows)
        for contact in rows:
            if contact.notified_at is not None:
                continue
            contact.notified_at = now
            contact.notice_delivery = method
            contact.save(update_fields=["notified_at", "notice_delivery"])
            record(
                actor,
                "incidents.notice.deliver",
                contact,
                before={"notified_at": None},
                after={"notified_at": now.isoformat(), "notice_delivery": method},
                note=str(DeliveryMethod(method).label),
            )
        incidents = {c.incident for c in rows}
        for incident in sorted(incidents, key=lambda i: i.pk):
            waiting = Contact.objects.filter(
                incident=incident, status=ContactStatus.CONFIRMED, notified_at__isnull=True
            )
            if not waiting.exists():
                complete_step(
                    actor,
                    incident,
                    StepKind.NOTIFY_CONTACTS,
                    note=str(_("已向全部确认的密切接触者送达通知书")),
                )
    return rows


def delivery_summary(incident) -> dict:
    """Counts for the notices page, in one query."""
    row = Contact.objects.filter(incident=incident, status=ContactStatus.CONFIRMED).aggregate(
        total=models.Count("id"),
        notified=models.Count("id", filter=models.Q(notified_at__isnull=False)),
    )
    return {"total": row["total"], "notified": row["notified"], "waiting": row["total"] - row["notified"]}


# -- the employee's own ---------------------------------------------------------------------------------


def own_notices(user):
    """The logged-in employee's own confirmed contacts (their notices), latest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (
        Contact.objects.filter(employee__user=user, status=ContactStatus.CONFIRMED)
        .select_related("episode", "incident__enterprise")
        .order_by("-decided_at", "-id")[:3]
    )
    return [
        {
            "contact": c,
            "status": public_status(c),
            "status_label": PublicStatus(public_status(c)).label,
            "start": period(c)[0],
            "end": period(c)[1],
        }
        for c in rows
    ]


def may_read_notice(user, contact) -> bool:
    """The officer in scope, or the person the notice is for."""
    employee = contact.employee
    if employee is not None and employee.user_id is not None and employee.user_id == user.pk:
        return True
    return can(user, "incidents.view") and Contact.objects.visible_to(user).filter(pk=contact.pk).exists()
