"""The task force's approval in batches (分批, SPEC §4), written as every write is (see
``fugong.resumption.services``).

``create_batch`` groups applications waiting for a task-force step, ``release_batch`` passes that step
for all of them at once.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.audit.services import record
from fugong.resumption import chain, selectors
from fugong.resumption.approval.services import _decide_locked, next_number
from fugong.resumption.models import ApprovalBatch, Decision, ResumptionApplication, ReviewStep
from fugong.resumption.services import _lock, _now


def _waits_for_task_force(actor, application) -> ReviewStep | None:
    step = selectors.active_step(application)
    if step is None or not chain.acting_tokens(actor, step, application.enterprise):
        return None
    return step if "task_force" in step.pending_participants else None


def create_batch(actor, applications, name: str = "") -> ApprovalBatch:
    """Group applications that wait for the actor's task-force step into a batch to release together."""
    if not can(actor, "resumption.batch") or actor.region_id is None:
        raise PermissionDenied(_("只有指挥部（专班）可以分批审批。"))
    ids = sorted({a.pk if hasattr(a, "pk") else int(a) for a in applications or []})
    if not ids:
        raise ValidationError({"applications": [_("批次至少包含一个申请")]})
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError({"name": [_("批次名称不能超过100字")]})
    with transaction.atomic():
        rows = list(
            ResumptionApplication.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("enterprise__town", "enterprise__department")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(rows) != len(ids):
            raise PermissionDenied(_("部分申请不存在或不在您的管辖范围内。"))
        problems = []
        for app in rows:
            if _waits_for_task_force(actor, app) is None:
                problems.append(
                    _("「%(firm)s」的申请当前不在待指挥部审批环节") % {"firm": app.enterprise.name}
                )
            elif app.batch_id and app.batch.released_at is None:
                problems.append(
                    _("「%(firm)s」的申请已在%(batch)s中") % {"firm": app.enterprise.name, "batch": app.batch}
                )
        if problems:
            raise ValidationError({"applications": problems})
        number = next_number(f"batch:{actor.region.code}", 0)
        batch = ApprovalBatch.objects.create(
            region=actor.region, number=number, name=name or _("第%(n)d批") % {"n": number}, created_by=actor
        )
        for app in rows:
            app.batch = batch
            app.save(update_fields=["batch", "updated_at"])
        record(
            actor,
            "resumption.batch.create",
            batch,
            after={"number": number, "name": batch.name, "applications": ids},
        )
    return batch


def release_batch(actor, batch) -> tuple[ApprovalBatch, list[int], list[int]]:
    """Pass the task-force step of every application in the batch at once (分批批准).

    Applications that left the task-force step since the batch was made (returned meanwhile, or passed
    one by one) are taken out of the batch and reported; the others pass. Returns (batch, passed ids,
    dropped ids). Releasing a released batch again changes nothing.
    """
    if not can(actor, "resumption.batch"):
        raise PermissionDenied(_("只有指挥部（专班）可以分批审批。"))
    if not selectors.batches_visible_to(actor).filter(pk=batch.pk).exists():
        raise PermissionDenied(_("该批次不在您的管辖范围内。"))
    now = _now()
    passed, dropped, problems = [], [], {}
    with transaction.atomic():
        locked = ApprovalBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.released_at is not None:
            return locked, list(locked.applications.values_list("pk", flat=True)), []
        for app in ResumptionApplication.objects.filter(batch=locked).order_by(
            "-priority_score", "submitted_at", "pk"
        ):
            app_locked = _lock(app)
            step = _waits_for_task_force(actor, app_locked)
            if step is None:
                app_locked.batch = None
                app_locked.save(update_fields=["batch", "updated_at"])
                dropped.append(app_locked.pk)
                continue
            try:
                with transaction.atomic():
                    _decide_locked(actor, app_locked, Decision.PASS, "", step.key, now, batch=locked)
            except ValidationError as exc:
                # One firm that may not start yet (the date gate at approval) does not hold up the batch.
                ResumptionApplication.objects.filter(pk=app_locked.pk).update(batch=None)
                dropped.append(app_locked.pk)
                problems[app_locked.pk] = "；".join(exc.messages)
                continue
            passed.append(app_locked.pk)
        locked.released_at = now
        locked.released_by = actor
        locked.save(update_fields=["released_at", "released_by"])
        record(
            actor,
            "resumption.batch.release",
            locked,
            after={"released_at": now, "passed": passed, "dropped": dropped, "problems": problems},
            note=_("放行%(n)d件，移出%(m)d件") % {"n": len(passed), "m": len(dropped)},
        )
    return locked, passed, dropped
