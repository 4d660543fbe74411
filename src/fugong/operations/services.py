"""The gate: each check decides at once whether a person or vehicle may enter, and a refusal is kept with
its reason like any entry.

The rules that rest on the policy in force for the firm's town on the day come from it alone, and every
refusal they give starts with the citation of the value it applied (``policy.cite``):

* fever — only when the policy sets ``fever_threshold_c`` (at or above it is refused; no threshold, no
  fever refusal);
* health code — refused when ``health_code_outcomes`` gives the colour "barred", "isolate" or "buffer";
  a colour the policy does not name, or names "none", is let through.

Every gate decision records the policy version it was taken under (``policy_version``). The person's
status (isolating, in the buffer zone, barred, gone) keeps them out whatever the policy: it is the
outcome of decisions already taken and cited elsewhere. A vehicle not disinfected is refused: the firm's
own gate rule, not a policy value.

Every function checks the actor's capability and scope, validates everything before writing (a bad field
is named with its rule in Chinese, and nothing is saved), writes in one transaction with an audit entry,
and is idempotent on ``client_key``: a resend returns the first row with ``replayed = True``.
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.audit.services import record
from fugong.core.submissions import parse_client_key as _client_key
from fugong.core.submissions import replayed as _replayed
from fugong.core.submissions import text_field as _text
from fugong.enterprises.models import Enterprise, GatePoint
from fugong.operations.models import EmployeeEntry, VehicleEntry, Visitor
from fugong.policy.parameters import OUTCOME_CHOICES
from fugong.workforce.models import Employee, EmployeeStatus, HealthCode
from fugong.workforce.validation import normalize_phone, parse_id_number

# Loosely: a province character, the issuing letter, then 4–6 letters or digits with an optional
# trailing 挂/学/警/港/澳/领 (blue, yellow and green new-energy plates alike).
PLATE = re.compile(r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{4,6}[挂学警港澳领]?$")
# What a health-code outcome of the policy means at the gate: any of these keeps the person out.
REFUSING_OUTCOMES = {"barred", "isolate", "buffer"}
# The statuses that keep a person out of the plant (isolation, buffer zone, barred, gone).
BLOCKING_STATUSES = {
    EmployeeStatus.ISOLATING,
    EmployeeStatus.BUFFER,
    EmployeeStatus.BARRED,
    EmployeeStatus.LEFT,
}


# -- checks ---------------------------------------------------------------------------------------------


def _enterprise_in_scope(actor, enterprise) -> Enterprise:
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied
    return enterprise


def _gate(gate, enterprise, errors) -> GatePoint | None:
    if gate in (None, ""):
        return None
    if not isinstance(gate, GatePoint):
        gate = GatePoint.objects.filter(pk=gate).first() if str(gate).isdigit() else None
    if gate is None or gate.enterprise_id != enterprise.pk:
        errors["gate"] = _("门岗：不是本企业的门岗")
        return None
    return gate


def parse_temperature(value, errors) -> Decimal | None:
    raw = str(value if value is not None else "").strip().replace("℃", "").replace("，", ".")
    if not raw:
        errors["temperature"] = _("体温：必须填写")
        return None
    try:
        temperature = Decimal(raw).quantize(Decimal("0.1"))
    except InvalidOperation:
        errors["temperature"] = _("体温：应为数字，如 36.5")
        return None
    if not Decimal("34") <= temperature <= Decimal("43"):
        errors["temperature"] = _("体温：应在34.0至43.0℃之间，请复测")
        return None
    return temperature


def _health_code(value, errors, *, required=False) -> str:
    code = str(value or "").strip().lower()
    if code not in HealthCode.values:
        errors["health_code"] = _("健康码：应为绿码、黄码或红码")
        return ""
    if required and not code:
        errors["health_code"] = _("健康码：必须选择颜色")
    return code


def normalize_plate(value) -> str:
    return re.sub(r"[\s·•.\-]", "", str(value or "")).upper()


def gate_policy(enterprise, on_date=None):
    """The ResolvedPolicy in force for the firm's town on the day (today by default); None without one."""
    from fugong.policy.selectors import find_policy_for

    return find_policy_for(enterprise.town, on_date or timezone.localdate())


def fever_threshold(policy) -> Decimal | None:
    """The policy's fever threshold; None when there is no policy or it sets none (no fever rule)."""
    threshold = policy.parameters.fever_threshold_c if policy is not None else None
    return Decimal(str(threshold)) if threshold is not None else None


def _fever_reason(policy, temperature, threshold) -> str:
    return _("%(cite)s：体温%(t)s℃，达到发热标准（≥%(th)s℃），不得进入") % {
        "cite": policy.cite("fever_threshold_c"),
        "t": temperature,
        "th": threshold,
    }


