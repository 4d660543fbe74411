"""The typed parameters of a policy version (SPEC §2).

Stored as JSON on ``PolicyVersion.parameters``; read as a frozen ``PolicyParameters``. A key that is
absent (or null) means the notice does not set that rule — "not applicable" — never a made-up default,
so a rule that reads a parameter must decide what "not set" means for it.

``PARAMETER_SPECS`` is the one list of keys, Chinese labels, units and bounds: the parser, the edit
form, the pages and the API schema are all driven from it.

The package is the policy API's public face, so it re-exports its public names. A new parameter kind
touches ``specs`` (``Kind``), ``values`` (its value and ``_to_json``), ``parsers`` (its parser),
``parsing`` (the dispatch in ``parse_parameters``) and ``display`` (``display_value``).
"""

from .display import choice_label, diff_parameters, display_value, parameter_rows, participant_label
from .parsing import ErrorPlace, ParameterErrors, parse_parameters, validate_parameters
from .specs import (
    EFFICIENCY_VALUES,
    G_COMMIT,
    G_DISINFECT,
    G_HEALTH,
    G_INCIDENT,
    G_PLACE,
    G_RESUME,
    G_RETURN,
    G_REVIEW,
    G_RISK,
    G_SUPPLY,
    HEALTH_CODE_CHOICES,
    INCIDENT_STEP_CHOICES,
    INDUSTRY_DEPARTMENT,
    OUT_OF_REGION_CHOICES,
    OUTCOME_CHOICES,
    PAGE_CHOICES,
    PARAMETER_SPECS,
    PRIORITY_FIELD_CHOICES,
    PRIORITY_MEASURE_CHOICES,
    RESIDENCE_CONTROL_CHOICES,
    RESUMPTION_MODE_CHOICES,
    REVIEW_MODE_CHOICES,
    REVIEW_ROLES,
    SECTOR_CHOICES,
    SPECS_BY_KEY,
    STEP_OWNER_CHOICES,
    SUPPLY_CHOICES,
    ZONE_CHOICES,
    Kind,
    ParamSpec,
)
from .values import Commitment, PlanSectionSpec, PolicyParameters, PriorityFactor, ReviewStep, Round, Term

__all__ = [
    "EFFICIENCY_VALUES",
    "G_COMMIT",
    "G_DISINFECT",
    "G_HEALTH",
    "G_INCIDENT",
    "G_PLACE",
    "G_RESUME",
    "G_RETURN",
    "G_REVIEW",
    "G_RISK",
    "G_SUPPLY",
    "HEALTH_CODE_CHOICES",
    "INDUSTRY_DEPARTMENT",
    "INCIDENT_STEP_CHOICES",
    "OUTCOME_CHOICES",
    "STEP_OWNER_CHOICES",
    "OUT_OF_REGION_CHOICES",
    "PAGE_CHOICES",
    "PARAMETER_SPECS",
    "PRIORITY_FIELD_CHOICES",
    "PRIORITY_MEASURE_CHOICES",
    "RESIDENCE_CONTROL_CHOICES",
    "RESUMPTION_MODE_CHOICES",
    "REVIEW_MODE_CHOICES",
    "REVIEW_ROLES",
    "SECTOR_CHOICES",
    "SPECS_BY_KEY",
    "SUPPLY_CHOICES",
    "ZONE_CHOICES",
    "Commitment",
    "ErrorPlace",
    "Kind",
    "ParamSpec",
    "ParameterErrors",
    "PlanSectionSpec",
    "PolicyParameters",
    "PriorityFactor",
    "ReviewStep",
    "Round",
    "Term",
    "choice_label",
    "diff_parameters",
    "display_value",
    "parameter_rows",
    "parse_parameters",
    "participant_label",
    "validate_parameters",
]
