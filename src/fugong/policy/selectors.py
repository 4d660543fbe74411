"""Reading policy: ``policy_for(region, on_date)`` is the one way every rule learns the rules.

Resolution: among the region and its ancestors, the nearest one whose policy has a version in force on
the date wins (a town's own policy overrides the county's from its first version's date; before that
the county's applies). Within a policy, the version in force is the newest one whose ``effective_from``
is on or before the date — version numbers and effective dates rise together (services enforce it).

Risk areas and no-return areas are different: they are facts published by higher authorities, so a
region sees the union of those registered on its own policy and on every ancestor's, whichever policy
supplies the parameters.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.core.dates import format_date
from fugong.policy.divisions import covering_codes
from fugong.policy.models import (
    RISK_SEVERITY,
    ChecklistDefinition,
    NoReturnArea,
    Notice,
    Policy,
    PolicyVersion,
    Preset,
    RiskArea,
)
from fugong.policy.parameters import PolicyParameters, parse_parameters
from fugong.regions.models import Region


class NoPolicyError(LookupError):
    """Neither the region nor any ancestor has a policy version in force on the date."""

    def __init__(self, region_name: str, on_date: dt.date):
        self.region_name, self.on_date = region_name, on_date
        super().__init__(
            _("「%(region)s」及其上级区域在 %(date)s 没有生效的防控政策。")
            % {"region": region_name, "date": format_date(on_date)}
        )


def _as_date(on_date) -> dt.date:
    if on_date is None:
        return timezone.localdate()
    if isinstance(on_date, dt.datetime):
        return timezone.localtime(on_date).date() if timezone.is_aware(on_date) else on_date.date()
    return on_date


def _path_codes(path: str) -> list[str]:
    return [c for c in path.split("/") if c]


# -- presets and citations -----------------------------------------------------------------------------


class UnknownPreset(LookupError):
    pass


def get_preset(key: str) -> Preset:
    """A loaded preset by its key (e.g. "city_2026"), any case, or by its notice's code."""
    key = (key or "").strip()
    if not key:
        raise UnknownPreset(key)
    preset = (
        Preset.objects.select_related("notice").filter(key__iexact=key).first()
        or Preset.objects.select_related("notice").filter(notice__code__iexact=key).order_by("key").first()
    )
    if preset is None:
        raise UnknownPreset(key)
    return preset


def preset_choices() -> list[tuple[str, str]]:
    return [
        (p.key, f"{p.name}（{p.notice.issued_display}）") for p in Preset.objects.select_related("notice")
    ]


def cn_day(value) -> str:
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


def citation(entry: dict | None, fallback: str = "") -> str:
    """Where a value came from, as people cite it: 《通知简称》章节, or the local version and its basis."""
    if not entry:
        return fallback
    if entry.get("local"):
        by = f"{entry['by']}" if entry.get("by") else ""
        return _("%(policy)s第%(n)s版（%(date)s%(by)s修改，依据：%(basis)s）") % {
            "policy": entry.get("policy", ""),
            "n": entry.get("version", ""),
            "date": cn_day(entry["date"]) if entry.get("date") else "",
            "by": by,
            "basis": entry.get("basis", ""),
        }
    title = entry.get("notice_title") or _notice_title(entry.get("notice", ""))
    section = entry.get("section") or _("（预设取值，见说明）")
    return f"《{title}》{section}" if title else section


def area_citation(area) -> str:
    """Why an area is registered: 《通知简称》章节 for one a preset brought, else the basis typed in."""
    if area.notice_id:
        return f"《{area.notice.short_title}》{area.source}"
    return area.source


def _notice_title(code: str) -> str:
    if not code:
        return ""
    notice = Notice.objects.filter(code=code).only("short_title").first()
    return notice.short_title if notice else code


