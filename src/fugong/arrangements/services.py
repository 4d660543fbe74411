"""Writes of arrangements: who lives, eats, rides and works where, from which day.

History is dated and never overlaps: a person has at most one assignment of a kind on any day. Moving
them ends the old one the day before the new one starts (or, when the old one starts the same day,
corrects it in place). The Employee's current fields (grid_unit, dorm_room, shuttle_route and
shuttle_seat) follow the open assignment, and the roster's own edits of those fields open and close
assignments through ``sync_from_employee`` so the history stays honest whichever page changed them.

Policy limits: a car over ``max_people_per_car`` (the driver included) is refused, as is a car over its own
seats or a canteen sitting or shuttle over its seats (the firm's own figures). A dorm room over
``dorm_max_per_room`` or under ``dorm_min_area_per_person_m2`` is allowed but flagged — the notice sets it "in principle"
(in principle) — and the flags come back on the assignment (``assignment.flags``) for the page to show.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.arrangements.flags import car_limit, car_reason, flags_for_firm  # noqa: F401 (re-exported)
from fugong.arrangements.models import TARGET_FIELD, Assignment, AssignmentKind, Carpool
from fugong.arrangements.selectors import EMPLOYEE_FIELD, TARGET_MODEL, kind_of, room_problems
from fugong.audit.services import record
from fugong.operations.services import PLATE
from fugong.policy.selectors import find_policy_for
from fugong.workforce.models import Employee, EmployeeStatus

SEAT_MAX = 10


def _picture(a: Assignment) -> dict:
    return {
        "employee": a.employee_id,
        "kind": a.kind,
        "target": str(a.target),
        "seat": a.seat,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
    }


def _check_actor(actor, employee) -> None:
    require(actor, "arrangements.edit")
    if actor.enterprise_id is None or employee.enterprise_id != actor.enterprise_id:
        raise PermissionDenied


def _check_target(kind, target, employee) -> None:
    if kind not in TARGET_FIELD:
        raise ValidationError({"kind": [_("类型：应为网格单元、宿舍、就餐批次、通勤班车或私家车之一")]})
    if not isinstance(target, TARGET_MODEL[kind]):
        raise ValidationError({"target": [_("安排去处：与所选类型不符")]})
    if target.enterprise_id != employee.enterprise_id:
        raise PermissionDenied


def _parse_day(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: [_("%(label)s：应为有效日期") % {"label": label}]}) from None


def _peak(rows, starts_on: dt.date, extra: int = 0) -> int:
    """The most people at once on any day from ``starts_on`` on, given assignment rows (starts_on,
    ends_on) and ``extra`` people joining from ``starts_on`` for good."""
    days = {starts_on} | {s for s, _e in rows if s >= starts_on}
    best = 0
    for day in days:
        n = sum(1 for s, e in rows if s <= day and (e is None or e >= day))
        best = max(best, n + extra)
    return best


def _others(kind, target, employee_ids, starts_on):
    """(starts_on, ends_on) of the other people's assignments to ``target`` in force on or after the day."""
    return list(
        Assignment.objects.filter(kind=kind, **{TARGET_FIELD[kind]: target})
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
        .exclude(employee_id__in=employee_ids)
        .values_list("starts_on", "ends_on", "employee_id")
    )


def _capacity_check(kind, target, employee_ids, starts_on, policy) -> list[str]:
    """Refuses (ValidationError) what a limit forbids; returns the flags of what it only frowns on."""
    if kind == AssignmentKind.GRID:
        return []
    rows = _others(kind, target, employee_ids, starts_on)
    extra = len(employee_ids)
    riding = set(employee_ids) | {e for _s, _e, e in rows}
    if kind == AssignmentKind.CARPOOL and target.driver_id and target.driver_id not in riding:
        extra += 1  # the driver is in the car whether or not they have an assignment (包括驾驶员)
    peak = _peak([(s, e) for s, e, _ in rows], starts_on, extra)
    if kind == AssignmentKind.CARPOOL:
        limit, rule = car_limit(target, policy)
        if peak > limit:
            raise ValidationError({"target": [car_reason(target, policy, rule, limit, peak)]})
        return []
    if kind in (AssignmentKind.CANTEEN, AssignmentKind.SHUTTLE):
        if peak > target.seats:
            raise ValidationError(
                {
                    "target": [
                        _("本企业登记的座位数：「%(name)s」只有%(seats)d个座位，安排后将有%(n)d人。")
                        % {"name": str(target), "seats": target.seats, "n": peak}
                    ]
                }
            )
        return []
    return [p["reason"] for p in room_problems(target, peak, policy)]


