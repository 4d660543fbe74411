"""Writes to resumption applications (SPEC §4, §11): checked, atomic, locked, audited, notified.

Each function checks the actor and the state, then in one transaction locks the application row
(``select_for_update``), writes, appends the audit entry and queues notifications for after commit.
Errors: Django ``ValidationError`` with {field: [Chinese message]}; ``PermissionDenied`` for acts
outside the actor's role, scope or turn; ``ResumptionConflict`` when someone else acted first (the
API answers 409).

This module holds what every write shares (the conflict, the row lock, the checks, the audit snapshot)
and the firm's own writes before submission: its draft and its commitments. The other writes build on
it: ``attachments.services`` (documents), ``approval.services`` (submission, the review chain, approval
and certificates) and ``batches.services`` (the task force's approval in batches); ``content`` checks
what an application says.

What the plan consists of, which documents are required and what they are called are the policy's
vocabularies (``plan_sections``, ``document_types``), checked against the policy in force.
"""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.audit.services import diff, record, snapshot
from fugong.core.dates import format_datetime
from fugong.policy.selectors import NoPolicyError, policy_for
from fugong.resumption import selectors
from fugong.resumption.content import CONTENT_FIELDS, clean_content
from fugong.resumption.models import EDITABLE_STATUSES, OPEN_STATUSES, Commitment, ResumptionApplication


