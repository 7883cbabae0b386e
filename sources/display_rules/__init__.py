"""The display rules: which involvements a social worker may see, applied in one place for every path.

Each service's own rule (its ages, what a record shows, its words) is registered with the service
(`sources/services/<service>/service.py`); the functions of the built-in services live beside this module.
Config-driven (`DisplayRules`, Stockport's defaults, per-authority overrides via `DisplayRules.from_mapping`);
`not_applicable` is the age decision, asked before a source is (a person outside a service's age range is not
looked up there); `apply` turns one person's matched records for one service into a `RuleResult`.
"""

from sources.display_rules.adult_social_care import adult_social_care_involvements, counted_plans
from sources.display_rules.ages import (
    NOT_APPLICABLE_BETWEEN,
    NOT_APPLICABLE_FROM,
    AgeRange,
    age_range,
    not_applicable,
)
from sources.display_rules.check import (
    DOB_UNKNOWN,
    POSSIBLE_MATCHES,
    POSSIBLE_MATCHES_PLURAL,
    apply,
    possible_matches_note,
)
from sources.display_rules.config import DisplayRules, InvalidDisplayRules
from sources.display_rules.housing import housing_involvements, housing_window, is_current_tenant
from sources.display_rules.police import police_involvements, police_window
from sources.display_rules.school import school_involvements, shown_enrolments

__all__ = [
    "DOB_UNKNOWN",
    "NOT_APPLICABLE_BETWEEN",
    "NOT_APPLICABLE_FROM",
    "POSSIBLE_MATCHES",
    "POSSIBLE_MATCHES_PLURAL",
    "AgeRange",
    "DisplayRules",
    "InvalidDisplayRules",
    "adult_social_care_involvements",
    "age_range",
    "apply",
    "counted_plans",
    "housing_involvements",
    "housing_window",
    "is_current_tenant",
    "not_applicable",
    "police_involvements",
    "police_window",
    "possible_matches_note",
    "school_involvements",
    "shown_enrolments",
]