def _sync_employee_field(employee, kind, target, seat) -> None:
    field = EMPLOYEE_FIELD.get(kind)
    if field is None:
        return
    changes = {field: target}
    if kind == AssignmentKind.SHUTTLE:
        changes["shuttle_seat"] = seat if target is not None else ""
    if all(getattr(employee, f) == v for f, v in changes.items()):
        return
    # The roster form edits these fields with a version check: bump it so a stale form cannot undo this.
    Employee.objects.filter(pk=employee.pk).update(version=F("version") + 1, **changes)
    for f, v in changes.items():
        setattr(employee, f, v)


def _place(actor, employee, kind, target, starts_on, seat, *, note="") -> tuple[Assignment, bool]:
    """Close the person's open assignment of the kind and open the new one. (assignment, changed)."""
    field = TARGET_FIELD[kind]
    later = (
        Assignment.objects.filter(employee=employee, kind=kind, ends_on__isnull=False, ends_on__gte=starts_on)
        .order_by("-ends_on")
        .first()
    )
    if later is not None:
        raise ValidationError(
            {
                "starts_on": [
                    _("起始日期：该员工此日之后已有同类安排记录（至%(day)s），请选择更晚的日期")
                    % {"day": later.ends_on}
                ]
            }
        )
    current = (
        Assignment.objects.select_for_update()
        .filter(employee=employee, kind=kind, ends_on__isnull=True)
        .first()
    )
    if current is not None:
        if (
            getattr(current, field + "_id") == target.pk
            and current.seat == seat
            and current.starts_on <= starts_on
        ):
            return current, False
        if current.starts_on > starts_on:
            raise ValidationError(
                {
                    "starts_on": [
                        _("起始日期：不得早于该员工现有安排的起始日期（%(day)s）")
                        % {"day": current.starts_on}
                    ]
                }
            )
        if current.starts_on == starts_on:
            before = _picture(current)
            setattr(current, field, target)
            current.seat = seat
            current.created_by = actor
            current.save(update_fields=[field, "seat", "created_by"])
            record(
                actor,
                "arrangements.assignment.replace",
                current,
                before=before,
                after=_picture(current),
                note=note,
            )
            return current, True
        before = _picture(current)
        current.ends_on = starts_on - dt.timedelta(days=1)
        current.save(update_fields=["ends_on"])
        record(
            actor, "arrangements.assignment.end", current, before=before, after=_picture(current), note=note
        )
    new = Assignment.objects.create(
        enterprise_id=employee.enterprise_id,
        employee=employee,
        kind=kind,
        seat=seat,
        starts_on=starts_on,
        created_by=actor,
        **{field: target},
    )
    record(actor, "arrangements.assignment.create", new, after=_picture(new), note=note)
    return new, True


def _clean_seat(seat) -> str:
    seat = str(seat or "").strip()
    if len(seat) > SEAT_MAX:
        raise ValidationError({"seat": [_("床位/座位/桌号：不超过%(n)d个字") % {"n": SEAT_MAX}]})
    return seat


def _lock_target(kind, target):
    return TARGET_MODEL[kind].objects.select_for_update().get(pk=target.pk)


