"""How an audit entry is hashed, by the version stored with it.

Version 1 is the original plain SHA-256 chain: anyone who can write the table can recompute it after an
edit, so it only shows accidents. Version 2 is HMAC-SHA256 under ``settings.AUDIT_HMAC_KEY``, a key kept
outside the database: without it a changed row cannot be given a matching hash. Both live here, apart
from the model, because the migration that switches to version 2 hashes its seal entry with the same
code as the application (a historical model has no methods).
"""

import hashlib
import hmac
import json
from functools import lru_cache

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

LEGACY_SHA256 = 1
HMAC_SHA256 = 2
CURRENT = HMAC_SHA256
VERSIONS = {LEGACY_SHA256, HMAC_SHA256}

# The first keyed entry after unkeyed ones: written by migration 0004, it pins how many unkeyed entries
# there are and the hash of the last, so that they cannot be rewritten or added to afterwards.
SEAL_ACTION = "audit.hash_upgrade"


def body(entry) -> dict:
    """What the hash covers: every column but the hash itself (and, before version 2, the version)."""
    data = {
        "id": entry.pk,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "note": entry.note,
        "prev_hash": entry.prev_hash,
    }
    # Version 1 hashes stay exactly as they were written; from version 2 the version is covered too.
    if entry.hash_version != LEGACY_SHA256:
        data["hash_version"] = entry.hash_version
    return data


def canonical(entry) -> bytes:
    return json.dumps(body(entry), sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def entry_digest(entry) -> str:
    data = canonical(entry)
    if entry.hash_version == LEGACY_SHA256:
        return hashlib.sha256(data).hexdigest()
    if entry.hash_version == HMAC_SHA256:
        return hmac.new(_keys(_secret())[0], data, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown audit hash version {entry.hash_version!r}")


def anchor_mac(data: bytes) -> str:
    """The anchor file's lines are signed with a key of their own, derived from the same secret."""
    return hmac.new(_keys(_secret())[1], data, hashlib.sha256).hexdigest()


def _secret() -> bytes:
    # Unset (development, tests) the key is derived from SECRET_KEY, as FIELD_ENCRYPTION_KEY is; production
    # must set AUDIT_HMAC_KEY, and must never change it while entries hashed under it exist.
    configured = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(("fugong-audit-hmac:" + settings.SECRET_KEY).encode()).digest()


@lru_cache(maxsize=4)
def _keys(secret: bytes) -> tuple[bytes, bytes]:
    return (
        hmac.new(secret, b"fugong-audit-entries", hashlib.sha256).digest(),
        hmac.new(secret, b"fugong-audit-anchors", hashlib.sha256).digest(),
    )
