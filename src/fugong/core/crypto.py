"""Encryption of personal data at rest and blind indexes to find it again.

Resident ID numbers are stored encrypted (Fernet: AES-128-CBC + HMAC) so that a copied database file
reveals nothing; an HMAC of the normalised number (the "blind index") lets the system find a person by
ID number — for re-imports and checkpoint matching — without decrypting every row.
"""

import base64
import hashlib
import hmac
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
