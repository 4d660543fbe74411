"""Anchors: the chain's head, written now and then to an append-only file outside the database.

The hash chain shows a changed or removed row in the middle, but not a removed tail — the shorter chain
is still a chain — nor an emptied table. An anchor records, at one moment, the last entry's id and hash
and how many entries there were up to it; ``verify_chain`` then requires every anchor to hold for the
rows that remain. Each line is signed (HMAC under a key derived from AUDIT_HMAC_KEY), so an anchor cannot
be made up or edited without the key; a deleted line is what the daily reports, which print the latest
anchor, witness. AUDIT_ANCHOR_PATH should live where the database's administrators cannot write.

One JSON object per line: ``{"at", "id", "hash", "count", "hash_version", "mac"}``.
"""

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from fugong.audit import hashing
from fugong.audit.models import GENESIS_HASH, AuditEntry

_FIELDS = ("at", "id", "hash", "count", "hash_version")


@dataclass(frozen=True)
class Anchor:
    at: dt.datetime
    id: int  # the head entry's id; 0 when the log was empty
    hash: str
    count: int  # entries with an id up to ``id``
    hash_version: int
    line: int = 0  # line number in the file, for messages

    @property
    def short_hash(self) -> str:
        return self.hash[:12]

    def payload(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "id": self.id,
            "hash": self.hash,
            "count": self.count,
            "hash_version": self.hash_version,
        }


class AnchorFileError(Exception):
    """A line of the anchor file is unreadable or its signature does not match."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def anchor_path() -> Path:
    if settings.AUDIT_ANCHOR_PATH:
        return Path(settings.AUDIT_ANCHOR_PATH)
    # Read when used, not at import: under the test runner the connection names the test database.
    name = slugify(Path(str(connection.settings_dict["NAME"])).stem) or "default"
    return settings.VAR_DIR / "audit" / f"anchors-{connection.vendor}-{name}.jsonl"


def _mac(payload: dict) -> str:
    return hashing.anchor_mac(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode())


def current_head() -> Anchor:
    """The chain's head now. No lock is needed for the count to match the head: appends take an advisory
    lock until they commit, so ids are committed in order and every id below the head is already in."""
    head = AuditEntry.objects.order_by("-id").values("id", "entry_hash", "hash_version").first()
    if head is None:
        return Anchor(timezone.now(), 0, GENESIS_HASH, 0, hashing.CURRENT)
    count = AuditEntry.objects.filter(id__lte=head["id"]).count()
    return Anchor(timezone.now(), head["id"], head["entry_hash"], count, head["hash_version"])


def write_anchor(path: Path | str | None = None) -> tuple[Anchor, Path]:
    """Append the current head to the anchor file (created with its directories if missing)."""
    path = Path(path) if path is not None else anchor_path()
    anchor = current_head()
    payload = anchor.payload()
    line = json.dumps({**payload, "mac": _mac(payload)}, sort_keys=True, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: never rewrite what is there; the lock keeps two writers (beat, the command) from interleaving.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(line.encode())
        handle.flush()
        os.fsync(handle.fileno())
    return anchor, path


def parse_line(text: str, number: int) -> Anchor:
    try:
        data = json.loads(text)
        payload = {name: data[name] for name in _FIELDS}
        anchor = Anchor(
            at=dt.datetime.fromisoformat(payload["at"]),
            id=int(payload["id"]),
            hash=str(payload["hash"]),
            count=int(payload["count"]),
            hash_version=int(payload["hash_version"]),
            line=number,
        )
        mac = str(data["mac"])
    except (ValueError, KeyError, TypeError) as exc:
        raise AnchorFileError(number, f"锚点文件第 {number} 行无法解析（锚点文件被改动或写入中断）") from exc
    if mac != _mac(payload):
        raise AnchorFileError(
            number, f"锚点文件第 {number} 行的校验码不符（锚点被改动，或 AUDIT_HMAC_KEY 与写入时不同）"
        )
    return anchor


def read_anchors(path: Path | str | None = None) -> list[Anchor]:
    """Every anchor in the file, in file order; [] when there is no file yet. Raises AnchorFileError."""
    path = Path(path) if path is not None else anchor_path()
    if not path.exists():
        return []
    anchors = []
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                anchors.append(parse_line(text, number))
    return anchors


def latest_anchor(before: dt.datetime | None = None, path: Path | str | None = None) -> Anchor | None:
    """The last valid anchor written before ``before`` (all of them when None), read from the file's end:
    the file grows by a line every few minutes, and a day's report needs only its last one."""
    path = Path(path) if path is not None else anchor_path()
    if not path.exists():
        return None
    for text in _lines_backwards(path):
        try:
            anchor = parse_line(text, 0)
        except AnchorFileError:
            continue  # verify_audit reports it; a report shows only an anchor that holds
        if before is None or anchor.at < before:
            return anchor
    return None


def _lines_backwards(path: Path, chunk: int = 64 * 1024) -> Iterator[str]:
    """The file's non-empty lines, last first, reading a chunk at a time from the end."""
    with path.open("rb") as handle:
        position = handle.seek(0, os.SEEK_END)
        rest = b""  # the start of a line whose beginning lies in the chunk not read yet
        while position > 0:
            step = min(chunk, position)
            position -= step
            handle.seek(position)
            parts = (handle.read(step) + rest).split(b"\n")
            rest = parts.pop(0)
            for part in reversed(parts):
                if part.strip():
                    yield part.decode("utf-8", errors="replace")
        if rest.strip():
            yield rest.decode("utf-8", errors="replace")
