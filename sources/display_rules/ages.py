"""The age rule of each service, in one place: who a service's records may be shown for, by age.

The resolver asks `not_applicable` before it asks a source, so that a person whose known age is outside a service's
range is answered NOT_APPLICABLE without an upstream call (whether the source is up or down); `apply` asks the same
question again, and asks `AgeRange.admits` of each matched record's own date of birth when the person's is unknown.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from sources.display_rules.config import DisplayRules
from sources.display_rules.dates import age_on
from sources.model import CheckOutcome, RuleResult, Service

NOT_APPLICABLE_FROM = "Not applicable: {service} records are shown from age {min_age}"
NOT_APPLICABLE_BETWEEN = "Not applicable: {service} records are shown for ages {min_age} to {max_age}"


@dataclass(frozen=True)
class AgeRange:
    """The ages, in completed years and both ends inclusive, for which a service's records are shown."""

    service: Service
    min_age: int
    max_age: int | None  # None: no upper limit

    def admits(self, date_of_birth: datetime.date, today: datetime.date) -> bool:
        age = age_on(date_of_birth, today)
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)

    def ages(self) -> str:
        """'from age 18', 'ages 4 to 20': the rule in words, for explanations."""
        if self.max_age is None:
            return f"from age {self.min_age}"
        return f"ages {self.min_age} to {self.max_age}"

    def not_applicable(self) -> str:
        """Why a person outside the range is not checked, in words tied to the rule."""
        if self.max_age is None:
            return NOT_APPLICABLE_FROM.format(service=self.service.label, min_age=self.min_age)
        return NOT_APPLICABLE_BETWEEN.format(service=self.service.label, min_age=self.min_age, max_age=self.max_age)

    @functools.cached_property
    def outside(self) -> RuleResult:
        """The answer for anyone outside the range: the same for everyone (it is immutable), so made once."""
        return RuleResult(outcome=CheckOutcome.NOT_APPLICABLE, involvements=(), rule_explanation=self.not_applicable())


def age_range(rules: DisplayRules, service: Service) -> AgeRange:
    """`service`'s age range under the authority's display rules (`ValueError` for a service without rules)."""
    found = rules.age_ranges.get(service)  # asked for every service of every person: worked out once
    if found is None:
        definition = rules.registry.definition(service)
        min_age, max_age = definition.policy.ages(rules.section(definition))
        found = rules.age_ranges[service] = AgeRange(service, min_age, max_age)
    return found


def not_applicable(
    rules: DisplayRules, service: Service, date_of_birth: datetime.date | None, today: datetime.date
) -> RuleResult | None:
    """The age decision, taken before any source is asked.

    A NOT_APPLICABLE result when the person's date of birth is known and outside `service`'s age range: the source
    need not (and must not) be asked about them. None when the source is to be asked: the person is in range, or
    their date of birth is unknown (then `apply` holds each matched record's own date of birth to the rule).
    """
    if date_of_birth is None:
        return None
    ages = age_range(rules, service)
    if ages.admits(date_of_birth, today):
        return None
    return ages.outside
