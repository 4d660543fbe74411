"""What a new policy version changes, shown before it is published and carried out after (SPEC §2).

``preview`` takes the parameters a task force is about to publish and answers, without writing
anything: the people whose return decision or release date would move (into or out of isolation, the
buffer zone, or barred), the open applications whose date gate would open or close, and the firms
whose required checklists would change. ``redecide`` runs after the version is published (a Celery
task, with progress on a ``PolicyChangeRun``) and re-decides exactly the people the same comparison
finds, each through the ordinary service, so every changed decision cites the new version.

Both ask one question per person — "does the policy in force on this person's evaluation day decide
differently from what is stored?" — so the preview's counts are what applying does.
"""

import dataclasses
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.policy.models import Policy, PolicyChangeRun, PolicyVersion
from fugong.policy.parameters import PolicyParameters, parse_parameters
from fugong.policy.selectors import PolicyResolver, ResolvedPolicy

CHUNK = 200


@dataclass
class Impact:
    people: Counter = field(default_factory=Counter)  # transition key → count
    people_ids: list[int] = field(default_factory=list)
    applications_opened: int = 0
    applications_closed: int = 0
    application_ids: list[int] = field(default_factory=list)
    firms_checklists: int = 0

    @property
    def people_total(self) -> int:
        return len(self.people_ids)

    def rows(self) -> list[dict]:
        """Lines for the preview page."""
        labels = {
            "into_isolation": _("进入隔离观察"),
            "out_of_isolation": _("不再需要隔离观察"),
            "release_moved": _("解除隔离日期改变"),
            "into_buffer": _("进入缓冲区"),
            "out_of_buffer": _("不再需要进入缓冲区"),
            "into_barred": _("改为暂不得返岗"),
            "out_of_barred": _("不再暂缓返岗"),
        }
        rows = [{"label": labels[k], "count": self.people[k]} for k in labels if self.people[k]]
        if self.applications_opened:
            rows.append({"label": _("复工申请可提前复工"), "count": self.applications_opened})
        if self.applications_closed:
            rows.append({"label": _("复工申请须推迟到最早复工时间"), "count": self.applications_closed})
        if self.firms_checklists:
            rows.append({"label": _("企业须执行的检查清单改变"), "count": self.firms_checklists})
        return rows

    def as_json(self) -> dict:
        return {
            "people": dict(self.people),
            "people_total": self.people_total,
            "applications_opened": self.applications_opened,
            "applications_closed": self.applications_closed,
            "firms_checklists": self.firms_checklists,
        }


def _transition(before: str, after: str) -> str | None:
    from fugong.workforce.models import ReturnDecision as D

    if before == after:
        return None
    for state, key in ((D.ISOLATE, "isolation"), (D.BUFFER, "buffer"), (D.BARRED, "barred")):
        if after == state:
            return f"into_{key}"
    for state, key in ((D.ISOLATE, "isolation"), (D.BUFFER, "buffer"), (D.BARRED, "barred")):
        if before == state:
            return f"out_of_{key}"
    return None


def _people(policy: Policy, effective_from: dt.date):
    from fugong.workforce.models import Employee, EmployeeStatus

    return (
        Employee.objects.filter(enterprise__town__path__startswith=policy.region.path)
        .exclude(status=EmployeeStatus.LEFT)
        .exclude(decision="")
        .select_related("enterprise__town")
        .prefetch_related("travel_stops", "close_contacts")
        .order_by("pk")
    )


def _changes(policy: Policy, effective_from: dt.date, decide) -> tuple[Counter, list[int]]:
    """``decide(employee, resolver, day)`` gives the (decision, release date) the policy would give, or
    None when this policy does not govern the person on their evaluation day."""
    from fugong.workforce import rules

    counts, ids = Counter(), []
    resolver = PolicyResolver()
    for employee in _people(policy, effective_from).iterator(chunk_size=CHUNK):
        day = rules.evaluation_date(employee)
        if day < effective_from:
            continue  # decided under the rules of its own day, which the new version does not touch
        outcome = decide(employee, resolver, day)
        if outcome is None:
            continue
        decision, release = outcome
        key = _transition(employee.decision, decision)
        if key is None and decision == employee.decision and release != employee.release_date:
            key = "release_moved"
        if key is not None:
            counts[key] += 1
            ids.append(employee.pk)
    return counts, ids


def _hypothetical(current: ResolvedPolicy, params: PolicyParameters, provenance: dict) -> ResolvedPolicy:
    return dataclasses.replace(
        current,
        parameters=params,
        provenance=provenance,
        version_id=None,
        version_number=current.version_number + 1,
        _memo={},
    )