def _code_reason(policy, code) -> str | None:
    """The refusal for a health code, or None when the policy lets that colour in (or says nothing)."""
    if policy is None or not code:
        return None
    outcome = policy.parameters.outcome("health_code_outcomes", code)
    if outcome not in REFUSING_OUTCOMES:
        return None
    return _("%(cite)s：健康码为%(code)s（%(outcome)s），不得进入") % {
        "cite": policy.cite("health_code_outcomes"),
        "code": HealthCode(code).label,
        "outcome": dict(OUTCOME_CHOICES)[outcome],
    }


def _health_reasons(policy, temperature, code) -> tuple[list[str], bool]:
    """(refusal reasons, fever?) for a temperature and a health code under ``policy``."""
    reasons = []
    threshold = fever_threshold(policy)
    fever = threshold is not None and temperature >= threshold
    if fever:
        reasons.append(_fever_reason(policy, temperature, threshold))
    code_reason = _code_reason(policy, code)
    if code_reason:
        reasons.append(code_reason)
    return reasons, fever


def _refusal(reasons) -> str:
    """The reasons as stored: joined, and cut to the column's length."""
    limit = EmployeeEntry._meta.get_field("refusal_reason").max_length
    return "；".join(reasons)[:limit]


def _save(model, actor, client_key, build):
    """Run ``build`` (which creates and audits the row) in one transaction; a raced duplicate of the
    same submission answers with the row that won."""
    try:
        with transaction.atomic():
            return build()
    except IntegrityError:
        replay = _replayed(model, actor, client_key)
        if replay is not None:
            return replay
        raise


# -- employees ------------------------------------------------------------------------------------------


def record_employee_entry(
    actor, employee, *, temperature, health_code, gate=None, client_key=None
) -> EmployeeEntry:
    """An employee at the gate: temperature and code checked, entry allowed or refused with the reason.
    A fever also raises a monitoring alert (isolate, tell the firm and the town)."""
    require(actor, "gate.record")
    if not Employee.objects.visible_to(actor).filter(pk=employee.pk).exists():
        raise PermissionDenied
    client_key = _client_key(client_key)
    replay = _replayed(EmployeeEntry, actor, client_key)
    if replay is not None:
        return replay
    errors: dict[str, str] = {}
    enterprise = employee.enterprise
    temperature = parse_temperature(temperature, errors)
    code = _health_code(health_code, errors)
    gate = _gate(gate, enterprise, errors)
    if errors:
        raise ValidationError(errors)

    policy = gate_policy(enterprise)
    reasons, fever = _health_reasons(policy, temperature, code)
    if employee.status in BLOCKING_STATUSES:
        reasons.append(
            _("员工状态为“%(status)s”，不得进厂") % {"status": EmployeeStatus(employee.status).label}
        )
    # 停工停产: a person whose workshop, zone, dorm building or shuttle route is sealed stays out.
    from fugong.incidents.seals.services import seal_reason_for

    sealed = seal_reason_for(employee)
    if sealed:
        reasons.append(sealed)

    def build():
        entry = EmployeeEntry.objects.create(
            enterprise=enterprise,
            gate=gate,
            employee=employee,
            temperature=temperature,
            health_code=code,
            allowed=not reasons,
            refusal_reason=_refusal(reasons),
            recorded_by=actor,
            client_key=client_key,
            policy_version_id=policy.version_id if policy is not None else None,
        )
        record(
            actor,
            "operations.entry.refuse" if reasons else "operations.entry.allow",
            entry,
            after={
                "employee": employee.pk,
                "temperature": str(temperature),
                "health_code": code,
                "allowed": entry.allowed,
                "refusal_reason": entry.refusal_reason,
            },
            note=entry.refusal_reason,
        )
        if fever:
            from fugong.monitoring.services import raise_alert

            raise_alert(actor, employee, "gate_fever", f"{temperature}℃", policy=policy)
        return entry

    return _save(EmployeeEntry, actor, client_key, build)


# -- visitors -------------------------------------------------------------------------------------------


