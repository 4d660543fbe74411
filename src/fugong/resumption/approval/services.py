"""Submission, the review chain and approval of resumption applications (SPEC §4, §11), written as
every write is (see ``fugong.resumption.services``).

Decisions that are documented here rather than in the notices:

- A return for revision sends the application back to the firm; its resubmission is a new revision
  whose chain starts again **from the first step**. Every reviewer signs off on the plan as it is,
  and a changed plan is a different plan (the first step checks the materials before later ones see
  them).
- A policy without a review chain (filing only) approves the application at submission. The date
  gate (``ResolvedPolicy.may_resume_at``) and the completeness checks still apply.
- Approval moves the firm's status through ``enterprises.services.change_status`` (resumed, or
  preparing for key-staff applications) and issues the numbered certificate.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.audit.services import diff, record
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import EnterpriseStatus
from fugong.resumption import chain, priority, selectors
from fugong.resumption.models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    ApplicationKind,
    ApplicationRevision,
    ApplicationStatus,
    Certificate,
    CertificateSequence,
    CertificateStatus,
    Decision,
    ResumptionApplication,
    ReviewDecision,
    ReviewStep,
    StepStatus,
)
from fugong.resumption.notifications import firm_user_ids, notify, participant_user_ids
from fugong.resumption.services import (
    ResumptionConflict,
    _check_editable,
    _check_own_firm,
    _check_visible,
    _expected_version,
    _fmt,
    _lock,
    _now,
    _policy,
    _snapshot,
    _who,
)

# -- submission and the chain --------------------------------------------------------------------------------


def _activate(step: ReviewStep, now) -> None:
    step.status = StepStatus.ACTIVE
    step.pending = chain.pending_field(step.participants)
    step.started_at = now
    step.save(update_fields=["status", "pending", "started_at"])


def _build_steps(application, policy, now) -> list[ReviewStep]:
    steps = [
        ReviewStep(
            application=application,
            revision=application.revision,
            order=n,
            key=step.key,
            name=step.name,
            participants=chain.resolve_participants(step.participants, application.enterprise),
            mode=step.mode,
        )
        for n, step in enumerate(policy.parameters.review_chain or (), start=1)
    ]
    ReviewStep.objects.bulk_create(steps)
    return list(
        ReviewStep.objects.filter(application=application, revision=application.revision).order_by("order")
    )


def resubmit(actor, application, expected_version=None) -> ResumptionApplication:
    """Submit a returned application again: a new revision whose chain starts from the first step."""
    if application.status == ApplicationStatus.DRAFT:
        raise ValidationError({"status": [_("草稿尚未提交过，请直接提交")]})
    return submit(actor, application, expected_version)


def submit(actor, application, expected_version=None) -> ResumptionApplication:
    """Submit a draft, or resubmit a returned application, under the policy in force today.

    Checks everything the policy requires and reports every missing item at once; nothing is saved
    unless all is in order. A retry of a submission that went through returns the application as is.
    """
    _check_own_firm(actor, application.enterprise)
    now = _now()
    with transaction.atomic():
        locked = _lock(application)
        if locked.status not in EDITABLE_STATUSES:
            last = locked.revisions.order_by("-number").first()
            retried = last is not None and expected_version in (None, "", last.from_version)
            if retried and locked.status in (ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED):
                return locked
            _check_editable(locked)
        if expected_version not in (None, "") and locked.version != _expected_version(expected_version):
            raise ResumptionConflict(
                _(
                    "该申请已被他人修改（您打开的是第%(expected)s版，当前为第%(current)d版）。请刷新后核对再提交。"
                )
                % {"expected": expected_version, "current": locked.version}
            )
        policy = _policy(locked)
        errors = selectors.submission_errors(locked, policy)
        if errors:
            raise ValidationError(errors)
        before = _snapshot(locked)
        resubmission = locked.status == ApplicationStatus.RETURNED
        score = priority.compute(locked, policy)
        locked.revision += 1
        ApplicationRevision.objects.create(
            application=locked,
            number=locked.revision,
            content=selectors.revision_content(locked),
            from_version=locked.version,
            policy_version_id=policy.version_id,
            priority_score=score.score,
            submitted_by=actor,
            submitted_at=now,
        )
        locked.status = ApplicationStatus.IN_REVIEW
        locked.policy_version_id = policy.version_id
        locked.priority_score = score.score
        locked.priority_reasons = score.reasons
        locked.submitted_at = now
        locked.decided_at = None
        locked.version += 1
        steps = _build_steps(locked, policy, now)
        locked.current_step_key = steps[0].key if steps else ""
        locked.save()
        old, new = diff(before, _snapshot(locked))
        record(
            actor,
            "resumption.resubmit" if resubmission else "resumption.submit",
            locked,
            before=old,
            after=new | {"policy_version": policy.version_id, "priority_reasons": score.reasons},
            note=_("第%(n)d次提交") % {"n": locked.revision},
        )
        firm = locked.enterprise
        if steps:
            _activate(steps[0], now)
            notify(
                locked,
                participant_user_ids(steps[0], firm),
                "turn",
                _("「%(firm)s」的%(kind)s申请待您办理：%(step)s")
                % {"firm": firm.name, "kind": locked.get_kind_display(), "step": steps[0].name},
            )
            notify(
                locked,
                firm_user_ids(firm),
                "submitted",
                _("复工申请已提交（第%(n)d次），进入「%(step)s」环节")
                % {"n": locked.revision, "step": steps[0].name},
            )
        else:
            # Filing only: the complete submission is the approval.
            _approve(
                actor,
                locked,
                now,
                note=_("%(policy)s未设审批流程，报备即准予复工") % {"policy": policy.label},
            )
    return locked


def _conflict_on_step(application, step_key: str) -> ResumptionConflict:
    step = (
        ReviewStep.objects.filter(application=application, key=step_key)
        .order_by("-revision")
        .prefetch_related("decisions__actor")
        .first()
    )
    last = step.decisions.order_by("-at", "-id").first() if step is not None else None
    where = (
        _("申请当前在「%(step)s」环节") % {"step": selectors.active_step(application).name}
        if application.status == ApplicationStatus.IN_REVIEW and selectors.active_step(application)
        else _("申请当前状态为「%(status)s」") % {"status": application.get_status_display()}
    )
    if last is not None:
        return ResumptionConflict(
            _("该环节已由%(who)s于%(at)s处理（%(decision)s），%(where)s。请刷新后查看。")
            % {
                "who": _who(last.actor),
                "at": _fmt(last.at),
                "decision": last.get_decision_display(),
                "where": where,
            }
        )
    return ResumptionConflict(_("该申请已不在您打开时的环节，%(where)s。请刷新后查看。") % {"where": where})


def _decide_locked(actor, locked, decision, reasons, expected_step_key, now, batch=None) -> ReviewDecision:
    firm = locked.enterprise
    if locked.status != ApplicationStatus.IN_REVIEW or locked.current_step_key != expected_step_key:
        raise _conflict_on_step(locked, expected_step_key)
    step = ReviewStep.objects.select_for_update().get(
        application=locked, revision=locked.revision, key=locked.current_step_key
    )
    tokens = chain.acting_tokens(actor, step, firm)
    if not tokens:
        already = step.decisions.filter(participant=chain.token_of(actor)).select_related("actor").first()
        if already is not None:
            raise ResumptionConflict(
                _("「%(step)s」中%(who)s的意见已由%(actor)s于%(at)s提交（%(decision)s），不能重复办理。")
                % {
                    "step": step.name,
                    "who": chain.label(already.participant),
                    "actor": _who(already.actor),
                    "at": _fmt(already.at),
                    "decision": already.get_decision_display(),
                }
            )
        raise PermissionDenied(
            _("「%(step)s」环节由%(who)s办理，您不是该环节的审核方。")
            % {"step": step.name, "who": "、".join(chain.label(t) for t in step.participants)}
        )
    token = tokens[0]
    if token == "enterprise" and decision != Decision.PASS:
        raise ValidationError({"decision": [_("企业在「%(step)s」环节只能确认承诺") % {"step": step.name}]})
    try:
        with transaction.atomic():
            made = ReviewDecision.objects.create(
                step=step,
                participant=token,
                decision=decision,
                reasons=reasons,
                actor=actor,
                at=now,
                batch=batch,
            )
    except IntegrityError:
        raise _conflict_on_step(locked, expected_step_key) from None

    before = _snapshot(locked)
    pending = [t for t in step.pending_participants if t != token]
    who = chain.label(token)
    if decision == Decision.PASS and pending and step.mode == "all":
        step.pending = chain.pending_field(pending)
        step.save(update_fields=["pending"])
        notify(
            locked,
            firm_user_ids(firm),
            "passed",
            _("「%(step)s」：%(who)s已审核通过，尚待%(rest)s")
            % {"step": step.name, "who": who, "rest": "、".join(chain.label(t) for t in pending)},
        )
        action = "resumption.pass"
    elif decision == Decision.PASS:
        step.status, step.pending, step.finished_at = StepStatus.PASSED, "", now
        step.save(update_fields=["status", "pending", "finished_at"])
        following = (
            ReviewStep.objects.filter(application=locked, revision=locked.revision, order__gt=step.order)
            .order_by("order")
            .first()
        )
        action = "resumption.pass"
        if following is not None:
            locked.current_step_key = following.key
            _activate(following, now)
            notify(
                locked,
                participant_user_ids(following, firm),
                "turn",
                _("「%(firm)s」的%(kind)s申请待您办理：%(step)s")
                % {"firm": firm.name, "kind": locked.get_kind_display(), "step": following.name},
            )
            notify(
                locked,
                firm_user_ids(firm),
                "passed",
                _("「%(step)s」已通过，进入「%(next)s」环节") % {"step": step.name, "next": following.name},
            )
    else:
        returned = decision == Decision.RETURN
        step.status = StepStatus.RETURNED if returned else StepStatus.REJECTED
        step.pending, step.finished_at = "", now
        step.save(update_fields=["status", "pending", "finished_at"])
        ReviewStep.objects.filter(
            application=locked, revision=locked.revision, status=StepStatus.WAITING
        ).update(status=StepStatus.CANCELLED)
        locked.status = ApplicationStatus.RETURNED if returned else ApplicationStatus.REJECTED
        locked.current_step_key = ""
        locked.batch = None
        if not returned:
            locked.decided_at = now
        action = "resumption.return" if returned else "resumption.reject"
        notify(
            locked,
            firm_user_ids(firm),
            "returned" if returned else "rejected",
            (
                _("复工申请在「%(step)s」被%(who)s退回修改：%(reasons)s")
                if returned
                else _("复工申请在「%(step)s」被%(who)s决定不予批准：%(reasons)s")
            )
            % {"step": step.name, "who": who, "reasons": reasons},
        )
    locked.version += 1
    locked.save()
    old, new = diff(before, _snapshot(locked))
    record(
        actor,
        action,
        locked,
        before=old,
        after=new
        | {
            "step": step.key,
            "participant": token,
            "decision": decision,
            "batch": batch.pk if batch else None,
        },
        note=f"{step.name}：{who} {Decision(decision).label}" + (f"（{reasons}）" if reasons else ""),
    )
    if decision == Decision.PASS and step.status == StepStatus.PASSED and locked.current_step_key == step.key:
        _approve(actor, locked, now, note=_("「%(step)s」通过，审批完成") % {"step": step.name})
    return made


def decide(actor, application, decision: str, reasons: str, expected_step_key: str) -> ReviewDecision:
    """Pass, return for revision or reject the application at its active step.

    ``expected_step_key`` is the step the reviewer had in front of them; if the application moved on
    (another reviewer acted first), this raises ResumptionConflict and records nothing. Return and
    reject need reasons; the firm's own step (a commitment it signs) can only pass.
    """
    if decision not in Decision.values:
        raise ValidationError(
            {
                "decision": [
                    _("审核意见无效，可选：%(opts)s")
                    % {"opts": "、".join(str(label) for label in Decision.labels)}
                ]
            }
        )
    reasons = (reasons or "").strip()
    if decision != Decision.PASS and not reasons:
        raise ValidationError({"reasons": [_("退回修改或不予批准时必须写明理由")]})
    if len(reasons) > 2000:
        raise ValidationError({"reasons": [_("理由不能超过2000字")]})
    if not expected_step_key:
        raise ValidationError({"expected_step_key": [_("缺少当前环节代码，请刷新后重试")]})
    _check_visible(actor, application)
    with transaction.atomic():
        locked = _lock(application)
        return _decide_locked(actor, locked, decision, reasons, expected_step_key, _now())


def _target_status(application) -> str:
    if application.kind == ApplicationKind.KEY_STAFF_PREPARATION:
        return EnterpriseStatus.PREPARING
    return EnterpriseStatus.RESUMED


def _approve(actor, locked, now, *, note: str) -> None:
    """The chain is through: check the date once more, move the firm, issue the certificate."""
    policy = _policy(locked)
    message = selectors.date_gate_message(locked, policy)
    if message:
        raise ValidationError({"planned_start": [message]})
    firm = locked.enterprise
    target = _target_status(locked)
    # A backfill for a firm already recorded as working, or key-staff preparation of a firm that has
    # since resumed, leaves the status where it is.
    if firm.status != target and not (
        target == EnterpriseStatus.PREPARING and firm.status == EnterpriseStatus.RESUMED
    ):
        enterprise_services.change_status(
            actor if getattr(actor, "pk", None) else None,
            firm,
            target,
            _("复工申请批准（%(kind)s）") % {"kind": locked.get_kind_display()},
            workflow="resumption",
        )
    before = _snapshot(locked)
    locked.status = ApplicationStatus.APPROVED
    locked.current_step_key = ""
    locked.decided_at = now
    locked.version += 1
    locked.save()
    certificate = _issue_certificate(actor, locked, policy, now)
    old, new = diff(before, _snapshot(locked))
    record(
        actor,
        "resumption.approve",
        locked,
        before=old,
        after=new | {"certificate": certificate.number, "policy_version": policy.version_id},
        note=note,
    )
    notify(
        locked,
        firm_user_ids(firm),
        "approved",
        _("复工申请已批准，复工证明编号：%(number)s") % {"number": certificate.number},
    )


# -- certificates ---------------------------------------------------------------------------------------------

_REGION_SUFFIXES = (
    "特别行政区",
    "自治州",
    "自治县",
    "自治旗",
    "街道",
    "地区",
    "盟",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "镇",
    "乡",
)


def short_region_name(name: str) -> str:
    """某某市 → 某某, 某某区 → 某某; a two-character name such as 城区 is kept whole."""
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def next_number(prefix: str, year: int) -> int:
    """The next number of a sequence, taken on a locked row so that concurrent takers never share one."""
    with transaction.atomic():
        sequence = CertificateSequence.objects.select_for_update().filter(prefix=prefix, year=year).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    sequence = CertificateSequence.objects.create(prefix=prefix, year=year)
            except IntegrityError:
                pass
            sequence = CertificateSequence.objects.select_for_update().get(prefix=prefix, year=year)
        sequence.last += 1
        sequence.save(update_fields=["last"])
        return sequence.last


def _issue_certificate(actor, application, policy, now) -> Certificate:
    short = short_region_name(policy.source_region_name)
    year = timezone.localtime(now).year
    number = next_number(f"certificate:{short}", year)
    certificate = Certificate.objects.create(
        application=application,
        enterprise=application.enterprise,
        # A stored official number, never translated: it must read the same for every reader.
        number=f"{short}复工〔{year}〕{number:05d}号",
        kind=application.kind,
        issued_at=now,
        valid_from=max(application.planned_start or now, now),
        status=CertificateStatus.VALID,
        policy_version_id=policy.version_id,
        verify_token=secrets.token_urlsafe(18),
    )
    record(
        actor,
        "resumption.certificate.issue",
        certificate,
        after={
            "number": certificate.number,
            "application": application.pk,
            "valid_from": certificate.valid_from,
            "policy_version": policy.version_id,
        },
    )
    return certificate


def revoke_certificate(actor, certificate, reason: str) -> Certificate:
    """Revoke a certificate (a logged step); the public verify page then shows it as revoked."""
    if not can(actor, "resumption.certificate.revoke"):
        raise PermissionDenied(_("您没有撤销复工证明的权限。"))
    if not Certificate.objects.visible_to(actor).filter(pk=certificate.pk).exists():
        raise PermissionDenied(_("该复工证明不在您的管辖范围内。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("撤销原因不能为空")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("撤销原因不能超过500字")]})
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().select_related("enterprise").get(pk=certificate.pk)
        if locked.status == CertificateStatus.REVOKED:
            if locked.revoke_reason == reason:
                return locked
            raise ResumptionConflict(
                _("该复工证明已由%(who)s于%(at)s撤销。")
                % {"who": _who(locked.revoked_by), "at": _fmt(locked.revoked_at)}
            )
        locked.status = CertificateStatus.REVOKED
        locked.revoked_at = _now()
        locked.revoked_by = actor
        locked.revoke_reason = reason
        locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
        record(
            actor,
            "resumption.certificate.revoke",
            locked,
            before={"status": CertificateStatus.VALID},
            after={"status": CertificateStatus.REVOKED, "reason": reason},
            note=reason,
        )
        notify(
            locked.application,
            firm_user_ids(locked.enterprise),
            "revoked",
            _("复工证明%(number)s已被撤销：%(reason)s") % {"number": locked.number, "reason": reason},
        )
    return locked


# -- early start ---------------------------------------------------------------------------------------------


def grant_early_start(actor, application, reason: str) -> ResumptionApplication:
    """The task force approves a start before the policy's earliest date, where the policy lets it
    (``early_resumption_needs_approval``)."""
    if not can(actor, "resumption.early_start"):
        raise PermissionDenied(_("只有指挥部（专班）可以批准提前复工。"))
    _check_visible(actor, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("批准提前复工须写明理由（重要和紧急任务）")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("理由不能超过500字")]})
    policy = _policy(application)
    params = policy.parameters
    if params.earliest_resumption_at is None:
        raise ValidationError(
            {"policy": [_("%(policy)s没有规定最早复工时间，无需批准提前复工") % {"policy": policy.label}]}
        )
    if not params.early_resumption_needs_approval:
        raise ValidationError(
            {
                "policy": [
                    _("%(source)s：不允许经批准提前复工")
                    % {"source": policy.cite("early_resumption_needs_approval")}
                ]
            }
        )
    with transaction.atomic():
        locked = _lock(application)
        if locked.status not in OPEN_STATUSES:
            raise ValidationError(
                {
                    "status": [
                        _("申请已办结（%(status)s），不能再批准提前复工")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        if locked.early_start_granted:
            return locked
        before = _snapshot(locked)
        locked.early_start_granted = True
        locked.early_start_reason = reason
        locked.early_start_granted_by = actor
        locked.early_start_granted_at = _now()
        locked.version += 1
        locked.save()
        old, new = diff(before, _snapshot(locked))
        record(
            actor, "resumption.early_start", locked, before=old, after=new | {"reason": reason}, note=reason
        )
        notify(
            locked,
            firm_user_ids(locked.enterprise),
            "early_start",
            _("指挥部已批准提前复工：%(reason)s") % {"reason": reason},
        )
    return locked
