"""Model fields for personal data kept encrypted at rest: phone numbers, and the blind index that finds
people by them.

Design (issue 11, "phones like ID numbers"). Resident ID numbers are stored as three explicit columns
(``id_number_encrypted`` / ``_index`` / ``_masked``) that every service sets by hand, because the clear
number must never reach a page and the services decide when it may. A phone number is different: the
firm's officer and the town call people, so many pages, forms, imports and exports read and write it in
clear, and masking is a question of who looks, not of where the value goes. So:

* ``EncryptedCharField`` keeps the attribute a plain ``str`` in Python — reading code, forms, the
  roster import's comparisons and ``values_list`` keep working unchanged — while the database holds
  only the Fernet token (``get_prep_value`` encrypts, ``from_db_value`` decrypts, with the same key
  derivation as the ID numbers, ``core.crypto``). The empty string stays empty: it says nothing about
  anybody and keeps ``blank=True`` fields cheap. The column is ``text`` (a token is ~100 characters
  for a 20-character number) while ``max_length`` still limits the clear value in forms and the API.
  Ciphertext is randomised, so filtering on it could never match: every lookup but ``isnull`` and
  ``= ""`` (no phone) is refused with an error naming the index to use, rather than finding nobody.
* ``PhoneIndexField`` is the blind index (keyed HMAC of ``crypto.canonical_phone``) of its ``source``
  field, computed in ``pre_save`` so that ``save()`` and ``bulk_create`` can never store a phone
  without its index. Only models whose people are looked up by phone carry one (the employee file:
  the roster search); an index is itself a linkable fingerprint, so it is not added where nothing
  searches. ``save(update_fields=[source])`` without the index is refused (see ``_index_kept``);
  ``bulk_update``, ``QuerySet.update`` and raw SQL must name or compute the index themselves
  (``index_fields_for`` / ``refresh_indexes`` help).

A value that is not a token reads back as it is, so that a row written before the data migrations that
encrypt existing rows, or restored from an old dump, is still shown instead of breaking the page; the
at-rest tests (tests/test_phones_at_rest.py) make sure no such row is ever written by the code.
"""

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact
from django.db.models.signals import pre_save

from fugong.core import crypto


class EncryptedCharField(models.CharField):
    description = "Text stored encrypted (Fernet); the clear value is limited to max_length"

    def get_internal_type(self) -> str:
        # A token is far longer than the clear value: the column is text, max_length checks the input.
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if value and crypto.is_token(value):
            return crypto.decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        if lookup_name == "exact":
            return _ExactEmpty  # "has no phone" is answerable: the empty string is stored as it is
        raise self.unfilterable(lookup_name)

    def unfilterable(self, lookup_name: str) -> FieldError:
        index = next(
            (f.name for f in getattr(self.model._meta, "phone_index_fields", ()) if f.source == self.name),
            None,
        )
        hint = f"filter on {index!r} with crypto.phone_index(value)" if index else "add a PhoneIndexField"
        return FieldError(
            f"{self.model.__name__}.{self.name} is stored encrypted and cannot be filtered with "
            f"'{lookup_name}' on a value; {hint}."
        )


class _ExactEmpty(Exact):
    """``phone=""`` only: any other value would be compared with a randomised token and never match."""

    def get_prep_lookup(self):
        if self.rhs != "":
            raise self.lhs.output_field.unfilterable(self.lookup_name)
        return super().get_prep_lookup()


class PhoneIndexField(models.CharField):
    """The blind index of the phone in ``source``; "" when there is no phone."""

    description = "Blind index (keyed HMAC) of a phone number field"

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("max_length", 64), ("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        if kwargs.get("db_index") is True:
            kwargs.pop("db_index")
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        cls._meta.phone_index_fields = [*getattr(cls._meta, "phone_index_fields", ()), self]

    def index_of(self, instance) -> str:
        return crypto.phone_index(getattr(instance, self.source))

    def pre_save(self, model_instance, add):
        value = self.index_of(model_instance)
        setattr(model_instance, self.attname, value)
        return value


def index_fields_for(model, field_names) -> list[str]:
    """``field_names`` plus the blind index of every phone among them, for ``bulk_update``."""
    names = list(field_names)
    for field in getattr(model._meta, "phone_index_fields", ()):
        if field.source in names and field.name not in names:
            names.append(field.name)
    return names


def refresh_indexes(instance) -> None:
    """Set the blind indexes of ``instance`` from its phones (``bulk_update`` calls no ``pre_save``)."""
    for field in getattr(instance._meta, "phone_index_fields", ()):
        setattr(instance, field.attname, field.index_of(instance))


def _index_kept(sender, instance, update_fields=None, **kwargs):
    """``save(update_fields=["phone"])`` would write the phone and leave its index describing the old
    number, so that a search finds the person by a number they no longer have: refuse it."""
    if not update_fields:
        return
    for field in getattr(sender._meta, "phone_index_fields", ()):
        if field.source in update_fields and field.name not in update_fields:
            raise ValueError(
                f"{sender.__name__}.save(update_fields=...) names {field.source!r} without its blind "
                f"index {field.name!r}"
            )


pre_save.connect(_index_kept, dispatch_uid="fugong.core.fields.index_kept")
