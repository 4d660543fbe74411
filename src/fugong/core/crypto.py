"""Encryption of personal data at rest and blind indexes to find it again.

Resident ID numbers are stored encrypted (Fernet: AES-128-CBC + HMAC) so that a copied database file
reveals nothing; an HMAC of the normalised number (the "blind index") lets the system find a person by
ID number — for re-imports and checkpoint matching — without decrypting every row.

Phone numbers are kept the same way (``core.fields.EncryptedCharField``), with ``phone_index`` as their
blind index where people are looked up by phone.
"""

import base64
import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet
from django.conf import settings


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    master = hashlib.sha256(("fugong-field-key:" + secret).encode()).digest()
    encryption_key = hmac.new(master, b"encrypt", hashlib.sha256).digest()
    index_key = hmac.new(master, b"blind-index", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(encryption_key)), index_key


def _secret() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


def encrypt(value: str) -> str:
    fernet, _ = _keys(_secret())
    return fernet.encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    fernet, _ = _keys(_secret())
    return fernet.decrypt(token.encode("ascii")).decode()


def blind_index(value: str) -> str:
    _, key = _keys(_secret())
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


# Fernet tokens start with the version byte 0x80 and a 64-bit timestamp whose high bytes are zero, so
# their base64 begins with this; no phone number, name or other clear text stored in a field does.
TOKEN_PREFIX = "gAAAAA"


def is_token(value: str) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


_PHONE_NOISE = re.compile(r"[\s()（）\-－—]")


def canonical_phone(value) -> str:
    """The form of a phone number that its blind index is computed from: full-width digits made ASCII,
    spaces, brackets and hyphens taken out, a +86/0086 country prefix dropped — so that "138 0575 1234",
    "+86 13805751234" and "0575-87012345" / "057587012345" each find the same person."""
    number = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", str(value or "")))
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
    if len(number) == 13 and number.startswith("861"):
        number = number[2:]
    return number


def phone_index(value) -> str:
    """The blind index of a phone number ("" for none). The "phone:" domain keeps it apart from the ID
    number index computed with the same key."""
    number = canonical_phone(value)
    if not number:
        return ""
    _, key = _keys(_secret())
    return hmac.new(key, b"phone:" + number.encode(), hashlib.sha256).hexdigest()
