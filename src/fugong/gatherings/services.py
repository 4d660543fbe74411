"""Gatherings: the firm records them, the policy decides, the town approves.

The policy in force for the firm's town on the day the gathering starts decides, and each decision starts
with the citation of the value it applied (``policy.cite``):

* ``gathering_plan_threshold`` — at or over it (“50人以上” includes 50) a prevention plan file is required
  (refused without one) and the gathering waits for the town's approval (PENDING);
* ``meal_group_max`` — a dinner over it is FLAGGED, not refused: the notice only advises it (倡导性要求);
* a parameter the policy leaves unset, or no policy at all, means that rule does not apply.

Every function checks capability and scope, validates everything before writing (each bad field named
with its rule in Chinese; nothing is saved), writes in one transaction with the row locked, an audit
entry and a history event, and tells whoever must act once the transaction commits. Records are
idempotent on ``client_key``; approvals and edits check the version the actor saw.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.audit.services import diff, record
from fugong.core.submissions import parse_client_key as _client_key
from fugong.core.submissions import replayed
from fugong.enterprises.models import Enterprise
from fugong.gatherings.models import (
    Gathering,
    GatheringAction,
    GatheringEvent,
    GatheringStatus,
)
from fugong.gatherings.rules import Decision, decide, policy_for  # noqa: F401 - the services' API
from fugong.gatherings.validation import clean, store_plan, validate_plan

# The firm may change these; a change re-decides under the policy.
EDITABLE_STATUSES = (GatheringStatus.RECORDED, GatheringStatus.FLAGGED, GatheringStatus.PENDING)
CANCELLABLE_STATUSES = EDITABLE_STATUSES + (GatheringStatus.APPROVED,)
FIELDS = ("kind", "title", "place", "starts_at", "ends_at", "headcount", "organiser")


class GatheringConflict(Exception):
    """Someone else changed or decided the gathering since the actor loaded it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# -- checks ---------------------------------------------------------------------------------------------


def _check_firm(actor, enterprise) -> None:
    """The firm's own officer, for its own firm."""
    require(actor, "gatherings.record")
    if (
        actor.enterprise_id != enterprise.pk
        or not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists()
    ):
        raise PermissionDenied


def _visible(actor, gathering) -> None:
    if not Gathering.objects.visible_to(actor).filter(pk=gathering.pk).exists():
        raise PermissionDenied


def _snapshot(gathering) -> dict:
    return {
        "kind": gathering.kind,
        "title": gathering.title,
        "place": gathering.place,
        "starts_at": gathering.starts_at,
        "ends_at": gathering.ends_at,
        "headcount": gathering.headcount,
        "organiser": gathering.organiser,
        "plan": gathering.plan_name or None,
        "status": gathering.status,
        "flags": list(gathering.flags),
        "policy_version": gathering.policy_version_id,
    }


def _event(gathering, actor, action, note="") -> None:
    GatheringEvent.objects.create(
        gathering=gathering, action=action, status=gathering.status, note=str(note)[:500], actor=actor
    )


# -- notifications --------------------------------------------------------------------------------------


def _tell_town(gathering) -> None:
    from fugong.resumption.chain import users_for
    from fugong.resumption.notifications import notify

    firm = gathering.enterprise
    notify(
        None,
        users_for("town", firm).values_list("pk", flat=True),
        "gatherings.pending",
        _("【聚集性活动待审批】%(firm)s：%(title)s，%(count)d人，%(when)s，%(place)s")
        % {
            "firm": firm.name,
            "title": gathering.title,
            "count": gathering.headcount,
            "when": timezone.localtime(gathering.starts_at).strftime("%Y年%m月%d日 %H:%M"),
            "place": gathering.place,
        },
    )


def _tell_firm(gathering, verdict: str) -> None:
    from fugong.resumption.chain import firm_users
    from fugong.resumption.notifications import notify

    note = f"：{gathering.decision_note}" if gathering.decision_note else ""
    notify(
        None,
        firm_users(gathering.enterprise).values_list("pk", flat=True),
        f"gatherings.{gathering.status}",
        _("【聚集性活动%(verdict)s】%(title)s（%(count)d人）%(note)s")
        % {"verdict": verdict, "title": gathering.title, "count": gathering.headcount, "note": note},
    )