def assign_many(actor, employees, kind, target, *, starts_on, seat="") -> list[Assignment]:
    """Put every one of ``employees`` into ``target`` from ``starts_on``: all or nothing. Each returned
    assignment carries ``flags`` (reasons, each starting with the rule) for the page to show."""
    employees = list(employees)
    if not employees:
        raise ValidationError({"employees": [_("人员：至少选择一人")]})
    for employee in employees:
        _check_actor(actor, employee)
        _check_target(kind, target, employee)
    gone = [e.name for e in employees if e.status == EmployeeStatus.LEFT]
    if gone:
        raise ValidationError(
            {"employee": [_("人员：%(names)s已离职，不能安排") % {"names": "、".join(gone)}]}
        )
    starts_on = _parse_day(starts_on, "starts_on", _("起始日期"))
    seat = _clean_seat(seat)
    if seat and len(employees) > 1:
        raise ValidationError({"seat": [_("床位/座位/桌号：批量安排时不能填写同一座位")]})
    ids = sorted({e.pk for e in employees})
    with transaction.atomic():
        target = _lock_target(kind, target)
        locked = list(Employee.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        policy = find_policy_for(target.enterprise.town, starts_on)
        flags = _capacity_check(kind, target, ids, starts_on, policy)
        out = []
        for employee in locked:
            assignment, _changed = _place(actor, employee, kind, target, starts_on, seat)
            _sync_employee_field(employee, kind, target, seat)
            assignment.flags = flags
            out.append(assignment)
    return out


def assign(actor, employee, kind, target, *, starts_on, seat="") -> Assignment:
    """Put ``employee`` into ``target`` (a grid unit, dorm room, canteen sitting, shuttle route or
    carpool) from ``starts_on``; see the module docstring for the limits."""
    [assignment] = assign_many(
        actor, [employee], kind or kind_of(target), target, starts_on=starts_on, seat=seat
    )
    return assignment


def end_assignment(actor, assignment, ends_on) -> Assignment:
    """The person leaves on ``ends_on`` (their last day there)."""
    _check_actor(actor, assignment.employee)
    ends_on = _parse_day(ends_on, "ends_on", _("截止日期"))
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("employee").get(pk=assignment.pk)
        if locked.ends_on is not None:
            if locked.ends_on == ends_on:
                return locked  # a resend
            raise ValidationError(
                {"ends_on": [_("截止日期：该安排已于%(day)s结束") % {"day": locked.ends_on}]}
            )
        if ends_on < locked.starts_on:
            raise ValidationError({"ends_on": [_("截止日期：不得早于起始日期")]})
        before = _picture(locked)
        locked.ends_on = ends_on
        locked.save(update_fields=["ends_on"])
        record(actor, "arrangements.assignment.end", locked, before=before, after=_picture(locked))
        employee = Employee.objects.select_for_update().get(pk=locked.employee_id)
        field = EMPLOYEE_FIELD.get(locked.kind)
        if field and getattr(employee, field + "_id") == getattr(locked, TARGET_FIELD[locked.kind] + "_id"):
            _sync_employee_field(employee, locked.kind, None, "")
    return locked


# -- keeping history when the roster edits the current fields -----------------------------------------------


def sync_from_employee(employee, actor=None, on_date: dt.date | None = None) -> None:
    """Open and close assignments so that the open one of each kind matches the employee's current
    grid_unit / dorm_room / shuttle_route (set by the roster, not by these pages), from ``on_date``
    (today when omitted). Call inside the transaction that changed the employee. No limit is applied:
    the roster may record what is; the arrangement pages flag what is wrong."""
    on_date = on_date or timezone.localdate()
    for kind, field in EMPLOYEE_FIELD.items():
        target = getattr(employee, field)
        seat = employee.shuttle_seat if kind == AssignmentKind.SHUTTLE else ""
        current = Assignment.objects.filter(employee=employee, kind=kind, ends_on__isnull=True).first()
        if target is None:
            if current is not None:
                before = _picture(current)
                if current.starts_on >= on_date:
                    current.delete()
                    record(
                        actor, "arrangements.assignment.delete", employee, before=before, note=_("花名册修改")
                    )
                else:
                    current.ends_on = on_date - dt.timedelta(days=1)
                    current.save(update_fields=["ends_on"])
                    record(
                        actor,
                        "arrangements.assignment.end",
                        current,
                        before=before,
                        after=_picture(current),
                        note=_("花名册修改"),
                    )
            continue
        if current is not None and getattr(current, field + "_id") == target.pk and current.seat == seat:
            continue
        start = max(on_date, current.starts_on) if current is not None else on_date
        _place(actor, employee, kind, target, start, seat, note=_("花名册修改"))


def bulk_sync_from_employees(enterprise, actor=None, on_date: dt.date | None = None) -> int:
    """``sync_from_employee`` for a whole firm in a fixed number of statements (the roster import):
    closes the open assignments that no longer match the current fields and creates the new ones in
    bulk. Returns how many assignments were opened."""
    on_date = on_date or timezone.localdate()
    people = list(
        Employee.objects.filter(enterprise=enterprise)
        .order_by()
        .values("pk", "enterprise_id", "grid_unit_id", "dorm_room_id", "shuttle_route_id", "shuttle_seat")
    )
    open_rows = {
        (a.employee_id, a.kind): a
        for a in Assignment.objects.filter(
            enterprise=enterprise, ends_on__isnull=True, kind__in=list(EMPLOYEE_FIELD)
        )
    }
    to_close, to_delete, to_create = [], [], []
    for p in people:
        for kind, field in EMPLOYEE_FIELD.items():
            target_id = p[field + "_id"]
            seat = p["shuttle_seat"] if kind == AssignmentKind.SHUTTLE else ""
            current = open_rows.get((p["pk"], kind))
            if current is not None and getattr(current, field + "_id") == target_id and current.seat == seat:
                continue
            start = on_date
            if current is not None:
                if current.starts_on >= on_date:
                    to_delete.append(current.pk)
                    start = current.starts_on
                else:
                    to_close.append(current.pk)
            if target_id is not None:
                to_create.append(
                    Assignment(
                        enterprise_id=p["enterprise_id"],
                        employee_id=p["pk"],
                        kind=kind,
                        seat=seat,
                        starts_on=start,
                        created_by=actor,
                        **{field + "_id": target_id},
                    )
                )
    with transaction.atomic():
        # In chunks: a large import must not exceed the database's limit on bound parameters.
        for i in range(0, len(to_delete), 1000):
            Assignment.objects.filter(pk__in=to_delete[i : i + 1000]).delete()
        for i in range(0, len(to_close), 1000):
            Assignment.objects.filter(pk__in=to_close[i : i + 1000]).update(
                ends_on=on_date - dt.timedelta(days=1)
            )
        Assignment.objects.bulk_create(to_create, batch_size=1000)
        if to_close or to_create or to_delete:
            record(
                actor,
                "arrangements.assignment.bulk_sync",
                enterprise,
                after={"closed": len(to_close), "replaced": len(to_delete), "opened": len(to_create)},
                note=_("花名册导入后同步人员安排"),
            )
    return len(to_create)


# -- carpools ----------------------------------------------------------------------------------------------


def _clean_carpool(firm, data: dict, carpool=None) -> dict:
    errors: dict[str, list[str]] = {}
    out = {}
    plate = str(data.get("plate", carpool.plate if carpool else "") or "").strip().upper()
    if not PLATE.match(plate):
        errors["plate"] = [_("车牌号：应为有效车牌，如 浙D12345")]
    elif (
        Carpool.objects.filter(enterprise=firm, plate=plate).exclude(pk=getattr(carpool, "pk", None)).exists()
    ):
        errors["plate"] = [_("车牌号：本企业已登记该车辆")]
    out["plate"] = plate
    raw = data.get("seats", carpool.seats if carpool else "")
    try:
        seats = int(str(raw).strip())
        if not 1 <= seats <= 60:
            raise ValueError
        out["seats"] = seats
    except (TypeError, ValueError):
        errors["seats"] = [_("核定座位数：应为1至60之间的整数（含驾驶员）")]
    driver = data.get("driver", carpool.driver if carpool else None)
    if driver in ("", None):
        out["driver"] = None
    else:
        if not isinstance(driver, Employee):
            driver = Employee.objects.filter(pk=driver).first() if str(driver).isdigit() else None
        if driver is None or driver.enterprise_id != firm.pk:
            errors["driver"] = [_("驾驶员：应为本企业员工")]
        out["driver"] = driver
    if errors:
        raise ValidationError(errors)
    return out


def create_carpool(actor, firm, data: dict) -> Carpool:
    require(actor, "arrangements.edit")
    if actor.enterprise_id != firm.pk:
        raise PermissionDenied
    clean = _clean_carpool(firm, data)
    with transaction.atomic():
        carpool = Carpool.objects.create(enterprise=firm, **clean)
        record(
            actor,
            "arrangements.carpool.create",
            carpool,
            after={"plate": carpool.plate, "seats": carpool.seats},
        )
    return carpool


def update_carpool(actor, carpool, data: dict) -> Carpool:
    require(actor, "arrangements.edit")
    if actor.enterprise_id != carpool.enterprise_id:
        raise PermissionDenied
    with transaction.atomic():
        locked = Carpool.objects.select_for_update().get(pk=carpool.pk)
        clean = _clean_carpool(locked.enterprise, data, locked)
        before = {"plate": locked.plate, "seats": locked.seats, "driver": locked.driver_id}
        for name, value in clean.items():
            setattr(locked, name, value)
        today = timezone.localdate()
        riders = {e for _s, _e, e in _others(AssignmentKind.CARPOOL, locked, [], today)}
        people = len(riders | ({locked.driver_id} if locked.driver_id else set()))
        if people > locked.seats:
            raise ValidationError(
                {"seats": [_("核定座位数：不得少于车上现有人数（%(n)d人）") % {"n": people}]}
            )
        locked.save()
        record(
            actor,
            "arrangements.carpool.update",
            locked,
            before=before,
            after={"plate": locked.plate, "seats": locked.seats, "driver": locked.driver_id},
        )
    return locked
