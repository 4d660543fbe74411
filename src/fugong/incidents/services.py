"""Incident writes (SPEC §8): opening an incident with its steps and due
times from the policy, and completing, skipping and closing steps.

- ``open_incident`` and ``complete_step`` are the shared entry points: the monitoring hooks, the contact
  search, the seals and the notices call them. ``actor`` None is the system (an alert's own hook).
- ``complete_step`` checks only capability and scope: the part that calls it (contacts, seals) has its
  own rule of who may act. ``handle_step`` is the hand-operated path (the step button, the API action)
  and adds who may do which step, the note and the closing rule.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.models import User
from fugong.accounts.roles import Role, can
from fugong.audit.services import record
from fugong.enterprises.models import Enterprise
from fugong.incidents.models import (
    STEP_ORDER,
    Incident,
    IncidentSource,
    IncidentStatus,
    IncidentStep,
    IndexPerson,
    StepKind,
)
from fugong.policy.selectors import find_policy_for
from fugong.resumption.notifications import notify
from fugong.workforce.guards import is_health_officer

# The policy's time limit (minutes from opened_at) for each timed step; the others have none.
DUE_PARAMETER = {
    StepKind.ISOLATE: "incident_isolate_minutes",
    StepKind.REPORT: "incident_report_minutes",
    StepKind.TRANSFER: "incident_transfer_minutes",
    StepKind.FIND_CONTACTS: "incident_contacts_minutes",
    StepKind.NOTIFY_CONTACTS: "incident_notify_minutes",
}


def owns(user, owner: str) -> bool:
    """Whether ``user`` is the step's owner ("enterprise", "town", "dept:<code>", "task_force"); the
    task force, which commands the whole response, may handle any step (and those nobody owns)."""
    if user is None or not can(user, "incidents.handle"):
        return False
    role = getattr(user, "role", None)
    if role == Role.TASK_FORCE:
        return True
    if owner == "enterprise":
        return role == Role.ENTERPRISE
    if owner == "town":
        return role == Role.TOWN
    if owner.startswith("dept:"):
        department = getattr(user, "department", None)
        return role == Role.DEPARTMENT and department is not None and department.code == owner[5:]
    return False


def owner_label(owner: str) -> str:
    from fugong.policy.parameters import STEP_OWNER_CHOICES

    return str(dict(STEP_OWNER_CHOICES).get(owner, _("防控指挥部")))


def planned_steps(policy) -> list[tuple[str, str]]:
    """[(kind, owner)] the policy's incident_steps lists, in the steps' order, closing always last (its
    owner as the policy says, else the task force alone)."""
    owners = dict(policy.parameters.incident_steps or {}) if policy is not None else {}
    steps = [(k.value, owners[k.value]) for k in STEP_ORDER if k != StepKind.CLOSE and k.value in owners]
    return [*steps, (StepKind.CLOSE.value, owners.get(StepKind.CLOSE.value, ""))]


def may_open(user) -> bool:
    """Whether ``user`` may open an incident by hand (a department officer only at the health bureau)."""
    if not can(user, "incidents.open"):
        return False
    return user.role != Role.DEPARTMENT or is_health_officer(user)


def _check_firm(actor, capability: str, enterprise) -> None:
    if actor is None:
        return
    if not can(actor, capability):
        raise PermissionDenied(_("您没有执行该操作的权限。"))
    if actor.role == Role.DEPARTMENT and not is_health_officer(actor):
        raise PermissionDenied(_("疫情处置由卫生健康部门办理。"))
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


def recipient_ids(enterprise) -> list[int]:
    """The firm's officers, its town's officers and the health bureau's officers."""
    users = User.objects.filter(is_active=True)
    return (
        list(users.filter(role=Role.ENTERPRISE, enterprise=enterprise).values_list("pk", flat=True))
        + list(users.filter(role=Role.TOWN, region_id=enterprise.town_id).values_list("pk", flat=True))
        + list(users.filter(role=Role.DEPARTMENT, department__code="health").values_list("pk", flat=True))
    )


def due_times(policy, opened_at: dt.datetime) -> dict[str, dt.datetime | None]:
    """Each step's due time: opened_at plus the policy's minutes; None where the policy sets none."""
    out: dict[str, dt.datetime | None] = {}
    for kind in StepKind:
        minutes = None
        if policy is not None and kind in DUE_PARAMETER:
            minutes = getattr(policy.parameters, DUE_PARAMETER[kind], None)
        out[kind.value] = opened_at + dt.timedelta(minutes=minutes) if minutes is not None else None
    return out


