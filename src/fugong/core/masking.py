"""Phone numbers shown in full only to those who call the person; masked (138****0000) for everyone else.

Two kinds of phone, two capabilities in ``accounts.roles`` (see the reasons there):

* ``PERSON`` — an employee, a visitor or driver at the gate, a person stopped at a checkpoint, a user:
  ``phone.view`` — the firm's own officer (its people and its visitors; their scope is that one firm)
  and the town officer (follows returners and arrivals up, organises isolation).
* ``CONTACT`` — the people a firm names for officials to reach it: the legal representative, the
  prevention lead and team, the fixed shuttle driver: ``phone.contact.view`` — every officer who
  oversees or helps the firm, and the firm itself.

Everything that shows a phone — serializers (``PhoneField``), templates (``{% load phones %}``), Excel
exports — asks ``phone_for``; the audit log keeps only masked phones (``mask_phones_in``).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fugong.accounts.roles import can

PERSON = "person"
CONTACT = "contact"
CAPABILITY = {PERSON: "phone.view", CONTACT: "phone.contact.view"}


def mask_phone(value) -> str:
    """138****0000: the carrier prefix and the last four, as on a delivery label. A landline keeps its
    first three and last four characters too (057******1234); anything shorter than eight is starred."""
    text = str(value or "")
    if not text:
        return ""
    if len(text) < 8:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def may_see_phone(user, kind: str = PERSON) -> bool:
    return can(user, CAPABILITY[kind])


def phone_for(user, value, *, kind: str = PERSON, owner_id=None) -> str:
    """``value`` as ``user`` may see it: in full, or masked. ``owner_id`` is the user the number belongs
    to, when it has one (an employee's own file): a person always sees their own number."""
    if not value:
        return ""
    own = owner_id is not None and owner_id == getattr(user, "pk", None)
    return str(value) if own or may_see_phone(user, kind) else mask_phone(value)


def is_phone_key(key) -> bool:
    """The field names phones are stored under: phone, driver_phone, prevention_lead_phone …"""
    return isinstance(key, str) and (key == "phone" or key.endswith("_phone"))


def mask_phones_in(data):
    """A JSON-like picture (an audit before/after) with every phone-named value masked, at any depth."""
    if isinstance(data, dict):
        return {
            key: mask_phone(value) if is_phone_key(key) and isinstance(value, str) else mask_phones_in(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_phones_in(item) for item in data]
    return data


class PhoneField(serializers.CharField):
    """A phone in the API: read as the caller may see it (``phone_for``), written as typed. ``owner`` names
    the attribute holding the id of the user the number belongs to (``user_id`` on an employee file)."""

    def __init__(self, *, kind: str = PERSON, owner: str | None = None, **kwargs):
        self.kind, self.owner = kind, owner
        kwargs.setdefault(
            "help_text",
            _("仅本企业防疫专员和属地镇街可见完整号码，其他角色显示为 138****0000。")
            if kind == PERSON
            else _("企业联系人电话：门岗等角色显示为 138****0000。"),
        )
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return (value, getattr(instance, self.owner, None) if self.owner else None)

    def to_representation(self, value):
        value, owner_id = value if isinstance(value, tuple) else (value, None)
        request = self.context.get("request")
        return phone_for(getattr(request, "user", None), value, kind=self.kind, owner_id=owner_id)
