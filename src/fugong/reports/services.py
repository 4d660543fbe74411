"""The firm's day (SPEC §6 daily report: the staff's health summed up and reported every day).

``build_summaries`` computes every firm's figures for a day with a fixed handful of GROUP BY queries —
the same number for 3 firms as for 2,000 — and upserts the drafts in one statement per 500 firms. A
confirmed summary is what the firm signed: the upsert's ``WHERE status = 'draft'`` leaves it alone even
when a confirmation commits while the refresh runs (PostgreSQL re-checks the condition on the locked row).

Decisions, so that the pages and the numbers agree:

* Firms summarised: those preparing or resumed (the statuses in which people work there), any other firm
  with someone on site (a sealed or suspended plant still isolating people must report them), and any
  firm that already has a summary for the day (so a draft never goes stale when the firm stops).
* On site: ``fugong.monitoring.selectors.ON_SITE`` (at work, arrived, isolating) — the same people the
  missing-rounds page lists, so "缺漏" here is the length of that list. People in a buffer zone wait
  for a test result rather than work, and monitoring expects no rounds from them.
* Rounds: those of the policy in force for the firm's town that day (``temperature_rounds``), whose
  version the summary records. A policy that sets no rounds requires none: ``rounds_required`` is 0 and
  both "完成全部体温检测" and "体温检测缺漏" are 0 (the page shows them as not applicable). Only the
  rounds *due* when the figures are computed count (``rounds_due``: every round of a past day, today's
  whose due time has passed): at 09:00 nobody is missing the afternoon round, nor the morning one that
  is due at 12:00, so "缺漏" is the length of the 漏测名单 at that moment.
* Confirming (确认上报) is final only once the day's last round is due (or the policy sets no rounds).
  Before that the firm may confirm "so far" (截至目前): the figures of that moment are stored, frozen
  and marked provisional (``PROVISIONAL``, "截至 HH:MM"); the firm confirms again — "so far" once more,
  or finally after the last due time, which replaces them. The refresh leaves a provisional summary
  alone, as it does a confirmed one: what the firm signed stays what the town reads.
* Abnormal counts people (a person abnormal in both rounds is one), alerts count alerts raised that
  local day, entries/visitors/vehicles count those let in and refusals every refused entry, visitor or
  vehicle of the day.
* Refreshing a draft does not change its version: the version moves with the workflow (confirm,
  reopen), so a page kept open over a 30-minute refresh can still be confirmed; the confirmation
  recomputes the figures anyway and stores what was true at that moment.
* Only a *live* day is computed: today, and yesterday until ``YESTERDAY_REFRESH_UNTIL`` (00:30). Who is
  on site, isolating or due a test is read from the people's current statuses, which say nothing about
  an older day; so an older day's figures are the ones stored while it was live. ``build_summaries``
  for an older day is a no-op (returns 0) unless ``force=True`` (the management command's ``--force``,
  an operator's deliberate rebuild with current statuses); confirming an older day signs the stored
  draft as it is; a reopened older day keeps its figures until the firm confirms it again.
"""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.accounts.models import User
from fugong.accounts.roles import Role, can
from fugong.audit.services import Counted, record, record_export
from fugong.core.dates import format_date
from fugong.enterprises.models import Enterprise, EnterpriseStatus
from fugong.monitoring import schedule
from fugong.monitoring.models import Alert, HealthCheckin
from fugong.monitoring.selectors import ON_SITE
from fugong.monitoring.testing.selectors import tests_due_done_by_firm
from fugong.operations.models import EmployeeEntry, VehicleEntry, Visitor
from fugong.policy.selectors import PolicyResolver
from fugong.regions.models import Region
from fugong.reports.models import FIGURE_NAMES, DailySummary, SummaryStatus
from fugong.resumption.notifications import notify
from fugong.workforce.models import Employee, EmployeeStatus

log = logging.getLogger(__name__)

