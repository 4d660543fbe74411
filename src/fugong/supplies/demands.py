"""The demand workflow: the firm asks its town for supplies it cannot source; the town answers it or escalates it to the task
force, which answers it. The firm may withdraw it while it is open.

One service per transition. Each checks the actor's role for the state the request is in, locks the row,
compares the version the actor saw (a stale page gets a Chinese conflict message, nothing saved), audits,
and tells the next holder on commit.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role, require
from fugong.audit.services import record
from fugong.resumption.chain import firm_users, users_for
from fugong.resumption.notifications import notify

from .models import DemandRequest, DemandStatus
from .selectors import item_name
from .services import enterprise_in_scope, parse_client_key, parse_item, parse_quantity, replayed, text

OPEN = (DemandStatus.SUBMITTED, DemandStatus.ESCALATED)
AUDITED = ["status", "due_on", "escalation_note", "answer", "version"]


class StaleDemand(ValidationError):
    """Someone acted on the request since the page was loaded: the API answers 409."""


def _date(value, field, label, errors) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str) and value.strip():
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors[field] = _("%(label)s：日期格式不正确") % {"label": label}
            return None
    if not isinstance(value, dt.date):
        errors[field] = _("%(label)s：必须填写") % {"label": label}
        return None
    if value < timezone.localdate():
        errors[field] = _("%(label)s：不能早于今天") % {"label": label}
        return None
    return value


def _raise(errors):
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


def _snapshot(req) -> dict:
    return {f: getattr(req, f) for f in AUDITED}


def _locked(actor, request, expected_version=None) -> DemandRequest:
    """The request, locked, if the actor may see it; a 404-like refusal otherwise."""
    pk = request.pk if isinstance(request, DemandRequest) else request
    locked = (
        DemandRequest.objects.visible_to(actor)
        .select_for_update()
        .select_related("enterprise__town")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied
    if expected_version is not None and int(expected_version) != locked.version:
        raise StaleDemand(
            {
                "version": [
                    _("这条需求已被他人处理（当前状态：%(status)s），请刷新页面后再操作")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    return locked


def _wrong_state(req):
    return ValidationError(
        {"status": [_("这条需求当前为“%(status)s”，不能进行此操作") % {"status": req.get_status_display()}]}
    )


def _ids(users) -> list[int]:
    return list(users.values_list("pk", flat=True))


def _summary(req) -> str:
    return _("%(firm)s的%(item)s需求%(n)d") % {
        "firm": req.enterprise.name,
        "item": item_name(req.item),
        "n": req.quantity,
    }


def request_supplies(actor, enterprise, item, quantity, needed_by, reason, client_key=None) -> DemandRequest:
    """The firm asks its town for supplies it cannot source; the town must answer by ``needed_by``."""
    require(actor, "supplies.demand")
    enterprise = enterprise_in_scope(actor, enterprise)
    key = parse_client_key(client_key)
    if (replay := replayed(DemandRequest, actor, key)) is not None:
        return replay
    errors: dict[str, str] = {}
    item = parse_item(item, errors)
    quantity = parse_quantity(quantity, errors, label=_("需求数量"))
    needed_by = _date(needed_by, "needed_by", _("需要日期"), errors)
    reason = text(reason, "reason", _("无法自行解决的原因"), errors, max_length=500)
    _raise(errors)
    try:
        with transaction.atomic():
            req = DemandRequest.objects.create(
                enterprise=enterprise,
                item=item,
                quantity=quantity,
                needed_by=needed_by,
                reason=reason,
                due_on=needed_by,
                created_by=actor,
                client_key=key,
            )
            record(actor, "supplies.demand.submit", req, after=_snapshot(req), note=reason)
            notify(
                None,
                _ids(users_for("town", enterprise)),
                "supplies.demand.submit",
                _("%(summary)s待协调，请于%(due)s前答复")
                % {"summary": _summary(req), "due": f"{needed_by.month}月{needed_by.day}日"},
            )
    except IntegrityError:
        if (replay := replayed(DemandRequest, actor, key)) is not None:
            return replay
        raise
    req.replayed = False
    return req


def escalate(actor, request, note, due_on, expected_version) -> DemandRequest:
    """The town cannot solve it: it goes to the task force, due by ``due_on``."""
    require(actor, "supplies.demand.handle")
    errors: dict[str, str] = {}
    note = text(note, "note", _("上报说明"), errors, max_length=500)
    due_on = _date(due_on, "due_on", _("答复期限"), errors)
    _raise(errors)
    with transaction.atomic():
        req = _locked(actor, request, expected_version)
        if actor.role != Role.TOWN:
            raise PermissionDenied
        if req.status != DemandStatus.SUBMITTED:
            raise _wrong_state(req)
        before = _snapshot(req)
        req.status = DemandStatus.ESCALATED
        req.escalated_at, req.escalated_by, req.escalation_note = timezone.now(), actor, note
        req.due_on = due_on
        req.version += 1
        req.save()
        record(actor, "supplies.demand.escalate", req, before=before, after=_snapshot(req), note=note)
        message = _("%(summary)s已由镇街上报专班，请于%(due)s前答复") % {
            "summary": _summary(req),
            "due": f"{due_on.month}月{due_on.day}日",
        }
        notify(None, _ids(users_for("task_force", req.enterprise)), "supplies.demand.escalate", message)
        notify(None, _ids(firm_users(req.enterprise)), "supplies.demand.escalate", message)
    return req


def answer(actor, request, *, fulfilled: bool, answer, expected_version) -> DemandRequest:
    """The holder's answer: the town while the request is with it, the task force once escalated."""
    require(actor, "supplies.demand.handle")
    errors: dict[str, str] = {}
    if fulfilled not in (True, False):
        errors["fulfilled"] = _("结果：必须选择已协调解决或无法协调")
    answer = text(answer, "answer", _("答复"), errors, max_length=500)
    _raise(errors)
    with transaction.atomic():
        req = _locked(actor, request, expected_version)
        holder = {DemandStatus.SUBMITTED: Role.TOWN, DemandStatus.ESCALATED: Role.TASK_FORCE}.get(req.status)
        if holder is None:
            raise _wrong_state(req)
        if actor.role != holder:
            raise ValidationError(
                {
                    "status": [
                        _("这条需求当前为“%(status)s”，应由%(holder)s答复")
                        % {"status": req.get_status_display(), "holder": Role(holder).label}
                    ]
                }
            )
        before = _snapshot(req)
        req.status = DemandStatus.FULFILLED if fulfilled else DemandStatus.DECLINED
        req.answer, req.answered_at, req.answered_by = answer, timezone.now(), actor
        req.version += 1
        req.save()
        record(actor, "supplies.demand.answer", req, before=before, after=_snapshot(req), note=answer)
        recipients = _ids(firm_users(req.enterprise))
        if holder == Role.TASK_FORCE:
            recipients += _ids(users_for("town", req.enterprise))
        notify(
            None,
            recipients,
            "supplies.demand.answer",
            _("%(summary)s：%(status)s。%(answer)s")
            % {"summary": _summary(req), "status": req.get_status_display(), "answer": answer},
        )
    return req


def withdraw(actor, request) -> DemandRequest:
    """The firm no longer needs it (sourced it itself): the holder is told to stop."""
    require(actor, "supplies.demand")
    with transaction.atomic():
        req = _locked(actor, request)
        if req.status not in OPEN:
            raise _wrong_state(req)
        before = _snapshot(req)
        holder = "town" if req.status == DemandStatus.SUBMITTED else "task_force"
        req.status = DemandStatus.WITHDRAWN
        req.version += 1
        req.save()
        record(actor, "supplies.demand.withdraw", req, before=before, after=_snapshot(req))
        notify(
            None,
            _ids(users_for(holder, req.enterprise)),
            "supplies.demand.withdraw",
            _("%(summary)s已由企业撤回，无需再协调") % {"summary": _summary(req)},
        )
    return req
