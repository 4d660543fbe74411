"""Writes of the disinfection log: a round done, the firm's due times per round, and the areas it does
not have.

Which areas and rounds exist is the policy's business alone (``disinfection_areas`` ×
``disinfection_rounds`` in force for the firm's town on the day): a record names a key of each, and the
names are copied onto the record so that it reads the same after the policy changes. Without both
values there is nothing to record against, and the service says so.

Every function checks capability and scope, validates everything before writing (each bad field named
with its rule in Chinese, nothing saved), writes in one transaction with an audit entry, and
``record_round`` is idempotent on ``client_key``: a resend returns the first row with ``replayed``.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.audit.services import record, snapshot
from fugong.core.dates import format_date
from fugong.core.submissions import parse_client_key as _client_key
from fugong.core.submissions import replayed
from fugong.core.submissions import text_field as _text
from fugong.disinfection.models import AreaExemption, DisinfectionRecord, DisinfectionSchedule
from fugong.enterprises.models import Enterprise
from fugong.policy.selectors import find_policy_for

RECORD_FIELDS = ["day", "area", "round", "agent", "concentration", "operator", "done_at", "note"]


# -- checks ---------------------------------------------------------------------------------------------


def _enterprise_in_scope(actor, enterprise) -> Enterprise:
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied
    return enterprise


def _day(value, errors) -> dt.date | None:
    day = value if isinstance(value, dt.date) else None
    if day is None and isinstance(value, str):
        try:
            day = parse_date(value.strip())
        except ValueError:
            day = None
    if day is None:
        errors["day"] = _("日期：必须填写有效的日期")
        return None
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    if day > timezone.localdate():
        errors["day"] = _("日期：不能登记今天以后的消杀")
        return None
    return day


def _done_at(value, day, errors) -> dt.datetime | None:
    if value in (None, ""):
        if day is not None and day < timezone.localdate():
            errors["done_at"] = _("消杀时间：补登以前日期的消杀须填写消杀时间")
            return None
        return timezone.now()
    moment = value
    if isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    elif isinstance(value, dt.time) and day is not None:
        moment = dt.datetime.combine(day, value)
    if not isinstance(moment, dt.datetime):
        errors["done_at"] = _("消杀时间：必须填写有效的时间")
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now():
        errors["done_at"] = _("消杀时间：不能晚于现在")
        return None
    if day is not None and timezone.localtime(moment).date() != day:
        errors["done_at"] = _("消杀时间：应在所登记的日期（%(day)s）当天") % {"day": format_date(day)}
        return None
    return moment


def _term(policy, param, value, field, label, errors):
    """The Term of the policy's vocabulary ``param`` whose key is ``value``, else a named error."""
    terms = getattr(policy.parameters, param) or ()
    key = str(value or "").strip()
    for term in terms:
        if term.key == key:
            return term
    names = "、".join(t.name for t in terms)
    if not key:
        errors[field] = _("%(label)s：必须选择") % {"label": label}
    else:
        errors[field] = _("%(label)s：不是%(cite)s规定的消杀%(label)s，应为%(names)s之一") % {
            "label": label,
            "cite": policy.cite(param),
            "names": names,
        }
    return None


def policy_terms(enterprise, day):
    """(policy, areas, rounds) in force for the firm on the day; ValidationError when the policy of the
    day does not set both, since there is then nothing to record against."""
    policy = find_policy_for(enterprise.town, day)
    if policy is None or not policy.parameters.disinfection_areas:
        raise ValidationError({"area": _("当日政策未规定消杀区域")})
    if not policy.parameters.disinfection_rounds:
        raise ValidationError({"round": _("当日政策未规定消杀轮次")})
    return policy


# -- a round done ---------------------------------------------------------------------------------------


def record_round(
    actor,
    enterprise,
    *,
    day,
    area,
    round,  # noqa: A002 — the field's name on the model and in the API
    agent,
    concentration,
    operator,
    done_at=None,
    note="",
    client_key=None,
) -> DisinfectionRecord:
    """One area disinfected in one round of a day, with agent, concentration, operator and time."""
    require(actor, "disinfection.record")
    _enterprise_in_scope(actor, enterprise)
    client_key = _client_key(client_key)
    replay = _replayed(actor, client_key)
    if replay is not None:
        return replay

    errors: dict[str, str] = {}
    day = _day(day, errors)
    agent = _text(agent, "agent", _("消毒剂"), errors, max_length=100)
    concentration = _text(concentration, "concentration", _("浓度"), errors, max_length=50)
    operator = _text(operator, "operator", _("消杀人员"), errors, max_length=50)
    note = _text(note, "note", _("备注"), errors, max_length=300, required=False)
    done_at = _done_at(done_at, day, errors)
    area_term = round_term = policy = None
    if day is not None:
        try:
            policy = policy_terms(enterprise, day)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
        else:
            area_term = _term(policy, "disinfection_areas", area, "area", _("区域"), errors)
            round_term = _term(policy, "disinfection_rounds", round, "round", _("轮次"), errors)
    if errors:
        raise ValidationError(errors)

    def build():
        row = DisinfectionRecord.objects.create(
            enterprise=enterprise,
            day=day,
            area=area_term.key,
            area_name=area_term.name,
            round=round_term.key,
            round_name=round_term.name,
            agent=agent,
            concentration=concentration,
            operator=operator,
            done_at=done_at,
            note=note,
            recorded_by=actor,
            policy_version_id=policy.version_id,
            client_key=client_key,
        )
        record(
            actor,
            "disinfection.record.create",
            row,
            after=snapshot(row, RECORD_FIELDS) | {"enterprise": enterprise.pk},
        )
        return row

    try:
        with transaction.atomic():
            return build()
    except IntegrityError:
        # Two sends of the same submission raced: answer with the one that won.
        replay = _replayed(actor, client_key)
        if replay is not None:
            return replay
        raise


