"""Importing a roster (SPEC §5, §13) into a firm's employee files.

``import_roster(actor, enterprise, file_obj, *, progress=None) -> RosterImportResult`` — every row
checked first (``parsing``); any bad row and nothing is saved (``result.errors`` lists row, column
header and the rule in Chinese); otherwise new people are created and known people (same firm, same
resident ID number) updated in one transaction, with one audit entry. Re-importing the same file
changes nothing. ``tasks.import_roster_async`` / ``tasks.job_status`` run a big import in the
background.

The column layout is the returning-employee record firms filled in 2020–2022 (SPEC §13), followed by the
columns the return statistics need (居住区县, 居住地管控状态) and the firm's own arrangements (宿舍, 班车).
A column that is absent leaves that field of known people untouched.

Speed (benchmarks/roster_scale.py): a roster of 100,000 rows goes through this same path. Rows are read
with openpyxl's read-only reader and checked in plain Python as they stream in; the firm's existing
people are loaded in one query; writes are ``bulk_create``/``bulk_update`` in batches.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, connections, transaction
from django.db.models import DateField, DateTimeField, F
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.audit.services import record
from fugong.core import crypto
from fugong.core.fields import EncryptedCharField, PhoneIndexField, index_fields_for, refresh_indexes
from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import Enterprise
from fugong.workforce.cleaning import compute_is_local
from fugong.workforce.models import CloseContact, Employee, TravelStop
from fugong.workforce.roster.excel import COLUMN_BY_KEY
from fugong.workforce.roster.parsing import (
    _CHOICE_FIELDS,
    _DATE_FIELDS,
    _TEXT_FIELDS,
    _YES_NO_FIELDS,
    RowError,
    _columns,
    _open,
    _resolve_places,
    _Row,
    _RowParser,
)
from fugong.workforce.roster.permissions import check_import_allowed
from fugong.workforce.validation import mask_id_number

MAX_ROWS = 200_000
PROGRESS_EVERY = 1000
BATCH_SIZE = 2000


ProgressCallback = Callable[[int, int], None]


@dataclass
class RosterImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # People created or changed by this import, whose return the rules then evaluated.
    employee_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self, max_errors: int = 1000) -> dict:
        """JSON-safe summary for a job's cache entry; a file full of errors keeps the first ``max_errors``."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": len(self.errors),
            "errors": [list(e) for e in self.errors[:max_errors]],
        }


# Model fields the import writes; the comparison that keeps a re-import from updating anything
# looks at exactly these.
_DERIVED_RETURN_FIELDS = ["left_locality", "left_on", "destination_code", "return_from", "return_from_code"]
_KEY_FIELDS: dict[str, list[str]] = {
    **{k: [f] for k, f in _TEXT_FIELDS.items()},
    **{k: [f] for k, f in _YES_NO_FIELDS.items()},
    **{k: [f] for k, f in _DATE_FIELDS.items()},
    **{k: [f] for k, (f, _c) in _CHOICE_FIELDS.items()},
    "phone": ["phone"],
    "residence_region": ["residence_region_id", "is_local"],
    "dorm": ["dorm_room_id"],
    "shuttle_route": ["shuttle_route_id"],
    "left": _DERIVED_RETURN_FIELDS,
    "destination": ["destination", *_DERIVED_RETURN_FIELDS],
    "has_returned": ["has_returned", *_DERIVED_RETURN_FIELDS],
    "current_city": ["current_city", *_DERIVED_RETURN_FIELDS],
    "return_date": ["return_date", "has_returned", *_DERIVED_RETURN_FIELDS],
}


def import_roster(
    actor, enterprise, file_obj, *, progress: ProgressCallback | None = None, filename: str = ""
) -> RosterImportResult:
    """Check every row of a roster; create and update the firm's people in one transaction, or change nothing.

    ``file_obj`` is a path or a binary file object (.xlsx). ``progress(done, total)`` is called about every
    1,000 rows: ``done`` counts rows checked and then rows saved, so ``total`` is twice the number of rows
    (an estimate from the sheet's dimension until the file has been read); pages show done/total as a
    percentage. Raises PermissionDenied, or ImportFileError when the file as a whole cannot be used.
    """
    check_import_allowed(actor, enterprise)
    enterprise = Enterprise.objects.select_related("town").get(pk=enterprise.pk)
    workbook, sheet = _open(file_obj)
    result = RosterImportResult()
    rows: list[_Row] = []
    try:
        estimate = max((sheet.max_row or 1) - 1, 1) if sheet.max_row else 1
        stream = sheet.iter_rows(values_only=True)
        columns = _columns(next(stream, None))
        parser = _RowParser(enterprise, columns)
        seen: dict[str, int] = {}
        count = 0
        for number, values in enumerate(stream, start=2):
            if not any(v is not None and v != "" for v in values):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ImportFileError(_("一次最多导入%(max)d人，请拆分文件。") % {"max": MAX_ROWS})
            row = parser.parse(number, values, result.errors)
            if row is not None:
                first = seen.get(row.index)
                if first is not None:
                    result.errors.append(
                        RowError(
                            number,
                            COLUMN_BY_KEY["id_number"].header,
                            _("与第%(row)d行的身份证号重复，同一人只能填一行") % {"row": first},
                        )
                    )
                else:
                    seen[row.index] = number
                    rows.append(row)
            if progress and count % PROGRESS_EVERY == 0:
                progress(count, 2 * max(estimate, count))
    finally:
        workbook.close()
    result.rows = count
    if not count:
        raise ImportFileError(_("文件中没有员工数据（从第2行起填写）。"))

    _resolve_places(enterprise, rows, columns, result.errors)
    if result.errors:
        result.errors.sort(key=lambda e: e.row)
        return result
    if progress:
        progress(count, 2 * count)
    try:
        _save(actor, enterprise, rows, columns, result, progress, filename)
    except IntegrityError:
        # Someone added one of these people while the file was being checked; nothing was kept.
        result.created = result.updated = result.unchanged = 0
        result.employee_ids = []
        result.errors.append(
            RowError(0, "", _("导入期间有人同时登记了名册中的员工，本次未保存任何数据，请重新导入。"))
        )
    return result


