"""`apply`: one person's matched records for one service → what the social worker may see, and why.

Every path that returns an involvement goes through here. In order: the age rule (`ages.not_applicable`, which the
resolver also asks before calling a source; NOT_APPLICABLE, said in words tied to the rule); possible matches set
aside (never turned into involvements, but counted and mentioned); the service's inclusion and time-window rules on
each certain or probable link.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linkage.demographics import MatchEvidence
from sources.display_rules.ages import AgeRange, age_range, not_applicable
from sources.display_rules.config import DisplayRules
from sources.model import CheckOutcome, Involvement, RuleResult, Service, SourceRecord, SourceRef

DOB_UNKNOWN = (
    "Date of birth not known: the age rule ({ages}) was checked against each matched record's own date of birth, "
    "and records without one were not counted"
)
POSSIBLE_MATCHES = "{count} possible match in {system} was not counted: check the links before relying on it"
POSSIBLE_MATCHES_PLURAL = (
    "{count} possible matches in {system} were not counted: check the links before relying on them"
)

Involvements = Callable[[SourceRecord, SourceRef, datetime.date], tuple[Involvement, ...]]


@dataclass(frozen=True)
class _ServicePolicy:
    ages: AgeRange
    involvements: Involvements
    involved: Callable[[Sequence[Involvement]], str]  # what an involved check says, from what was found
    not_known: str


def apply(
    rules: DisplayRules,
    service: Service,
    subject_date_of_birth: datetime.date | None,
    matched: Sequence[tuple[SourceRecord, MatchEvidence]],
    today: datetime.date,
) -> RuleResult:
    """The display rules of `service` applied to the records linked to one person (the subject).

    `matched` holds each candidate record with its match evidence; records that are not links (level None) are
    ignored. `today` is passed in so that the rules never read a clock.
    """
    out_of_range = not_applicable(rules, service, subject_date_of_birth, today)
    if out_of_range is not None:
        return out_of_range
    policy = _policy(rules, service)
    possible: Counter[str] = Counter()
    involvements: list[Involvement] = []
    for record, evidence in matched:
        if record.service is not service:
            raise ValueError(f"a {record.service.value} record was given to the {service.value} rules")
        if not evidence.counts:
            if evidence.shown:
                possible[record.system] += 1
            continue
        if subject_date_of_birth is None:
            own = record.person.date_of_birth
            if own is None or not policy.ages.admits(own, today):
                continue
        source = SourceRef(system=record.system, record_id=record.record_id, as_of=record.as_of, match=evidence)
        involvements.extend(policy.involvements(record, source, today))
    parts = [policy.involved(involvements) if involvements else policy.not_known]
    if subject_date_of_birth is None:
        parts.append(DOB_UNKNOWN.format(ages=policy.ages.ages()))
    return RuleResult(
        outcome=CheckOutcome.INVOLVED if involvements else CheckOutcome.NOT_KNOWN,
        involvements=tuple(involvements),
        rule_explanation=". ".join(parts),
        linkage_notes=tuple(possible_matches_note(count, system) for system, count in possible.items()),
    )


def possible_matches_note(count: int, system: str) -> str:
    template = POSSIBLE_MATCHES if count == 1 else POSSIBLE_MATCHES_PLURAL
    return template.format(count=count, system=system)


def _policy(rules: DisplayRules, service: Service) -> _ServicePolicy:
    """`service`'s policy under the rules: asked for every check of every person, so worked out once."""
    found: _ServicePolicy | None = rules.policies.get(service)
    if found is None:
        found = rules.policies[service] = _new_policy(rules, service)
    return found


def _new_policy(rules: DisplayRules, service: Service) -> _ServicePolicy:
    ages = age_range(rules, service)
    definition = rules.registry.definition(service)
    section = rules.section(definition)
    policy = definition.policy

    def involvements(record: SourceRecord, source: SourceRef, today: datetime.date) -> tuple[Involvement, ...]:
        if not isinstance(record.facts, policy.facts_type):
            raise ValueError(f"a {record.service.value} record carries the wrong kind of facts")
        return policy.involvements(section, record.facts, source, today)

    return _ServicePolicy(ages, involvements, *policy.messages(section))