@dataclass(frozen=True)
class ResolvedPolicy:
    """The policy in force for one region on one date.

    Keep one for a unit of work (a request, a batch), not longer: a version published today with
    today's date changes today's answer, and risk-area lookups are memoised on the object. Pickling
    drops that memo, so a copy taken from a cache always asks the database about areas afresh.
    """

    region_id: int
    region_code: str
    region_name: str
    on_date: dt.date
    policy_id: int
    policy_name: str
    source_region_id: int  # the region whose policy applies: the asked one or an ancestor
    source_region_code: str
    source_region_name: str
    version_id: int  # decisions store this to show later which rules they followed
    version_number: int
    effective_from: dt.date
    preset_key: str
    parameters: PolicyParameters
    # {parameter: where its value came from} (PolicyVersion.provenance)
    provenance: dict
    # Policies of the region and its ancestors, nearest first: risk and no-return areas come from all.
    chain_policy_ids: tuple[int, ...]
    _memo: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_memo"] = {}
        return state

    @property
    def inherited(self) -> bool:
        return self.source_region_id != self.region_id

    @property
    def label(self) -> str:
        """How a reason names the policy itself: 「某市复工复产防控政策」第2版."""
        return _("%(name)s第%(n)d版") % {"name": self.policy_name, "n": self.version_number}

    def source_of(self, key: str) -> dict | None:
        return self.provenance.get(key) if self.parameters.is_set(key) else None

    def cite(self, key: str) -> str:
        """Where the value of ``key`` in force came from — the notice and section it was loaded from, or
        the local version, date, person and basis of the change. Only a set parameter has a source:
        an unset one cites the policy version itself."""
        return citation(self.source_of(key), self.label) or self.label

    def quote(self, key: str) -> str:
        entry = self.source_of(key) or {}
        return entry.get("quote", "")

    # -- risk and no-return areas ------------------------------------------------------------------

    def _areas(self, model, code, on_date):
        on_date = _as_date(on_date if on_date is not None else self.on_date)
        codes = covering_codes(code.code if isinstance(code, Region) else code)
        if isinstance(code, Region):
            codes = sorted(set(codes) | set(_path_codes(code.path)))
        key = (model.__name__, tuple(codes), on_date)
        if key not in self._memo:
            self._memo[key] = list(
                model.objects.filter(policy_id__in=self.chain_policy_ids, region_code__in=codes).in_force(
                    on_date
                )
            )
        return self._memo[key]

    def risk_areas_covering(self, code, on_date=None) -> list[RiskArea]:
        """The risk areas in force on the date that contain ``code`` (a division code or a Region)."""
        return self._areas(RiskArea, code, on_date)

    def risk_level_of(self, code, on_date=None) -> str | None:
        """The most severe RiskLevel in force for the place on the date (defaults to the policy's date),
        or None when no registered area covers it. A county's area covers its towns (code prefix)."""
        areas = self.risk_areas_covering(code, on_date)
        if not areas:
            return None
        return max(areas, key=lambda a: (a.severity, a.level)).level

    def is_risk_at_least(self, code, threshold: str, on_date=None) -> bool:
        """ "Was this place medium risk or worse on that day": compares severities across vocabularies."""
        level = self.risk_level_of(code, on_date)
        return level is not None and RISK_SEVERITY[level] >= RISK_SEVERITY[threshold]

    def no_return_area_of(self, code, on_date=None) -> NoReturnArea | None:
        areas = self._areas(NoReturnArea, code, on_date)
        return areas[0] if areas else None

    def is_no_return_area(self, code, on_date=None) -> bool:
        return self.no_return_area_of(code, on_date) is not None

    def risk_areas(self, on_date=None) -> list[RiskArea]:
        on_date = _as_date(on_date if on_date is not None else self.on_date)
        return list(
            RiskArea.objects.filter(policy_id__in=self.chain_policy_ids)
            .in_force(on_date)
            .select_related("policy__region", "notice")
        )

    def no_return_areas(self, on_date=None) -> list[NoReturnArea]:
        on_date = _as_date(on_date if on_date is not None else self.on_date)
        return list(
            NoReturnArea.objects.filter(policy_id__in=self.chain_policy_ids)
            .in_force(on_date)
            .select_related("policy__region", "notice")
        )

    # -- checklists and small rule helpers ---------------------------------------------------------

    def checklists(self) -> list[ChecklistDefinition]:
        """The required checklists in the policy's order, each with ``items_in_force`` for the date."""
        keys = list(self.parameters.required_checklists or ())
        if not keys:
            return []
        if "checklists" not in self._memo:
            defs = {d.key: d for d in ChecklistDefinition.objects.filter(key__in=keys)}
            out = []
            for key in keys:
                if key in defs:
                    definition = defs[key]
                    definition.items_in_force = list(definition.items_on(self.on_date))
                    out.append(definition)
            self._memo["checklists"] = out
        return self._memo["checklists"]

    def is_fever(self, temperature_c) -> bool:
        """At or above the threshold is abnormal (SPEC §6). False when the policy sets no threshold."""
        threshold = self.parameters.fever_threshold_c
        return threshold is not None and Decimal(str(temperature_c)) >= threshold

    def gathering_needs_plan(self, headcount: int) -> bool:
        threshold = self.parameters.gathering_plan_threshold
        return threshold is not None and headcount >= threshold

    def may_resume_at(self, moment: dt.datetime, sectors=()) -> bool:
        """Whether a firm with the given sector tags may start at ``moment`` under the earliest-date rule
        ; early starts approved by the task force are the application workflow's business."""
        earliest = self.parameters.earliest_resumption_at
        if earliest is None or moment >= earliest:
            return True
        return bool(set(sectors) & set(self.parameters.essential_sectors_exempt or ()))

    def priority_score(self, factors: dict) -> Decimal:
        """Σ weight × factor over the policy's priority factors, by key; a factor is True/False or a
        0–1 share."""
        total = Decimal("0")
        for factor in self.parameters.priority_factors or ():
            value = factors.get(factor.key)
            if value is None or value is False:
                continue
            total += factor.weight * (Decimal("1") if value is True else Decimal(str(value)))
        return total


