"""Sealing and reopening (停工停产): the town or the task force suspends or seals a firm or a part of it
(a zone, a workshop/team, a dorm building, a shuttle route). While a seal is active its people are
refused at the gate (operations.services.record_employee_entry) and cannot be set to work
(workforce.status.work_blockers).

Lifting is one explicit step, ``lift(actor, seal, application)``: it needs an APPROVED reopening
application (涉疫停工后启封复工, ``ApplicationKind.REOPENING_AFTER_INCIDENT``) of the same firm, decided after
the seal began — the health bureau's permit is that application's review chain. We chose the explicit
step over lifting every seal when an application is approved: the officer sees which seals the permit
ends, and a permit for one workshop does not silently reopen a dorm building sealed later.

A firm-wide seal moves the firm's status (sealed or suspended) through enterprises.services.change_status
and the last firm-wide lift moves it back to resumed (the approval itself usually did so already).
Who is under a seal is taken from the person's current grid unit, dorm room and shuttle route.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import can, require
from fugong.audit.services import record
from fugong.core.dates import format_date
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import (
    STATUS_TRANSITIONS,
    DormRoom,
    Enterprise,
    EnterpriseStatus,
    GridUnit,
    ShuttleRoute,
    Zone,
)
from fugong.incidents.models import Incident, Seal, SealKind, SealScope
from fugong.resumption.models import ApplicationKind, ApplicationStatus, ResumptionApplication

# Parts may be sealed only in a firm that is working or already stopped for an incident: a reopening
# application (the only way to lift) can be made from these statuses alone.
PARTIAL_SEAL_STATUSES = {EnterpriseStatus.RESUMED, EnterpriseStatus.SUSPENDED, EnterpriseStatus.SEALED}
PART_FIELD = {
    SealScope.ZONE: "zone",
    SealScope.GRID_UNIT: "grid_unit",
    SealScope.DORM_BUILDING: "dorm_building",
    SealScope.SHUTTLE_ROUTE: "shuttle_route",
}


# -- reads ----------------------------------------------------------------------------------------------------


def active_q(on=None) -> Q:
    on = on or timezone.now()
    return Q(started_at__lte=on) & (Q(lifted_at__isnull=True) | Q(lifted_at__gt=on))


def active_seals(enterprise, on=None):
    return Seal.objects.filter(active_q(on), enterprise=enterprise)


def seals_visible_to(user):
    if not can(user, "incidents.view"):
        return Seal.objects.none()
    return Seal.objects.visible_to(user).select_related(
        "enterprise", "zone", "grid_unit__parent__parent", "shuttle_route", "incident", "reopening"
    )


def has_active_seal(enterprise, on=None) -> bool:
    return active_seals(enterprise, on).exists()


def _covering_q(seals) -> Q | None:
    """The employees a set of seals covers, as one filter (None: nobody)."""
    if any(s.scope_kind == SealScope.FIRM for s in seals):
        return Q()
    units = {s.grid_unit_id for s in seals if s.scope_kind == SealScope.GRID_UNIT}
    zones = {s.zone_id for s in seals if s.scope_kind == SealScope.ZONE}
    buildings = {s.dorm_building for s in seals if s.scope_kind == SealScope.DORM_BUILDING}
    routes = {s.shuttle_route_id for s in seals if s.scope_kind == SealScope.SHUTTLE_ROUTE}
    q = Q(pk__in=[])
    if units:
        # A workshop's seal covers its teams and their posts (three levels at most).
        q |= Q(grid_unit_id__in=units) | Q(grid_unit__parent_id__in=units)
        q |= Q(grid_unit__parent__parent_id__in=units)
    if zones:
        q |= Q(grid_unit__zone_id__in=zones) | Q(grid_unit__parent__zone_id__in=zones)
        q |= Q(grid_unit__parent__parent__zone_id__in=zones)
    if buildings:
        q |= Q(dorm_room__building__in=buildings)
    if routes:
        q |= Q(shuttle_route_id__in=routes)
    return q if (units or zones or buildings or routes) else None


def people_under_seal(enterprise, on=None) -> set[int]:
    """Ids of the firm's employees under an active seal at ``on`` (two queries at most)."""
    from fugong.workforce.models import Employee

    seals = list(active_seals(enterprise, on))
    if not seals:
        return set()
    q = _covering_q(seals)
    if q is None:
        return set()
    return set(Employee.objects.filter(q, enterprise=enterprise).values_list("pk", flat=True))


