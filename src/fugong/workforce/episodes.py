"""Isolation and the buffer zone: starting and releasing an episode (SPEC §5).

An isolation episode ends on its planned day; only the health bureau may release it earlier (the
health bureau decides on release), and that release also brings the person's release date forward. A
buffer episode ends only with a negative nucleic result (the policy's
``buffer_zone_requires_negative_nucleic``).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import Role
from fugong.audit.services import record
from fugong.core.dates import format_date, format_datetime
from fugong.enterprises.models import IsolationRoom
from fugong.workforce import rules
from fugong.workforce.cleaning import parse_day
from fugong.workforce.guards import _check, _lock, is_health_officer
from fugong.workforce.models import EmployeeStatus, EpisodeKind, IsolationEpisode
from fugong.workforce.status import EPISODE_STATUS, _create_episode, _open_episode, _transition, work_blockers

S = EmployeeStatus


def start_episode(
    actor, employee, kind, started_on, place=None, reason: str = "", *, place_note: str = ""
) -> IsolationEpisode:
    """Open an isolation (planned end = start + the policy's isolation days) or a buffer episode (no
    planned end: it ends with a negative test) and move the person into it."""
    _check(actor, "workforce.isolation", employee=employee)
    if kind not in EpisodeKind.values:
        raise ValidationError(
            {
                "kind": [
                    _("「类型」无效，可选：%(opts)s")
                    % {"opts": "、".join(str(x) for x in EpisodeKind.labels)}
                ]
            }
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("「原因」不能为空")]})
    day = parse_day(started_on, "return_date") if started_on not in (None, "") else timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"started_on": [_("「开始日期」不能晚于今天")]})
    with transaction.atomic():
        locked = _lock(employee)
        if place not in (None, ""):
            place = IsolationRoom.objects.filter(
                pk=getattr(place, "pk", place), enterprise=locked.enterprise
            ).first()
            if place is None:
                raise ValidationError({"place": [_("「隔离地点」须为本企业登记的隔离室或固定观察点")]})
        else:
            place = None
        open_one = _open_episode(locked)
        if open_one is not None:
            raise ValidationError(
                {
                    "kind": [
                        _("该员工已在「%(kind)s」（%(d)s起），请先解除")
                        % {"kind": open_one.get_kind_display(), "d": format_date(open_one.started_on)}
                    ]
                }
            )
        if locked.status in (S.LEFT, S.EXPECTED, S.BARRED):
            raise ValidationError(
                {
                    "status": [
                        _("员工当前为「%(s)s」，不能开始隔离或缓冲") % {"s": locked.get_status_display()}
                    ]
                }
            )
        episode = _create_episode(actor, locked, kind, day, place, reason, place_note)
        target = EPISODE_STATUS[kind]
        if locked.status != target:
            _transition(actor, locked, target, reason, "episode")
    return episode


def release_episode(actor, episode, note: str = "", *, nucleic_negative_at=None) -> IsolationEpisode:
    """End an episode. A buffer needs a negative nucleic result; an isolation ends on its
    planned day, earlier only by the health bureau. Then the person goes to work if nothing else stops
    them, otherwise back to "arrived"."""
    _check(actor, "workforce.isolation", employee=episode.employee)
    if actor is not None and actor.role == Role.DEPARTMENT and not is_health_officer(actor):
        raise PermissionDenied(_("只有卫生健康部门可以解除隔离。"))
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationError({"note": [_("「解除说明」不能超过200字")]})
    today = timezone.localdate()
    with transaction.atomic():
        locked = _lock(episode.employee_id)
        current = IsolationEpisode.objects.select_for_update().get(pk=episode.pk)
        if current.released_at is not None:
            # A retried release changes nothing.
            return current
        details = {}
        if current.kind == EpisodeKind.BUFFER:
            if nucleic_negative_at in (None, ""):
                raise ValidationError(
                    {"nucleic_negative_at": [_("「核酸阴性时间」不能为空：缓冲区人员须核酸检测阴性方可返岗")]}
                )
            moment = nucleic_negative_at
            if isinstance(moment, str):
                from django.utils.dateparse import parse_datetime

                parsed = parse_datetime(moment.strip())
                if parsed is None:
                    day = parse_day(moment, "return_date")
                    parsed = dt.datetime.combine(day, dt.time.min)
                moment = parsed
            elif isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
                moment = dt.datetime.combine(moment, dt.time.min)
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            if timezone.localdate(moment) < current.started_on:
                raise ValidationError(
                    {"nucleic_negative_at": [_("「核酸阴性时间」不能早于进入缓冲区的日期")]}
                )
            if moment > timezone.now() + dt.timedelta(minutes=10):
                raise ValidationError({"nucleic_negative_at": [_("「核酸阴性时间」不能晚于现在")]})
            details["nucleic_negative_at"] = moment
            text = _("核酸检测阴性（%(at)s）") % {"at": format_datetime(moment)}
        else:
            early = current.planned_end is not None and today < current.planned_end
            if early and not (actor is not None and is_health_officer(actor)):
                raise ValidationError(
                    {
                        "planned_end": [
                            _("隔离观察未满，计划于%(date)s解除；提前解除须由卫生健康部门决定")
                            % {"date": rules.cn_date(current.planned_end)}
                        ]
                    }
                )
            text = _("卫生健康部门决定提前解除隔离") if early else _("隔离观察期满解除")
        current.released_at = timezone.now()
        current.released_by = actor if getattr(actor, "pk", None) else None
        current.release_note = "；".join(x for x in (text, note) if x)[:300]
        current.save(update_fields=["released_at", "released_by", "release_note"])
        record(
            actor,
            "workforce.episode.release",
            current,
            before={"released_at": None},
            after={"released_at": current.released_at, "release_note": current.release_note, **details},
            note=current.release_note,
        )
        if current.kind == EpisodeKind.ISOLATION and locked.release_date and locked.release_date > today:
            # The health bureau's early release brings the release date forward, or work stays blocked.
            before = locked.release_date
            locked.release_date = today
            locked.save(update_fields=["release_date", "updated_at"])
            record(
                actor,
                "workforce.release_date",
                locked,
                before={"release_date": before},
                after={"release_date": today},
                note=current.release_note,
            )
        if locked.status == EPISODE_STATUS[current.kind] and _open_episode(locked) is None:
            if work_blockers(locked, today):
                _transition(actor, locked, S.ARRIVED, current.release_note, "episode")
            else:
                _transition(actor, locked, S.AT_WORK, current.release_note, "episode")
    return current