# Statuses in which a firm has people working (key posts while preparing, everyone once resumed).
OPERATING = (EnterpriseStatus.PREPARING, EnterpriseStatus.RESUMED)
UPSERT_BATCH = 500
# Yesterday's drafts are still refreshed until this local time, so that the readings of its last half hour
# are in before the firms confirm it in the morning; after it yesterday is a past day like any other.
YESTERDAY_REFRESH_UNTIL = dt.time(0, 30)


class SummaryConflict(Exception):
    """Someone confirmed or reopened the summary since the page was loaded (API: 409)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as an aware half-open interval, for the datetime-stamped records."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _local_now() -> dt.datetime:
    return timezone.localtime()


def live_days(now: dt.datetime | None = None) -> tuple[dt.date, ...]:
    """The days whose drafts are still computed from the records: today, and yesterday before
    ``YESTERDAY_REFRESH_UNTIL``."""
    now = timezone.localtime(now) if now is not None else _local_now()
    today = now.date()
    if now.time() < YESTERDAY_REFRESH_UNTIL:
        return (today, today - dt.timedelta(days=1))
    return (today,)


def is_live(day: dt.date) -> bool:
    return day in live_days()


def _firms(day: dt.date, enterprise_ids) -> dict[int, int]:
    """{firm_id: town_id} of the firms summarised for ``day``."""
    on_site = Employee.objects.filter(status__in=ON_SITE).values("enterprise_id")
    existing = DailySummary.objects.filter(day=day).values("enterprise_id")
    qs = Enterprise.objects.filter(Q(status__in=OPERATING) | Q(pk__in=on_site) | Q(pk__in=existing))
    if enterprise_ids is not None:
        qs = qs.filter(pk__in=list(enterprise_ids))
    return dict(qs.order_by().values_list("pk", "town_id"))


def _town_policies(town_ids, day: dt.date) -> dict:
    """{town_id: the ResolvedPolicy in force there on ``day``, or None}."""
    resolver = PolicyResolver()
    return {town.pk: resolver.find(town, day) for town in Region.objects.filter(pk__in=set(town_ids))}


def _rounds_by_town(policies: dict) -> dict[int, int]:
    """{town_id: how many rounds its policy sets} (0 when it sets none, or there is no policy)."""
    return {town_id: len(schedule.rounds_of(policy)) for town_id, policy in policies.items()}


def _rounds_due_by_town(policies: dict, day: dt.date, now: dt.datetime) -> dict[int, int]:
    """{town_id: how many of its policy's rounds of ``day`` are due by ``now``} (rounds are ordered by
    their due times, so the rounds due are always the first N)."""
    return {
        town_id: len(schedule.rounds_due_by(schedule.rounds_of(policy), day, now))
        for town_id, policy in policies.items()
    }


def last_round_due(enterprise, day: dt.date, now: dt.datetime | None = None) -> dict:
    """Whether ``day`` may be confirmed finally at ``now``: {"final": bool, "policy", "round" (the label
    of the day's last round), "due" (its due time)}. Final when the policy sets no rounds (nothing to
    wait for), for a past day, and today once the last round's due time has passed."""
    now = timezone.localtime(now) if now is not None else _local_now()
    policy = PolicyResolver().find(enterprise.town, day)
    rounds = schedule.rounds_of(policy)
    if not rounds:
        return {"final": True, "policy": policy, "round": None, "due": None}
    due = schedule.rounds_due_by(rounds, day, now)
    return {
        "final": len(due) == len(rounds),
        "policy": policy,
        "round": schedule.round_label(rounds, len(rounds)),
        "due": rounds[-1].due,
    }


def not_final_message(gate: dict) -> str:
    """「<citation>：当日最后一轮第二轮（下午）18:00 到期后方可确认上报；此前只能确认截至目前的情况」."""
    return _("%(cite)s：当日最后一轮%(round)s%(due)s 到期后方可确认上报；此前只能确认截至目前的情况") % {
        "cite": gate["policy"].cite("temperature_rounds"),
        "round": gate["round"],
        "due": f"{gate['due']:%H:%M}",
    }


def _grouped(qs, **aggregates) -> dict[int, dict[str, int]]:
    rows = qs.order_by().values("enterprise_id").annotate(**aggregates)
    return {row.pop("enterprise_id"): row for row in rows}


def people_with_all_rounds(day: dt.date, rounds: dict[int, int], enterprise_ids=None):
    """The ids (a subquery) of the people of ``enterprise_ids`` (every firm when None) who have all the
    rounds of ``day`` that count, ``rounds`` being {town_id: rounds counted} (the rounds due so far).

    A person has all the rounds when they have as many readings numbered 1..R as the firm's town
    requires (one reading per round is a database constraint). R is resolved per town, once; a town
    requiring none has nobody here (nobody can be missing a round there either). Only the
    readings of the people of the firms computed are grouped (by their current firm, as the on-site
    count is), not the whole city's day when one firm's page is refreshed."""
    towns_by_rounds: dict[int, list[int]] = {}
    for town_id, number in rounds.items():
        if number > 0:
            towns_by_rounds.setdefault(number, []).append(town_id)
    if not towns_by_rounds:
        return HealthCheckin.objects.none().values("employee_id")
    if len(towns_by_rounds) == 1 and all(rounds.values()):
        required = Value(next(iter(towns_by_rounds)))
    else:
        # A town requiring no rounds falls to 0: no reading has round <= 0, so nobody there is counted.
        required = Case(
            *[When(enterprise__town_id__in=t, then=Value(n)) for n, t in towns_by_rounds.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
    checkins = HealthCheckin.objects.filter(day=day)
    if enterprise_ids is not None:
        checkins = checkins.filter(employee__enterprise_id__in=list(enterprise_ids))
    # A semi-join on the readings grouped by person (HAVING n >= R), which PostgreSQL hashes once,
    # rather than a count per person.
    return (
        checkins.annotate(required=required)
        .filter(round__lte=F("required"))
        .order_by()
        .values("employee_id", "required")
        .annotate(n=Count("pk"))
        .filter(n__gte=F("required"))
        .values("employee_id")
    )


def compute_figures(day: dt.date, enterprise_ids=None, now: dt.datetime | None = None) -> dict[int, dict]:
    """{firm_id: {"town_id", "rounds_required", "rounds_due", <each of FIGURE_NAMES>}} for every firm
    summarised, the round figures counting only the rounds due by ``now`` (default: the present)."""
    now = timezone.localtime(now) if now is not None else _local_now()
    firms = _firms(day, enterprise_ids)
    if not firms:
        return {}
    ids = list(firms) if enterprise_ids is not None else None

    def scoped(qs):
        return qs.filter(enterprise_id__in=ids) if ids is not None else qs

    policies = _town_policies(firms.values(), day)
    rounds = _rounds_by_town(policies)
    rounds_due = _rounds_due_by_town(policies, day, now)
    start, end = day_bounds(day)

    people = _grouped(
        scoped(Employee.objects.filter(status__in=ON_SITE)),
        on_site=Count("pk"),
        isolating=Count("pk", filter=Q(status=EmployeeStatus.ISOLATING)),
    )

    complete = people_with_all_rounds(day, rounds_due, ids)
    full = _grouped(
        scoped(Employee.objects.filter(status__in=ON_SITE, pk__in=complete)),
        checked_in_full=Count("pk"),
    )
    abnormal = _grouped(
        scoped(HealthCheckin.objects.filter(day=day, abnormal=True)),
        abnormal=Count("employee_id", distinct=True),
    )
    alerts = _grouped(
        scoped(Alert.objects.filter(raised_at__gte=start, raised_at__lt=end)), alerts=Count("pk")
    )
    let_in, refused = Count("pk", filter=Q(allowed=True)), Count("pk", filter=Q(allowed=False))
    entries = _grouped(
        scoped(EmployeeEntry.objects.filter(at__gte=start, at__lt=end)), entries=let_in, refused=refused
    )
    visitors = _grouped(
        scoped(Visitor.objects.filter(time_in__gte=start, time_in__lt=end)), visitors=let_in, refused=refused
    )
    vehicles = _grouped(
        scoped(VehicleEntry.objects.filter(at__gte=start, at__lt=end)), vehicles=let_in, refused=refused
    )
    tests = tests_due_done_by_firm(list(firms), day)

    result = {}
    for firm_id, town_id in firms.items():
        on_site = people.get(firm_id, {})
        required = rounds.get(town_id, 0)
        due_now = rounds_due.get(town_id, 0)
        # No round due yet: nobody has done or missed one (the page says "尚无到期轮次").
        checked = full.get(firm_id, {}).get("checked_in_full", 0) if due_now else 0
        gate = [entries.get(firm_id, {}), visitors.get(firm_id, {}), vehicles.get(firm_id, {})]
        due, done, positive = tests.get(firm_id, (0, 0, 0))
        figures = {
            "on_site": on_site.get("on_site", 0),
            "checked_in_full": checked,
            "checkin_missing": max(on_site.get("on_site", 0) - checked, 0) if due_now else 0,
            "abnormal": abnormal.get(firm_id, {}).get("abnormal", 0),
            "alerts": alerts.get(firm_id, {}).get("alerts", 0),
            "isolating": on_site.get("isolating", 0),
            "tests_due": due,
            "tests_done": done,
            "tests_positive": positive,
            "entries": gate[0].get("entries", 0),
            "visitors": gate[1].get("visitors", 0),
            "refusals": sum(g.get("refused", 0) for g in gate),
            "vehicles": gate[2].get("vehicles", 0),
        }
        policy = policies.get(town_id)
        result[firm_id] = {
            "town_id": town_id,
            "rounds_required": required,
            "rounds_due": due_now,
            "policy_version_id": policy.version_id if policy is not None else None,
            **figures,
        }
    return result


_REFRESHED = ["town_id", "rounds_required", "rounds_due", "policy_version_id", *FIGURE_NAMES, "computed_at"]
_INSERTED = ["enterprise_id", "day", "status", "note", "version", *_REFRESHED]


def _upsert(day: dt.date, computed: dict[int, dict], now: dt.datetime) -> int:
    """INSERT … ON CONFLICT (enterprise, day) DO UPDATE … WHERE status = 'draft' (PostgreSQL, SQLite)."""
    meta = DailySummary._meta
    q = connection.ops.quote_name
    table = q(meta.db_table)
    fields = {name: meta.get_field(name[:-3] if name.endswith("_id") else name) for name in _INSERTED}
    columns = ", ".join(q(fields[name].column) for name in _INSERTED)
    updates = ", ".join(f"{q(fields[n].column)} = excluded.{q(fields[n].column)}" for n in _REFRESHED)
    row_sql = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
    conflict = f"{q(fields['enterprise_id'].column)}, {q(fields['day'].column)}"
    written = 0
    items = list(computed.items())
    with connection.cursor() as cursor:
        for offset in range(0, len(items), UPSERT_BATCH):
            batch = items[offset : offset + UPSERT_BATCH]
            params = []
            for firm_id, values in batch:
                row = {
                    "enterprise_id": firm_id,
                    "day": day,
                    "status": SummaryStatus.DRAFT.value,
                    "note": "",
                    "version": 1,
                    "computed_at": now,
                    **values,
                }
                params += [fields[n].get_db_prep_save(row[n], connection) for n in _INSERTED]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(batch))} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates} "
                f"WHERE {table}.{q(meta.get_field('status').column)} = %s",
                [*params, SummaryStatus.DRAFT.value],
            )
            written += max(cursor.rowcount, 0)
    return written