def _covers(seal, employee) -> bool:
    if seal.scope_kind == SealScope.FIRM:
        return True
    if seal.scope_kind == SealScope.DORM_BUILDING:
        room = employee.dorm_room
        return room is not None and room.building == seal.dorm_building
    if seal.scope_kind == SealScope.SHUTTLE_ROUTE:
        return employee.shuttle_route_id is not None and employee.shuttle_route_id == seal.shuttle_route_id
    chain, unit = [], employee.grid_unit
    while unit is not None and len(chain) < 3:
        chain.append(unit)
        unit = unit.parent
    if seal.scope_kind == SealScope.GRID_UNIT:
        return any(u.pk == seal.grid_unit_id for u in chain)
    return any(u.zone_id is not None and u.zone_id == seal.zone_id for u in chain)


def describe_part(seal) -> str:
    if seal.scope_kind == SealScope.FIRM:
        return _("全厂")
    if seal.scope_kind == SealScope.ZONE:
        return _("厂区分区「%(name)s」") % {"name": seal.zone}
    if seal.scope_kind == SealScope.GRID_UNIT:
        return _("车间/班组「%(name)s」") % {"name": seal.grid_unit}
    if seal.scope_kind == SealScope.DORM_BUILDING:
        return _("宿舍楼「%(name)s」") % {"name": seal.dorm_building}
    return _("通勤线路「%(name)s」") % {"name": seal.shuttle_route}


def seal_message(seal) -> str:
    return _("%(part)s自%(date)s起%(kind)s（%(reason)s），启封前不得进厂或上岗") % {
        "part": describe_part(seal),
        "date": format_date(seal.started_at),
        "kind": seal.get_kind_display(),
        "reason": seal.reason,
    }


def seal_reason_for(employee, on=None) -> str | None:
    """Why ``employee`` is under a seal (Chinese, naming the seal and its date), or None."""
    seals = list(
        active_seals(employee.enterprise_id, on).select_related("zone", "grid_unit__parent", "shuttle_route")
    )
    for seal in seals:
        if _covers(seal, employee):
            return seal_message(seal)
    return None


# -- writes ---------------------------------------------------------------------------------------------------


def _visible_firm(actor, enterprise) -> Enterprise:
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied
    return enterprise


def _part(model, value, firm, field, label, errors, **extra):
    if value in (None, ""):
        errors[field] = [_("%(label)s：请选择要停工或封闭的%(label)s") % {"label": label}]
        return None
    pk = getattr(value, "pk", value)
    found = model.objects.filter(pk=pk, enterprise=firm, **extra).first() if str(pk).isdigit() else None
    if found is None:
        errors[field] = [_("%(label)s：不属于该企业") % {"label": label}]
    return found


def _firm_target(kind, current) -> str:
    if kind == SealKind.SEAL or current == EnterpriseStatus.SEALED:
        return EnterpriseStatus.SEALED
    return EnterpriseStatus.SUSPENDED


def _notify_firm(firm, event, message) -> None:
    from fugong.resumption.notifications import firm_user_ids, notify

    notify(None, firm_user_ids(firm), event, message)


