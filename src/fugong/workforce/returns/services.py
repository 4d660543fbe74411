"""Pre-reports and checkpoint arrivals: the writes (their reads are in ``selectors``).

Two things are asked of the return journey:

* 提前告知 / 有序对接 — the firm reports its expected returners to
  its town at least the policy's lead time ahead (``pre_report_lead_days``). A report made
  later than that is **accepted and flagged late**, not refused: the notice's purpose is that the town
  knows who is coming so it can follow them up (定向跟进); refusing a late report would leave the town
  knowing less, while the flag keeps the firm accountable (缓报、瞒报、漏报 are called to account). Dates already past are refused — someone who has arrived goes through the checkpoint.
* 交通卡口 / 有序对接 — an arrival
  recorded at a checkpoint is matched by resident ID number (blind index) to a person on a firm's
  roster and handed over to that firm's town; what cannot be matched, or a person barred from
  returning, is listed for the town to follow up.

Every write is one transaction, takes row locks on what it changes, writes the audit entry inside it,
and is safe to repeat: a pre-report for the same person and date is a no-op, and a checkpoint phone that
resends its submission with the same ``client_key`` gets the row it created the first time.
"""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.audit.services import record
from fugong.core.dates import format_date
from fugong.enterprises.selectors import visible_towns
from fugong.policy.selectors import find_policy_for
from fugong.regions.models import Region, RegionLevel
from fugong.workforce.models import CheckpointArrival, Employee, EmployeeStatus, FollowUp, PreReport
from fugong.workforce.validation import normalize_phone, parse_id_number

# Statuses that mean the person is already back; a second checkpoint record does not move them.
BACK_STATUSES = {
    EmployeeStatus.ARRIVED,
    EmployeeStatus.ISOLATING,
    EmployeeStatus.BUFFER,
    EmployeeStatus.AT_WORK,
}
CLIENT_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A checkpoint phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=10)


def _change_status(actor, employee, new_status, reason, source):
    # The employee's status moves only through the core service (its transitions, history and audit).
    from fugong.workforce.services import change_status

    return change_status(actor, employee, new_status, reason, source=source)


