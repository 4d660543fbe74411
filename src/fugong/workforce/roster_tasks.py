"""Big roster imports in the background, with progress a page can poll.

The upload page saves the file, calls ``import_roster_async(actor, enterprise, path)`` and gets a job id
at once; it then polls ``job_status(job_id)`` (a dict kept in the Django cache) to draw a progress bar
and, at the end, the counts or the row-by-row errors. With a broker the import runs in a Celery worker;
without one (``CELERY_TASK_ALWAYS_EAGER``, the laptop default) it runs inline inside the call, and the
job is already finished when the id comes back — the page code is the same either way.

The uploaded file holds ID numbers in clear, so the job deletes it when it is done, whatever the outcome.
"""

import contextlib
import os
import uuid

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.translation import gettext as _

from fugong.enterprises.importing import ImportFileError
from fugong.enterprises.models import Enterprise
from fugong.workforce.roster import check_import_allowed, import_roster

JOB_TTL = 24 * 3600
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"


def _key(job_id: str) -> str:
    return f"fugong:roster-import:{job_id}"


def _write(job_id: str, **state) -> None:
    current = cache.get(_key(job_id)) or {}
    current.update(state)
    cache.set(_key(job_id), current, JOB_TTL)


def job_status(job_id: str) -> dict | None:
    """The job's state, or None for an unknown (or expired) id.

    Keys: ``state`` (queued / running / done / failed), ``done`` and ``total`` (work units; see
    ``import_roster``), ``percent`` (0–100), ``enterprise_id``, ``user_id``, and when finished
    ``result`` (``RosterImportResult.as_dict()``: rows, created, updated, unchanged, error_count and the
    first 1,000 errors as [row, column, message]) or ``message`` (the file could not be used).
    Pages must show a job only to the user who started it (``user_id``).
    """
    return cache.get(_key(job_id))


def import_roster_async(actor, enterprise, path: str, *, filename: str = "") -> str:
    """Queue the import of the roster saved at ``path`` for ``enterprise``; return the job id.

    Permission is checked here, so a page can answer 403 at once; the worker checks again.
    """
    check_import_allowed(actor, enterprise)
    job_id = uuid.uuid4().hex
    _write(job_id, state=QUEUED, done=0, total=0, percent=0, enterprise_id=enterprise.pk, user_id=actor.pk)
    run_roster_import.delay(
        job_id, actor.pk, enterprise.pk, str(path), filename or os.path.basename(str(path))
    )
    return job_id


@shared_task(name="fugong.workforce.run_roster_import")
def run_roster_import(job_id: str, user_id: int, enterprise_id: int, path: str, filename: str = "") -> None:
    def progress(done: int, total: int) -> None:
        _write(job_id, state=RUNNING, done=done, total=total, percent=min(99, done * 100 // max(total, 1)))

    _write(job_id, state=RUNNING)
    try:
        actor = get_user_model().objects.get(pk=user_id)
        enterprise = Enterprise.objects.get(pk=enterprise_id)
        result = import_roster(actor, enterprise, path, progress=progress, filename=filename)
    except ImportFileError as exc:
        _write(job_id, state=FAILED, message=str(exc))
    except Exception:
        _write(
            job_id, state=FAILED, message=_("导入时发生系统错误，未保存任何数据，请稍后重试或联系管理员。")
        )
        raise
    else:
        _write(job_id, state=DONE, percent=100, result=result.as_dict())
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


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
