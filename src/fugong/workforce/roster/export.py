"""Exporting a roster, and the blank template to fill in (SPEC §5, §13).

* ``roster_template() -> bytes`` — the blank 员工名册 to fill in, with drop-downs and a 填写说明 sheet.
* ``export_roster(actor, queryset, *, unmasked=False, filters=None, target=None) -> bytes`` — the
  template's layout, so an exported file imports again; ID numbers masked unless the actor may unmask
  and asked to (then the view is logged too).

Every export writes one audit entry (``audit.services.record_export``): who, the filters in force
(``filters``: ``{label: value}`` as the page shows them) and how many rows the file holds.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.audit.services import VIEW_PERSONAL_DATA, record, record_export
from fugong.core import crypto
from fugong.core.masking import mask_phone, may_see_phone
from fugong.enterprises.excel import NO, YES
from fugong.workforce.models import (
    CloseContact,
    EmployeeStatus,
    Gender,
    HealthCode,
    ResidenceControl,
    Transport,
    TravelStop,
)
from fugong.workforce.roster.excel import (
    COLUMN_BY_KEY,
    LOCAL,
    NONE_TEXT,
    NOT_LOCAL,
    template_workbook,
    write_roster,
)
from fugong.workforce.roster.importing import BATCH_SIZE
from fugong.workforce.roster.permissions import check_export_allowed

_EXPORT_FIELDS = (
    "id",
    "name",
    "enterprise__name",
    "employee_no",
    "id_number_masked",
    "id_number_encrypted",
    "gender",
    "department_name",
    "job",
    "phone",
    "residence_address",
    "status",
    "expected_return_date",
    "left_locality",
    "left_on",
    "destination",
    "has_returned",
    "current_city",
    "return_date",
    "transport",
    "transport_number",
    "has_fever",
    "other_symptoms",
    "family_health",
    "is_local",
    "native_place",
    "release_date",
    "residence_region__name",
    "residence_region__code",
    "residence_control",
    "health_code",
    "dorm_room__building",
    "dorm_room__number",
    "shuttle_route__name",
    "shuttle_seat",
)


def _histories(queryset) -> tuple[dict[int, str], dict[int, str]]:
    travel: dict[int, list[str]] = {}
    for employee_id, place, start, end in (
        TravelStop.objects.filter(employee__in=queryset.values("pk"))
        .order_by("employee_id", "from_date", "id")
        .values_list("employee_id", "place", "from_date", "to_date")
    ):
        span = start.isoformat() if start == end else f"{start.isoformat()}至{end.isoformat()}"
        travel.setdefault(employee_id, []).append(f"{place} {span}")
    contacts: dict[int, list[str]] = {}
    for employee_id, day, description in (
        CloseContact.objects.filter(employee__in=queryset.values("pk"))
        .order_by("employee_id", "contact_date", "id")
        .values_list("employee_id", "contact_date", "description")
    ):
        contacts.setdefault(employee_id, []).append(f"{day.isoformat()} {description}")
    return (
        {k: "；".join(v) for k, v in travel.items()},
        {k: "；".join(v) for k, v in contacts.items()},
    )


def export_roster(
    actor, queryset, *, unmasked: bool = False, filters: dict | None = None, target=None
) -> bytes:
    """The people of ``queryset`` the actor may see, as .xlsx bytes in the roster layout.

    Logged as an export of as many rows as were written, under ``filters`` (the filters that made
    ``queryset``, as the page shows them) and ``target`` (the one firm it is about, if any).

    ID numbers are masked (3306**********1234) unless ``unmasked`` is asked for by a role whose work needs
    them; that export is written to the audit log with how many people it showed. Phones are in full only
    for the roles that call people (``core.masking``). An exported file can be imported again (unmasked,
    by the firm) — the columns are the template's.
    """
    check_export_allowed(actor, unmasked=unmasked)
    people = queryset.visible_to(actor).order_by("enterprise_id", "name", "id")
    travel, contacts = _histories(people)
    labels_of = {
        "gender": dict(Gender.choices),
        "status": dict(EmployeeStatus.choices),
        "transport": dict(Transport.choices),
        "residence_control": dict(ResidenceControl.choices),
        "health_code": dict(HealthCode.choices),
    }
    # Labels are lazy translations: resolved once, not once per cell, and in Chinese — the roster's
    # language whatever the page's, so that the file imports again.
    with translation.override("zh-hans"):
        labels_of = {
            key: {value: str(label) or None for value, label in m.items()} for key, m in labels_of.items()
        }
    gender, status, transport = labels_of["gender"], labels_of["status"], labels_of["transport"]
    control, code = labels_of["residence_control"], labels_of["health_code"]
    yes, no = YES, NO
    decrypt = crypto.decrypt
    # Phones as the actor may see them (core.masking): in full for the firm and the town, else 138****0000.
    show_phone = str if may_see_phone(actor) else mask_phone
    shown: list[int] = [0]
    firms: set[str] = set()

    def rows():
        for (
            pk,
            name,
            firm,
            employee_no,
            masked,
            encrypted,
            sex,
            department,
            job,
            phone,
            address,
            state,
            expected,
            left,
            left_on,
            destination,
            returned,
            current_city,
            return_date,
            transport_key,
            transport_number,
            fever,
            symptoms,
            family,
            local,
            native,
            release,
            region_name,
            region_code,
            control_key,
            health,
            building,
            room,
            route,
            seat,
        ) in people.values_list(*_EXPORT_FIELDS).iterator(chunk_size=BATCH_SIZE):
            shown[0] += 1
            firms.add(firm)
            # Empty cells are left out rather than written as "", which halves what openpyxl serialises.
            yield [
                name,
                firm,
                employee_no or None,
                decrypt(encrypted) if unmasked else masked,
                gender.get(sex),
                department or None,
                job or None,
                show_phone(phone) if phone else None,
                address or None,
                status.get(state),
                expected,
                (f"{yes} {left_on.isoformat()}" if left_on else yes) if left else no,
                destination or None,
                yes if returned else no,
                current_city or None,
                return_date,
                transport.get(transport_key),
                transport_number or None,
                travel.get(pk, NONE_TEXT),
                contacts.get(pk, NONE_TEXT),
                yes if fever else no,
                symptoms or None,
                family or None,
                LOCAL if local else NOT_LOCAL,
                native or None,
                release,
                f"{region_name}（{region_code}）" if region_code else None,
                control.get(control_key),
                code.get(health),
                f"{building}-{room}" if building else None,
                route,
                seat or None,
            ]

    content = write_roster(rows())
    record_export(
        actor,
        "workforce.roster_export",
        gettext_lazy("员工名册"),
        filters,
        shown[0],
        target=target,
        object_type="workforce.employee",
        extra={"unmasked": True} if unmasked else None,
    )
    if unmasked:
        record(
            actor,
            VIEW_PERSONAL_DATA,
            object_type="workforce.employee",
            object_repr="、".join(sorted(firms))[:200],
            after={"fields": [COLUMN_BY_KEY["id_number"].header], "count": shown[0], "export": True},
            note=_("导出未脱敏员工名册（身份证号），共%(count)d人") % {"count": shown[0]},
        )
    return content


def roster_template() -> bytes:
    """The blank roster to download (.xlsx bytes)."""
    return template_workbook()
