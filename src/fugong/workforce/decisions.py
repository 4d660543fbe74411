"""The return decision on file: evaluated from the file and the policy in force (``rules``), stored
with its reasons, policy version and release date, and followed by the status it sends the person to.

Runs inside the caller's transaction on a locked row; the public writers are
``services.apply_evaluation`` and ``services.reevaluate``.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.audit.services import diff, record
from fugong.policy.selectors import NoPolicyError, PolicyResolver
from fugong.workforce import rules
from fugong.workforce.models import EmployeeStatus, EpisodeKind, ReturnDecision
from fugong.workforce.status import (
    _arrival_day,
    _buffer_passed,
    _create_episode,
    _open_episode,
    _served_release,
    _transition,
)

S = EmployeeStatus


DECISION_FIELDS = ["decision", "decision_reason", "decision_policy_version_id", "release_date"]


def _safe_evaluate(employee, resolver: PolicyResolver | None = None):
    """The evaluation, or None when no policy covers the firm's town on the day (nothing to apply)."""
    on_date = rules.evaluation_date(employee)
    try:
        policy = (resolver or PolicyResolver()).policy_for(employee.enterprise.town, on_date)
    except NoPolicyError:
        return None
    return rules.evaluate_return(employee, on_date, policy)


def _store_evaluation(actor, locked, evaluation, note="") -> bool:
    """Write the decision fields; True when they changed."""
    if evaluation is None:
        return False
    release = evaluation.release_date
    served = _served_release(locked, _arrival_day(locked))
    if release is not None and served is not None and served < release:
        release = served
    before = {name: getattr(locked, name) for name in DECISION_FIELDS}
    locked.decision = evaluation.decision
    locked.decision_reason = evaluation.reason_text
    locked.decision_policy_version_id = evaluation.policy_version_id
    locked.release_date = release
    after = {name: getattr(locked, name) for name in DECISION_FIELDS}
    if after == before:
        return False
    locked.decided_at = timezone.now()
    locked.save(update_fields=[*DECISION_FIELDS, "decided_at", "updated_at"])
    old, new = diff(before, after)
    record(actor, "workforce.evaluate", locked, before=old, after=new, note=note)
    return True


def _follow_decision(actor, locked, today=None) -> None:
    """Move the status where the decision sends the person (see the ``status`` module's docstring)."""
    today = today or timezone.localdate()
    decision, status = locked.decision, locked.status
    reason = (locked.decision_reason or "")[:500]
    if status == S.LEFT or not decision:
        return
    if decision == ReturnDecision.BARRED:
        if status != S.BARRED:
            _transition(actor, locked, S.BARRED, reason, "evaluation", today=today)
        return
    if status == S.BARRED:
        target = (
            S.EXPECTED if locked.pre_reports.filter(expected_arrival__gte=today).exists() else S.REGISTERED
        )
        _transition(
            actor,
            locked,
            target,
            _("重新判定后不再属于暂缓返岗情形：%(r)s") % {"r": reason},
            "evaluation",
            today=today,
        )
        return
    episode = _open_episode(locked)
    # An isolation the policy sets no period for (no release date) lasts until it is released.
    if decision == ReturnDecision.ISOLATE and (locked.release_date is None or locked.release_date > today):
        if episode is not None and episode.kind == EpisodeKind.ISOLATION:
            if locked.release_date is not None and (
                episode.planned_end is None or episode.planned_end < locked.release_date
            ):
                old = episode.planned_end
                episode.planned_end = locked.release_date
                episode.save(update_fields=["planned_end"])
                record(
                    actor,
                    "workforce.episode.extend",
                    episode,
                    before={"planned_end": old},
                    after={"planned_end": episode.planned_end},
                    note=reason,
                )
        elif (
            status in (S.ARRIVED, S.AT_WORK, S.BUFFER)
            and _served_release(locked, _arrival_day(locked)) is None
        ):
            started = locked.return_date if status == S.ARRIVED and locked.return_date else today
            if episode is not None:
                _transition(actor, locked, S.ISOLATING, reason, "evaluation", today=today)
                episode = _open_episode(locked)
                episode.started_on, episode.planned_end = started, locked.release_date
                episode.save(update_fields=["started_on", "planned_end"])
            else:
                _create_episode(
                    actor,
                    locked,
                    EpisodeKind.ISOLATION,
                    started,
                    None,
                    reason,
                    "",
                    planned_end=locked.release_date,
                    today=today,
                )
                _transition(actor, locked, S.ISOLATING, reason, "evaluation", today=today)
        return
    if (
        decision == ReturnDecision.BUFFER
        and status == S.ARRIVED
        and episode is None
        and not _buffer_passed(locked)
    ):
        _create_episode(
            actor, locked, EpisodeKind.BUFFER, locked.return_date or today, None, reason, "", today=today
        )
        _transition(actor, locked, S.BUFFER, reason, "evaluation", today=today)


def _evaluate_locked(actor, locked, note="", resolver=None) -> None:
    evaluation = _safe_evaluate(locked, resolver)
    if evaluation is None:
        return
    _store_evaluation(actor, locked, evaluation, note=note)
    _follow_decision(actor, locked)