def _resolve(region: Region, on_date: dt.date) -> ResolvedPolicy | None:
    codes = _path_codes(region.path)
    version = (
        PolicyVersion.objects.filter(policy__region__code__in=codes, effective_from__lte=on_date)
        .select_related("policy__region")
        .annotate(depth=Length("policy__region__path"))
        .order_by("-depth", "-number")
        .first()
    )
    if version is None:
        return None
    chain = list(
        Policy.objects.filter(region__code__in=codes)
        .annotate(depth=Length("region__path"))
        .order_by("-depth")
        .values_list("pk", flat=True)
    )
    return _resolved(region, on_date, version, chain)


def _resolve_many(regions, on_date: dt.date) -> dict[str, ResolvedPolicy | None]:
    """``_resolve`` for many regions in two statements: {region path: policy}. Each region has at most one
    policy, so the one in force is the latest version in effect of the deepest policy on its path."""
    codes = {code for region in regions for code in _path_codes(region.path)}
    latest: dict[str, PolicyVersion] = {}
    for version in PolicyVersion.objects.filter(
        policy__region__code__in=codes, effective_from__lte=on_date
    ).select_related("policy__region"):
        code = version.policy.region.code
        if code not in latest or version.number > latest[code].number:
            latest[code] = version
    policy_of = dict(Policy.objects.filter(region__code__in=codes).values_list("region__code", "pk"))
    out = {}
    for region in regions:
        path = _path_codes(region.path)  # root first
        deepest = next((latest[code] for code in reversed(path) if code in latest), None)
        chain = [policy_of[code] for code in reversed(path) if code in policy_of]
        out[region.path] = _resolved(region, on_date, deepest, chain) if deepest else None
    return out


def _resolved(region: Region, on_date: dt.date, version: PolicyVersion, chain: list[int]) -> ResolvedPolicy:
    source = version.policy.region
    return ResolvedPolicy(
        region_id=region.pk,
        region_code=region.code,
        region_name=region.name,
        on_date=on_date,
        policy_id=version.policy_id,
        policy_name=version.policy.name,
        source_region_id=source.pk,
        source_region_code=source.code,
        source_region_name=source.name,
        version_id=version.pk,
        version_number=version.number,
        effective_from=version.effective_from,
        preset_key=version.preset_key,
        parameters=parse_parameters(version.parameters),
        provenance=version.provenance or {},
        chain_policy_ids=tuple(chain),
    )


