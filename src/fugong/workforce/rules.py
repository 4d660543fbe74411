"""Whether a person may return to work, and why (SPEC §5): the return rules of N0, N1 and N2 as data.

``evaluate_return(employee)`` reads only the employee file, the policy in force for the firm's town on
the person's return date and the policy's dated risk and no-return areas, and answers one of four
decisions with every reason that led there, each citing its notice and section:

* **barred** (暂不得返岗):
  - stayed in a no-return area while it was in force within the look-back window — N0 二、准备阶段
    2．提前告知 "湖北等疫情重点区域一律不得返还";
  - a close contact of a confirmed or suspected case within the window — N0 提前告知 "与…确诊病例、
    疑似病例密切接触者，一律不得返还" (N1 五、（一）: only 非密接、次密接 may leave their community);
  - living in a sealed area — N1 五、（一） lets only 封控区非封控楼栋 residents out, and the file does
    not tell the buildings apart, so the firm records such a person as "controlled" only once the
    community has said so;
  - fever or symptoms together with an epidemiological history — N0 二、返岗阶段 3．分类管理 sends them
    to the fever clinic, not into the plant;
  - a hard-hit-area returner while the firm has no fixed observation point — N2 二、（四）;
  - a red health code.
* **isolate** (须厂内隔离观察) with a release date = arrival date + N days:
  - out-of-region returners when the policy sets ``isolation_days_out_of_region`` — N0 "对绍外人员
    落实居厂隔离观察14天", N2 双隔离 "外地返岗人员坚决执行14天隔离期". "Out of region" is read as the
    notices write it: 绍外 (outside Shaoxing, the prefecture-level city, though the policy is Zhuji's)
    and 外地 (outside Baotou) — so a place outside the firm's *city* (the CITY level of the town's
    path, or the province where counties hang directly under it). A person counts as returning from
    outside when their return trip started there, their holiday destination lay there, or a travel stop
    within the window lay there; where they live does not make them a returner (a worker from
    elsewhere who stayed in town over the holiday is not 绍外人员). Someone who left the locality
    without any place code recorded is treated as returning from outside, since nobody can show
    otherwise;
  - a stay in a medium-or-worse risk area (or controlled/sealed area) within the window — N2 双隔离
    "近期有疫区旅居史…主动进行医学观察" and the risk-area table of SPEC §2;
  - fever or symptoms at registration without an epidemiological history — N2 双隔离 "体温检测异常员工
    实施隔离观察" (``symptomatic_isolated``; the barred case above is
    ``symptomatic_with_epi_history_barred``). Unset, both still apply, cited to the policy in force;
    only "否" turns one off;
  - a yellow health code.
  N days is ``isolation_days_out_of_region``; where the policy does not set it (N1, N4), the
  look-back days, else 14 — the national medical-observation period every notice assumes.
* **buffer** (须进缓冲区待核酸阴性): under a policy with ``buffer_zone_requires_negative_nucleic`` (N1
  五、（二）"所有员工返回工厂后，要进入工厂单独设置的缓冲区…呈阴性的方可返岗复工") every returning
  employee, local or not; and the isolate cases above become buffer cases unless the same policy also
  sets isolation days, because N1 asks for the buffer and the test, not for an isolation period.
* **may return** (可直接返岗) when nothing above applies.

Areas are judged as of each day: a stay counts against an area only for the days both overlap, so an
area listed after someone left it does not catch them, and one listed with a past start date does.
The look-back window is the policy's ``travel_history_lookback_days`` (14 when unset) counted back
from the return date, inclusive of both ends. The place a person lives is judged through the residence
control status (N1), not through the risk-area table: the file holds a home address, not the days
spent there.

Every reason cites the policy in force: the section comes from the preset's ``sources`` for the
parameter behind the rule, and only the notice (or the policy's name) where that parameter is unset.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.enterprises.models import IsolationKind, IsolationRoom
from fugong.policy.divisions import covering_codes, normalize_division_code
from fugong.policy.models import RISK_SEVERITY, NoReturnArea, Policy, RiskArea, RiskLevel
from fugong.policy.presets import UnknownPreset, get_preset
from fugong.policy.selectors import ResolvedPolicy, policy_for
from fugong.workforce.models import HealthCode, ResidenceControl, ReturnDecision

DEFAULT_LOOKBACK_DAYS = 14
DEFAULT_ISOLATION_DAYS = 14
# Severity of each decision: the strictest rule that applies decides.
DECISION_RANK = {
    ReturnDecision.MAY_RETURN: 0,
    ReturnDecision.BUFFER: 1,
    ReturnDecision.ISOLATE: 2,
    ReturnDecision.BARRED: 3,
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


# -- citations ------------------------------------------------------------------------------------------


def _preset_of(policy: ResolvedPolicy) -> dict | None:
    key = policy.preset_key
    if not key:
        # An edited version may carry no preset key; the policy still started from one.
        memo_key = ("workforce", "policy_preset_key")
        if memo_key not in policy._memo:
            policy._memo[memo_key] = (
                Policy.objects.filter(pk=policy.policy_id).values_list("preset_key", flat=True).first() or ""
            )
        key = policy._memo[memo_key]
    try:
        return get_preset(key) if key else None
    except UnknownPreset:
        return None


def _notice(policy: ResolvedPolicy) -> str:
    preset = _preset_of(policy)
    return preset["notice"] if preset else policy.policy_name


def _cite(policy: ResolvedPolicy, parameter: str) -> str:
    """ "N0 二、返岗阶段 3．分类管理": the notice and the section the parameter behind a rule was taken from.

    Only the policy in force is named, and its section only where the version in force sets that
    parameter: a version stored before the parameter existed, or one the task force cleared it from,
    must not borrow a section (let alone another notice's) that it does not contain."""
    if not policy.parameters.is_set(parameter):
        return _notice(policy)
    preset = _preset_of(policy)
    if preset is None:
        return f"{policy.policy_name}（第{policy.version_number}版）"
    source = preset.get("sources", {}).get(parameter, "")
    section = re.split(r"[：:]", source, maxsplit=1)[0].strip() if source else ""
    return f"{preset['notice']} {section}".strip()


def _cite_area(policy: ResolvedPolicy, area) -> str:
    match = re.match(r"^(N\d)\s*([^：:]*)", area.source or "")
    if match:
        return f"{match.group(1)} {match.group(2).strip()}".strip()
    return _notice(policy)


# -- places ---------------------------------------------------------------------------------------------


def home_area_code(enterprise) -> str:
    """The division code of the firm's city — what 绍外 (N0) and 外地 (N2) are measured against."""
    codes = [c for c in enterprise.town.path.split("/") if c]
    for code in codes:
        if len(code) == 4:
            return code
    return codes[0] if codes else ""


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


def _place_phrase(stay: _Stay, area, day: dt.date) -> str:
    place = stay.label if stay.label == area.name else f"{stay.label}（属{area.name}）"
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
    lookback = params.travel_history_lookback_days or DEFAULT_LOOKBACK_DAYS
    window_start = on_date - dt.timedelta(days=lookback)
    arrival = employee.return_date or employee.expected_return_date or on_date
    buffer_policy = bool(params.buffer_zone_requires_negative_nucleic)
    iso_days_param = params.isolation_days_out_of_region
    iso_days = iso_days_param or params.travel_history_lookback_days or DEFAULT_ISOLATION_DAYS
    notice = _notice(policy)
    found: list[_Found] = []

    def add(decision, text, release=None):
        item = _Found(decision, [text])
        if release is not None:
            item.release_dates.append(release)
        found.append(item)

    stays = _stays(employee, window_start, on_date, stops)
    home = home_area_code(employee.enterprise)

    # 1. No-return areas (N0 提前告知).
    for stay in stays:
        for area, day in _hits(policy, NoReturnArea, stay, window_start, on_date):
            since = cn_date(area.valid_from)
            if stay.label == area.name and stay.kind == "origin":
                what = _("来自%(place)s（不得返岗地区，自%(since)s起）") % {
                    "place": area.name,
                    "since": since,
                }
            else:
                what = _("%(where)s（不得返岗地区，自%(since)s起）") % {
                    "where": _place_phrase(stay, area, day),
                    "since": since,
                }
            add(ReturnDecision.BARRED, f"{_cite_area(policy, area)}：{what}，一律不得返还")

    # 2. Risk areas within the window.
    risk_hits = []
    for stay in stays:
        for area, day in _hits(policy, RiskArea, stay, window_start, on_date):
            if RISK_SEVERITY[area.level] >= RISK_SEVERITY[RiskLevel.MEDIUM]:
                risk_hits.append((stay, area, day))
    contacts = list(contacts if contacts is not None else employee.close_contacts.all())
    case_contacts = [c for c in contacts if c.with_case and window_start <= c.contact_date <= on_date]
    symptomatic = employee.has_fever or bool((employee.other_symptoms or "").strip())
    epi_history = bool(risk_hits or case_contacts)

    # 3. Close contacts of cases (N0 提前告知; N1 五、（一）).
    for contact in case_contacts:
        if buffer_policy:
            cite = _cite(policy, "pre_exit_nucleic_valid_hours")
            rule = _("密接、次密接人员不得转出小区返岗")
        else:
            cite = _cite(policy, "travel_history_lookback_days")
            rule = _("与确诊病例、疑似病例密切接触者一律不得返还")
        add(
            ReturnDecision.BARRED,
            _("%(cite)s：%(date)s与病例有密切接触（%(what)s），%(rule)s")
            % {
                "cite": cite,
                "date": cn_date(contact.contact_date),
                "what": contact.description,
                "rule": rule,
            },
        )

    # 4. Residence control status (N1 五、（一）, which carries the 48-hour exit rule).
    if employee.residence_control == ResidenceControl.SEALED:
        add(
            ReturnDecision.BARRED,
            _("%(cite)s：居住地位于封控区，封控楼栋人员不得转出小区，暂不得返岗")
            % {"cite": _cite(policy, "pre_exit_nucleic_valid_hours")},
        )
    elif employee.residence_control in (ResidenceControl.CONTROLLED, ResidenceControl.PRECAUTION):
        hours = params.pre_exit_nucleic_valid_hours
        control = ResidenceControl(employee.residence_control).label
        if buffer_policy:
            add(
                ReturnDecision.BUFFER,
                _(
                    "%(cite)s：居住地位于%(control)s，须持%(hours)s小时内核酸阴性报告及现场抗原阴性转出小区，进厂后入缓冲区"
                )
                % {
                    "cite": _cite(policy, "pre_exit_nucleic_valid_hours"),
                    "control": control,
                    "hours": hours or 48,
                },
            )
        elif employee.residence_control == ResidenceControl.CONTROLLED:
            release = arrival + dt.timedelta(days=iso_days)
            add(
                ReturnDecision.ISOLATE,
                _("%(notice)s：居住地位于管控区，须厂内隔离观察%(days)d天，%(release)s解除")
                % {"notice": notice, "days": iso_days, "release": cn_date(release)},
                release,
            )

    # 5. Fever or symptoms at registration: with an epidemiological history to the fever clinic (N0
    #    分类管理), without one into isolation (N2 双隔离). Where the policy does not set a rule (older
    #    versions, other notices) the same safe course applies, cited to the policy in force alone;
    #    only an explicit "否" switches a rule off.
    to_clinic = epi_history and params.symptomatic_with_epi_history_barred is not False
    if symptomatic and (to_clinic or params.symptomatic_isolated is not False):
        what = (
            _("登记时发热")
            if employee.has_fever
            else _("登记时有症状（%(s)s）") % {"s": employee.other_symptoms}
        )
        if to_clinic:
            add(
                ReturnDecision.BARRED,
                _("%(cite)s：%(what)s且%(lookback)d天内有流行病学史，须送发热门诊就诊排查，暂不得返岗")
                % {
                    "cite": _cite(policy, "symptomatic_with_epi_history_barred"),
                    "what": what,
                    "lookback": lookback,
                },
            )
        else:
            release = arrival + dt.timedelta(days=iso_days)
            add(
                ReturnDecision.ISOLATE,
                _("%(cite)s：%(what)s，须隔离观察%(days)d天，%(release)s解除")
                % {
                    "cite": _cite(policy, "symptomatic_isolated"),
                    "what": what,
                    "days": iso_days,
                    "release": cn_date(release),
                },
                release,
            )

    # 6. Health code.
    if employee.health_code == HealthCode.RED:
        add(ReturnDecision.BARRED, _("%(notice)s：健康码为红码，暂不得返岗") % {"notice": notice})
    elif employee.health_code == HealthCode.YELLOW:
        if buffer_policy and not iso_days_param:
            add(
                ReturnDecision.BUFFER,
                _("%(notice)s：健康码为黄码，须入缓冲区待核酸阴性") % {"notice": notice},
            )
        else:
            release = arrival + dt.timedelta(days=iso_days)
            add(
                ReturnDecision.ISOLATE,
                _("%(notice)s：健康码为黄码，须隔离观察%(days)d天，%(release)s解除")
                % {"notice": notice, "days": iso_days, "release": cn_date(release)},
                release,
            )

    # 7. Risk-area stays: isolation, or the buffer zone under N1; barred from a hard-hit area while the
    #    firm has no fixed observation point (N2 二、（四）).
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
                    "cite": _cite(policy, "observation_point_required_for_hard_hit_returners"),
                    "where": where,
                    "level": level,
                },
            )
        elif buffer_policy and not iso_days_param:
            add(
                ReturnDecision.BUFFER,
                _(
                    "%(cite)s：%(where)s（%(level)s地区），%(lookback)d天内有风险地区旅居史，进厂后入缓冲区，核酸阴性方可返岗"
                )
                % {
                    "cite": _cite(policy, "buffer_zone_requires_negative_nucleic"),
                    "where": where,
                    "level": level,
                    "lookback": lookback,
                },
            )
        else:
            release = arrival + dt.timedelta(days=iso_days)
            add(
                ReturnDecision.ISOLATE,
                _(
                    "%(notice)s：%(where)s（%(level)s地区，%(since)s起），%(lookback)d天内有风险地区旅居史，须厂内隔离观察%(days)d天，%(release)s解除"
                )
                % {
                    "notice": _cite_area(policy, area) if area.source else notice,
                    "where": where,
                    "level": level,
                    "since": cn_date(area.valid_from),
                    "lookback": lookback,
                    "days": iso_days,
                    "release": cn_date(release),
                },
                release,
            )

    # 8. Out-of-region returners (N0 分类管理 绍外人员; N2 双隔离 外地返岗人员).
    outside = [s for s in stays if is_outside(s.code, home)]
    unknown_origin = employee.left_locality and not stays
    if iso_days_param and (outside or unknown_origin):
        release = arrival + dt.timedelta(days=iso_days_param)
        origin = outside[0].label if outside else _("外地（行程地区划代码未填写）")
        add(
            ReturnDecision.ISOLATE,
            _("%(cite)s：自%(origin)s返岗，属外地返岗人员，须厂内隔离观察%(days)d天，%(release)s解除")
            % {
                "cite": _cite(policy, "isolation_days_out_of_region"),
                "origin": origin,
                "days": iso_days_param,
                "release": cn_date(release),
            },
            release,
        )

    # 9. The buffer zone for every returning employee (N1 五、（二）).
    if buffer_policy:
        add(
            ReturnDecision.BUFFER,
            _("%(cite)s：所有员工返回工厂后须进入缓冲区，核酸检测阴性方可返岗")
            % {"cite": _cite(policy, "buffer_zone_requires_negative_nucleic")},
        )

    if not found:
        who = _("本地员工") if employee.is_local else _("非外地返岗人员")
        return Evaluation(
            decision=ReturnDecision.MAY_RETURN,
            reasons=[
                _(
                    "%(notice)s：%(lookback)d天内无不得返岗地区和风险地区旅居史、无病例接触史，%(who)s，可直接返岗"
                )
                % {"notice": notice, "lookback": lookback, "who": who}
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
        release = max(d for f in found if f.decision == ReturnDecision.ISOLATE for d in f.release_dates)
    return Evaluation(
        decision=decision,
        reasons=reasons,
        release_date=release,
        policy_version_id=policy.version_id,
        on_date=on_date,
        arrival_date=arrival,
        isolation_days=iso_days if decision == ReturnDecision.ISOLATE else None,
    )


def apply_evaluation(actor, employee, **kwargs):
    """Store the decision and move the status accordingly — a writer, so it lives in services."""
    from fugong.workforce import services

    return services.apply_evaluation(actor, employee, **kwargs)