def record_visitor(
    actor,
    enterprise,
    *,
    name,
    id_number,
    phone,
    company="",
    host,
    purpose,
    temperature,
    health_code,
    gate=None,
    client_key=None,
) -> Visitor:
    """A visitor at the gate: registered with the reason for the visit and checked before entering. A
    fever or a health code the policy bars refuses entry; the refusal is kept with its reason."""
    require(actor, "gate.record")
    _enterprise_in_scope(actor, enterprise)
    client_key = _client_key(client_key)
    replay = _replayed(Visitor, actor, client_key)
    if replay is not None:
        return replay
    errors: dict[str, str] = {}
    name = _text(name, "name", _("姓名"), errors, max_length=50)
    resident = None
    try:
        resident = parse_id_number(id_number)
    except ValidationError as exc:
        errors["id_number"] = _("身份证号：") + exc.messages[0]
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        errors["phone"] = _("电话：") + exc.messages[0]
    company = _text(company, "company", _("单位"), errors, max_length=200, required=False)
    host = _text(host, "host", _("被访人"), errors, max_length=50)
    purpose = _text(purpose, "purpose", _("来访事由"), errors, max_length=200)
    temperature = parse_temperature(temperature, errors)
    code = _health_code(health_code, errors)
    gate = _gate(gate, enterprise, errors)
    if errors:
        raise ValidationError(errors)

    policy = gate_policy(enterprise)
    reasons, _fever = _health_reasons(policy, temperature, code)

    def build():
        visitor = Visitor.objects.create(
            enterprise=enterprise,
            gate=gate,
            name=name,
            **resident.stored_fields(),
            phone=phone,
            company=company,
            host=host,
            purpose=purpose,
            temperature=temperature,
            health_code=code,
            allowed=not reasons,
            refusal_reason=_refusal(reasons),
            recorded_by=actor,
            client_key=client_key,
            policy_version_id=policy.version_id if policy is not None else None,
        )
        record(
            actor,
            "operations.visitor.refuse" if reasons else "operations.visitor.allow",
            visitor,
            after={
                "name": name,
                "id_number": resident.masked,
                "host": host,
                "purpose": purpose,
                "temperature": str(temperature),
                "health_code": code,
                "allowed": visitor.allowed,
                "refusal_reason": visitor.refusal_reason,
            },
            note=visitor.refusal_reason,
        )
        return visitor

    return _save(Visitor, actor, client_key, build)


def visitor_leaves(actor, visitor) -> Visitor:
    """The visitor goes out: time out is set once; a second press changes nothing."""
    require(actor, "gate.record")
    if not Visitor.objects.visible_to(actor).filter(pk=visitor.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        locked = Visitor.objects.select_for_update().get(pk=visitor.pk)
        if not locked.allowed:
            raise ValidationError({"time_out": _("离开时间：该访客未获准进入，无需登记离开")})
        if locked.time_out is not None:
            return locked
        locked.time_out = timezone.now()
        locked.save(update_fields=["time_out"])
        record(actor, "operations.visitor.leave", locked, after={"time_out": locked.time_out})
    return locked


# -- vehicles -------------------------------------------------------------------------------------------


def record_vehicle(
    actor,
    enterprise,
    *,
    plate,
    driver_name,
    driver_phone,
    origin,
    cargo="",
    disinfected,
    pass_number="",
    gate=None,
    client_key=None,
) -> VehicleEntry:
    """A vehicle at the gate: refused unless disinfected (the firm's gate rule). The decision records the
    policy version in force, like every gate decision."""
    require(actor, "gate.record")
    _enterprise_in_scope(actor, enterprise)
    client_key = _client_key(client_key)
    replay = _replayed(VehicleEntry, actor, client_key)
    if replay is not None:
        return replay
    errors: dict[str, str] = {}
    plate = normalize_plate(plate)
    if not plate:
        errors["plate"] = _("车牌号：必须填写")
    elif not PLATE.match(plate):
        errors["plate"] = _("车牌号：应为省份简称+字母+5至6位字母数字，如 浙D12345")
    driver_name = _text(driver_name, "driver_name", _("驾驶员"), errors, max_length=50)
    try:
        driver_phone = normalize_phone(driver_phone)
    except ValidationError as exc:
        errors["driver_phone"] = _("驾驶员电话：") + exc.messages[0]
    origin = _text(origin, "origin", _("来自"), errors, max_length=100)
    cargo = _text(cargo, "cargo", _("货物"), errors, max_length=200, required=False)
    pass_number = _text(pass_number, "pass_number", _("通行证号"), errors, max_length=50, required=False)
    if isinstance(disinfected, str):
        if disinfected.strip().lower() in ("1", "true", "yes", "on", "是"):
            disinfected = True
        elif disinfected.strip().lower() in ("", "0", "false", "no", "off", "否"):
            disinfected = False
        else:
            errors["disinfected"] = _("已消毒：应为是或否")
    disinfected = bool(disinfected)
    gate = _gate(gate, enterprise, errors)
    if errors:
        raise ValidationError(errors)

    reason = "" if disinfected else _("车辆未实施消毒，不得进入厂区")
    policy = gate_policy(enterprise)

    def build():
        vehicle = VehicleEntry.objects.create(
            enterprise=enterprise,
            gate=gate,
            plate=plate,
            driver_name=driver_name,
            driver_phone=driver_phone,
            origin=origin,
            cargo=cargo,
            disinfected=disinfected,
            pass_number=pass_number,
            allowed=disinfected,
            refusal_reason=reason,
            recorded_by=actor,
            client_key=client_key,
            policy_version_id=policy.version_id if policy is not None else None,
        )
        record(
            actor,
            "operations.vehicle.allow" if disinfected else "operations.vehicle.refuse",
            vehicle,
            after={
                "plate": plate,
                "driver_name": driver_name,
                "origin": origin,
                "disinfected": disinfected,
                "allowed": vehicle.allowed,
                "refusal_reason": reason,
            },
            note=reason,
        )
        return vehicle

    return _save(VehicleEntry, actor, client_key, build)