def seal(
    actor,
    enterprise,
    *,
    kind,
    scope_kind,
    zone=None,
    grid_unit=None,
    dorm_building="",
    shuttle_route=None,
    reason,
    incident=None,
) -> Seal:
    """Suspend or seal a firm or a part of it; a firm-wide one also moves the firm's status."""
    require(actor, "incidents.seal")
    firm = _visible_firm(actor, enterprise)
    errors: dict[str, list[str]] = {}
    if kind not in SealKind.values:
        errors["kind"] = [_("措施：请选择停工或封闭")]
    if scope_kind not in SealScope.values:
        errors["scope_kind"] = [_("范围：请选择全厂、厂区分区、车间/班组、宿舍楼或通勤线路")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("原因：不能为空")]
    elif len(reason) > 500:
        errors["reason"] = [_("原因：不能超过500字")]
    if incident is not None:
        incident = Incident.objects.filter(pk=getattr(incident, "pk", incident), enterprise=firm).first()
        if incident is None:
            errors["incident"] = [_("处置事件：不属于该企业")]
    values = {"zone": None, "grid_unit": None, "dorm_building": "", "shuttle_route": None}
    if scope_kind == SealScope.ZONE:
        values["zone"] = _part(Zone, zone, firm, "zone", _("厂区分区"), errors)
    elif scope_kind == SealScope.GRID_UNIT:
        values["grid_unit"] = _part(GridUnit, grid_unit, firm, "grid_unit", _("车间/班组"), errors)
    elif scope_kind == SealScope.SHUTTLE_ROUTE:
        values["shuttle_route"] = _part(
            ShuttleRoute, shuttle_route, firm, "shuttle_route", _("通勤线路"), errors
        )
    elif scope_kind == SealScope.DORM_BUILDING:
        building = (dorm_building or "").strip()
        if not building:
            errors["dorm_building"] = [_("宿舍楼：请选择要停工或封闭的宿舍楼")]
        elif not DormRoom.objects.filter(enterprise=firm, building=building).exists():
            errors["dorm_building"] = [_("宿舍楼：该企业没有名为「%(name)s」的宿舍楼") % {"name": building}]
        values["dorm_building"] = building
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=firm.pk)
        if scope_kind == SealScope.FIRM:
            target = _firm_target(kind, locked.status)
            if locked.status != target and target not in STATUS_TRANSITIONS[locked.status]:
                raise ValidationError(
                    {
                        "kind": [
                            _("措施：企业当前状态为「%(status)s」，不能变更为「%(target)s」")
                            % {
                                "status": locked.get_status_display(),
                                "target": EnterpriseStatus(target).label,
                            }
                        ]
                    }
                )
        elif locked.status not in PARTIAL_SEAL_STATUSES:
            raise ValidationError(
                {
                    "scope_kind": [
                        _("范围：企业当前状态为「%(status)s」，尚未复工，无须对其局部停工或封闭")
                        % {"status": locked.get_status_display()}
                    ]
                }
            )
        duplicate = active_seals(locked).filter(scope_kind=scope_kind, **values).first()
        if duplicate is not None:
            raise ValidationError(
                {"scope_kind": [_("范围：%(part)s已在停工或封闭中") % {"part": describe_part(duplicate)}]}
            )
        row = Seal.objects.create(
            enterprise=locked,
            incident=incident,
            kind=kind,
            scope_kind=scope_kind,
            reason=reason,
            started_by=actor,
            **values,
        )
        if scope_kind == SealScope.FIRM and locked.status != target:
            source = f"incident:{incident.pk}" if incident is not None else "incidents.seal"
            enterprise_services.change_status(
                actor,
                locked,
                target,
                _("%(kind)s：%(reason)s") % {"kind": row.get_kind_display(), "reason": reason},
                workflow=source,
            )
        record(
            actor,
            "incidents.seal.create",
            row,
            after={
                "kind": kind,
                "scope_kind": scope_kind,
                "part": describe_part(row),
                "incident": incident.pk if incident is not None else None,
            },
            note=reason,
        )
        _notify_firm(locked, "incident_seal", seal_message(row))
    return row


