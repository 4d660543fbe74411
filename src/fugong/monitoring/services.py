"""Writing check-ins and alerts (SPEC §6). ``actor=None`` is the system acting on its own authority.

- ``record_checkin`` is idempotent: the same ``client_key``, or the same (employee, day, round) with the
  same values, answers the row already stored with ``created=False``; different values for a round
  already done are refused ("第N轮已打卡").
- An abnormal reading (at or above the policy's fever threshold, or any symptom) raises an alert in the
  same transaction: the alert row, the person moved into in-plant isolation where their status allows
  it, an audit entry, and — on commit — in-app notices to the firm's officers and its town's officers.
- ``raise_alert`` is public: the gate and test workflows call it too.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fugong.accounts.models import User
from fugong.accounts.roles import Role, can
from fugong.audit.services import record
from fugong.core import crypto
from fugong.enterprises.models import Enterprise
from fugong.monitoring import schedule
from fugong.monitoring.models import (
    TEMP_MAX,
    TEMP_MIN,
    Alert,
    AlertKind,
    AlertStatus,
    CheckinSource,
    HealthCheckin,
    Symptom,
)
from fugong.policy.selectors import PolicyResolver
from fugong.resumption.notifications import notify
from fugong.workforce.models import Employee, EmployeeStatus, HealthCode

MAX_BATCH = 5000


# -- parsing ---------------------------------------------------------------------------------------------
def parse_temperature(value) -> Decimal:
    try:
        temp = Decimal(str(value).strip().replace("℃", "")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"temperature": [_("「体温」须为数字，如36.5")]}) from None
    if not (TEMP_MIN <= temp <= TEMP_MAX):
        raise ValidationError({"temperature": [_("「体温」须在34.0至43.0℃之间")]})
    return temp


def parse_symptoms(value) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",") if v.strip()]
    out = []
    for item in value:
        key = str(item).strip()
        if key not in Symptom.values:
            raise ValidationError(
                {
                    "symptoms": [
                        _("「症状」无效：%(v)s，可选：%(opts)s")
                        % {"v": key, "opts": "、".join(Symptom.values)}
                    ]
                }
            )
        if key not in out:
            out.append(key)
    return sorted(out)


def parse_health_code(value) -> str:
    value = (value or "").strip()
    if value not in HealthCode.values:
        raise ValidationError({"health_code": [_("「健康码」无效，可选：green、yellow、red")]})
    return value


def parse_measured_at(value) -> dt.datetime:
    if value in (None, ""):
        return timezone.now()
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = parse_datetime(str(value).strip())
        if moment is None:
            raise ValidationError({"measured_at": [_("「测量时间」格式无效，如2020-02-20T08:30:00+08:00")]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"measured_at": [_("「测量时间」不能晚于现在")]})
    return moment


def parse_round(value, rounds: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"round": [_("「轮次」须为整数")]}) from None
    if not 1 <= number <= rounds:
        raise ValidationError({"round": [_("「轮次」须在1至%(n)s之间") % {"n": rounds}]})
    return number


def _same(row: HealthCheckin, temperature, symptoms, health_code) -> bool:
    return (
        Decimal(row.temperature) == temperature
        and sorted(row.symptoms or []) == list(symptoms)
        and (row.health_code or "") == health_code
    )


def _round_taken(number) -> ValidationError:
    return ValidationError({"round": [_("第%(n)s轮已打卡") % {"n": number}]})


# -- who may record ----------------------------------------------------------------------------------------
def _check_recorder(actor, employee) -> None:
    if actor is None:
        return
    if can(actor, "monitoring.checkin.self") and employee.user_id == actor.pk:
        return
    if (
        can(actor, "monitoring.checkin.record")
        and Employee.objects.visible_to(actor).filter(pk=employee.pk).exists()
    ):
        return
    raise PermissionDenied(_("您没有执行该操作的权限。"))


def _check_firm(actor, enterprise) -> None:
    if actor is None:
        return
    if not (can(actor, "monitoring.checkin.record") or can(actor, "monitoring.device")):
        raise PermissionDenied(_("您没有执行该操作的权限。"))
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


def _abnormal(policy, temperature, symptoms) -> str | None:
    """The alert kind a reading raises, or None."""
    if policy is not None and policy.is_fever(temperature):
        return AlertKind.FEVER
    if symptoms:
        return AlertKind.SYMPTOM
    return None


def _alert_value(temperature, symptoms) -> str:
    text = f"{temperature}℃"
    if symptoms:
        text += " " + "、".join(str(Symptom(s).label) for s in symptoms)
    return text


# -- single check-in ---------------------------------------------------------------------------------------
def record_checkin(
    actor,
    employee,
    *,
    temperature,
    symptoms=(),
    health_code="",
    round=None,  # noqa: A002 - the domain's word
    measured_at=None,
    source,
    client_key=None,
) -> tuple[HealthCheckin, bool]:
    """Store one reading; answers (row, created). A retry answers the first row with created=False."""
    _check_recorder(actor, employee)
    if source not in CheckinSource.values:
        raise ValidationError({"source": [_("「来源」无效")]})
    errors: dict[str, list[str]] = {}
    values = {}
    for name, parser, raw in (
        ("temperature", parse_temperature, temperature),
        ("symptoms", parse_symptoms, symptoms),
        ("health_code", parse_health_code, health_code),
        ("measured_at", parse_measured_at, measured_at),
    ):
        try:
            values[name] = parser(raw)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    client_key = (client_key or "").strip()[:64] or None
    temp, syms, code, moment = (
        values["temperature"],
        values["symptoms"],
        values["health_code"],
        values["measured_at"],
    )
    if client_key:
        existing = HealthCheckin.objects.filter(client_key=client_key).first()
        if existing is not None:
            if existing.employee_id == employee.pk and _same(existing, temp, syms, code):
                return existing, False
            raise ValidationError({"client_key": [_("该提交编号已用于另一条打卡记录")]})
    day = timezone.localdate(moment)
    policy = PolicyResolver().find(employee.enterprise.town, day)
    rounds = schedule.checks_per_day(policy)
    number = parse_round(round, rounds)
    taken = dict(HealthCheckin.objects.filter(employee=employee, day=day).values_list("round", "pk"))
    if number is None:
        free = [n for n in range(1, rounds + 1) if n not in taken]
        if not free:
            raise ValidationError({"round": [_("今日%(n)s轮已全部打卡") % {"n": rounds}]})
        number = free[0]
    elif number in taken:
        existing = HealthCheckin.objects.get(pk=taken[number])
        if _same(existing, temp, syms, code):
            return existing, False
        raise _round_taken(number)
    kind = _abnormal(policy, temp, syms)
    try:
        with transaction.atomic():
            checkin = HealthCheckin.objects.create(
                employee=employee,
                enterprise_id=employee.enterprise_id,
                day=day,
                round=number,
                measured_at=moment,
                temperature=temp,
                symptoms=syms,
                health_code=code,
                source=source,
                recorded_by=actor if getattr(actor, "pk", None) else None,
                client_key=client_key,
                policy_version_id=policy.version_id if policy else None,
                abnormal=kind is not None,
            )
            if kind is not None:
                raise_alert(actor, employee, kind, _alert_value(temp, syms), checkin=checkin)
    except IntegrityError:
        # A concurrent retry won the race: answer its row.
        existing = HealthCheckin.objects.filter(employee=employee, day=day, round=number).first()
        if existing is None and client_key:
            existing = HealthCheckin.objects.filter(client_key=client_key).first()
        if existing is not None and _same(existing, temp, syms, code):
            return existing, False
        raise _round_taken(number) from None
    return checkin, True


# -- alerts ------------------------------------------------------------------------------------------------
def alert_recipient_ids(enterprise) -> list[int]:
    """The firm's enterprise officers and the officers of the firm's town."""
    users = User.objects.filter(is_active=True)
    firm = users.filter(role=Role.ENTERPRISE, enterprise=enterprise)
    town = users.filter(role=Role.TOWN, region_id=enterprise.town_id)
    return list(firm.values_list("pk", flat=True)) + list(town.values_list("pk", flat=True))


ISOLATE_FROM = {
    EmployeeStatus.AT_WORK,
    EmployeeStatus.ARRIVED,
    EmployeeStatus.REGISTERED,
    EmployeeStatus.ON_LEAVE,
    EmployeeStatus.BUFFER,
}


def _isolate(actor, employee, reason) -> str:
    """Move the person into in-plant isolation where their status allows; say what happened."""
    from fugong.workforce.services import change_status

    employee.refresh_from_db(fields=["status"])
    if employee.status == EmployeeStatus.ISOLATING:
        return _("已在隔离观察中")
    if employee.status not in ISOLATE_FROM:
        return _("当前状态为「%(s)s」，未自动隔离") % {"s": employee.get_status_display()}
    try:
        with transaction.atomic():
            change_status(actor, employee, EmployeeStatus.ISOLATING, reason, source="monitoring")
    except (ValidationError, PermissionDenied) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        return (_("未能自动隔离：%(why)s") % {"why": "；".join(messages)})[:300]
    return _("已转入厂内隔离观察")


def raise_alert(actor, employee, kind, value, *, checkin=None, test=None) -> Alert:
    """Open an alert for ``employee`` at once: the alert row, in-plant isolation where the person's
    status allows (the alert stands either way), an audit entry and, on commit, notices to the firm's
    enterprise officers and its town's officers. ``kind`` is an AlertKind value (fever, symptom,
    positive_test, gate_fever); ``value`` a short text ("37.5℃", "核酸阳性")."""
    if kind not in AlertKind.values:
        raise ValidationError({"kind": [_("「预警类型」无效")]})
    enterprise = employee.enterprise
    value = str(value or "")[:200]
    with transaction.atomic():
        alert = Alert.objects.create(
            employee=employee,
            enterprise=enterprise,
            town_id=enterprise.town_id,
            kind=kind,
            checkin=checkin,
            test=test,
            value=value,
            raised_by=actor if getattr(actor, "pk", None) else None,
        )
        reason = _("健康预警：%(kind)s %(value)s") % {"kind": alert.get_kind_display(), "value": value}
        alert.isolation_note = _isolate(actor, employee, reason)
        alert.save(update_fields=["isolation_note"])
        record(
            actor,
            "monitoring.alert",
            alert,
            after={"employee": employee.pk, "kind": kind, "value": value, "isolation": alert.isolation_note},
        )
        notify(
            None,
            alert_recipient_ids(enterprise),
            "monitoring.alert",
            _("【健康预警】%(firm)s %(name)s：%(kind)s %(value)s。%(iso)s")
            % {
                "firm": enterprise.name,
                "name": employee.name,
                "kind": alert.get_kind_display(),
                "value": value,
                "iso": alert.isolation_note,
            },
        )
    return alert


def _check_alert(actor, alert) -> Alert:
    if actor is not None:
        if not can(actor, "monitoring.alerts"):
            raise PermissionDenied(_("您没有执行该操作的权限。"))
        if not Alert.objects.visible_to(actor).filter(pk=alert.pk).exists():
            raise PermissionDenied(_("该预警不在您的管辖范围内。"))
    return Alert.objects.select_for_update().get(pk=alert.pk)


def acknowledge_alert(actor, alert, note: str = "") -> Alert:
    with transaction.atomic():
        locked = _check_alert(actor, alert)
        if locked.status != AlertStatus.OPEN:
            raise ValidationError({"status": [_("该预警已响应或已关闭")]})
        locked.status = AlertStatus.ACKNOWLEDGED
        locked.acknowledged_by = actor if getattr(actor, "pk", None) else None
        locked.acknowledged_at = timezone.now()
        if note:
            locked.note = note.strip()[:500]
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note"])
        record(
            actor, "monitoring.alert.acknowledge", locked, after={"status": locked.status}, note=note or ""
        )
    return locked


def close_alert(actor, alert, note: str = "") -> Alert:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("「处置说明」不能为空")]})
    with transaction.atomic():
        locked = _check_alert(actor, alert)
        if locked.status == AlertStatus.CLOSED:
            raise ValidationError({"status": [_("该预警已关闭")]})
        if locked.acknowledged_at is None:
            locked.acknowledged_by = actor if getattr(actor, "pk", None) else None
            locked.acknowledged_at = timezone.now()
        locked.status = AlertStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.note = note[:500]
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "closed_at", "note"])
        record(actor, "monitoring.alert.close", locked, after={"status": locked.status}, note=note)
    return locked


# -- bulk: the firm's shift sheet and devices ---------------------------------------------------------------
@dataclass
class RowResult:
    index: int
    status: str  # stored / duplicate / error
    message: str = ""
    id: int | None = None
    employee: int | None = None
    round: int | None = None
    abnormal: bool = False
    fields: dict = field(default_factory=dict)


@dataclass
class BulkResult:
    rows: list[RowResult]

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def stored(self) -> int:
        return self.count("stored")

    @property
    def duplicates(self) -> int:
        return self.count("duplicate")

    @property
    def errors(self) -> int:
        return self.count("error")


def _message(exc: ValidationError) -> tuple[str, dict]:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return "；".join(m for ms in fields.values() for m in ms), fields


def record_bulk(actor, enterprise, rows, *, source: str = CheckinSource.BULK, device=None) -> BulkResult:
    """Validate every row, store all good ones in one transaction and answer per row. Rows: dicts with
    ``employee`` (id) or ``id_number``, ``temperature``, optional ``symptoms``, ``round``, ``measured_at``,
    ``health_code``, ``client_key``. A repeat of the batch stores nothing new. A ``device`` (with
    ``actor=None``) may post only for its own firm."""
    if device is not None:
        if device.enterprise_id != enterprise.pk or not device.is_active:
            raise PermissionDenied(_("该设备不属于该企业或已停用。"))
    else:
        _check_firm(actor, enterprise)
    rows = list(rows)
    if len(rows) > MAX_BATCH:
        raise ValidationError({"records": [_("一次最多提交%(n)s条记录") % {"n": MAX_BATCH}]})
    if source not in CheckinSource.values:
        raise ValidationError({"source": [_("「来源」无效")]})
    people = {
        e.pk: e for e in Employee.objects.filter(enterprise=enterprise).select_related("enterprise__town")
    }
    by_index = {e.id_number_index: e for e in people.values()}
    resolver = PolicyResolver()
    results: list[RowResult] = []
    parsed = []  # (result, employee, day, round, temp, symptoms, code, moment, key, policy)
    for index, raw in enumerate(rows):
        result = RowResult(index=index, status="error")
        results.append(result)
        try:
            if not isinstance(raw, dict):
                raise ValidationError({"non_field_errors": [_("每条记录须为对象")]})
            person = None
            if raw.get("employee") not in (None, ""):
                try:
                    person = people.get(int(raw["employee"]))
                except (TypeError, ValueError):
                    person = None
            elif raw.get("id_number"):
                person = by_index.get(crypto.blind_index(str(raw["id_number"])))
            else:
                raise ValidationError({"employee": [_("须提供「员工」编号或「身份证号」")]})
            if person is None:
                raise ValidationError({"employee": [_("本企业没有该员工")]})
            result.employee = person.pk
            errors, values = {}, {}
            for name, parser in (
                ("temperature", parse_temperature),
                ("symptoms", parse_symptoms),
                ("health_code", parse_health_code),
                ("measured_at", parse_measured_at),
            ):
                try:
                    values[name] = parser(raw.get(name))
                except ValidationError as exc:
                    errors.update(exc.message_dict)
            if errors:
                raise ValidationError(errors)
            moment = values["measured_at"]
            day = timezone.localdate(moment)
            policy = resolver.find(enterprise.town, day)
            rounds = schedule.checks_per_day(policy)
            number = parse_round(raw.get("round"), rounds)
            if number is None:
                number = schedule.round_for_time(rounds, timezone.localtime(moment).time())
            result.round = number
            key = (str(raw.get("client_key") or "").strip()[:64]) or None
            parsed.append((result, person, day, number, values, key, policy))
        except ValidationError as exc:
            result.message, result.fields = _message(exc)
    # What is stored already, by natural key and by client key.
    existing = {}
    if parsed:
        days = {p[2] for p in parsed}
        for row in HealthCheckin.objects.filter(
            enterprise=enterprise, day__in=days, employee_id__in={p[1].pk for p in parsed}
        ):
            existing[(row.employee_id, row.day, row.round)] = row
    keys = [p[5] for p in parsed if p[5]]
    by_key = {r.client_key: r for r in HealthCheckin.objects.filter(client_key__in=keys)} if keys else {}
    pending: dict[tuple, tuple] = {}
    pending_keys: set[str] = set()
    to_create: list[tuple[RowResult, HealthCheckin, str | None]] = []
    for result, person, day, number, values, key, policy in parsed:
        temp, syms, code = values["temperature"], values["symptoms"], values["health_code"]
        natural = (person.pk, day, number)
        if key and key in by_key:
            row = by_key[key]
            if row.employee_id == person.pk and _same(row, temp, syms, code):
                result.status, result.id, result.message = "duplicate", row.pk, _("已存在，未重复保存")
            else:
                result.message = _("该提交编号已用于另一条打卡记录")
                result.fields = {"client_key": [result.message]}
            continue
        if natural in existing:
            row = existing[natural]
            if _same(row, temp, syms, code):
                result.status, result.id, result.message = "duplicate", row.pk, _("已存在，未重复保存")
            else:
                result.message = str(_round_taken(number).messages[0])
                result.fields = {"round": [result.message]}
            continue
        if natural in pending or (key and key in pending_keys):
            first = pending.get(natural)
            if first is not None and (first[0], first[1], first[2]) == (temp, syms, code):
                result.status, result.message = "duplicate", _("与本批第%(i)s条重复") % {"i": first[3] + 1}
            else:
                result.message = _("与本批第%(i)s条冲突") % {"i": (first[3] + 1) if first else "?"}
                result.fields = {"round": [result.message]}
            continue
        pending[natural] = (temp, syms, code, result.index)
        if key:
            pending_keys.add(key)
        kind = _abnormal(policy, temp, syms)
        checkin = HealthCheckin(
            employee=person,
            enterprise=enterprise,
            day=day,
            round=number,
            measured_at=values["measured_at"],
            temperature=temp,
            symptoms=syms,
            health_code=code,
            source=source,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            device=device,
            client_key=key,
            policy_version_id=policy.version_id if policy else None,
            abnormal=kind is not None,
        )
        to_create.append((result, checkin, kind))
    if to_create:
        try:
            with transaction.atomic():
                created = HealthCheckin.objects.bulk_create([c for _r, c, _k in to_create], batch_size=1000)
                for (result, _c, kind), row in zip(to_create, created, strict=True):
                    result.status, result.id, result.abnormal = "stored", row.pk, kind is not None
                    result.message = _("已保存")
                    if kind is not None:
                        raise_alert(
                            actor,
                            row.employee,
                            kind,
                            _alert_value(row.temperature, row.symptoms),
                            checkin=row,
                        )
                        result.message = _("已保存，体温或症状异常，已发出预警")
                record(
                    actor,
                    "monitoring.bulk",
                    enterprise,
                    after={"source": source, "stored": len(created), "rows": len(rows)},
                )
        except IntegrityError:
            for result, _c, _k in to_create:
                result.status, result.id, result.abnormal = "error", None, False
                result.message = _("与同时提交的记录冲突，请重试")
    return BulkResult(results)