def build_summaries(day: dt.date, enterprise_ids=None, *, force: bool = False) -> int:
    """Compute and store the drafts of ``day`` for every firm summarised (or only ``enterprise_ids``);
    confirmed summaries keep their figures. Returns the number of drafts written.

    A day that is not live (older than yesterday, or yesterday after 00:30) is a no-op returning 0: its
    stored drafts stay as they were computed. ``force=True`` rebuilds it anyway, from the people's
    *current* statuses (the management command's ``--force``)."""
    if day > timezone.localdate():
        return 0  # a day that has not begun has no figures, and no draft to confirm
    if not force and not is_live(day):
        log.info("daily summaries %s: a past day, not recomputed", day)
        return 0
    now = _local_now()
    computed = compute_figures(day, enterprise_ids, now)
    if not computed:
        return 0
    with transaction.atomic():
        written = _upsert(day, computed, now)
    log.info("daily summaries %s: %s drafts of %s firms", day, written, len(computed))
    return written


def summary_for(enterprise, day: dt.date) -> DailySummary | None:
    """The firm's summary of ``day``, refreshed now while it is a draft of a live day; None for a firm
    with nothing to report (not operating, nobody on site, never summarised that day)."""
    build_summaries(day, [enterprise.pk])
    return (
        DailySummary.objects.filter(enterprise=enterprise, day=day)
        .select_related("confirmed_by", "policy_version__policy")
        .first()
    )


