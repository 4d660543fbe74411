"""The places a person stayed (14日内旅居史) and the contacts they had (14日内接触史): replaced as a
whole, checked row by row, and followed by a new return decision.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.audit.services import record
from fugong.policy.divisions import normalize_division_code
from fugong.workforce.cleaning import _parse_bool, parse_day
from fugong.workforce.decisions import _evaluate_locked
from fugong.workforce.guards import _check, _conflict, _expected_version, _lock
from fugong.workforce.models import CloseContact, Employee, TravelStop


def _clean_travel(stops, contacts) -> tuple[list[dict], list[dict]]:
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    clean_stops, clean_contacts = [], []

    def err(key, message):
        errors.setdefault(key, []).append(str(message))

    if not isinstance(stops, list | tuple):
        err("stops", _("「旅居史」须为地点列表"))
        stops = []
    if not isinstance(contacts, list | tuple):
        err("contacts", _("「接触史」须为列表"))
        contacts = []
    for i, stop in enumerate(stops):
        key = f"stops[{i}]"
        if not isinstance(stop, dict):
            err(key, _("第%(n)d条旅居史格式不正确") % {"n": i + 1})
            continue
        row: dict = {}
        try:
            row["region_code"] = normalize_division_code(stop.get("region_code"), _("区划代码"))
        except ValidationError as exc:
            err(f"{key}.region_code", exc.messages[0])
        place = str(stop.get("place") or "").strip()
        if not place:
            err(f"{key}.place", _("第%(n)d条旅居史：「地点」不能为空") % {"n": i + 1})
        elif len(place) > 100:
            err(f"{key}.place", _("第%(n)d条旅居史：「地点」不能超过100字") % {"n": i + 1})
        row["place"] = place
        for name, label in (("from_date", _("起始日期")), ("to_date", _("截止日期"))):
            try:
                row[name] = _travel_day(stop.get(name), label, i, _("旅居史"))
            except ValueError as exc:
                err(f"{key}.{name}", str(exc))
        if row.get("from_date") and row.get("to_date"):
            if row["from_date"] > row["to_date"]:
                err(f"{key}.to_date", _("第%(n)d条旅居史：「截止日期」不能早于「起始日期」") % {"n": i + 1})
            if row["from_date"] > today:
                err(f"{key}.from_date", _("第%(n)d条旅居史：「起始日期」不能晚于今天") % {"n": i + 1})
        clean_stops.append(row)
    for i, contact in enumerate(contacts):
        key = f"contacts[{i}]"
        if not isinstance(contact, dict):
            err(key, _("第%(n)d条接触史格式不正确") % {"n": i + 1})
            continue
        row = {}
        try:
            row["contact_date"] = _travel_day(contact.get("contact_date"), _("接触日期"), i, _("接触史"))
            if row["contact_date"] > today:
                err(f"{key}.contact_date", _("第%(n)d条接触史：「接触日期」不能晚于今天") % {"n": i + 1})
        except ValueError as exc:
            err(f"{key}.contact_date", str(exc))
        text = str(contact.get("description") or "").strip()
        if not text:
            err(f"{key}.description", _("第%(n)d条接触史：「接触情况」不能为空") % {"n": i + 1})
        elif len(text) > 300:
            err(f"{key}.description", _("第%(n)d条接触史：「接触情况」不能超过300字") % {"n": i + 1})
        row["description"] = text
        try:
            row["with_case"] = _parse_bool(contact.get("with_case", False), "has_fever")
        except ValidationError:
            err(
                f"{key}.with_case", _("第%(n)d条接触史：「与确诊/疑似病例接触」须填“是”或“否”") % {"n": i + 1}
            )
        clean_contacts.append(row)
    if errors:
        raise ValidationError(errors)
    return clean_stops, clean_contacts


def _travel_day(value, label, index, what) -> dt.date:
    try:
        day = parse_day(value, "left_on")
    except ValidationError:
        day = None
    if day is None:
        raise ValueError(
            _("第%(n)d条%(what)s：「%(label)s」须为日期，例如 2020-02-10")
            % {"n": index + 1, "what": what, "label": label}
        )
    return day


def set_travel(
    actor, employee, stops: list[dict], contacts: list[dict], *, expected_version=None
) -> Employee:
    """Replace the places visited (14日内旅居史) and the contact history (14日内接触史), then re-decide.

    ``stops``: [{"region_code", "place", "from_date", "to_date"}]; ``contacts``: [{"contact_date",
    "description", "with_case"}]. All or nothing: one bad row refuses the whole list.
    """
    _check(actor, "workforce.edit", employee=employee)
    clean_stops, clean_contacts = _clean_travel(stops, contacts)
    with transaction.atomic():
        locked = _lock(employee)
        if expected_version not in (None, ""):
            expected = _expected_version(expected_version)
            if locked.version != expected:
                raise _conflict(expected, locked.version)
        before = _travel_picture(locked)
        locked.travel_stops.all().delete()
        locked.close_contacts.all().delete()
        TravelStop.objects.bulk_create(TravelStop(employee=locked, **row) for row in clean_stops)
        CloseContact.objects.bulk_create(CloseContact(employee=locked, **row) for row in clean_contacts)
        after = _travel_picture(locked)
        if after != before:
            locked.version += 1
            locked.save(update_fields=["version", "updated_at"])
            record(actor, "workforce.travel", locked, before=before, after=after)
            _evaluate_locked(actor, locked, note=_("旅居史/接触史修改后重新判定"))
    return Employee.objects.get(pk=locked.pk)


def _travel_picture(employee) -> dict:
    return {
        "stops": [
            {"region_code": s.region_code, "place": s.place, "from_date": s.from_date, "to_date": s.to_date}
            for s in employee.travel_stops.order_by("from_date", "pk")
        ],
        "contacts": [
            {"contact_date": c.contact_date, "description": c.description, "with_case": c.with_case}
            for c in employee.close_contacts.order_by("contact_date", "pk")
        ],
    }