def _as_region(region) -> Region:
    if isinstance(region, Region):
        return region
    return Region.objects.get(code=str(region))


class PolicyResolver:
    """Memoises resolutions by (region path, date) for one unit of work — a request, a nightly roll-up
    over thousands of firms. Kept short-lived on purpose: a new version may take effect today, and a
    longer-lived cache would keep answering with the old one."""

    def __init__(self):
        self._cache: dict[tuple[str, dt.date], ResolvedPolicy | None] = {}

    def find(self, region, on_date=None) -> ResolvedPolicy | None:
        region = _as_region(region)
        on_date = _as_date(on_date)
        key = (region.path, on_date)
        if key not in self._cache:
            self._cache[key] = _resolve(region, on_date)
        return self._cache[key]

    def find_many(self, regions, on_date=None) -> dict[int, ResolvedPolicy | None]:
        """{region id: policy} for Region objects, resolving the ones not memoised yet together in two
        statements however many there are (a city's towns for a roll-up)."""
        on_date = _as_date(on_date)
        todo = {r.path: r for r in regions if (r.path, on_date) not in self._cache}
        if todo:
            for path, resolved in _resolve_many(list(todo.values()), on_date).items():
                self._cache[(path, on_date)] = resolved
        return {r.pk: self._cache[(r.path, on_date)] for r in regions}

    def policy_for(self, region, on_date=None) -> ResolvedPolicy:
        resolved = self.find(region, on_date)
        if resolved is None:
            region = _as_region(region)
            raise NoPolicyError(region.name, _as_date(on_date))
        return resolved


def policy_for(region, on_date=None) -> ResolvedPolicy:
    """The policy in force for ``region`` (a Region or its code) on ``on_date`` (a date, or an aware
    datetime taken in Beijing time; today when omitted). Raises NoPolicyError when none applies."""
    return PolicyResolver().policy_for(region, on_date)


def find_policy_for(region, on_date=None) -> ResolvedPolicy | None:
    """Like ``policy_for`` but None instead of NoPolicyError."""
    return PolicyResolver().find(region, on_date)


# -- who sees and edits which policy ------------------------------------------------------------------


def visible_policies_q(user, prefix: str = "") -> Q:
    """Policies of the user's region, its ancestors (the rules they live under) and its subtree (the
    overrides they govern). Nothing for users without policy.view or without a region."""
    if not can(user, "policy.view") or not user.is_active or user.region_id is None:
        return Q(pk__in=[])
    path = user.region.path
    return Q(**{f"{prefix}region__path__startswith": path}) | Q(
        **{f"{prefix}region__code__in": _path_codes(path)}
    )


def visible_policies(user):
    return Policy.objects.filter(visible_policies_q(user)).select_related("region")


def visible_regions_q(user) -> Q:
    """Regions whose resolved policy the user may look up: the same reach as ``visible_policies_q``."""
    if not can(user, "policy.view") or not user.is_active or user.region_id is None:
        return Q(pk__in=[])
    path = user.region.path
    return Q(path__startswith=path) | Q(code__in=_path_codes(path))


def can_edit_policy(user, policy: Policy) -> bool:
    """Task force of the policy's region or of a region containing it (a county may not edit the city's)."""
    return (
        can(user, "policy.edit")
        and user.is_active
        and user.region_id is not None
        and policy.region.path.startswith(user.region.path)
    )


def can_create_policy_for(user, region: Region) -> bool:
    return (
        can(user, "policy.edit")
        and user.is_active
        and user.region_id is not None
        and region.path.startswith(user.region.path)
    )


def version_timeline(policy: Policy) -> list[dict]:
    """Every version newest first with what changed from the one before it, for the history page."""
    from fugong.policy.parameters import diff_parameters, parameter_rows

    versions = list(policy.versions.select_related("created_by", "change_run").order_by("number"))
    rows, previous = [], None
    for v in versions:
        rows.append(
            {
                "version": v,
                "params": v.params,
                "changes": diff_parameters(previous, v.params),
                "run": getattr(v, "change_run", None),
                "rows": parameter_rows(v.params),
            }
        )
        previous = v.params
    rows.reverse()
    return rows