def open_incident(
    actor,
    enterprise,
    *,
    source: str,
    employees,
    reference_at: dt.datetime,
    alert=None,
    report: str = "",
    opened_at: dt.datetime | None = None,
) -> Incident:
    """Open an incident for ``enterprise`` about ``employees`` with the steps and owners the policy in
    force for the firm's town on the day lists (closing always), due by its time limits. For an alert, a retry answers the incident already
    opened for it (one per alert)."""
    _check_firm(actor, "incidents.open", enterprise)
    employees = list(employees)
    errors: dict[str, list[str]] = {}
    if source not in IncidentSource.values:
        errors["source"] = [_("来源：无效的来源")]
    if not employees:
        errors["employees"] = [_("病例/异常人员：至少选择一名员工")]
    elif any(e.enterprise_id != enterprise.pk for e in employees):
        errors["employees"] = [_("病例/异常人员：须为本企业员工")]
    if reference_at is None:
        errors["reference_at"] = [_("发病或采样时间：必填")]
    report = (report or "").strip()
    if source == IncidentSource.REPORT and not report:
        errors["report"] = [_("报告内容：外部报告须写明报告内容")]
    if len(report) > 1000:
        errors["report"] = [_("报告内容：不超过1000字")]
    if errors:
        raise ValidationError(errors)
    if alert is not None:
        existing = Incident.objects.filter(alert=alert).first()
        if existing is not None:
            return existing
    opened_at = opened_at or timezone.now()
    if source == IncidentSource.REPORT and reference_at > opened_at + dt.timedelta(minutes=5):
        raise ValidationError({"reference_at": [_("发病或采样时间：不能晚于立案时间")]})
    policy = find_policy_for(enterprise.town, timezone.localdate(opened_at))
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                enterprise=enterprise,
                town_id=enterprise.town_id,
                source=source,
                alert=alert,
                report=report,
                reference_at=reference_at,
                opened_at=opened_at,
                opened_by=actor if getattr(actor, "pk", None) else None,
                policy_version_id=policy.version_id if policy is not None else None,
            )
            IndexPerson.objects.bulk_create(
                [IndexPerson(incident=incident, employee=e, added_at=opened_at) for e in employees]
            )
            due = due_times(policy, opened_at)
            IncidentStep.objects.bulk_create(
                [
                    IncidentStep(incident=incident, kind=kind, owner=owner, due_at=due[kind])
                    for kind, owner in planned_steps(policy)
                ]
            )
            record(
                actor,
                "incidents.incident.open",
                incident,
                after={
                    "enterprise": enterprise.pk,
                    "source": source,
                    "employees": [e.pk for e in employees],
                    "reference_at": reference_at,
                    "alert": getattr(alert, "pk", None),
                },
                note=report,
            )
            names = "、".join(e.name for e in employees[:5])
            notify(
                None,
                recipient_ids(enterprise),
                "incidents.open",
                _("【疫情处置】%(firm)s %(names)s：%(source)s，已立案，请按时限处置。")
                % {"firm": enterprise.name, "names": names, "source": incident.get_source_display()},
            )
    except IntegrityError:
        if alert is None:
            raise
        # A concurrent retry for the same alert won: answer its incident.
        return Incident.objects.get(alert=alert)
    return incident


def _locked_step(incident, kind) -> IncidentStep | None:
    """The incident's step of ``kind``, locked; None when the policy did not list it."""
    if kind not in StepKind.values:
        raise ValidationError({"kind": [_("步骤：无效的步骤")]})
    return IncidentStep.objects.select_for_update().filter(incident_id=incident.pk, kind=kind).first()


def complete_step(
    actor, incident, kind, *, note: str = "", at: dt.datetime | None = None
) -> IncidentStep | None:
    """Mark ``kind`` done at ``at`` (now by default). The first completion counts: later calls answer
    the step unchanged; None when the incident has no such step (its policy does not list it)."""
    _check_firm(actor, "incidents.handle", incident.enterprise)
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": [_("说明：不超过500字")]})
    with transaction.atomic():
        step = _locked_step(incident, kind)
        if step is None or step.done_at is not None or step.skipped:
            return step
        step.done_at = at or timezone.now()
        step.done_by = actor if getattr(actor, "pk", None) else None
        step.note = note
        step.save(update_fields=["done_at", "done_by", "note"])
        record(
            actor,
            "incidents.step.complete",
            step,
            after={"incident": incident.pk, "kind": kind, "done_at": step.done_at},
            note=note,
        )
    return step


def _check_hand(actor, incident, kind) -> None:
    _check_firm(actor, "incidents.handle", incident.enterprise)
    if kind not in StepKind.values:
        raise ValidationError({"kind": [_("步骤：无效的步骤")]})
    step = IncidentStep.objects.filter(incident_id=incident.pk, kind=kind).only("owner").first()
    if step is None:
        raise ValidationError({"kind": [_("步骤：该事件的处置流程中没有此步骤")]})
    if not owns(actor, step.owner):
        raise PermissionDenied(_("该步骤由%(owner)s办理。") % {"owner": owner_label(step.owner)})


def _missing_before_close(incident) -> list[str]:
    rows = IncidentStep.objects.filter(incident=incident).exclude(kind=StepKind.CLOSE)
    return [str(StepKind(s.kind).label) for s in rows if s.done_at is None and not s.skipped]