def _town_officer_ids(town_id) -> list[int]:
    return list(
        User.objects.filter(is_active=True, role=Role.TOWN, region_id=town_id).values_list("pk", flat=True)
    )


def _firm_officer_ids(enterprise_id) -> list[int]:
    return list(
        User.objects.filter(is_active=True, role=Role.ENTERPRISE, enterprise_id=enterprise_id).values_list(
            "pk", flat=True
        )
    )


def _check_version(locked: DailySummary, expected_version) -> None:
    if expected_version in (None, ""):
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise ValidationError({"version": [_("「版本」须为整数")]}) from None
    if expected != locked.version:
        raise SummaryConflict(
            _("该日汇总已被他人更新（当前版本%(v)s，页面版本%(e)s），请刷新后重试。")
            % {"v": locked.version, "e": expected}
        )


def confirm_summary(
    actor, summary: DailySummary, note: str = "", expected_version=None, *, so_far: bool = False
) -> DailySummary:
    """The firm's officer signs the day: the figures of a live day are recomputed first, a past day's
    stored draft is signed as it is (current statuses say nothing about it); then they are locked
    against refreshes.

    Final (``CONFIRMED``) only once the day's last round is due — or when the policy sets no rounds.
    Before that it is refused unless ``so_far``: the figures of the moment are then signed as
    ``PROVISIONAL`` ("截至 HH:MM"), and may be confirmed again, "so far" or finally. Asked "so far" after
    the last due time, the confirmation is simply final."""
    if not can(actor, "reports.confirm") or actor.enterprise_id != summary.enterprise_id:
        raise PermissionDenied(_("只有本企业的防疫专员可以确认上报本企业的每日汇总。"))
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": [_("「情况说明」不能超过500字")]})
    if summary.day > timezone.localdate():
        raise ValidationError(
            {"day": [_("「日期」%(d)s尚未到来，不能确认上报") % {"d": format_date(summary.day)}]}
        )
    now = _local_now()
    firm = Enterprise.objects.select_related("town").get(pk=summary.enterprise_id)
    gate = last_round_due(firm, summary.day, now)
    if not gate["final"] and not so_far:
        raise ValidationError({"day": [not_final_message(gate)]})
    final = gate["final"]
    computed = None
    if is_live(summary.day):
        computed = compute_figures(summary.day, [summary.enterprise_id], now).get(summary.enterprise_id)
    with transaction.atomic():
        locked = DailySummary.objects.select_for_update().get(pk=summary.pk)
        _check_version(locked, expected_version)
        if locked.status == SummaryStatus.CONFIRMED:
            raise ValidationError(
                {
                    "status": [
                        _("%(d)s的汇总已确认上报，如需更正请联系镇街重新打开")
                        % {"d": format_date(locked.day)}
                    ]
                }
            )
        before = {"status": locked.status, **locked.figures()}
        if computed is not None:
            locked.town_id = computed["town_id"]
            locked.rounds_required = computed["rounds_required"]
            locked.rounds_due = computed["rounds_due"]
            locked.policy_version_id = computed["policy_version_id"]
            for name in FIGURE_NAMES:
                setattr(locked, name, computed[name])
        locked.status = SummaryStatus.CONFIRMED if final else SummaryStatus.PROVISIONAL
        locked.confirmed_by = actor
        locked.confirmed_at = now
        if computed is not None:
            locked.computed_at = now
        locked.note = note
        locked.version += 1
        locked.save()
        record(
            actor,
            "reports.confirm",
            locked,
            before=before,
            after={"status": locked.status, "rounds_due": locked.rounds_due, **locked.figures()},
            note=note,
        )
        figures = {
            "firm": firm.name,
            "day": format_date(locked.day),
            "on": locked.on_site,
            "miss": locked.checkin_missing,
            "ab": locked.abnormal,
        }
        if final:
            message = _(
                "【每日汇总】%(firm)s已确认上报%(day)s健康汇总：在岗%(on)s人，体温检测缺漏%(miss)s人，异常%(ab)s人。"
            )
        else:
            figures["at"] = f"{timezone.localtime(now):%H:%M}"
            message = _(
                "【每日汇总】%(firm)s确认了%(day)s截至%(at)s的健康汇总（尚未最终确认）："
                "在岗%(on)s人，体温检测缺漏%(miss)s人，异常%(ab)s人。"
            )
        notify(None, _town_officer_ids(locked.town_id), "reports.confirm", message % figures)
    return locked