def reopening_problem(seal_row, application) -> str | None:
    """Why ``application`` cannot lift ``seal_row`` (None when it can)."""
    if application is None:
        return _("启封复工申请：请选择本企业已批准的「涉疫停工后启封复工」申请")
    if application.enterprise_id != seal_row.enterprise_id:
        return _("启封复工申请：不是本企业的申请")
    if application.kind != ApplicationKind.REOPENING_AFTER_INCIDENT:
        return _("启封复工申请：须为「%(kind)s」申请，该申请为「%(this)s」") % {
            "kind": ApplicationKind.REOPENING_AFTER_INCIDENT.label,
            "this": application.get_kind_display(),
        }
    if application.status != ApplicationStatus.APPROVED:
        return _("启封复工申请：须经审核批准后方可启封，该申请当前为「%(status)s」") % {
            "status": application.get_status_display()
        }
    if application.decided_at is None or application.decided_at < seal_row.started_at:
        return _("启封复工申请：须为%(date)s停工或封闭之后批准的申请") % {
            "date": format_date(seal_row.started_at)
        }
    return None


def approved_reopenings(seal_row):
    """The firm's approved reopening applications that could lift ``seal_row``."""
    return ResumptionApplication.objects.filter(
        enterprise_id=seal_row.enterprise_id,
        kind=ApplicationKind.REOPENING_AFTER_INCIDENT,
        status=ApplicationStatus.APPROVED,
        decided_at__gte=seal_row.started_at,
    ).order_by("-decided_at")


def lift(actor, seal_row, application, *, note="") -> Seal:
    """Lift a seal on the strength of the firm's approved reopening application."""
    require(actor, "incidents.seal")
    if not Seal.objects.visible_to(actor).filter(pk=seal_row.pk).exists():
        raise PermissionDenied
    if application is not None and not isinstance(application, ResumptionApplication):
        application = ResumptionApplication.objects.filter(pk=application).first()
    problem = reopening_problem(seal_row, application)
    if problem:
        raise ValidationError({"application": [problem]})
    with transaction.atomic():
        firm = Enterprise.objects.select_for_update().get(pk=seal_row.enterprise_id)
        locked = Seal.objects.select_for_update().get(pk=seal_row.pk)
        if locked.lifted_at is not None:
            raise ValidationError(
                {"seal": [_("该停工/封闭已于%(date)s解除") % {"date": format_date(locked.lifted_at)}]}
            )
        locked.lifted_at = timezone.now()
        locked.lifted_by = actor
        locked.reopening = application
        locked.save(update_fields=["lifted_at", "lifted_by", "reopening"])
        record(
            actor,
            "incidents.seal.lift",
            locked,
            before={"lifted_at": None},
            after={"lifted_at": locked.lifted_at, "reopening": application.pk},
            note=note
            or _("凭启封复工申请解除（批准于%(date)s）") % {"date": format_date(application.decided_at)},
        )
        if locked.scope_kind == SealScope.FIRM:
            _restore_firm_status(actor, firm, application)
        _notify_firm(
            firm,
            "incident_seal_lifted",
            _("%(part)s的%(kind)s已解除")
            % {"part": describe_part(locked), "kind": locked.get_kind_display()},
        )
    return locked


def _restore_firm_status(actor, firm, application) -> None:
    """After a firm-wide lift: sealed while another firm-wide seal stays, else suspended, else resumed."""
    remaining = set(active_seals(firm).filter(scope_kind=SealScope.FIRM).values_list("kind", flat=True))
    if SealKind.SEAL in remaining:
        target = EnterpriseStatus.SEALED
    elif SealKind.SUSPEND in remaining:
        target = EnterpriseStatus.SUSPENDED
    else:
        target = EnterpriseStatus.RESUMED
    if firm.status == target or firm.status not in (EnterpriseStatus.SEALED, EnterpriseStatus.SUSPENDED):
        return
    if target not in STATUS_TRANSITIONS[firm.status]:
        return
    enterprise_services.change_status(
        actor,
        firm,
        target,
        _("凭启封复工申请解除全厂停工/封闭"),
        workflow=f"resumption:{application.pk}",
    )
