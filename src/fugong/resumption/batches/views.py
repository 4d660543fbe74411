"""The task force's batches (分批): grouping applications that wait for its step, and releasing them."""

from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.roles import require
from fugong.core.tables import Column, sorted_table
from fugong.resumption import selectors
from fugong.resumption.batches import services
from fugong.resumption.forms import BatchForm
from fugong.resumption.models import ResumptionApplication, ReviewDecision
from fugong.resumption.views import PAGE_SIZE, _acting_tokens

# An unreleased batch has no release time; this stand-in sorts it at the same end on every database.
FOREVER = datetime(9999, 1, 1, tzinfo=UTC)


def _batch_candidates(user) -> list[ResumptionApplication]:
    """Applications waiting for the user's task-force step and not already in an unreleased batch."""
    waiting = selectors.queue_for(user).filter(Q(batch__isnull=True) | Q(batch__released_at__isnull=False))
    out = []
    for application in waiting:
        step, tokens = _acting_tokens(user, application)
        if step is not None and "task_force" in tokens:
            application.step_name = step.name
            out.append(application)
    return out


BATCH_COLUMNS = [
    Column(gettext_lazy("批次"), "number", ("number",)),
    Column(gettext_lazy("区域"), "region", ("region__code", "number")),
    Column(gettext_lazy("创建"), "created", ("created_at",)),
    # Unreleased batches count as released last: waiting ones lead when the newest come first.
    Column(gettext_lazy("放行"), "released", ("released_key",)),
]


@login_required
def batches(request):
    user = request.user
    require(user, "resumption.batch")
    form = BatchForm(request.POST or None, candidates=_batch_candidates(user))
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.create_batch(user, form.cleaned_data["applications"], form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已编成%(batch)s，核对后放行。") % {"batch": batch})
            return redirect("resumption:batch", pk=batch.pk)
    rows = selectors.batches_visible_to(user).alias(released_key=Coalesce("released_at", Value(FOREVER)))
    table = sorted_table(request, rows, BATCH_COLUMNS, default="-created", page_size=PAGE_SIZE)
    context = {"form": form, "table": table, "batches": table.page}
    return render(request, "resumption/batches.html", context, status=400 if form.errors else 200)


@login_required
def batch_detail(request, pk: int):
    user = request.user
    require(user, "resumption.batch")
    batch = selectors.batches_visible_to(user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    if request.method == "POST":
        try:
            batch, passed, dropped = services.release_batch(user, batch)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request, _("已放行%(n)d件，移出%(m)d件。") % {"n": len(passed), "m": len(dropped)}
            )
        return redirect("resumption:batch", pk=batch.pk)
    # In the batch now, or passed by its release (a released application may have moved on).
    passed_ids = ReviewDecision.objects.filter(batch=batch).values("step__application")
    rows = (
        selectors.applications_visible_to(user)
        .filter(Q(batch=batch) | Q(pk__in=passed_ids))
        .order_by("-priority_score", "submitted_at", "id")
    )
    return render(request, "resumption/batch.html", {"batch": batch, "rows": rows})