def reopen_summary(actor, summary: DailySummary, reason: str, expected_version=None) -> DailySummary:
    """The town officer sends a confirmed summary back to the firm (a wrong figure, a late record)."""
    if (
        not can(actor, "reports.reopen")
        or not DailySummary.objects.visible_to(actor).filter(pk=summary.pk).exists()
    ):
        raise PermissionDenied(_("只有企业所在镇街的工作人员可以重新打开每日汇总。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("「重新打开原因」不能为空")]})
    with transaction.atomic():
        locked = DailySummary.objects.select_for_update().get(pk=summary.pk)
        _check_version(locked, expected_version)
        if locked.status not in (SummaryStatus.CONFIRMED, SummaryStatus.PROVISIONAL):
            raise ValidationError({"status": [_("该日汇总尚未确认，无需重新打开")]})
        before = {
            "status": locked.status,
            "confirmed_by": locked.confirmed_by_id,
            "confirmed_at": locked.confirmed_at,
        }
        locked.status = SummaryStatus.DRAFT
        locked.confirmed_by = None
        locked.confirmed_at = None
        locked.version += 1
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "version"])
        record(
            actor, "reports.reopen", locked, before=before, after={"status": locked.status}, note=reason[:500]
        )
        notify(
            None,
            _firm_officer_ids(locked.enterprise_id),
            "reports.reopen",
            _("【每日汇总】%(day)s的健康汇总已被镇街重新打开，请核实后再次确认上报。原因：%(why)s")
            % {"day": format_date(locked.day), "why": reason},
        )
    return locked


def export_rollup(actor, day: dt.date, towns: list, town: Region | None = None) -> bytes:
    """The day's roll-up as Excel: a row per town of ``towns`` (``selectors.town_rollup`` of the actor) or
    of ``town`` alone, and a row per firm summary of theirs the actor may see. Logged as an export of the
    firm rows written (企业明细), the towns beside them."""
    from fugong.reports import excel, selectors

    if not can(actor, "reports.view"):
        raise PermissionDenied(_("您没有查看每日汇总的权限。"))
    shown = [row for row in towns if town is None or row.region.pk == town.pk]
    summaries = selectors.summaries_visible_to(actor, day)
    if town is not None:
        summaries = summaries.filter(town=town)
    rows = Counted(summaries)
    body = excel.rollup_workbook(day, shown, rows, selectors.scope_total(shown))
    filters = {gettext_lazy("日期"): format_date(day)}
    if town is not None:
        filters[gettext_lazy("镇街")] = town.name
    record_export(
        actor,
        "reports.export",
        gettext_lazy("每日汇总"),
        filters,
        rows.count,
        target=town,
        object_type="reports.dailysummary",
        extra={"towns": len(shown)},
    )
    return body