def _fields_for(columns) -> list[str]:
    names = ["birth_date", "gender"]
    for key in columns:
        for name in _KEY_FIELDS.get(key, []):
            if name not in names:
                names.append(name)
    return names


def _save(actor, enterprise, rows: list[_Row], columns, result, progress, filename) -> None:
    fields = _fields_for(columns)
    existing: dict[str, tuple] = {}
    for values in (
        Employee.objects.filter(enterprise=enterprise)
        .order_by()
        .values_list("id_number_index", "id", *fields)
        .iterator(chunk_size=5000)
    ):
        existing[values[0]] = values[1:]
    stops_by_person: dict[int, tuple] = {}
    contacts_by_person: dict[int, tuple] = {}
    if "travel" in columns:
        for employee_id, *stop in (
            TravelStop.objects.filter(employee__enterprise=enterprise)
            .order_by()
            .values_list("employee_id", "region_code", "place", "from_date", "to_date")
        ):
            stops_by_person.setdefault(employee_id, []).append(tuple(stop))
    if "contacts" in columns:
        for employee_id, *contact in (
            CloseContact.objects.filter(employee__enterprise=enterprise)
            .order_by()
            .values_list("employee_id", "contact_date", "description", "with_case")
        ):
            contacts_by_person.setdefault(employee_id, []).append(tuple(contact))

    now = timezone.now()
    new: list[tuple[Employee, _Row]] = []
    changed: list[Employee] = []
    replace_travel: dict[int, tuple] = {}
    replace_contacts: dict[int, tuple] = {}
    total = 2 * len(rows)
    for done, row in enumerate(rows, start=1):
        known = existing.get(row.index)
        values = [row.data.get(name, _DEFAULTS.get(name)) for name in fields]
        if known is None:
            record_ = dict(zip(fields, values, strict=True))
            record_["enterprise_id"] = enterprise.pk
            record_["id_number_encrypted"] = crypto.encrypt(row.id_number)
            record_["id_number_index"] = row.index
            record_["id_number_masked"] = mask_id_number(row.id_number)
            if "is_local" not in fields:
                record_["is_local"] = compute_is_local(enterprise, None, row.id_number[:6])
            new.append((record_, row))
        else:
            pk, old_values = known[0], known[1:]
            travel_differs = row.travel is not None and row.travel != tuple(
                sorted(stops_by_person.get(pk, ()))
            )
            contacts_differ = row.contacts is not None and row.contacts != tuple(
                sorted(contacts_by_person.get(pk, ()))
            )
            if tuple(values) != tuple(old_values) or travel_differs or contacts_differ:
                person = Employee(pk=pk, updated_at=now, **dict(zip(fields, values, strict=True)))
                changed.append(person)
                if travel_differs:
                    replace_travel[pk] = row.travel
                if contacts_differ:
                    replace_contacts[pk] = row.contacts
            else:
                result.unchanged += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(len(rows) + done // 2, total)

    with transaction.atomic():
        _insert_employees([record_ for record_, _r in new], now)
        if progress:
            progress(len(rows) + len(rows) * 3 // 4, total)
        if new:
            ids = dict(
                Employee.objects.filter(enterprise=enterprise).order_by().values_list("id_number_index", "id")
            )
            created = [ids[row.index] for _r, row in new]
        else:
            created = []
        for pk, (_record, row) in zip(created, new, strict=True):
            if row.travel:
                replace_travel[pk] = row.travel
            if row.contacts:
                replace_contacts[pk] = row.contacts
        if changed:
            # The version bump tells a page edit in flight that the file changed under it.
            for person in changed:
                person.version = F("version") + 1
                refresh_indexes(person)  # bulk_update runs no pre_save: a new phone needs its new index
            Employee.objects.bulk_update(
                changed, index_fields_for(Employee, [*fields, "version", "updated_at"]), batch_size=500
            )
        if replace_travel:
            TravelStop.objects.filter(employee_id__in=list(replace_travel)).delete()
            TravelStop.objects.bulk_create(
                [
                    TravelStop(employee_id=pk, region_code=code, place=place, from_date=start, to_date=end)
                    for pk, stops in replace_travel.items()
                    for code, place, start, end in stops
                ],
                batch_size=BATCH_SIZE,
            )
        if replace_contacts:
            CloseContact.objects.filter(employee_id__in=list(replace_contacts)).delete()
            CloseContact.objects.bulk_create(
                [
                    CloseContact(employee_id=pk, contact_date=day, description=text, with_case=with_case)
                    for pk, contacts in replace_contacts.items()
                    for day, text, with_case in contacts
                ],
                batch_size=BATCH_SIZE,
            )
        result.created = len(created)
        result.updated = len(changed)
        result.employee_ids = created + [p.pk for p in changed]
        record(
            actor,
            "workforce.roster_import",
            enterprise,
            after={
                "file": filename[:200],
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
            note=_(
                "导入员工名册%(file)s：共%(rows)d行，新建%(created)d人，更新%(updated)d人，未变%(unchanged)d人"
            )
            % {
                "file": f"「{filename}」" if filename else "",
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        if {"grid_unit_id", "dorm_room_id", "shuttle_route_id", "shuttle_seat"} & set(fields):
            from fugong.arrangements.services import bulk_sync_from_employees

            # Dated arrangements follow the imported dorm rooms and shuttle seats (contact search).
            bulk_sync_from_employees(enterprise, actor)
        after_roster_import(actor, enterprise, result.employee_ids)
    if progress:
        progress(total, total)


def _insert_employees(records: list[dict], now) -> None:
    """INSERT the new people with ``executemany``, bypassing ``bulk_create``.

    ``bulk_create`` prepares each of the ~50 fields of every object through the ORM and, on SQLite, is
    held to 999 parameters per statement (19 people); for 100,000 people that alone took longer than
    openpyxl takes to read the file. Here each field gets its default and its database form once per
    field kind, and the driver reuses one prepared statement. The values are the ones ``bulk_create``
    would have written: model defaults, ``created_at``/``updated_at`` = now, dates adapted by the backend.
    """
    if not records:
        return
    connection = connections[Employee.objects.db]
    ops = connection.ops
    plan = []
    for model_field in Employee._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if isinstance(model_field, DateTimeField):
            stamp = now if (model_field.auto_now or model_field.auto_now_add) else model_field.get_default()
            plan.append((model_field.attname, "const", ops.adapt_datetimefield_value(stamp)))
        elif isinstance(model_field, DateField):
            plan.append((model_field.attname, "date", model_field.get_default()))
        elif isinstance(model_field, EncryptedCharField):
            # The phone goes in as its token, like bulk_create would write it; never in clear.
            plan.append((model_field.attname, "encrypt", model_field))
        elif isinstance(model_field, PhoneIndexField):
            plan.append((model_field.attname, "index", model_field.source))
        else:
            plan.append(
                (
                    model_field.attname,
                    "plain",
                    model_field.get_db_prep_save(model_field.get_default(), connection),
                )
            )
    adapt_date = ops.adapt_datefield_value
    params = []
    for record_ in records:
        values = []
        for name, kind, default in plan:
            if kind == "const":
                values.append(default)
            elif kind == "date":
                values.append(adapt_date(record_.get(name, default)))
            elif kind == "encrypt":
                values.append(default.get_db_prep_save(record_.get(name, default.get_default()), connection))
            elif kind == "index":
                values.append(crypto.phone_index(record_.get(default, "")))
            else:
                values.append(record_.get(name, default))
        params.append(values)
    table = connection.ops.quote_name(Employee._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name, _k, _d in plan)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(plan))})"
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH_SIZE):
            cursor.executemany(sql, params[start : start + BATCH_SIZE])


_DEFAULTS = {
    name: Employee._meta.get_field(name).get_default()
    for name in (
        "employee_no",
        "gender",
        "native_place",
        "residence_address",
        "is_local",
        "department_name",
        "job",
        "left_locality",
        "destination",
        "destination_code",
        "has_returned",
        "current_city",
        "return_from",
        "return_from_code",
        "transport",
        "transport_number",
        "has_fever",
        "other_symptoms",
        "family_health",
        "residence_control",
        "health_code",
        "shuttle_seat",
    )
}


def after_roster_import(actor, enterprise, employee_ids: list[int]) -> None:
    """Have the return rules decide the people an import created or changed, once the import is committed.

    The people are decided in a background task (``tasks.evaluate_imported``) by
    ``bulk_evaluation.evaluate_many``: the same decisions, status moves and audit entries as
    ``services.reevaluate`` person by person, in chunks of 500 that each take a handful of queries.
    """
    if not employee_ids:
        return
    from fugong.workforce.roster.tasks import evaluate_imported

    ids = list(employee_ids)
    transaction.on_commit(lambda: evaluate_imported.delay(ids))