def _as_date(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    parsed = parse_date(str(value or "").strip()) if value else None
    if parsed is None:
        raise ValidationError(
            {field: _("%(label)s：请按“年-月-日”填写日期，例如 2020-02-10") % {"label": label}}
        )
    return parsed


def _masked_picture(obj, fields) -> dict:
    """An audit picture that never holds a clear resident ID number."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.pk if hasattr(value, "pk") else value
    return out


# -- pre-reports ---------------------------------------------------------------------------------------


def lead_time_required(town, on_date: dt.date) -> int | None:
    """The policy's lead time (days) for the town on the date; None when no policy sets one."""
    policy = find_policy_for(town, on_date)
    return policy.parameters.pre_report_lead_days if policy is not None else None


def pre_report(actor, employees, expected_arrival) -> list[PreReport]:
    """The firm's officer reports ``employees`` as expected back on ``expected_arrival`` to the firm's town.

    All or nothing: if any person cannot be reported, nothing is saved and each problem is named.
    Reporting a person again for the same date returns the existing report unchanged.
    """
    require(actor, "workforce.prereport")
    firm = actor.enterprise
    if firm is None:
        raise PermissionDenied
    expected_arrival = _as_date(expected_arrival, "expected_arrival", _("预计抵达日期"))
    today = timezone.localdate()
    if expected_arrival < today:
        raise ValidationError(
            {
                "expected_arrival": _(
                    "预计抵达日期：%(date)s 已早于今天，提前报备只能报今天及以后抵达的人员；"
                    "已抵达的人员请在卡口登记。"
                )
                % {"date": format_date(expected_arrival)}
            }
        )
    ids = []
    for item in employees or ():
        pk = getattr(item, "pk", item)
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise ValidationError(
                {"employees": _("返岗人员：无效的员工编号 %(value)s") % {"value": pk}}
            ) from None
        if pk not in ids:
            ids.append(pk)
    if not ids:
        raise ValidationError({"employees": _("返岗人员：请至少选择一名员工")})

    required = lead_time_required(firm.town, today)
    lead_days = (expected_arrival - today).days
    on_time = required is None or lead_days >= required

    with transaction.atomic():
        locked = {e.pk: e for e in Employee.objects.select_for_update().filter(pk__in=ids, enterprise=firm)}
        missing = [pk for pk in ids if pk not in locked]
        if missing:
            # Another firm's people are indistinguishable from people who do not exist.
            raise ValidationError(
                {"employees": _("返岗人员：%(n)s 名员工不在本企业花名册中") % {"n": len(missing)}}
            )
        existing = {
            r.employee_id: r
            for r in PreReport.objects.filter(employee_id__in=ids, expected_arrival=expected_arrival)
        }
        errors, results, to_move = [], [], []
        for pk in ids:
            employee = locked[pk]
            if pk in existing:
                results.append(existing[pk])
                continue
            problem = _not_reportable(employee)
            if problem:
                errors.append(problem)
                continue
            report = PreReport(
                employee=employee,
                town=firm.town,
                expected_arrival=expected_arrival,
                reported_by=actor,
                lead_days=lead_days,
                on_time=on_time,
            )
            results.append(report)
            if employee.status != EmployeeStatus.EXPECTED:
                to_move.append(employee)
        if errors:
            raise ValidationError({"employees": errors})

        reason = _("提前报备：预计 %(date)s 抵达%(town)s") % {
            "date": format_date(expected_arrival),
            "town": firm.town.name,
        }
        for employee in to_move:
            try:
                _change_status(actor, employee, EmployeeStatus.EXPECTED, reason, "pre_report")
            except ValidationError as exc:
                errors.append(f"{employee.name}（{employee.id_number_masked}）：{'；'.join(exc.messages)}")
        if errors:
            raise ValidationError({"employees": errors})

        late_note = ""
        if not on_time:
            policy = find_policy_for(firm.town, today)
            late_note = _("%(cite)s：迟报，提前 %(lead)s 天报备，政策要求至少提前 %(required)s 天") % {
                "cite": policy.cite("pre_report_lead_days"),
                "lead": lead_days,
                "required": required,
            }
        for report in results:
            if report.pk is not None:
                continue
            report.save()
            record(
                actor,
                "workforce.pre_report",
                report,
                after=_masked_picture(
                    report, ["employee", "town", "expected_arrival", "lead_days", "on_time"]
                )
                | {"id_number_masked": report.employee.id_number_masked},
                note=late_note or reason,
            )
    return results


def _not_reportable(employee) -> str:
    """Why this person cannot be reported as returning, or ""."""
    who = f"{employee.name}（{employee.id_number_masked}）"
    if employee.status == EmployeeStatus.BARRED:
        because = employee.decision_reason or _("已被判定暂不得返岗")
        return _("%(who)s：暂缓返岗（%(because)s），不能报备返岗") % {
            "who": who,
            "because": because,
        }
    if employee.status == EmployeeStatus.LEFT:
        return _("%(who)s：已离职，不能报备返岗") % {"who": who}
    if employee.status in BACK_STATUSES:
        return _("%(who)s：当前状态为「%(status)s」，已返回，无需提前报备") % {
            "who": who,
            "status": employee.get_status_display(),
        }
    return ""


# -- checkpoint arrivals -------------------------------------------------------------------------------


def record_arrival(
    actor,
    town,
    *,
    checkpoint,
    arrived_at=None,
    name,
    id_number,
    phone="",
    came_from="",
    came_from_code="",
    vehicle="",
    stated_employer="",
    client_key=None,
) -> CheckpointArrival:
    """Record a person arriving at a checkpoint for ``town`` and hand them over to their firm's town.

    The person is found by ID number among every firm's roster (the checkpoint cannot know which firm
    they work for); a firm in the destination town is preferred, then one that pre-reported them. A
    match moves the employee to "arrived" and the arrival to the firm's town; no match leaves it
    pending for the destination town to follow up. Resending the same ``client_key`` returns the row
    the first submission created.
    """
    require(actor, "workforce.checkpoint")
    client_key = (client_key or "").strip() or None
    if client_key is not None:
        if not CLIENT_KEY.match(client_key):
            raise ValidationError({"client_key": _("提交编号：应为8至64位字母、数字、下划线或连字符")})
        replay = _replayed(actor, client_key)
        if replay is not None:
            return replay

    data, errors = _clean_arrival(
        actor,
        town,
        checkpoint=checkpoint,
        arrived_at=arrived_at,
        name=name,
        id_number=id_number,
        phone=phone,
        came_from=came_from,
        came_from_code=came_from_code,
        vehicle=vehicle,
        stated_employer=stated_employer,
    )
    if errors:
        raise ValidationError(errors)
    resident = data.pop("resident")
    try:
        with transaction.atomic():
            arrival = CheckpointArrival(
                **data,
                **resident.stored_fields(),
                recorded_by=actor,
                client_key=client_key,
                follow_up=FollowUp.PENDING,
            )
            destination = arrival.town
            employee = _best_match(resident.index, destination, timezone.localtime(arrival.arrived_at).date())
            if employee is not None:
                _attach(actor, arrival, employee, source="checkpoint")
            arrival.save()
            record(
                actor,
                "workforce.arrival.record",
                arrival,
                after=_arrival_picture(arrival) | {"destination_town": destination.pk},
                note=_arrival_note(arrival, destination),
            )
    except IntegrityError:
        # Two copies of one submission raced; the other one won and is the answer to both.
        if client_key is not None:
            replay = _replayed(actor, client_key)
            if replay is not None:
                return replay
        raise
    return arrival


def _replayed(actor, client_key) -> CheckpointArrival | None:
    existing = CheckpointArrival.objects.filter(client_key=client_key).first()
    if existing is None:
        return None
    if existing.recorded_by_id != actor.pk:
        raise ValidationError({"client_key": _("提交编号：该编号已被其他登记使用，请刷新页面后重新提交")})
    existing.replayed = True
    return existing


def _clean_arrival(
    actor,
    town,
    *,
    checkpoint,
    arrived_at,
    name,
    id_number,
    phone,
    came_from,
    came_from_code,
    vehicle,
    stated_employer,
):
    errors: dict[str, list[str]] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    data = {}
    town_obj = (
        town if isinstance(town, Region) else Region.objects.filter(pk=getattr(town, "pk", town)).first()
    )
    if town_obj is None or town_obj.level != RegionLevel.TOWN:
        fail("town", _("目的地镇街：请选择一个镇乡街道"))
    elif not visible_towns(actor).filter(pk=town_obj.pk).exists():
        fail("town", _("目的地镇街：不在您的管辖范围内"))
    data["town"] = town_obj

    checkpoint = str(checkpoint or "").strip()
    if not checkpoint:
        fail("checkpoint", _("卡口：请填写卡口名称"))
    elif len(checkpoint) > 100:
        fail("checkpoint", _("卡口：不能超过100个字"))
    data["checkpoint"] = checkpoint

    now = timezone.now()
    if arrived_at in (None, ""):
        arrived_at = now
    elif not isinstance(arrived_at, dt.datetime):
        parsed = parse_datetime(str(arrived_at).strip())
        if parsed is None:
            fail("arrived_at", _("抵达时间：请按“年-月-日 时:分”填写"))
        arrived_at = parsed
    if isinstance(arrived_at, dt.datetime):
        if timezone.is_naive(arrived_at):
            arrived_at = timezone.make_aware(arrived_at)
        if arrived_at > now + CLOCK_SKEW:
            fail("arrived_at", _("抵达时间：不能晚于当前时间"))
    data["arrived_at"] = arrived_at

    name = str(name or "").strip()
    if not name:
        fail("name", _("姓名：不能为空"))
    elif len(name) > 50:
        fail("name", _("姓名：不能超过50个字"))
    data["name"] = name

    try:
        data["resident"] = parse_id_number(id_number)
    except ValidationError as exc:
        fail("id_number", "；".join(exc.messages))

    phone = str(phone or "").strip()
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as exc:
            fail("phone", "；".join(exc.messages))
    data["phone"] = phone

    came_from_code = str(came_from_code or "").strip()
    if came_from_code and not re.fullmatch(r"\d{6}(\d{3})?(\d{3})?", came_from_code):
        fail("came_from_code", _("来源地区划代码：应为6位、9位或12位数字"))
    data["came_from_code"] = came_from_code
    for field, value, limit, label in (
        ("came_from", came_from, 100, _("来自")),
        ("vehicle", vehicle, 30, _("车牌/车次")),
        ("stated_employer", stated_employer, 200, _("自报单位")),
    ):
        value = str(value or "").strip()
        if len(value) > limit:
            fail(field, _("%(label)s：不能超过%(n)s个字") % {"label": label, "n": limit})
        data[field] = value
    return data, errors


def _best_match(index: str, town, on_date: dt.date) -> Employee | None:
    """The person this ID number belongs to: a firm in the destination town first, then a firm that
    pre-reported them (the nearer the expected date the better), then the most recently updated file."""
    candidates = list(
        Employee.objects.filter(id_number_index=index)
        .exclude(status=EmployeeStatus.LEFT)
        .select_related("enterprise__town")
    )
    if not candidates:
        return None
    reported: dict[int, int] = {}
    for employee_id, expected in PreReport.objects.filter(employee__in=candidates).values_list(
        "employee_id", "expected_arrival"
    ):
        gap = abs((expected - on_date).days)
        reported[employee_id] = min(gap, reported.get(employee_id, gap))

    def key(e):
        return (
            e.enterprise.town_id == getattr(town, "pk", None),
            e.pk in reported,
            -reported.get(e.pk, 0),
            e.updated_at,
        )

    return max(candidates, key=key)


def _attach(actor, arrival, employee, *, source) -> None:
    """Tie ``arrival`` to ``employee``: their firm and its town take the hand-over, and the person is
    moved to "arrived" — unless they may not return, which the town must follow up (劝返)."""
    employee = Employee.objects.select_for_update().select_related("enterprise__town").get(pk=employee.pk)
    arrival.employee = employee
    arrival.enterprise = employee.enterprise
    arrival.town = employee.enterprise.town
    arrival.follow_up = FollowUp.MATCHED
    notes = []
    if arrival.name and arrival.name != employee.name:
        notes.append(_("登记姓名与档案不一致（档案：%(name)s）") % {"name": employee.name})
    if employee.status == EmployeeStatus.BARRED:
        arrival.follow_up = FollowUp.PENDING
        notes.append(
            _("该员工暂缓返岗（%(because)s），请属地镇街劝返并跟进")
            % {"because": employee.decision_reason or employee.get_status_display()}
        )
    elif employee.status in BACK_STATUSES:
        notes.append(
            _("该员工此前已返回（%(status)s），本次为重复登记") % {"status": employee.get_status_display()}
        )
    else:
        reason = _("%(checkpoint)s卡口登记抵达") % {"checkpoint": arrival.checkpoint}
        try:
            _change_status(actor, employee, EmployeeStatus.ARRIVED, reason, source)
        except ValidationError as exc:
            arrival.follow_up = FollowUp.PENDING
            notes.append(_("未能将员工状态改为已抵达：%(why)s") % {"why": "；".join(exc.messages)})
    arrival.follow_up_note = "；".join(notes)[:300]


def _arrival_picture(arrival) -> dict:
    return _masked_picture(
        arrival,
        [
            "town",
            "checkpoint",
            "arrived_at",
            "name",
            "id_number_masked",
            "came_from",
            "came_from_code",
            "vehicle",
            "stated_employer",
            "employee",
            "enterprise",
            "follow_up",
            "follow_up_note",
        ],
    )


def _arrival_note(arrival, destination) -> str:
    if arrival.employee_id is None:
        return _("未匹配到员工档案，待%(town)s跟进") % {"town": destination.name}
    note = _("匹配：%(firm)s，移交%(town)s") % {"firm": arrival.enterprise.name, "town": arrival.town.name}
    return note + ("；" + arrival.follow_up_note if arrival.follow_up_note else "")


def _locked_visible_arrival(actor, arrival) -> CheckpointArrival:
    locked = (
        CheckpointArrival.objects.visible_to(actor)
        .select_for_update()
        .filter(pk=getattr(arrival, "pk", arrival))
        .first()
    )
    if locked is None:
        raise PermissionDenied
    return locked


def resolve_arrival(actor, arrival, note) -> CheckpointArrival:
    """The town records how it followed up a pending arrival (contacted, sent back, handed to another
    town …). Saying the same again is a no-op."""
    require(actor, "workforce.arrivals")
    note = str(note or "").strip()
    if not note:
        raise ValidationError({"note": _("处置说明：请填写跟进处置情况")})
    if len(note) > 300:
        raise ValidationError({"note": _("处置说明：不能超过300个字")})
    with transaction.atomic():
        locked = _locked_visible_arrival(actor, arrival)
        if locked.follow_up == FollowUp.RESOLVED and locked.follow_up_note == note:
            return locked
        if locked.follow_up != FollowUp.PENDING:
            raise ValidationError(
                {
                    "follow_up": _("跟进状态：该登记为「%(state)s」，只有待跟进的登记可以处置")
                    % {"state": locked.get_follow_up_display()}
                }
            )
        before = _arrival_picture(locked)
        locked.follow_up = FollowUp.RESOLVED
        locked.follow_up_note = note
        locked.save(update_fields=["follow_up", "follow_up_note"])
        record(
            actor,
            "workforce.arrival.resolve",
            locked,
            before=before,
            after=_arrival_picture(locked),
            note=note,
        )
    return locked


def match_arrival(actor, arrival, employee) -> CheckpointArrival:
    """The town ties a pending arrival to a person on a roster it can see (a mistyped number, a person
    the firm had not registered yet). Matching again to the same person is a no-op."""
    require(actor, "workforce.arrivals")
    with transaction.atomic():
        locked = _locked_visible_arrival(actor, arrival)
        target = Employee.objects.visible_to(actor).filter(pk=getattr(employee, "pk", employee)).first()
        if target is None:
            raise ValidationError({"employee": _("匹配员工：未找到该员工，或不在您的管辖范围内")})
        if locked.follow_up == FollowUp.MATCHED and locked.employee_id == target.pk:
            return locked
        if locked.follow_up != FollowUp.PENDING:
            raise ValidationError(
                {
                    "follow_up": _("跟进状态：该登记为「%(state)s」，只有待跟进的登记可以匹配")
                    % {"state": locked.get_follow_up_display()}
                }
            )
        if locked.employee_id is not None and locked.employee_id != target.pk:
            raise ValidationError({"employee": _("匹配员工：该登记已匹配到另一名员工，请先核实")})
        if target.status == EmployeeStatus.LEFT:
            raise ValidationError({"employee": _("匹配员工：%(name)s 已离职") % {"name": target.name}})
        before = _arrival_picture(locked)
        _attach(actor, locked, target, source="checkpoint")
        if target.id_number_index != locked.id_number_index:
            mismatch = _("卡口登记的身份证号（%(a)s）与档案（%(b)s）不一致，人工匹配") % {
                "a": locked.id_number_masked,
                "b": target.id_number_masked,
            }
            locked.follow_up_note = "；".join(filter(None, [mismatch, locked.follow_up_note]))[:300]
        locked.save()
        record(
            actor,
            "workforce.arrival.match",
            locked,
            before=before,
            after=_arrival_picture(locked),
            note=_("人工匹配：%(who)s（%(firm)s）") % {"who": target.name, "firm": target.enterprise.name},
        )
    return locked