class ResumptionConflict(Exception):
    """Someone else acted on the application first; acting now would act on what the actor never saw."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- small helpers ------------------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _fmt(moment) -> str:
    return format_datetime(moment)


def _who(user) -> str:
    return user.display_name if getattr(user, "pk", None) else _("系统")


def _snapshot(application) -> dict:
    return snapshot(application, CONTENT_FIELDS) | {
        "status": application.status,
        "version": application.version,
        "revision": application.revision,
        "current_step_key": application.current_step_key,
        "early_start_granted": application.early_start_granted,
        "priority_score": application.priority_score,
        "batch": application.batch_id,
    }


def _lock(application) -> ResumptionApplication:
    return (
        ResumptionApplication.objects.select_for_update(of=("self",))
        .select_related("enterprise__town", "enterprise__department")
        .get(pk=application.pk)
    )


def _check_visible(actor, application) -> None:
    if not ResumptionApplication.objects.visible_to(actor).filter(pk=application.pk).exists():
        raise PermissionDenied(_("该复工申请不在您的管辖范围内。"))


def _check_own_firm(actor, enterprise) -> None:
    """Applications are filed by the firm itself: its own enterprise officer."""
    if not can(actor, "resumption.apply") or actor.enterprise_id != enterprise.pk:
        raise PermissionDenied(_("只有本企业的防疫专员可以填报和修改复工申请。"))


def _check_editable(application) -> None:
    if application.status not in EDITABLE_STATUSES:
        raise ValidationError(
            {
                "status": [
                    _("申请当前为「%(status)s」，不能修改；只有草稿或退回修改的申请可以修改")
                    % {"status": application.get_status_display()}
                ]
            }
        )


def _policy(application, on_date=None):
    try:
        return policy_for(application.enterprise.town, on_date)
    except NoPolicyError as exc:
        raise ValidationError({"policy": [str(exc)]}) from exc


def _expected_version(value) -> int:
    if value in (None, ""):
        raise ValidationError({"version": [_("缺少版本号，无法确认您修改的是最新内容，请刷新后重试")]})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({"version": [_("版本号必须是整数")]}) from None


# -- drafts --------------------------------------------------------------------------------------------------


def _sections_for(enterprise, data: dict) -> dict[str, str] | None:
    """The plan sections of the policy in force for the firm, when ``data`` has plan text to check."""
    if "plan_sections" not in data:
        return None
    try:
        policy = policy_for(enterprise.town)
    except NoPolicyError as exc:
        raise ValidationError({"policy": [str(exc)]}) from exc
    return selectors.section_names(policy.parameters)


def _open_application_error(existing) -> ValidationError:
    return ValidationError(
        {
            "enterprise": [
                _("本企业已有未办结的复工申请（%(kind)s，%(status)s），请继续办理该申请")
                % {"kind": existing.get_kind_display(), "status": existing.get_status_display()}
            ]
        }
    )


def create_draft(actor, enterprise, data: dict) -> ResumptionApplication:
    """A new draft for the actor's own firm. A firm has at most one application going at a time, so a
    retried request cannot create a second one."""
    _check_own_firm(actor, enterprise)
    data = dict(data or {})
    if not data.get("kind"):
        raise ValidationError({"kind": [_("申请类型不能为空")]})
    content = clean_content(data, _sections_for(enterprise, data))
    message = selectors.kind_status_message(content["kind"], enterprise)
    if message:
        raise ValidationError({"kind": [message]})
    existing = ResumptionApplication.objects.filter(enterprise=enterprise, status__in=OPEN_STATUSES).first()
    if existing is not None:
        raise _open_application_error(existing)
    application = ResumptionApplication(enterprise=enterprise, created_by=actor, **content)
    try:
        with transaction.atomic():
            application.save()
            record(actor, "resumption.create", application, after=_snapshot(application))
    except IntegrityError:
        existing = ResumptionApplication.objects.filter(
            enterprise=enterprise, status__in=OPEN_STATUSES
        ).first()
        raise _open_application_error(existing) from None
    return application


def update_draft(actor, application, data: dict, expected_version) -> ResumptionApplication:
    """Change a draft or returned application that is still at ``expected_version``."""
    _check_own_firm(actor, application.enterprise)
    expected = _expected_version(expected_version)
    data = dict(data or {})
    content = clean_content(data, _sections_for(application.enterprise, data))
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        current = {name: getattr(locked, name) for name in content}
        if locked.version != expected:
            # A retried save that already went through changes nothing, so it is not a conflict.
            if expected == locked.version - 1 and current == content:
                return locked
            raise ResumptionConflict(
                _(
                    "该申请已被他人修改（您打开的是第%(expected)d版，当前为第%(current)d版）。请刷新后核对再修改。"
                )
                % {"expected": expected, "current": locked.version}
            )
        if "kind" in content:
            message = selectors.kind_status_message(content["kind"], locked.enterprise)
            if message:
                raise ValidationError({"kind": [message]})
        if current == content:
            return locked
        before = _snapshot(locked)
        for name, value in content.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
        old, new = diff(before, _snapshot(locked))
        record(actor, "resumption.update", locked, before=old, after=new)
    return locked


# -- commitments ---------------------------------------------------------------------------------------------------


def _person_name(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def affirm_commitments(actor, application, codes, affirmed_by_name: str) -> list[Commitment]:
    """The legal representative affirms the policy's commitment items ``codes`` by name. The name
    must be the firm's registered legal representative. Affirming again with the same wording changes
    nothing."""
    _check_own_firm(actor, application.enterprise)
    codes = list(dict.fromkeys(str(c) for c in codes or []))
    if not codes:
        raise ValidationError({"codes": [_("请选择要确认的承诺事项")]})
    name = _person_name(affirmed_by_name)
    firm = application.enterprise
    if not name:
        raise ValidationError({"affirmed_by_name": [_("承诺人姓名不能为空，须由法定代表人本人确认")]})
    if name != _person_name(firm.legal_representative):
        raise ValidationError(
            {
                "affirmed_by_name": [
                    _("承诺人「%(name)s」不是本企业登记的法定代表人，承诺须由法定代表人本人确认")
                    % {"name": name}
                ]
            }
        )
    policy = _policy(application)
    items = {c.code: c for c in policy.parameters.commitments or ()}
    unknown = [c for c in codes if c not in items]
    if unknown:
        raise ValidationError(
            {
                "codes": [
                    _("%(policy)s没有这些承诺事项：%(codes)s")
                    % {"policy": policy.label, "codes": "、".join(unknown)}
                ]
            }
        )
    now = _now()
    out = []
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        changed = []
        for code in codes:
            item = items[code]
            existing = Commitment.objects.filter(application=locked, code=code).first()
            if existing is not None and existing.text == item.text and existing.affirmed_by_name == name:
                out.append(existing)
                continue
            commitment, _created = Commitment.objects.update_or_create(
                application=locked,
                code=code,
                defaults={
                    "group": item.group,
                    "text": item.text,
                    "affirmed_by_name": name,
                    "affirmed_at": now,
                    "affirmed_by": actor,
                },
            )
            out.append(commitment)
            changed.append(code)
        if changed:
            record(
                actor,
                "resumption.commitment.affirm",
                locked,
                after={
                    "codes": changed,
                    "affirmed_by_name": name,
                    "affirmed_at": now,
                    "policy_version": policy.version_id,
                },
            )
    return out


def affirm_commitment(actor, application, code: str, affirmed_by_name: str) -> Commitment:
    return affirm_commitments(actor, application, [code], affirmed_by_name)[0]