def last_entry(enterprise) -> dict:
    """What the firm wrote last (agent, concentration, operator) to prefill the next round's form."""
    last = (
        DisinfectionRecord.objects.filter(enterprise=enterprise)
        .order_by("-recorded_at", "-id")
        .values("agent", "concentration", "operator")
        .first()
    )
    return last or {}


# -- the firm's settings --------------------------------------------------------------------------------


def _today_policy(enterprise):
    return policy_terms(enterprise, timezone.localdate())


def _parse_time(value) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    try:
        return parse_time(str(value or "").strip())
    except ValueError:
        return None


def set_schedule(actor, enterprise, round, due_by) -> DisinfectionSchedule | None:  # noqa: A002
    """The time by which the firm does a round each day; past it, today's missing round is overdue.
    An empty ``due_by`` clears it (then the round is overdue only once the day is over)."""
    require(actor, "disinfection.record")
    _enterprise_in_scope(actor, enterprise)
    errors: dict[str, str] = {}
    policy = _today_policy(enterprise)
    term = _term(policy, "disinfection_rounds", round, "round", _("轮次"), errors)
    time = None
    if due_by not in (None, ""):
        time = _parse_time(due_by)
        if time is None:
            errors["due_by"] = _("完成时限：应为时间，如 07:30")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = (
            DisinfectionSchedule.objects.select_for_update()
            .filter(enterprise=enterprise, round=term.key)
            .first()
        )
        before = {"round": term.key, "due_by": existing.due_by} if existing else None
        if time is None:
            if existing is None:
                return None
            record(actor, "disinfection.schedule.clear", existing, before=before, note=term.name)
            existing.delete()
            return None
        if existing is None:
            try:
                with transaction.atomic():
                    existing = DisinfectionSchedule.objects.create(
                        enterprise=enterprise, round=term.key, due_by=time
                    )
            except IntegrityError:
                existing = DisinfectionSchedule.objects.select_for_update().get(
                    enterprise=enterprise, round=term.key
                )
                before = {"round": term.key, "due_by": existing.due_by}
        if existing.due_by != time:
            existing.due_by = time
            existing.save(update_fields=["due_by"])
        record(
            actor,
            "disinfection.schedule.set",
            existing,
            before=before,
            after={"round": term.key, "due_by": time},
            note=term.name,
        )
        return existing


def set_exemption(actor, enterprise, area, reason) -> AreaExemption:
    """The firm declares it has no such area (e.g. no dormitory): its rounds are no longer gaps."""
    require(actor, "disinfection.record")
    _enterprise_in_scope(actor, enterprise)
    errors: dict[str, str] = {}
    policy = _today_policy(enterprise)
    term = _term(policy, "disinfection_areas", area, "area", _("区域"), errors)
    reason = _text(reason, "reason", _("原因"), errors, max_length=200)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        existing = (
            AreaExemption.objects.select_for_update().filter(enterprise=enterprise, area=term.key).first()
        )
        before = {"area": term.key, "reason": existing.reason} if existing else None
        if existing is None:
            try:
                with transaction.atomic():
                    existing = AreaExemption.objects.create(
                        enterprise=enterprise, area=term.key, reason=reason, created_by=actor
                    )
            except IntegrityError:
                existing = AreaExemption.objects.select_for_update().get(enterprise=enterprise, area=term.key)
        if existing.reason != reason:
            existing.reason = reason
            existing.save(update_fields=["reason"])
        record(
            actor,
            "disinfection.exemption.set",
            existing,
            before=before,
            after={"area": term.key, "reason": reason},
            note=term.name,
        )
        return existing


def clear_exemption(actor, enterprise, area) -> None:
    """The firm has the area after all: its rounds are required again from now on."""
    require(actor, "disinfection.record")
    _enterprise_in_scope(actor, enterprise)
    with transaction.atomic():
        existing = (
            AreaExemption.objects.select_for_update().filter(enterprise=enterprise, area=str(area)).first()
        )
        if existing is None:
            return
        record(
            actor,
            "disinfection.exemption.clear",
            existing,
            before={"area": existing.area, "reason": existing.reason},
        )
        existing.delete()


def _replayed(actor, client_key):
    return replayed(DisinfectionRecord, actor, client_key)
