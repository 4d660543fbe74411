"""Contact-search writes: store the search's suggestions, confirm them in bulk (each confirmed employee
gets the observation the policy's case_contact_outcome sets), dismiss them, and expand to the second
degree on demand. Only the town and the health bureau decide on contacts."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role, can
from fugong.audit.services import record
from fugong.incidents.contacts.search import find_contacts
from fugong.incidents.models import Contact, ContactStatus, Incident, StepKind
from fugong.incidents.services import complete_step
from fugong.policy.selectors import find_policy_for
from fugong.workforce import episodes
from fugong.workforce import services as workforce
from fugong.workforce.guards import is_health_officer
from fugong.workforce.models import EmployeeStatus, EpisodeKind, IsolationEpisode

# What each case_contact_outcome does to a confirmed employee.
OUTCOME_EPISODE = {"isolate": EpisodeKind.ISOLATION, "buffer": EpisodeKind.BUFFER}
# People the workforce service cannot start an episode for (not on the firm's books, or already barred).
NO_EPISODE_STATUSES = {EmployeeStatus.LEFT, EmployeeStatus.EXPECTED, EmployeeStatus.BARRED}


@dataclass
class SearchOutcome:
    added: int = 0
    refreshed: int = 0
    removed: int = 0
    took_ms: int = 0
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    unmatched: list[str] = field(default_factory=list)


def check_contacts_actor(actor, incident) -> None:
    if actor is None:
        return
    if not can(actor, "incidents.contacts"):
        raise PermissionDenied(_("您没有确认密切接触者的权限。"))
    if actor.role == Role.DEPARTMENT and not is_health_officer(actor):
        raise PermissionDenied(_("密切接触者由镇街或卫生健康部门确认。"))
    if not Incident.objects.visible_to(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied(_("该事件不在您的管辖范围内。"))


def policy_of(incident):
    return find_policy_for(incident.enterprise.town, timezone.localdate(incident.opened_at))


def search_window(incident, now: dt.datetime | None = None):
    """(since, until, gate window minutes or None) from the policy in force when the incident was
    opened. No lookback in the policy: no window, and the search is refused rather than guessed."""
    policy = policy_of(incident)
    if policy is None:
        raise ValidationError(
            {"contact_lookback_days": [_("密切接触者追溯天数：当地没有生效的防控政策，无法划定排查时段")]}
        )
    days = policy.parameters.contact_lookback_days
    if days is None:
        raise ValidationError(
            {
                "contact_lookback_days": [
                    _("密切接触者追溯天数：%(cite)s未规定追溯天数，无法划定排查时段")
                    % {"cite": policy.cite("contact_lookback_days")}
                ]
            }
        )
    since = incident.reference_at - dt.timedelta(days=days)
    return since, now or timezone.now(), policy.parameters.contact_gate_window_minutes


def _store(actor, incident, results, degree: int, exclude_ids: set[int], action: str, outcome) -> None:
    """Suggested rows of ``degree`` follow the search; confirmed and dismissed rows are never touched."""
    existing = {
        (c.employee_id and ("e", c.employee_id)) or ("v", c.visitor_id): c
        for c in Contact.objects.select_for_update(of=("self",)).filter(incident=incident)
    }
    seen = set()
    for row in results:
        employee, visitor = row["employee"], row["visitor"]
        if employee is None and visitor is None:
            continue
        if employee is not None and employee.pk in exclude_ids:
            continue
        key = ("e", employee.pk) if employee is not None else ("v", visitor.pk)
        seen.add(key)
        contact = existing.get(key)
        if contact is None:
            Contact.objects.create(
                incident=incident,
                employee=employee,
                visitor=visitor,
                degree=degree,
                reasons=row["reasons"],
                score=row["score"],
            )
            outcome.added += 1
        elif (
            contact.status == ContactStatus.SUGGESTED
            and contact.degree == degree
            and (contact.reasons != row["reasons"] or contact.score != row["score"])
        ):
            contact.reasons, contact.score = row["reasons"], row["score"]
            contact.save(update_fields=["reasons", "score"])
            outcome.refreshed += 1
    stale = [
        c.pk
        for key, c in existing.items()
        if key not in seen and c.status == ContactStatus.SUGGESTED and c.degree == degree
    ]
    if stale:
        # The data no longer puts them beside the index person (an assignment was corrected).
        outcome.removed = Contact.objects.filter(pk__in=stale).delete()[0]
    record(
        actor,
        action,
        incident,
        after={
            "degree": degree,
            "added": outcome.added,
            "refreshed": outcome.refreshed,
            "removed": outcome.removed,
            "since": outcome.since,
            "until": outcome.until,
            "took_ms": outcome.took_ms,
        },
    )


def _timed_search(subject, since, until, gate) -> tuple[list[dict], int]:
    started = time.perf_counter()
    results = find_contacts(subject, since=since, until=until, gate_window_minutes=gate)
    return results, round((time.perf_counter() - started) * 1000)


def run_search(actor, incident) -> SearchOutcome:
    """Search the firm's data for the incident's contacts and store them as suggestions (idempotent)."""
    check_contacts_actor(actor, incident)
    since, until, gate = search_window(incident)
    results, took = _timed_search(incident, since, until, gate)
    outcome = SearchOutcome(took_ms=took, since=since, until=until)
    outcome.unmatched = [r["declared"] for r in results if r["declared"]]
    index_ids = set(incident.index_people.values_list("employee_id", flat=True))
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)
        _store(actor, incident, results, 1, index_ids, "incidents.contacts.search", outcome)
    return outcome


def expand_second_degree(actor, incident) -> SearchOutcome:
    """Search again from the confirmed first-degree contacts; new people are degree-2 suggestions."""
    check_contacts_actor(actor, incident)
    first = list(
        Contact.objects.filter(
            incident=incident, degree=1, status=ContactStatus.CONFIRMED, employee__isnull=False
        ).values_list("employee_id", flat=True)
    )
    if not first:
        raise ValidationError({"degree": [_("接触层级：尚无已确认的密切接触者，无法追查次密接")]})
    since, until, gate = search_window(incident)
    results, took = _timed_search(first, since, until, gate)
    outcome = SearchOutcome(took_ms=took, since=since, until=until)
    # Index people and anyone already on the list at degree 1 stay where they are.
    exclude = set(incident.index_people.values_list("employee_id", flat=True))
    exclude |= set(
        Contact.objects.filter(incident=incident, degree=1, employee__isnull=False).values_list(
            "employee_id", flat=True
        )
    )
    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)
        first_visitors = set(
            Contact.objects.filter(incident=incident, degree=1, visitor__isnull=False).values_list(
                "visitor_id", flat=True
            )
        )
        results = [r for r in results if r["visitor"] is None or r["visitor"].pk not in first_visitors]
        _store(actor, incident, results, 2, exclude, "incidents.contacts.expand", outcome)
    return outcome


def _chosen(incident, contact_ids) -> list[Contact]:
    try:
        ids = sorted({int(x) for x in contact_ids or []})
    except (TypeError, ValueError):
        raise ValidationError({"contacts": [_("密切接触者：选择无效")]}) from None
    if not ids:
        raise ValidationError({"contacts": [_("密切接触者：请至少勾选一人")]})
    rows = list(
        Contact.objects.select_for_update(of=("self",))
        .select_related("employee", "visitor")
        .filter(incident=incident, pk__in=ids)
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise ValidationError({"contacts": [_("密切接触者：所选人员不属于本事件")]})
    return rows


def _observe(actor, incident, contact, policy) -> str:
    """Apply case_contact_outcome to a confirmed employee; answers a note when nothing could be done."""
    outcome = policy.parameters.case_contact_outcome if policy is not None else None
    employee = contact.employee
    if employee is None or outcome in (None, "none"):
        return ""
    reason = _("%(cite)s：密切接触者（事件 #%(pk)d）") % {
        "cite": policy.cite("case_contact_outcome"),
        "pk": incident.pk,
    }
    employee.refresh_from_db()
    if outcome == "barred":
        if employee.status in (EmployeeStatus.BARRED, EmployeeStatus.LEFT):
            return ""
        try:
            workforce.change_status(actor, employee, EmployeeStatus.BARRED, reason, source="incident_contact")
        except ValidationError as exc:
            return _("%(name)s：%(why)s") % {"name": employee.name, "why": "；".join(exc.messages)}
        return ""
    open_one = IsolationEpisode.objects.filter(employee=employee, released_at__isnull=True).first()
    if open_one is not None:
        contact.episode = open_one  # already observed: the contact points at that episode
        return ""
    if employee.status in NO_EPISODE_STATUSES:
        return _("%(name)s当前为「%(s)s」，未开始观察") % {
            "name": employee.name,
            "s": employee.get_status_display(),
        }
    try:
        contact.episode = episodes.start_episode(
            actor, employee, OUTCOME_EPISODE[outcome], timezone.localdate(), reason=reason
        )
    except ValidationError as exc:
        return _("%(name)s：%(why)s") % {"name": employee.name, "why": "；".join(exc.messages)}
    return ""


def confirm(actor, incident, contact_ids) -> list[str]:
    """Confirm the chosen suggestions (already confirmed ones are left as they are) and give each
    confirmed employee the observation the policy sets; marks the step "find contacts" done, and
    "observe" when everyone confirmed could be put under that observation. Answers
    the notes of people who could not be put under observation."""
    check_contacts_actor(actor, incident)
    policy = policy_of(incident)
    notes: list[str] = []
    now = timezone.now()
    with transaction.atomic():
        rows = _chosen(incident, contact_ids)
        confirmed = []
        for contact in rows:
            if contact.status == ContactStatus.CONFIRMED:
                continue
            contact.status = ContactStatus.CONFIRMED
            contact.decided_by = actor if getattr(actor, "pk", None) else None
            contact.decided_at = now
            note = _observe(actor, incident, contact, policy)
            if note:
                notes.append(note)
            contact.save(update_fields=["status", "decided_by", "decided_at", "episode"])
            confirmed.append(contact.pk)
        record(
            actor,
            "incidents.contacts.confirm",
            incident,
            after={
                "confirmed": confirmed,
                "outcome": getattr(policy.parameters, "case_contact_outcome", None) if policy else None,
            },
            note="；".join(notes),
        )
        total = Contact.objects.filter(incident=incident, status=ContactStatus.CONFIRMED).count()
        complete_step(
            actor, incident, StepKind.FIND_CONTACTS, note=_("已确认密切接触者 %(n)d 人") % {"n": total}
        )
        outcome = policy.parameters.case_contact_outcome if policy is not None else None
        if confirmed and not notes and outcome not in (None, "none"):
            # Everyone confirmed is under the policy's measure: the observation is arranged.
            complete_step(
                actor,
                incident,
                StepKind.OBSERVE,
                note=_("已确认的 %(n)d 人按%(cite)s安排观察")
                % {"n": total, "cite": policy.cite("case_contact_outcome")},
            )
    return notes


def dismiss(actor, incident, contact_ids) -> int:
    """Dismiss suggestions; a confirmed contact is not undone here (their observation has started)."""
    check_contacts_actor(actor, incident)
    with transaction.atomic():
        rows = _chosen(incident, contact_ids)
        if any(c.status == ContactStatus.CONFIRMED for c in rows):
            raise ValidationError({"contacts": [_("密切接触者：已确认的人员不能排除")]})
        changed = [c.pk for c in rows if c.status == ContactStatus.SUGGESTED]
        Contact.objects.filter(pk__in=changed).update(
            status=ContactStatus.DISMISSED,
            decided_by=actor if getattr(actor, "pk", None) else None,
            decided_at=timezone.now(),
        )
        record(actor, "incidents.contacts.dismiss", incident, after={"dismissed": changed})
    return len(changed)
