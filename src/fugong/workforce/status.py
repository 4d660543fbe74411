"""The employee's status machine (SPEC §5): which status may follow which, what keeps a person from
work, and the isolation and buffer episodes a status move opens or ends.

``services.change_status`` is the only public writer of ``Employee.status``; everything here runs
inside its transaction (or that of another write) on a locked row. A move into isolation or the
buffer zone opens an episode if none is open; out of them to work or "arrived" only
``episodes.release_episode`` leads. Moving into "arrived" applies the return rules at once (a firm
isolates returners as soon as it receives them), so an arrival that must isolate goes straight into
isolation. An isolation the policy sets no period for has no planned end and lasts until it is
released. Transitions named by another workflow (``source``, e.g. "checkpoint", "pre_report") carry
that workflow's authority; manual ones need the ``workforce.status`` capability.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.audit.services import record
from fugong.policy.selectors import PolicyResolver
from fugong.workforce import rules
from fugong.workforce.models import (
    Employee,
    EmployeeStatus,
    EmployeeStatusChange,
    EpisodeKind,
    IsolationEpisode,
    ReturnDecision,
)

S = EmployeeStatus


# Which status may follow which (SPEC §5). Guards beyond the table: leaving "barred" for anything
# but leave or departure needs a decision that no longer bars; "at work" needs the checks in
# ``work_blockers``; leaving isolation or the buffer zone for "arrived" or "at work" needs the
# episode released.
STATUS_TRANSITIONS: dict[str, set[str]] = {
    S.REGISTERED: {S.EXPECTED, S.ARRIVED, S.AT_WORK, S.ISOLATING, S.BUFFER, S.BARRED, S.ON_LEAVE, S.LEFT},
    S.EXPECTED: {S.REGISTERED, S.ARRIVED, S.BARRED, S.ON_LEAVE, S.LEFT},
    S.ARRIVED: {S.ISOLATING, S.BUFFER, S.AT_WORK, S.BARRED, S.ON_LEAVE, S.LEFT},
    S.ISOLATING: {S.AT_WORK, S.ARRIVED, S.BUFFER, S.BARRED, S.LEFT},
    S.BUFFER: {S.AT_WORK, S.ARRIVED, S.ISOLATING, S.BARRED, S.LEFT},
    S.AT_WORK: {S.ISOLATING, S.BUFFER, S.ON_LEAVE, S.BARRED, S.LEFT},
    S.BARRED: {S.REGISTERED, S.EXPECTED, S.ARRIVED, S.ON_LEAVE, S.LEFT},
    S.ON_LEAVE: {S.REGISTERED, S.EXPECTED, S.ARRIVED, S.AT_WORK, S.ISOLATING, S.BUFFER, S.BARRED, S.LEFT},
    S.LEFT: {S.REGISTERED},
}
EPISODE_STATUS = {EpisodeKind.ISOLATION: S.ISOLATING, EpisodeKind.BUFFER: S.BUFFER}
STATUS_EPISODE = {v: k for k, v in EPISODE_STATUS.items()}


def _open_episode(employee) -> IsolationEpisode | None:
    return employee.episodes.filter(released_at__isnull=True).order_by("-started_on", "-pk").first()


def _arrival_day(employee) -> dt.date | None:
    return employee.return_date


def _buffer_passed(employee) -> bool:
    arrival = _arrival_day(employee)
    qs = employee.episodes.filter(kind=EpisodeKind.BUFFER, released_at__isnull=False)
    if arrival is not None:
        qs = qs.filter(started_on__gte=arrival)
    return qs.exists()


def _served_release(employee, arrival: dt.date | None) -> dt.date | None:
    """The day an isolation for this return was released, when it was (early release by the health
    bureau stands: a re-decision must not put the person back)."""
    qs = employee.episodes.filter(kind=EpisodeKind.ISOLATION, released_at__isnull=False)
    if arrival is not None:
        qs = qs.filter(started_on__gte=arrival)
    episode = qs.order_by("-released_at").first()
    return timezone.localdate(episode.released_at) if episode is not None else None


def work_blockers(employee, today: dt.date | None = None) -> list[str]:
    """Why ``employee`` may not be set to work today (empty when they may)."""
    today = today or timezone.localdate()
    out = []
    if employee.decision == ReturnDecision.BARRED:
        out.append(_("暂不得返岗：%(why)s") % {"why": employee.decision_reason or _("返岗判定为暂不得返岗")})
    episode = _open_episode(employee)
    if episode is not None:
        if episode.kind == EpisodeKind.BUFFER:
            out.append(_("正在缓冲区待检，须核酸检测阴性并解除后方可上岗"))
        elif episode.planned_end:
            out.append(_("须于%(date)s解除隔离后方可上岗") % {"date": rules.cn_date(episode.planned_end)})
        else:
            out.append(_("正在隔离观察，须解除隔离后方可上岗"))
    if employee.release_date and employee.release_date > today:
        message = _("须于%(date)s解除隔离后方可上岗") % {"date": rules.cn_date(employee.release_date)}
        if message not in out:
            out.append(message)
    if (
        employee.decision == ReturnDecision.ISOLATE
        and employee.release_date is None
        and episode is None
        and _served_release(employee, _arrival_day(employee)) is None
    ):
        out.append(_("须隔离观察（政策未规定隔离天数），解除隔离后方可上岗"))
    if employee.decision == ReturnDecision.BUFFER and episode is None and not _buffer_passed(employee):
        out.append(_("须先进入缓冲区，核酸检测阴性后方可上岗"))
    # 停工停产: nobody under an active seal is set to work until it is lifted.
    from fugong.incidents.seals.services import seal_reason_for

    sealed = seal_reason_for(employee)
    if sealed:
        out.append(sealed)
    return out


def _isolation_days(employee, on_date) -> int | None:
    """The isolation period the policy in force sets, or None: then an isolation has no planned end
    and lasts until it is released."""
    evaluation_policy = PolicyResolver().find(employee.enterprise.town, on_date)
    return evaluation_policy.parameters.isolation_days_out_of_region if evaluation_policy else None


def _create_episode(
    actor, locked, kind, started_on, place, reason, place_note, *, planned_end=None, today=None
):
    if kind == EpisodeKind.ISOLATION and planned_end is None:
        days = _isolation_days(locked, started_on)
        planned_end = started_on + dt.timedelta(days=days) if days is not None else None
        if (
            locked.decision == ReturnDecision.ISOLATE
            and locked.release_date
            and (planned_end is None or locked.release_date > planned_end)
        ):
            planned_end = locked.release_date
    episode = IsolationEpisode.objects.create(
        employee=locked,
        kind=kind,
        started_on=started_on,
        planned_end=planned_end if kind == EpisodeKind.ISOLATION else None,
        place=place,
        place_note=place_note[:200],
        reason=reason[:500],
    )
    record(
        actor,
        "workforce.episode.start",
        episode,
        after={
            "employee": locked.pk,
            "kind": kind,
            "started_on": started_on,
            "planned_end": episode.planned_end,
            "place": getattr(place, "pk", None),
            "place_note": place_note,
        },
        note=reason,
    )
    if (
        kind == EpisodeKind.ISOLATION
        and episode.planned_end is not None
        and (locked.release_date is None or locked.release_date < episode.planned_end)
    ):
        before = locked.release_date
        locked.release_date = episode.planned_end
        locked.save(update_fields=["release_date", "updated_at"])
        record(
            actor,
            "workforce.release_date",
            locked,
            before={"release_date": before},
            after={"release_date": locked.release_date},
        )
    return episode


def _status_error(message) -> ValidationError:
    return ValidationError({"status": [message]})


def _transition(actor, locked, new_status, reason, source="", *, today=None) -> Employee:
    """The one place ``status`` is written: table, guards, episode side effects, history and audit."""
    today = today or timezone.localdate()
    old = locked.status
    old_label, new_label = EmployeeStatus(old).label, EmployeeStatus(new_status).label
    if new_status == old:
        raise _status_error(_("该员工当前已是「%(status)s」") % {"status": old_label})
    if new_status == S.AT_WORK:
        # Why the person may not work says more than which statuses may follow theirs.
        blockers = work_blockers(locked, today)
        if blockers:
            raise _status_error(
                _("%(name)s不能上岗：%(why)s") % {"name": locked.name, "why": "；".join(blockers)}
            )
    if new_status not in STATUS_TRANSITIONS[old]:
        allowed = "、".join(
            str(EmployeeStatus(s).label) for s in EmployeeStatus.values if s in STATUS_TRANSITIONS[old]
        )
        raise _status_error(
            _("员工状态不能从「%(old)s」变更为「%(new)s」，只能变更为：%(allowed)s")
            % {"old": old_label, "new": new_label, "allowed": allowed}
        )
    if (
        old == S.BARRED
        and new_status not in (S.ON_LEAVE, S.LEFT)
        and locked.decision == ReturnDecision.BARRED
    ):
        raise _status_error(
            _("该员工暂不得返岗（%(why)s），须重新判定不再属于暂缓返岗情形后方可变更")
            % {"why": locked.decision_reason}
        )
    episode = _open_episode(locked)
    if new_status == S.ARRIVED and episode is not None:
        raise _status_error(_("该员工正在「%(kind)s」，须先解除") % {"kind": episode.get_kind_display()})
    # Into isolation or the buffer zone: an open episode of that kind must exist, so open one.
    wanted = STATUS_EPISODE.get(new_status)
    if episode is not None and (wanted is None or episode.kind != wanted):
        if new_status not in (S.BARRED, S.LEFT, S.ISOLATING, S.BUFFER):
            raise _status_error(_("该员工正在「%(kind)s」，须先解除") % {"kind": episode.get_kind_display()})
        # Barred, gone, or moved to the other kind: the episode ends here, with the reason.
        episode.released_at = timezone.now()
        episode.released_by = actor if getattr(actor, "pk", None) else None
        episode.release_note = (_("因状态变更为「%(s)s」结束：%(r)s") % {"s": new_label, "r": reason})[:300]
        episode.save(update_fields=["released_at", "released_by", "release_note"])
        record(
            actor,
            "workforce.episode.end",
            episode,
            after={"released_at": episode.released_at, "note": episode.release_note},
        )
        episode = None
    if wanted is not None and episode is None:
        _create_episode(actor, locked, wanted, today, None, reason, "", today=today)

    now = timezone.now()
    locked.status = new_status
    locked.status_changed_at = now
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    EmployeeStatusChange.objects.create(
        employee=locked,
        from_status=old,
        to_status=new_status,
        reason=reason[:500],
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
    )
    record(
        actor,
        "workforce.status",
        locked,
        before={"status": old},
        after={"status": new_status, "source": source},
        note=reason,
    )
    return locked