# -- the firm -------------------------------------------------------------------------------------------


def _decided(enterprise, values, upload, errors, *, has_plan=False):
    """The policy's decision for the cleaned ``values``, with the plan checked against it. The missing
    plan is reported with the other errors whenever the head count and start are readable."""
    checked = None
    try:
        checked = validate_plan(upload)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    decision = None
    if values["headcount"] is not None and values["starts_at"] is not None:
        policy = policy_for(enterprise, values["starts_at"])
        decision = decide(policy, values["kind"], values["headcount"])
        if decision.needs_plan and checked is None and not has_plan and "plan" not in errors:
            errors["plan"] = [
                _("防控方案：%(rule)s，本次%(count)d人，请上传防控方案后再登记")
                % {"rule": decision.plan_rule, "count": values["headcount"]}
            ]
    if errors:
        raise ValidationError(errors)
    return decision, checked


def record_gathering(
    actor,
    enterprise,
    *,
    kind,
    title,
    place,
    starts_at,
    ends_at,
    headcount,
    organiser,
    plan=None,
    client_key=None,
) -> Gathering:
    """Record a gathering of the actor's firm. At or over the threshold it needs a plan and waits for the
    town's approval (the town is told); a large dinner is flagged. A resend returns the first record."""
    _check_firm(actor, enterprise)
    client_key = _client_key(client_key)
    replay = _replayed(actor, client_key)
    if replay is not None:
        return replay
    errors: dict = {}
    values = clean(
        {
            "kind": kind,
            "title": title,
            "place": place,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "headcount": headcount,
            "organiser": organiser,
        },
        errors,
    )
    decision, checked = _decided(enterprise, values, plan, errors)

    def build():
        gathering = Gathering(
            enterprise=enterprise,
            **values,
            status=decision.status,
            flags=decision.flags,
            policy_version_id=decision.policy_version_id,
            created_by=actor,
            client_key=client_key,
        )
        if checked is not None:
            store_plan(gathering, plan, checked)
        gathering.save()
        _event(gathering, actor, GatheringAction.RECORD, "；".join(decision.flags))
        record(actor, "gatherings.gathering.record", gathering, after=_snapshot(gathering))
        if gathering.status == GatheringStatus.PENDING:
            _tell_town(gathering)
        return gathering

    try:
        with transaction.atomic():
            return build()
    except IntegrityError:
        replay = _replayed(actor, client_key)
        if replay is not None:
            return replay
        raise


def _lock(gathering) -> Gathering:
    return Gathering.objects.select_for_update().get(pk=gathering.pk)


def _check_version(locked, expected_version, verb: str) -> None:
    if expected_version in (None, ""):
        raise ValidationError(
            {"version": [_("版本号：缺少版本号，无法确认您看到的是最新内容，请刷新后重试")]}
        )
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError({"version": [_("版本号：应为整数")]}) from None
    if locked.version != expected:
        raise GatheringConflict(
            _(
                "该活动已被他人修改（您看到的是第%(expected)d版，当前为第%(current)d版，状态为“%(status)s”），请刷新后再%(verb)s。"
            )
            % {
                "expected": expected,
                "current": locked.version,
                "status": locked.get_status_display(),
                "verb": verb,
            }
        )


