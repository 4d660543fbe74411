"""The frozen values a parsed policy version is made of, and ``PolicyParameters`` itself."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from .specs import PARAMETER_SPECS, Kind, ParamSpec


@dataclass(frozen=True)
class ReviewStep:
    key: str
    name: str
    participants: tuple[str, ...]
    mode: str = "any"  # "all": every participant must pass, in any order (joint review)

    @property
    def is_joint(self) -> bool:
        return self.mode == "all"

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "participants": list(self.participants),
            "mode": self.mode,
        }


@dataclass(frozen=True)
class Commitment:
    code: str
    group: str
    text: str

    def to_json(self) -> dict:
        return {"code": self.code, "group": self.group, "text": self.text}


@dataclass(frozen=True)
class Round:
    name: str
    opens: dt.time
    due: dt.time

    def to_json(self) -> dict:
        return {"name": self.name, "opens": self.opens.strftime("%H:%M"), "due": self.due.strftime("%H:%M")}


@dataclass(frozen=True)
class Term:
    key: str
    name: str

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name}


@dataclass(frozen=True)
class PlanSectionSpec:
    key: str
    name: str
    documents: tuple[str, ...]

    def to_json(self) -> dict:
        return {"key": self.key, "name": self.name, "documents": list(self.documents)}


@dataclass(frozen=True)
class PriorityFactor:
    """One weighted reason to review a firm first. Exactly one of ``measure``, ``field`` or ``tag``."""

    key: str
    name: str
    weight: Decimal
    measure: str = ""
    field: str = ""
    equals: str = ""
    tag: str = ""

    def to_json(self) -> dict:
        out = {"key": self.key, "name": self.name, "weight": float(self.weight)}
        for attr in ("measure", "field", "equals", "tag"):
            if getattr(self, attr):
                out[attr] = getattr(self, attr)
        return out


@dataclass(frozen=True)
class PolicyParameters:
    isolation_days_out_of_region: int | None = None
    travel_history_lookback_days: int | None = None
    pre_report_lead_days: int | None = None
    pre_exit_nucleic_valid_hours: int | None = None
    pre_exit_antigen_required: bool | None = None
    buffer_zone_requires_negative_nucleic: bool | None = None
    observation_point_required_for_hard_hit_returners: bool | None = None
    symptomatic_with_epi_history_barred: bool | None = None
    symptomatic_isolated: bool | None = None
    out_of_region_level: str | None = None
    case_contact_outcome: str | None = None
    health_code_outcomes: dict[str, str] | None = None
    residence_control_outcomes: dict[str, str] | None = None
    fever_threshold_c: Decimal | None = None
    temperature_checks_per_day: int | None = None
    temperature_rounds: tuple[Round, ...] | None = None
    nucleic_test_interval_days: int | None = None
    antigen_daily: bool | None = None
    earliest_resumption_at: dt.datetime | None = None
    essential_sectors_exempt: tuple[str, ...] | None = None
    early_resumption_needs_approval: bool | None = None
    resumption_modes_allowed: tuple[str, ...] | None = None
    closed_in_plant_zones: tuple[str, ...] | None = None
    max_people_per_car: int | None = None
    dorm_max_per_room: int | None = None
    dorm_min_area_per_person_m2: Decimal | None = None
    gathering_plan_threshold: int | None = None
    meal_group_max: int | None = None
    canteen_staggered_meals: bool | None = None
    required_supplies: tuple[str, ...] | None = None
    supplies_min_days_of_cover: int | None = None
    risk_weight_unmet_item: int | None = None
    risk_weight_abnormal_temperature: int | None = None
    risk_weight_overdue_test: int | None = None
    risk_weight_missed_disinfection: int | None = None
    risk_weight_stock_shortage: int | None = None
    incident_isolate_minutes: int | None = None
    incident_report_minutes: int | None = None
    incident_transfer_minutes: int | None = None
    incident_contacts_minutes: int | None = None
    incident_notify_minutes: int | None = None
    contact_lookback_days: int | None = None
    contact_gate_window_minutes: int | None = None
    review_cases_outside_isolation: bool | None = None
    incident_steps: dict | None = None  # {step kind: owner}
    disinfection_areas: tuple[Term, ...] | None = None
    disinfection_rounds: tuple[Term, ...] | None = None
    document_types: tuple[Term, ...] | None = None
    required_application_documents: tuple[str, ...] | None = None
    plan_sections: tuple[PlanSectionSpec, ...] | None = None
    review_chain: tuple[ReviewStep, ...] | None = None
    priority_factors: tuple[PriorityFactor, ...] | None = None
    page_notices: dict[str, str] | None = None
    commitments: tuple[Commitment, ...] | None = None
    required_checklists: tuple[str, ...] | None = None

    def to_json(self) -> dict:
        """The stored form: only the parameters that are set."""
        out = {}
        for spec in PARAMETER_SPECS:
            value = getattr(self, spec.key)
            if value is not None:
                out[spec.key] = _to_json(spec, value)
        return out

    def is_set(self, key: str) -> bool:
        return getattr(self, key) is not None

    def term_name(self, key: str, term: str) -> str:
        """The name a vocabulary parameter gives ``term`` (the key itself when the policy has none)."""
        for item in getattr(self, key) or ():
            if item.key == term:
                return item.name
        return term

    def term_keys(self, key: str) -> tuple[str, ...]:
        return tuple(item.key for item in getattr(self, key) or ())

    def outcome(self, key: str, value: str) -> str | None:
        """What an OUTCOMES parameter says for ``value`` ("barred", "isolate" …), None when unset."""
        mapping = getattr(self, key) or {}
        return mapping.get(value)

    def page_notice(self, page: str) -> str:
        return (self.page_notices or {}).get(page, "")


def _to_json(spec: ParamSpec, value):
    if spec.kind == Kind.DECIMAL:
        return float(value)
    if spec.kind == Kind.DATETIME:
        return timezone.localtime(value).isoformat()
    if spec.kind in (Kind.CHOICES, Kind.CHECKLISTS):
        return list(value)
    if spec.kind in (Kind.OUTCOMES, Kind.TEXTS):
        return dict(value)
    if spec.kind in (
        Kind.REVIEW_CHAIN,
        Kind.COMMITMENTS,
        Kind.ROUNDS,
        Kind.VOCABULARY,
        Kind.PLAN_SECTIONS,
        Kind.FACTORS,
    ):
        return [item.to_json() for item in value]
    return value
