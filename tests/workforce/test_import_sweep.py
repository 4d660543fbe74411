"""Nothing left behind by a crash (issue 11 item 5) and import jobs shared by every worker (item 6).

A killed worker is simulated by what it leaves: a job row still "running" with its file on disk, a file
with no job, people an import committed but whose evaluation never ran."""

import datetime as dt
import os
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from fugong.audit.models import AuditEntry
from fugong.workforce.models import Employee, ImportJob
from fugong.workforce.roster import importing
from fugong.workforce.roster import tasks as roster_tasks
from tests.workforce.test_roster import person, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    folder = roster_tasks.upload_dir()
    folder.mkdir()
    return folder


def _age(path, hours: float) -> None:
    past = time.time() - hours * 3600
    os.utime(path, (past, past))


def test_job_state_lives_in_the_database_not_in_one_workers_memory(world, uploads):
    path = uploads / "roster-a.xlsx"
    path.write_bytes(xlsx([person(1)]).getvalue())
    job_id = roster_tasks.import_roster_async(world.users["ent_a"], world.firm_a, str(path))
    cache.clear()  # another worker's empty memory
    status = roster_tasks.job_status(job_id)
    assert status["state"] == "done" and status["result"]["created"] == 1
    assert ImportJob.objects.visible_to(world.users["ent_a"]).filter(pk=job_id).exists()
    assert not ImportJob.objects.visible_to(world.users["task_force"]).filter(pk=job_id).exists()
    assert not ImportJob.objects.visible_to(world.users["outsider"]).exists()
    assert ImportJob.objects.get(pk=job_id).path == ""
    assert not path.exists()


def test_sweep_fails_a_job_whose_worker_died_and_removes_its_file(world, uploads):
    path = uploads / "roster-killed.xlsx"
    path.write_bytes(b"65,000 ID numbers in clear")
    job = ImportJob.objects.create(
        id="k" * 32, user=world.users["ent_a"], enterprise=world.firm_a, state="running", path=str(path)
    )
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=2))
    live = uploads / "roster-live.xlsx"
    live.write_bytes(b"a job still running")
    _age(live, 3)
    ImportJob.objects.create(
        id="l" * 32, user=world.users["ent_a"], enterprise=world.firm_a, state="running", path=str(live)
    )
    orphan, fresh = uploads / "roster-orphan.xlsx", uploads / "roster-fresh.xlsx"
    orphan.write_bytes(b"saved, never queued")
    fresh.write_bytes(b"being queued now")
    _age(orphan, 2)

    counts = roster_tasks.sweep_imports()

    assert counts["stale_jobs"] == 1 and counts["files_removed"] == 1
    assert not path.exists() and not orphan.exists()
    assert live.exists() and fresh.exists()  # a live job's file and a file of the last hour stay
    status = roster_tasks.job_status(job.pk)
    assert status["state"] == "failed" and "导入中断" in status["message"]
    assert roster_tasks.sweep_imports() == {"stale_jobs": 0, "files_removed": 0, "decided": 0}


def test_people_an_interrupted_run_left_undecided_are_decided_once(world, n0, monkeypatch):
    # The worker dies after the import commits, before its evaluation: the on-commit hook never runs.
    monkeypatch.setattr(importing, "after_roster_import", lambda *args, **kwargs: None)
    result = importing.import_roster(
        world.users["ent_a"], world.firm_a, xlsx([person(n) for n in range(1, 6)])
    )
    assert result.ok and result.created == 5
    assert Employee.objects.filter(decided_at__isnull=True).count() == 5

    # Within the settling time a running import's own evaluation is left to finish.
    assert roster_tasks.decide_undecided() == 0
    later = timezone.now() + dt.timedelta(minutes=11)
    assert roster_tasks.sweep_imports(later)["decided"] == 5
    assert not Employee.objects.filter(decided_at__isnull=True).exists()
    assert set(Employee.objects.values_list("decision", flat=True)) == {"may_return"}

    entries = AuditEntry.objects.count()
    assert roster_tasks.sweep_imports(later)["decided"] == 0  # idempotent
    assert AuditEntry.objects.count() == entries


def test_people_of_a_town_without_a_policy_are_not_decided_by_the_sweep(world, monkeypatch):
    monkeypatch.setattr(importing, "after_roster_import", lambda *args, **kwargs: None)
    assert importing.import_roster(world.users["ent_a"], world.firm_a, xlsx([person(1)])).ok
    assert roster_tasks.decide_undecided(timezone.now() + dt.timedelta(hours=1)) == 0


def test_the_sweep_is_scheduled(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["workforce.sweep_imports"]
    assert entry["task"] == roster_tasks.sweep_imports.name