def update(actor, gathering, data: dict, expected_version, plan=None) -> Gathering:
    """Change a gathering that is still recorded or pending; the policy decides again (a pending one
    stays with the town; one that now needs approval goes to it). A new plan file replaces the old."""
    _check_firm(actor, gathering.enterprise)
    errors: dict = {}
    merged = {name: data.get(name, getattr(gathering, name)) for name in FIELDS}
    values = clean(merged, errors)
    decision, checked = _decided(gathering.enterprise, values, plan, errors, has_plan=bool(gathering.plan))
    with transaction.atomic():
        locked = _lock(gathering)
        _check_version(locked, expected_version, _("修改"))
        if locked.status not in EDITABLE_STATUSES:
            raise ValidationError(
                {
                    "status": [
                        _("状态：活动为“%(status)s”，不能修改；如需变更请取消后重新登记")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        before = _snapshot(locked)
        for name, value in values.items():
            setattr(locked, name, value)
        if checked is not None:
            store_plan(locked, plan, checked)
        locked.status = decision.status
        locked.flags = decision.flags
        locked.policy_version_id = decision.policy_version_id
        old, new = diff(before, _snapshot(locked))
        if not new and checked is None:
            return locked
        locked.version += 1
        locked.save()
        _event(locked, actor, GatheringAction.UPDATE, "；".join(decision.flags))
        record(actor, "gatherings.gathering.update", locked, before=old, after=new)
        if locked.status == GatheringStatus.PENDING:
            _tell_town(locked)
    return locked


def cancel(actor, gathering, note: str = "") -> Gathering:
    """The firm calls a gathering off before it starts. Cancelling a cancelled one changes nothing."""
    _check_firm(actor, gathering.enterprise)
    note = str(note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": [_("取消原因：不能超过500个字")]})
    with transaction.atomic():
        locked = _lock(gathering)
        if locked.status == GatheringStatus.CANCELLED:
            return locked
        if locked.status not in CANCELLABLE_STATUSES:
            raise ValidationError(
                {
                    "status": [
                        _("状态：活动为“%(status)s”，不能取消") % {"status": locked.get_status_display()}
                    ]
                }
            )
        if locked.starts_at <= timezone.now():
            raise ValidationError({"starts_at": [_("开始时间：活动已经开始，不能再取消")]})
        before = locked.status
        was_pending = before == GatheringStatus.PENDING
        locked.status = GatheringStatus.CANCELLED
        locked.version += 1
        locked.save(update_fields=["status", "version"])
        _event(locked, actor, GatheringAction.CANCEL, note)
        record(
            actor,
            "gatherings.gathering.cancel",
            locked,
            before={"status": before},
            after={"status": locked.status},
            note=note,
        )
        if was_pending:
            from fugong.resumption.chain import users_for
            from fugong.resumption.notifications import notify

            notify(
                None,
                users_for("town", locked.enterprise).values_list("pk", flat=True),
                "gatherings.cancelled",
                _("【聚集性活动已取消】%(firm)s：%(title)s（%(count)d人），无需再审批")
                % {"firm": locked.enterprise.name, "title": locked.title, "count": locked.headcount},
            )
    return locked


# -- the town -------------------------------------------------------------------------------------------


def _decide(actor, gathering, note, expected_version, *, approve: bool) -> Gathering:
    require(actor, "gatherings.approve")
    _visible(actor, gathering)
    note = str(note or "").strip()
    verb = _("批准") if approve else _("作出不批准决定")
    if not approve and not note:
        raise ValidationError({"note": [_("审批意见：不批准时必须写明理由")]})
    if len(note) > 500:
        raise ValidationError({"note": [_("审批意见：不能超过500个字")]})
    with transaction.atomic():
        locked = _lock(gathering)
        _check_version(locked, expected_version, verb)
        if locked.status != GatheringStatus.PENDING:
            raise ValidationError(
                {
                    "status": [
                        _("状态：活动为“%(status)s”，不在待审批状态，不能%(verb)s")
                        % {"status": locked.get_status_display(), "verb": verb}
                    ]
                }
            )
        before = _snapshot(locked)
        locked.status = GatheringStatus.APPROVED if approve else GatheringStatus.REJECTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.version += 1
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "decision_note", "version"],
        )
        _event(locked, actor, GatheringAction.APPROVE if approve else GatheringAction.REJECT, note)
        record(
            actor,
            "gatherings.gathering.approve" if approve else "gatherings.gathering.reject",
            locked,
            before={"status": before["status"]},
            after={"status": locked.status, "note": note},
            note=note,
        )
        _tell_firm(locked, _("已批准") if approve else _("未获批准"))
    return locked


def approve(actor, gathering, note, expected_version) -> Gathering:
    """The town approves a pending gathering at the version it saw."""
    return _decide(actor, gathering, note, expected_version, approve=True)


def reject(actor, gathering, note, expected_version) -> Gathering:
    """The town turns a pending gathering down; the reason is required and sent to the firm."""
    return _decide(actor, gathering, note, expected_version, approve=False)


def _replayed(actor, client_key):
    return replayed(Gathering, actor, client_key, owner_field="created_by_id")
