"""Big roster imports in the background, with progress a page can poll.

The upload page saves the file, calls ``import_roster_async(actor, enterprise, path)`` and gets a job id
at once; it then polls ``job_status(job_id)`` to draw a progress bar and, at the end, the counts or the
row-by-row errors. With a broker the import runs in a Celery worker; without one
(``CELERY_TASK_ALWAYS_EAGER``, the laptop default) it runs inline inside the call, and the job is already
finished when the id comes back — the page code is the same either way.

The job itself (who, which firm, state, result, where its file waits) is a row of ``ImportJob``, so any
web worker answers for it and a job whose worker died is found afterwards. The running percentage is
written from inside the import's transaction, where a row update would stay invisible until the end, so
it goes to the cache — Redis in production (shared by every worker; settings refuse to start without
it), the process's memory on a laptop, where one process serves everything.

The uploaded file holds ID numbers in clear, so the job deletes it when it is done, whatever the outcome,
and ``sweep_imports`` deletes what a killed worker left behind.
"""

import contextlib
import datetime as dt
import os
import uuid
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import Enterprise
from fugong.workforce.models import ImportJob, ImportJobState
from fugong.workforce.roster.importing import import_roster
from fugong.workforce.roster.permissions import check_import_allowed

QUEUED, RUNNING, DONE, FAILED = (
    ImportJobState.QUEUED,
    ImportJobState.RUNNING,
    ImportJobState.DONE,
    ImportJobState.FAILED,
)
PROGRESS_TTL = 24 * 3600
# A job untouched this long has lost its worker: no import of the largest allowed file takes so long
# without reporting progress (it reports every 1,000 rows).
STALE_AFTER = dt.timedelta(hours=1)


def upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "uploads"


def _progress_key(job_id: str) -> str:
    return f"fugong:roster-import:{job_id}:progress"


def _finish(job_id: str, state: str, **fields) -> None:
    ImportJob.objects.filter(pk=job_id).update(
        state=state, finished_at=timezone.now(), updated_at=timezone.now(), **fields
    )
    cache.delete(_progress_key(job_id))


def job_status(job_id: str) -> dict | None:
    """The job's state, or None for an unknown id.

    Keys: ``state`` (queued / running / done / failed), ``done`` and ``total`` (work units; see
    ``import_roster``), ``percent`` (0–100), ``enterprise_id``, ``user_id``, and when finished
    ``result`` (``RosterImportResult.as_dict()``: rows, created, updated, unchanged, error_count and the
    first 1,000 errors as [row, column, message]) or ``message`` (the file could not be used).
    Pages must show a job only to the user who started it (``user_id``).
    """
    job = ImportJob.objects.filter(pk=str(job_id)[:32]).first()
    if job is None:
        return None
    status = {
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "enterprise_id": job.enterprise_id,
        "user_id": job.user_id,
    }
    if job.state in (QUEUED, RUNNING):
        status.update(cache.get(_progress_key(job.pk)) or {})
    if job.result is not None:
        status["result"] = job.result
    if job.message:
        status["message"] = job.message
    return status


def import_roster_async(actor, enterprise, path: str, *, filename: str = "") -> str:
    """Queue the import of the roster saved at ``path`` for ``enterprise``; return the job id.

    Permission is checked here, so a page can answer 403 at once; the worker checks again.
    """
    check_import_allowed(actor, enterprise)
    job = ImportJob.objects.create(
        id=uuid.uuid4().hex,
        user=actor,
        enterprise=enterprise,
        path=str(path),
        filename=filename or os.path.basename(str(path)),
    )
    run_roster_import.delay(job.pk, actor.pk, enterprise.pk, str(path), job.filename)
    return job.pk


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


