"""Whether a person may return to work, and why (SPEC §5): the return rules as the policy states them.

``evaluate_return(employee)`` reads only the employee file (with its nucleic and antigen results), the
policy in force for the firm's town on the person's return date and the policy's dated risk and
no-return areas, and answers one of four decisions with every reason that led there. There is no
default in this module: a parameter the policy does not set means the rule that reads it does not
apply. Every reason starts with the citation of the parameter it rests on (``policy.cite``), of the
area it found (``area_citation``), or — for the "may return" summary only — the policy's label.

The rules, each with the parameters it needs:

* **Look-back window** (``travel_history_lookback_days``, counted back from the return date, both ends
  inclusive). Without it the rules that judge a history — no-return areas, risk areas, close contacts,
  symptoms with an epidemiological history — do not apply. Areas are judged as of each day: a stay
  counts against an area only for the days both overlap.
* **No-return areas** in force during a stay within the window: barred, citing the area.
* **Close contacts** of a confirmed or suspected case within the window: ``case_contact_outcome``
  (barred / isolate / buffer / none), citing that parameter and quoting the notice's words for it.
* **Residence control status**: ``residence_control_outcomes`` maps sealed / controlled / precaution to
  an outcome; unset, or no entry for the person's status, means no rule.
* **Pre-exit tests**: a person whose residence is controlled or under precaution, whose status the
  policy maps to an outcome other than "none", and whose policy sets ``pre_exit_nucleic_valid_hours``
  passes only with a negative nucleic result sampled within that many hours before arrival — counted
  back from the end of the arrival day, so the report is valid whenever that day the person arrives —
  and, where ``pre_exit_antigen_required``, a negative antigen result sampled on the arrival day. A
  positive result in that window, or a missing one, holds the person (barred for now) with a reason
  naming what is missing. Results are the person's ``monitoring`` test records.
* **Fever or symptoms** at registration: with an epidemiological history (a risk-area stay or a case
  contact within the window) barred when ``symptomatic_with_epi_history_barred`` is set to yes;
  otherwise isolated when ``symptomatic_isolated`` is set to yes. Unset (or "no"): no rule.
* **Health code**: ``health_code_outcomes`` gives the outcome for each colour; unset: no rule.
* **Risk-area stays** (medium or worse) within the window: barred from a hard-hit (high) area while the
  firm has no fixed observation point when ``observation_point_required_for_hard_hit_returners``;
  otherwise the buffer zone under a policy with ``buffer_zone_requires_negative_nucleic`` and no
  isolation days, else isolation.
* **Out-of-region returners**: isolated for ``isolation_days_out_of_region`` days when the policy sets
  both that and ``out_of_region_level`` — "out of region" is outside the firm's province (2-digit code),
  prefecture (4-digit) or county (6-digit), read from the firm's town path. A person counts as returning
  from outside when their return trip started there, their holiday destination lay there, or a travel
  stop within the window (or on the return day, without a window) lay there; where they live does not
  count. Someone who left the locality with no place code recorded is treated as returning from
  outside, since nobody can show otherwise.
* **Buffer zone for everyone returning** when ``buffer_zone_requires_negative_nucleic``.

**Isolation without a number of days.** Where a rule's outcome is "isolate" and the policy sets no
``isolation_days_out_of_region``, the decision is still "isolate" — the policy asked for isolation —
but with no release date, and the reason says the policy sets no period, so the isolation lasts until
it is released by hand. Nobody is ever isolated for a number of days the policy does not state.

The strictest decision wins (barred > isolate > buffer > may return); the release date is the latest
one among the isolating rules that have one.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.enterprises.models import IsolationKind, IsolationRoom
from fugong.policy.divisions import covering_codes, normalize_division_code
from fugong.policy.models import RISK_SEVERITY, NoReturnArea, RiskArea, RiskLevel
from fugong.policy.selectors import ResolvedPolicy, area_citation, policy_for
from fugong.workforce.models import HealthCode, ResidenceControl, ReturnDecision

# Severity of each decision: the strictest rule that applies decides.
DECISION_RANK = {
    ReturnDecision.MAY_RETURN: 0,
    ReturnDecision.BUFFER: 1,
    ReturnDecision.ISOLATE: 2,
    ReturnDecision.BARRED: 3,
}
# Digits of a division code at each level "out of region" may be measured against.
OUT_OF_REGION_DIGITS = {"province": 2, "prefecture": 4, "county": 6}
_OUTCOME_DECISION = {
    "barred": ReturnDecision.BARRED,
    "isolate": ReturnDecision.ISOLATE,
    "buffer": ReturnDecision.BUFFER,
}


@dataclass(frozen=True)
class Evaluation:
    decision: str
    reasons: list[str]
    release_date: dt.date | None
    policy_version_id: int | None
    on_date: dt.date
    arrival_date: dt.date | None = None
    isolation_days: int | None = None

    @property
    def reason_text(self) -> str:
        return "；".join(self.reasons)[:500]


@dataclass
class _Stay:
    code: str
    label: str
    start: dt.date
    end: dt.date
    kind: str  # "stop", "destination", "origin"


@dataclass
class _Found:
    decision: str
    reasons: list[str] = field(default_factory=list)
    release_dates: list[dt.date] = field(default_factory=list)


def cn_date(day: dt.date) -> str:
    """2020年2月24日: dates as people write them."""
    return f"{day.year}年{day.month}月{day.day}日"


# -- places ---------------------------------------------------------------------------------------------


def home_area_code(enterprise, level: str | None) -> str:
    """The division code "out of region" is measured against: the firm's province, prefecture or county
    (``out_of_region_level``), read from its town's path; "" when the policy sets no level. Where the
    path has no code of that length (a county directly under its province), the nearest level above."""
    digits = OUT_OF_REGION_DIGITS.get(level or "")
    if not digits:
        return ""
    codes = [c for c in enterprise.town.path.split("/") if c]
    above = [c for c in codes if len(c) <= digits]
    exact = [c for c in above if len(c) == digits]
    if exact:
        return exact[0]
    return max(above, key=len) if above else ""


def _normal(code) -> str:
    try:
        return normalize_division_code(code)
    except Exception:  # noqa: BLE001 — a hand-typed odd code is judged by its leading digits
        return str(code or "").strip()


def is_outside(code: str, home: str) -> bool:
    return bool(code) and bool(home) and not _normal(code).startswith(home)


def _stays(employee, window_start: dt.date, on_date: dt.date, stops=None) -> list[_Stay]:
    arrival = employee.return_date or on_date
    out: list[_Stay] = []
    for stop in stops if stops is not None else employee.travel_stops.all():
        if stop.to_date >= window_start and stop.from_date <= on_date:
            out.append(
                _Stay(stop.region_code, stop.place or stop.region_code, stop.from_date, stop.to_date, "stop")
            )
    if employee.left_locality and employee.destination_code:
        start = employee.left_on or window_start
        out.append(
            _Stay(
                employee.destination_code,
                employee.destination or employee.destination_code,
                start,
                max(start, arrival),
                "destination",
            )
        )
    if employee.return_from_code:
        out.append(
            _Stay(
                employee.return_from_code,
                employee.return_from or employee.return_from_code,
                arrival,
                arrival,
                "origin",
            )
        )
    return out


def _areas_during(policy: ResolvedPolicy, model, code: str, start: dt.date, end: dt.date) -> list:
    """Areas of the policy chain covering ``code`` in force on any day of [start, end] — one query per
    place rather than one per day, memoised on the resolved policy for a batch of people."""
    codes = tuple(covering_codes(code))
    key = ("workforce", model.__name__, codes, start, end)
    if key not in policy._memo:
        policy._memo[key] = list(
            model.objects.filter(policy_id__in=policy.chain_policy_ids, region_code__in=codes)
            .select_related("notice")
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start), valid_from__lte=end)
            .order_by("valid_from", "pk")
        )
    return policy._memo[key]


def _hits(policy, model, stay: _Stay, window_start: dt.date, on_date: dt.date):
    """(area, first day the stay and the area overlap) for each area the stay ran into."""
    start, end = max(stay.start, window_start), min(stay.end, on_date)
    if start > end:
        return []
    out = []
    for area in _areas_during(policy, model, stay.code, start, end):
        first = max(start, area.valid_from)
        if (area.valid_to is None or area.valid_to >= first) and first <= end:
            out.append((area, first))
    return out


_CODE_SUFFIX = re.compile(r"\s*[（(]\d{6,12}[)）]")


def place_name(text: str) -> str:
    """A place as a reader says it: "信州区（361102）" becomes "信州区" — decisions name places,
    never division codes."""
    return _CODE_SUFFIX.sub("", text or "").strip()


def _place_phrase(stay: _Stay, area, day: dt.date) -> str:
    label, name = place_name(stay.label), place_name(area.name)
    place = label if label == name else f"{label}（属{name}）"
    if stay.kind == "origin":
        return _("%(date)s自%(place)s返回") % {"date": cn_date(day), "place": place}
    return _("%(date)s在%(place)s") % {"date": cn_date(day), "place": place}


def _observation_point_missing(enterprise, policy) -> bool:
    key = ("workforce", "observation_point", enterprise.pk)
    if key not in policy._memo:
        policy._memo[key] = not IsolationRoom.objects.filter(
            enterprise=enterprise, kind=IsolationKind.OBSERVATION_POINT
        ).exists()
    return policy._memo[key]


# -- pre-exit tests -------------------------------------------------------------------------------------


def _pre_exit_missing(employee, policy: ResolvedPolicy, arrival: dt.date) -> list[str]:
    """The reasons a person leaving a controlled residence is held for: each names the missing (or
    positive) result and cites its parameter; empty when the results on file let them through."""
    from fugong.monitoring.models import TestKind, TestOutcome, TestResult

    params = policy.parameters
    hours = params.pre_exit_nucleic_valid_hours
    tz = timezone.get_current_timezone()
    end = dt.datetime.combine(arrival + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    start = end - dt.timedelta(hours=hours)
    nucleic = list(
        TestResult.objects.filter(
            employee=employee, kind=TestKind.NUCLEIC, sampled_at__gte=start, sampled_at__lt=end
        ).values_list("result", flat=True)
    )
    out = []
    if TestOutcome.POSITIVE in nucleic:
        out.append(
            _("%(cite)s：抵达前%(hours)d小时内核酸检测结果为阳性，不得转出返岗")
            % {"cite": policy.cite("pre_exit_nucleic_valid_hours"), "hours": hours}
        )
    elif TestOutcome.NEGATIVE not in nucleic:
        out.append(
            _("%(cite)s：未见抵达前%(hours)d小时内（%(since)s起）采样的核酸阴性结果，暂不得返岗")
            % {
                "cite": policy.cite("pre_exit_nucleic_valid_hours"),
                "hours": hours,
                "since": f"{cn_date(timezone.localtime(start, tz).date())}{timezone.localtime(start, tz):%H:%M}",
            }
        )
    if params.pre_exit_antigen_required:
        antigen = list(
            TestResult.objects.filter(
                employee=employee, kind=TestKind.ANTIGEN, sample_day=arrival
            ).values_list("result", flat=True)
        )
        if TestOutcome.POSITIVE in antigen:
            out.append(
                _("%(cite)s：%(date)s抗原检测结果为阳性，不得转出返岗")
                % {"cite": policy.cite("pre_exit_antigen_required"), "date": cn_date(arrival)}
            )
        elif TestOutcome.NEGATIVE not in antigen:
            out.append(
                _("%(cite)s：未见抵达当日（%(date)s）的抗原阴性结果，暂不得返岗")
                % {"cite": policy.cite("pre_exit_antigen_required"), "date": cn_date(arrival)}
            )
    return out


# -- the evaluation -------------------------------------------------------------------------------------


def evaluation_date(employee) -> dt.date:
    """The day the rules are applied for: the day the person came back, the day they are expected, or
    today for someone who never left."""
    return employee.return_date or employee.expected_return_date or timezone.localdate()


def evaluate_return(
    employee, on_date=None, policy: ResolvedPolicy | None = None, *, stops=None, contacts=None
):
    """The return decision for ``employee`` as of ``on_date`` (default: ``evaluation_date``).

    Raises ``fugong.policy.selectors.NoPolicyError`` when no policy covers the firm's town that day.
    ``stops``/``contacts`` may be passed to judge a history before it is saved.
    """
    on_date = on_date or evaluation_date(employee)
    policy = policy or policy_for(employee.enterprise.town, on_date)
    params = policy.parameters
    lookback = params.travel_history_lookback_days
    window_start = on_date - dt.timedelta(days=lookback) if lookback else None
    arrival = employee.return_date or employee.expected_return_date or on_date
    buffer_policy = bool(params.buffer_zone_requires_negative_nucleic)
    iso_days = params.isolation_days_out_of_region
    found: list[_Found] = []

    def add(decision, text, release=None):
        item = _Found(decision, [text])
        if release is not None:
            item.release_dates.append(release)
        found.append(item)

    def outcome(decision, cite: str, what: str) -> None:
        """The reason for an outcome a parameter names, with the isolation period where there is one."""
        if decision == ReturnDecision.BARRED:
            add(decision, _("%(cite)s：%(what)s，暂不得返岗") % {"cite": cite, "what": what})
        elif decision == ReturnDecision.BUFFER:
            add(
                decision,
                _("%(cite)s：%(what)s，进厂后入缓冲区，核酸检测阴性方可返岗") % {"cite": cite, "what": what},
            )
        elif decision == ReturnDecision.ISOLATE:
            isolate(cite, what)

    def isolate(cite: str, what: str) -> None:
        if iso_days is None:
            add(
                ReturnDecision.ISOLATE,
                _("%(cite)s：%(what)s，须隔离观察；%(label)s未规定隔离观察天数，解除时间另行确定")
                % {"cite": cite, "what": what, "label": policy.label},
            )
            return
        release = arrival + dt.timedelta(days=iso_days)
        days_cite = policy.cite("isolation_days_out_of_region")
        if days_cite == cite:
            text = _("%(cite)s：%(what)s，须隔离观察%(days)d天，%(release)s解除")
        else:
            text = _("%(cite)s：%(what)s，须隔离观察%(days)d天（%(days_cite)s），%(release)s解除")
        add(
            ReturnDecision.ISOLATE,
            text
            % {
                "cite": cite,
                "what": what,
                "days": iso_days,
                "days_cite": days_cite,
                "release": cn_date(release),
            },
            release,
        )

    stays = _stays(employee, window_start, on_date, stops) if window_start else []

    # 1. No-return areas within the window.
    for stay in stays:
        for area, day in _hits(policy, NoReturnArea, stay, window_start, on_date):
            since = cn_date(area.valid_from)
            if place_name(stay.label) == place_name(area.name) and stay.kind == "origin":
                what = _("来自%(place)s（不得返岗地区，自%(since)s起）") % {
                    "place": place_name(area.name),
                    "since": since,
                }
            else:
                what = _("%(where)s（不得返岗地区，自%(since)s起）") % {
                    "where": _place_phrase(stay, area, day),
                    "since": since,
                }
            add(ReturnDecision.BARRED, f"{area_citation(area) or policy.label}：{what}，暂不得返岗")

    # 2. Risk areas within the window.
    risk_hits = []
    for stay in stays:
        for area, day in _hits(policy, RiskArea, stay, window_start, on_date):
            if RISK_SEVERITY[area.level] >= RISK_SEVERITY[RiskLevel.MEDIUM]:
                risk_hits.append((stay, area, day))
    case_contacts = []
    if window_start:
        contacts = list(contacts if contacts is not None else employee.close_contacts.all())
        case_contacts = [c for c in contacts if c.with_case and window_start <= c.contact_date <= on_date]
    symptomatic = employee.has_fever or bool((employee.other_symptoms or "").strip())
    epi_history = bool(risk_hits or case_contacts)

    # 3. Close contacts of cases within the window.
    contact_decision = _OUTCOME_DECISION.get(params.case_contact_outcome or "")
    if contact_decision:
        cite = policy.cite("case_contact_outcome")
        quote = policy.quote("case_contact_outcome")
        for contact in case_contacts:
            what = _("%(date)s与病例有密切接触（%(what)s）") % {
                "date": cn_date(contact.contact_date),
                "what": contact.description,
            }
            if quote:
                what = _("%(what)s；“%(quote)s”") % {"what": what, "quote": quote}
            outcome(contact_decision, cite, what)

    # 4. Residence control status, and the tests needed to leave a controlled residence.
    control = employee.residence_control
    residence_decision = None
    if control:
        residence_outcome = params.outcome("residence_control_outcomes", control)
        residence_decision = _OUTCOME_DECISION.get(residence_outcome or "")
        label = ResidenceControl(control).label
        if residence_decision:
            outcome(
                residence_decision,
                policy.cite("residence_control_outcomes"),
                _("居住地位于%(control)s") % {"control": label},
            )
        if (
            control in (ResidenceControl.CONTROLLED, ResidenceControl.PRECAUTION)
            and residence_outcome
            and residence_outcome != "none"
            and params.pre_exit_nucleic_valid_hours
        ):
            for text in _pre_exit_missing(employee, policy, arrival):
                add(
                    ReturnDecision.BARRED,
                    _("%(text)s（居住地位于%(control)s）") % {"text": text, "control": label},
                )

    # 5. Fever or symptoms at registration.
    if symptomatic:
        what = (
            _("登记时发热")
            if employee.has_fever
            else _("登记时有症状（%(s)s）") % {"s": employee.other_symptoms}
        )
        if epi_history and params.symptomatic_with_epi_history_barred:
            add(
                ReturnDecision.BARRED,
                _("%(cite)s：%(what)s且%(lookback)d天内有流行病学史，须送发热门诊就诊排查，暂不得返岗")
                % {
                    "cite": policy.cite("symptomatic_with_epi_history_barred"),
                    "what": what,
                    "lookback": lookback,
                },
            )
        elif params.symptomatic_isolated:
            isolate(policy.cite("symptomatic_isolated"), what)

    # 6. Health code.
    if employee.health_code in (HealthCode.RED, HealthCode.YELLOW, HealthCode.GREEN):
        code_decision = _OUTCOME_DECISION.get(
            params.outcome("health_code_outcomes", employee.health_code) or ""
        )
        if code_decision:
            outcome(
                code_decision,
                policy.cite("health_code_outcomes"),
                _("健康码为%(colour)s") % {"colour": HealthCode(employee.health_code).label},
            )

    # 7. Risk-area stays within the window.
    needs_point = bool(params.observation_point_required_for_hard_hit_returners)
    for stay, area, day in risk_hits:
        level = RiskLevel(area.level).label
        where = _place_phrase(stay, area, day)
        if (
            needs_point
            and area.severity >= RISK_SEVERITY[RiskLevel.HIGH]
            and _observation_point_missing(employee.enterprise, policy)
        ):
            add(
                ReturnDecision.BARRED,
                _(
                    "%(cite)s：%(where)s（%(level)s地区），企业尚未设置固定隔离观察点，不得接收疫情较重地区返岗人员"
                )
                % {
                    "cite": policy.cite("observation_point_required_for_hard_hit_returners"),
                    "where": where,
                    "level": level,
                },
            )
        elif buffer_policy and iso_days is None:
            add(
                ReturnDecision.BUFFER,
                _(
                    "%(cite)s：%(where)s（%(level)s地区），%(lookback)d天内有风险地区旅居史，进厂后入缓冲区，核酸阴性方可返岗"
                )
                % {
                    "cite": policy.cite("buffer_zone_requires_negative_nucleic"),
                    "where": where,
                    "level": level,
                    "lookback": lookback,
                },
            )
        else:
            isolate(
                area_citation(area) or policy.label,
                _("%(where)s（%(level)s地区，%(since)s起），%(lookback)d天内有风险地区旅居史")
                % {
                    "where": where,
                    "level": level,
                    "since": cn_date(area.valid_from),
                    "lookback": lookback,
                },
            )

    # 8. Out-of-region returners.
    home = home_area_code(employee.enterprise, params.out_of_region_level)
    if iso_days is not None and home:
        region_stays = stays if window_start else _stays(employee, on_date, on_date, stops)
        outside = [s for s in region_stays if is_outside(s.code, home)]
        unknown_origin = employee.left_locality and not region_stays
        if outside or unknown_origin:
            release = arrival + dt.timedelta(days=iso_days)
            if outside:
                # Named as a reader says it: "信州区", never "信州区（361102）" nor a bare code.
                named = place_name(outside[0].label)
                origin = named if named and not named.isdigit() else _("外地")
            else:
                origin = _("外地（行程地区划代码未填写）")
            add(
                ReturnDecision.ISOLATE,
                _(
                    "%(cite)s：自%(origin)s返岗，属外地返岗人员（%(scope)s），须厂内隔离观察%(days)d天，%(release)s解除"
                )
                % {
                    "cite": policy.cite("isolation_days_out_of_region"),
                    "origin": origin,
                    "scope": _out_of_region_phrase(params.out_of_region_level),
                    "days": iso_days,
                    "release": cn_date(release),
                },
                release,
            )

    # 9. The buffer zone for every returning employee.
    if buffer_policy:
        add(
            ReturnDecision.BUFFER,
            _("%(cite)s：所有员工返回工厂后须进入缓冲区，核酸检测阴性方可返岗")
            % {"cite": policy.cite("buffer_zone_requires_negative_nucleic")},
        )

    if not found:
        if employee.is_local:
            who = _("本地员工")
        elif home:
            who = _("非外地返岗人员")
        else:
            who = ""
        if lookback:
            text = _("%(lookback)d天内无不得返岗地区和风险地区旅居史、无病例接触史") % {"lookback": lookback}
        else:
            text = _("无须暂缓返岗、隔离观察或进入缓冲区的情形")
        return Evaluation(
            decision=ReturnDecision.MAY_RETURN,
            reasons=[
                _("%(label)s：%(text)s，%(who)s可直接返岗")
                % {"label": policy.label, "text": text, "who": f"{who}，" if who else ""}
            ],
            release_date=None,
            policy_version_id=policy.version_id,
            on_date=on_date,
            arrival_date=arrival,
        )

    decision = max((f.decision for f in found), key=lambda d: DECISION_RANK[d])
    # The deciding reasons first, then the others, each once.
    reasons: list[str] = []
    for item in sorted(found, key=lambda f: -DECISION_RANK[f.decision]):
        for text in item.reasons:
            if text not in reasons:
                reasons.append(text)
    release = None
    if decision == ReturnDecision.ISOLATE:
        dates = [d for f in found if f.decision == ReturnDecision.ISOLATE for d in f.release_dates]
        release = max(dates) if dates else None
    return Evaluation(
        decision=decision,
        reasons=reasons,
        release_date=release,
        policy_version_id=policy.version_id,
        on_date=on_date,
        arrival_date=arrival,
        isolation_days=iso_days if decision == ReturnDecision.ISOLATE else None,
    )


def _out_of_region_phrase(level: str) -> str:
    from fugong.policy.parameters import OUT_OF_REGION_CHOICES

    return str(dict(OUT_OF_REGION_CHOICES).get(level, level)).split("（")[0]


def apply_evaluation(actor, employee, **kwargs):
    """Store the decision and move the status accordingly — a writer, so it lives in services."""
    from fugong.workforce import services

    return services.apply_evaluation(actor, employee, **kwargs)