def preview(policy: Policy, parameters: dict, effective_from: dt.date) -> Impact:
    """What publishing ``parameters`` from ``effective_from`` would change; writes nothing."""
    from fugong.workforce import rules

    new = parse_parameters(parameters)
    latest = policy.latest_version()
    impact = Impact()
    memo: dict = {}

    def decide(employee, resolver, day):
        current = resolver.find(employee.enterprise.town, day)
        if current is None or current.policy_id != policy.pk:
            return None
        key = (current.region_id, day)
        if key not in memo:
            memo[key] = _hypothetical(current, new, latest.provenance if latest else {})
        evaluation = rules.evaluate_return(employee, on_date=day, policy=memo[key])
        return evaluation.decision, evaluation.release_date

    impact.people, impact.people_ids = _changes(policy, effective_from, decide)
    _applications(policy, new, effective_from, impact)
    if latest is None or set(latest.params.required_checklists or ()) != set(new.required_checklists or ()):
        impact.firms_checklists = _firms_governed(policy, effective_from)
    return impact


def _firms_governed(policy: Policy, on_date: dt.date) -> int:
    from fugong.enterprises.models import Enterprise

    resolver, count = PolicyResolver(), 0
    towns = Enterprise.objects.filter(town__path__startswith=policy.region.path).values_list(
        "town_id", flat=True
    )
    by_town = Counter(towns)
    from fugong.regions.models import Region

    for town in Region.objects.filter(pk__in=by_town):
        resolved = resolver.find(town, on_date)
        if resolved is not None and resolved.policy_id == policy.pk:
            count += by_town[town.pk]
    return count


def _applications(policy: Policy, new: PolicyParameters, effective_from: dt.date, impact: Impact) -> None:
    from fugong.resumption.models import OPEN_STATUSES, ResumptionApplication
    from fugong.resumption.selectors import date_gate_message

    resolver = PolicyResolver()
    applications = ResumptionApplication.objects.filter(
        enterprise__town__path__startswith=policy.region.path,
        status__in=OPEN_STATUSES,
        planned_start__isnull=False,
    ).select_related("enterprise__town")
    for application in applications:
        day = timezone.localtime(application.planned_start).date()
        if day < effective_from:
            continue
        current = resolver.find(application.enterprise.town, day)
        if current is None or current.policy_id != policy.pk:
            continue
        before = date_gate_message(application, current) is None
        after = date_gate_message(application, _hypothetical(current, new, current.provenance)) is None
        if before != after:
            impact.application_ids.append(application.pk)
            if after:
                impact.applications_opened += 1
            else:
                impact.applications_closed += 1


# -- after publishing ----------------------------------------------------------------------------------


def start_redecision(version: PolicyVersion) -> PolicyChangeRun | None:
    """Queue the re-decision of the people the new version decides differently (after commit)."""
    if version.number < 2:
        return None
    run, _created = PolicyChangeRun.objects.get_or_create(version=version)
    transaction.on_commit(lambda: redecide_after_change.delay(run.pk))
    return run


@shared_task(name="fugong.policy.redecide_after_change")
def redecide_after_change(run_id: int) -> dict:
    """Re-decide exactly the people whose decision or release date the version in force changes; each
    through ``workforce.services.reevaluate`` so the stored reason cites the new version. Safe to run
    twice: a person already decided as the policy says is not among those found."""
    from fugong.workforce import rules
    from fugong.workforce.services import reevaluate

    run = PolicyChangeRun.objects.select_related("version__policy__region").get(pk=run_id)
    version = run.version
    PolicyChangeRun.objects.filter(pk=run.pk).update(
        status=PolicyChangeRun.Status.RUNNING, started_at=timezone.now()
    )

    def decide(employee, resolver, day):
        current = resolver.find(employee.enterprise.town, day)
        if current is None or current.policy_id != version.policy_id:
            return None
        evaluation = rules.evaluate_return(employee, on_date=day, policy=current)
        return evaluation.decision, evaluation.release_date

    counts, ids = _changes(version.policy, version.effective_from, decide)
    PolicyChangeRun.objects.filter(pk=run.pk).update(total=len(ids), counts=dict(counts))
    resolver = PolicyResolver()
    note = _("防控政策第%(n)d版发布后重新判定") % {"n": version.number}
    for done, pk in enumerate(ids, start=1):
        reevaluate(pk, resolver=resolver, note=note)
        if done % 50 == 0 or done == len(ids):
            PolicyChangeRun.objects.filter(pk=run.pk).update(done=done)
    PolicyChangeRun.objects.filter(pk=run.pk).update(
        status=PolicyChangeRun.Status.DONE, finished_at=timezone.now(), done=len(ids)
    )
    return {"people": len(ids), **dict(counts)}
