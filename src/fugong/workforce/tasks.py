"""Background work on employee files (Celery; inline when CELERY_TASK_ALWAYS_EAGER, as in tests and
the demo)."""

from celery import shared_task

from fugong.workforce import selectors, services

BATCH_SIZE = 500


@shared_task(name="workforce.reevaluate_for_codes")
def reevaluate_for_codes(policy_id: int, region_codes: list[str]) -> int:
    """Re-decide every employee whose travel or return places lie in ``region_codes`` and whose firm
    lives under the policy's region. Each person in their own transaction, so that one failure does
    not hold back the others; returns how many were re-decided."""
    from fugong.policy.models import Policy
    from fugong.policy.selectors import PolicyResolver

    policy = Policy.objects.select_related("region").filter(pk=policy_id).first()
    if policy is None or not region_codes:
        return 0
    done = 0
    last_pk = 0
    resolver = PolicyResolver()  # one resolution per town and date for the whole run
    while True:
        pks = list(
            selectors.employees_touched_by(policy.region, region_codes)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not pks:
            return done
        for pk in pks:
            services.reevaluate(pk, resolver=resolver)
            done += 1
        last_pk = pks[-1]


# Celery's autodiscovery imports only tasks.py; the roster's background tasks live in roster/tasks.py.
from fugong.workforce.roster import tasks as roster_tasks  # noqa: E402,F401
