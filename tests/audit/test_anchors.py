"""Anchors of the chain's head: written by beat and by ``anchor_audit``, read back from the file's end,
printed on the task force's daily report."""

import datetime as dt
import json
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fugong.audit import anchors
from fugong.audit.models import GENESIS_HASH
from fugong.audit.services import record, verify_chain
from fugong.audit.tasks import anchor_chain


def _entries(world, n=3):
    return [
        record(world.users["task_force"], "enterprise.update", world.firm_a, after={"n": i}) for i in range(n)
    ]


def test_anchor_audit_appends_the_head_creating_the_directory(world, anchor_file):
    entries = _entries(world)
    assert not anchor_file.parent.exists()
    out = StringIO()
    call_command("anchor_audit", stdout=out)
    assert (
        f"第 {entries[-1].pk} 条记录（共 3 条），哈希前12位 {entries[-1].entry_hash[:12]}" in out.getvalue()
    )
    _entries(world, 1)
    call_command("anchor_audit", stdout=StringIO())
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    assert len(lines) == 2  # appended, the first line untouched
    assert lines[0]["id"] == entries[-1].pk and lines[0]["count"] == 3
    assert lines[0]["hash"] == entries[-1].entry_hash and lines[0]["hash_version"] == 2
    assert lines[1]["count"] == 4
    assert dt.datetime.fromisoformat(lines[0]["at"]) <= timezone.now()
    assert all(len(line["mac"]) == 64 for line in lines)
    report = verify_chain()
    assert report.ok and report.anchors == 2 and report.checked == 4


def test_anchor_of_the_empty_log(world, anchor_file):
    anchor, path = anchors.write_anchor()
    assert path == anchor_file
    assert (anchor.id, anchor.count, anchor.hash) == (0, 0, GENESIS_HASH)


def test_beat_runs_the_anchor_task_every_quarter_hour(world, anchor_file):
    entry = settings.CELERY_BEAT_SCHEDULE["audit.anchor_chain"]
    assert entry["task"] == anchor_chain.name
    assert entry["schedule"] <= 15 * 60
    _entries(world, 2)
    result = anchor_chain.delay().get()  # in-process without a broker, as in the demo
    assert result["count"] == 2
    (line,) = anchor_file.read_text().splitlines()
    assert json.loads(line)["count"] == 2


def test_latest_anchor_reads_from_the_end(world, anchor_file, monkeypatch):
    _entries(world, 1)
    moments = [timezone.now() - dt.timedelta(days=d) for d in (3, 2, 1)]
    for moment in moments:
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        anchors.write_anchor()
    monkeypatch.undo()
    assert anchors.latest_anchor().at == moments[-1]
    assert anchors.latest_anchor(before=moments[-1]).at == moments[1]
    assert anchors.latest_anchor(before=moments[0]) is None
    # A line that does not hold is passed over, never printed.
    with anchor_file.open("a") as handle:
        handle.write(
            '{"at": "2099-01-01T00:00:00+00:00", "id": 1, "hash": "x", "count": 1, "hash_version": 2, "mac": "0"}\n'
        )
    assert anchors.latest_anchor().at == moments[-1]


def test_lines_backwards_across_chunks(tmp_path):
    path = tmp_path / "lines"
    lines = [f"第{i}行" * (i % 5 + 1) for i in range(40)]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    for chunk in (1, 3, 7, 64 * 1024):
        assert list(anchors._lines_backwards(path, chunk=chunk)) == lines[::-1]


def test_default_path_is_one_file_per_database(settings):
    settings.AUDIT_ANCHOR_PATH = ""
    path = anchors.anchor_path()
    assert path.parent == settings.VAR_DIR / "audit"
    assert path.name.startswith(f"anchors-{connection.vendor}-") and path.suffix == ".jsonl"


# The daily report ----------------------------------------------------------------------------


def test_daily_report_prints_the_days_last_anchor_for_the_task_force(world, client):
    entries = _entries(world)
    anchor, _path = anchors.write_anchor()
    client.force_login(world.users["task_force"])
    page = client.get(reverse("reports:daily")).content.decode()
    assert 'data-testid="audit-anchor"' in page
    assert f"审计链锚点：第 {entries[-1].pk} 条（共 3 条），哈希前12位 {entries[-1].entry_hash[:12]}" in page
    local = timezone.localtime(anchor.at)
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in page

    # Yesterday's report was closed before this anchor was written.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page = client.get(reverse("reports:daily"), {"day": yesterday.isoformat()}).content.decode()
    assert 'data-testid="audit-anchor"' not in page


def test_daily_report_without_anchor_or_for_a_town_has_no_line(world, client):
    _entries(world)
    client.force_login(world.users["task_force"])
    assert 'data-testid="audit-anchor"' not in client.get(reverse("reports:daily")).content.decode()
    anchors.write_anchor()
    client.force_login(world.users["town_a"])  # the audit log is the task force's to read
    page = client.get(reverse("reports:daily"))
    assert page.status_code == 200 and 'data-testid="audit-anchor"' not in page.content.decode()