def handle_step(actor, incident, kind, *, note: str = "", skip: bool = False) -> IncidentStep:
    """A step completed (or explicitly skipped, with its reason) by hand. Closing needs every earlier
    step done or skipped, and closes the incident."""
    _check_hand(actor, incident, kind)
    note = (note or "").strip()
    errors = {}
    if skip and not note:
        errors["note"] = [_("说明：跳过步骤须写明原因")]
    if skip and kind == StepKind.CLOSE:
        errors["kind"] = [_("步骤：结案不能跳过")]
    if len(note) > 500:
        errors["note"] = [_("说明：不超过500字")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.status == IncidentStatus.CLOSED:
            raise ValidationError({"kind": [_("步骤：该事件已结案")]})
        if kind == StepKind.CLOSE:
            missing = _missing_before_close(locked)
            if missing:
                raise ValidationError(
                    {
                        "kind": [
                            _("结案：以下步骤尚未完成或说明跳过：%(steps)s") % {"steps": "、".join(missing)}
                        ]
                    }
                )
        if not skip:
            step = complete_step(actor, locked, kind, note=note)
        else:
            step = _locked_step(locked, kind)
            if step.done_at is None and not step.skipped:
                step.skipped = True
                step.done_by = actor
                step.note = note
                step.save(update_fields=["skipped", "done_by", "note"])
                record(
                    actor, "incidents.step.skip", step, after={"incident": locked.pk, "kind": kind}, note=note
                )
        if kind == StepKind.CLOSE:
            before = {"status": locked.status}
            locked.status = IncidentStatus.CLOSED
            locked.closed_at = step.done_at
            locked.closed_by = actor
            locked.close_note = note[:500]
            locked.version += 1
            locked.save(update_fields=["status", "closed_at", "closed_by", "close_note", "version"])
            record(
                actor,
                "incidents.incident.close",
                locked,
                before=before,
                after={"status": locked.status},
                note=note,
            )
            notify(
                None,
                recipient_ids(locked.enterprise),
                "incidents.close",
                _("【疫情处置】%(firm)s 的疫情处置事件已结案。") % {"firm": locked.enterprise.name},
            )
    return step


def _room_for(employee, episode):
    """The firm's temporary isolation room (就地隔离) with a free place, the first by name."""
    from django.db.models import Count, Q

    from fugong.enterprises.models import IsolationKind, IsolationRoom

    rooms = (
        IsolationRoom.objects.filter(enterprise_id=employee.enterprise_id, kind=IsolationKind.ISOLATION_ROOM)
        .annotate(used=Count("episodes", filter=Q(episodes__released_at__isnull=True)))
        .order_by("name", "pk")
    )
    return next((r for r in rooms if r.used < r.capacity), None)


def _isolate_step(incident, employee, at) -> None:
    """The alert's own rule has isolated the person (an open isolation episode): put the episode in the
    firm's isolation room where one is free and mark the ISOLATE step done at that moment."""
    from fugong.workforce.models import EmployeeStatus, EpisodeKind, IsolationEpisode

    if employee.status != EmployeeStatus.ISOLATING:
        return
    episode = (
        IsolationEpisode.objects.select_for_update()
        .filter(employee=employee, kind=EpisodeKind.ISOLATION, released_at__isnull=True)
        .order_by("-started_on", "-pk")
        .first()
    )
    if episode is None:
        return
    if episode.place_id is None:
        room = _room_for(employee, episode)
        if room is not None:
            episode.place = room
            episode.save(update_fields=["place"])
            record(None, "workforce.episode.place", episode, after={"place": room.pk}, note=str(incident))
    if episode.place_id is not None:
        note = _("已在隔离室「%(room)s」隔离") % {"room": episode.place.name}
    else:
        note = _("已隔离观察（企业未登记空闲的临时隔离室）")
    complete_step(None, incident, StepKind.ISOLATE, note=note, at=at)


def open_for_alert(alert) -> Incident | None:
    """The monitoring hook: a fever or symptom check-in's alert, a fever at the gate or a positive test's
    alert opens its incident in the alert's transaction (actor: the system). A retry answers the one
    already opened."""
    from fugong.monitoring.models import AlertKind

    employee = alert.employee
    if alert.checkin_id is not None:
        source, reference_at = IncidentSource.ALERT, alert.checkin.measured_at
    elif alert.test_id is not None:
        source, reference_at = IncidentSource.TEST, alert.test.sampled_at
    elif alert.kind == AlertKind.GATE_FEVER:
        source, reference_at = IncidentSource.ALERT, alert.raised_at
    else:
        return None
    existing = Incident.objects.filter(alert=alert).first()
    if existing is not None:
        return existing
    incident = open_incident(
        None,
        employee.enterprise,
        source=source,
        employees=[employee],
        reference_at=reference_at,
        alert=alert,
        report=f"{alert.get_kind_display()} {alert.value}"[:1000],
    )
    employee.refresh_from_db(fields=["status"])
    _isolate_step(incident, employee, timezone.now())
    if source == IncidentSource.TEST:
        from fugong.incidents.reviews import open_for_positive

        policy = find_policy_for(employee.enterprise.town, timezone.localdate(incident.opened_at))
        open_for_positive(incident, employee, reference_at, policy)
    return incident