@shared_task(name="fugong.workforce.run_roster_import")
def run_roster_import(job_id: str, user_id: int, enterprise_id: int, path: str, filename: str = "") -> None:
    def progress(done: int, total: int) -> None:
        state = {
            "state": RUNNING,
            "done": done,
            "total": total,
            "percent": min(99, done * 100 // max(total, 1)),
        }
        cache.set(_progress_key(job_id), state, PROGRESS_TTL)
        # The row too, out of the import's transaction only when there is none (the sweep's clock).
        ImportJob.objects.filter(pk=job_id).update(updated_at=timezone.now())

    ImportJob.objects.filter(pk=job_id).update(state=RUNNING, updated_at=timezone.now())
    try:
        actor = get_user_model().objects.get(pk=user_id)
        enterprise = Enterprise.objects.get(pk=enterprise_id)
        result = import_roster(actor, enterprise, path, progress=progress, filename=filename)
    except ImportFileError as exc:
        _finish(job_id, FAILED, message=str(exc)[:500])
    except Exception:
        _finish(job_id, FAILED, message=_("导入时发生系统错误，未保存任何数据，请稍后重试或联系管理员。"))
        raise
    else:
        _finish(job_id, DONE, percent=100, result=result.as_dict())
    finally:
        _remove(path)
        ImportJob.objects.filter(pk=job_id).update(path="")


INTERRUPTED = gettext_lazy("导入中断（处理进程意外停止），未保存任何数据，请重新上传文件。")


@shared_task(name="fugong.workforce.sweep_imports")
def sweep_imports(now: dt.datetime | None = None) -> dict:
    """Clean up after imports whose worker died, and decide the people an interrupted run left undecided.

    * a job queued or running but untouched for ``STALE_AFTER`` is marked failed and its file removed
      (the import is one transaction, so a killed worker saved nothing);
    * any file in the upload folder older than ``STALE_AFTER`` that no live job waits for is removed —
      files of jobs whose row never got written, or of a crash between saving and queueing;
    * people who were never decided (``decided_at`` empty) though their firm's town has a policy in force
      are decided now — the evaluation after an import runs after its commit, and a worker killed in
      between left them so. Idempotent: a decided person is not picked again.
    Returns the counts, for the log.
    """
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    stale = list(
        ImportJob.objects.filter(state__in=[QUEUED, RUNNING], updated_at__lt=cutoff).values_list("pk", "path")
    )
    for job_id, path in stale:
        if path:
            _remove(path)
        _finish(job_id, FAILED, message=str(INTERRUPTED), path="")
    live = {
        os.path.abspath(p)
        for p in ImportJob.objects.filter(state__in=[QUEUED, RUNNING])
        .exclude(path="")
        .values_list("path", flat=True)
    }
    removed = 0
    folder = upload_dir()
    if folder.is_dir():
        for entry in folder.iterdir():
            if not entry.is_file() or os.path.abspath(entry) in live:
                continue
            modified = dt.datetime.fromtimestamp(entry.stat().st_mtime, tz=dt.UTC)
            if modified < cutoff:
                _remove(str(entry))
                removed += 1
    decided = decide_undecided(now)
    return {"stale_jobs": len(stale), "files_removed": removed, "decided": decided}


def decide_undecided(
    now: dt.datetime | None = None, *, settle: dt.timedelta = dt.timedelta(minutes=10)
) -> int:
    """Decide the people on file for longer than ``settle`` who were never decided, in firms whose town
    has a policy in force today (elsewhere there is nothing to decide by). The settling time leaves a
    running import's own evaluation to finish first."""
    from fugong.policy.selectors import PolicyResolver
    from fugong.regions.models import Region
    from fugong.workforce.bulk_evaluation import evaluate_many
    from fugong.workforce.models import Employee

    now = now or timezone.now()
    undecided = Employee.objects.filter(decided_at__isnull=True, created_at__lt=now - settle)
    town_ids = set(undecided.order_by().values_list("enterprise__town_id", flat=True).distinct())
    if not town_ids:
        return 0
    policies = PolicyResolver().find_many(
        list(Region.objects.filter(pk__in=town_ids)), timezone.localdate(now)
    )
    governed = [town_id for town_id, policy in policies.items() if policy is not None]
    ids = list(undecided.filter(enterprise__town_id__in=governed).order_by("pk").values_list("pk", flat=True))
    if not ids:
        return 0
    return evaluate_many(ids, note=_("补做导入后未完成的返岗判定"))


@shared_task(name="fugong.workforce.evaluate_imported")
def evaluate_imported(employee_ids: list[int]) -> int:
    """Decide the return of people a roster import created or changed; returns how many were decided.

    ``bulk_evaluation.evaluate_many`` writes exactly what ``services.reevaluate`` would person by person
    (decisions, status moves, episodes, history and audit entries, in the same order) a chunk of people
    per transaction, in a handful of queries per chunk; a chunk that fails is redone one transaction per
    person, so one failure does not undo the others.
    """
    from fugong.workforce.bulk_evaluation import evaluate_many

    return evaluate_many(employee_ids, note=_("导入员工名册后判定返岗"))
