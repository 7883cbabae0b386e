"""Judging one answer of the family-context query against the same child's answer with every source healthy.

Why against a baseline: "whole" and "only the failing source's part is missing" are claims about what an answer
holds compared with what it would hold, so each child's answer is first fetched with every source healthy
(`Picture`), and every answer under load is compared with it person by person, service by service:

* `Judgement` is what differs, independent of which source was failing: services with a check that became
  `UNAVAILABLE`, services with a check that changed otherwise (a wrong answer), baseline members missing (with the
  systems that had placed them in the household: their `basis`), members that were not there before, checks the
  baseline had as `NOT_APPLICABLE` that became `UNAVAILABLE` (the age rules must apply before a source is asked),
  the error codes and the systems they name, and anything uncoded;
* `verdict(judgement, failing)` then says, for a set of failing sources, whether the answer was whole, missing
  only the failing sources' part (their services `UNAVAILABLE`, members that only they placed gone, errors naming
  only them), or missing anything else. With the CMS failing, a `child: null` with the CMS's own error is its part:
  without the CMS there is no child to answer about.

A member of the answer is the same person as a member of the baseline when both have the same name and
relationship to the child, or else the same relationship and age: the name shown comes from whichever system placed
the member, and systems spell names differently ("Hael", "Hale"), so with one system down the same person may be
shown under another system's spelling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

UNAVAILABLE = "UNAVAILABLE"
NOT_APPLICABLE = "NOT_APPLICABLE"
SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
OVERLOADED = "OVERLOADED"
RATE_LIMITED = "RATE_LIMITED"
INTERNAL = "INTERNAL"  # coded, but a masked exception: a bug as much as a 500

# The demo configuration's systems (`gateway.demo.demo_config`): sandbox name -> (service, system name).
CMS_SYSTEM = "Liquidlogic LCS (simulated)"
SOURCES: Mapping[str, tuple[str | None, str]] = {
    "cms": (None, CMS_SYSTEM),
    "adult_social_care": ("ADULT_SOCIAL_CARE", "Care First (simulated)"),
    "police": ("POLICE", "Police researcher extract (simulated)"),
    "housing": ("HOUSING", "Demo Homes (simulated)"),
    "school": ("SCHOOL", "Synergy (simulated)"),
    "youth_offending": ("YOUTH_OFFENDING", "ChildView YOT (simulated)"),
}

Verdict = Literal[
    "whole", "own_part_missing", "other_missing", "child_null", "overloaded", "rate_limited", "other_status"
]
VERDICTS: tuple[Verdict, ...] = (
    "whole",
    "own_part_missing",
    "other_missing",
    "child_null",
    "overloaded",
    "rate_limited",
    "other_status",
)
PersonKey = tuple[str, str]


@dataclass(frozen=True)
class Person:
    checks: Mapping[str, str]  # service -> outcome
    basis: frozenset[str]  # the systems that placed a member in the household (empty for the child)
    age: int | None = None


@dataclass(frozen=True)
class Picture:
    """What one answer says about a child: every person's check outcomes."""

    people: Mapping[PersonKey, Person]

    @classmethod
    def of(cls, child: Mapping[str, Any]) -> Picture:
        people = {("", "CHILD"): Person(_checks(child), frozenset())}
        household = child.get("household") or {}
        for member in household.get("members") or []:
            individual = member.get("individual") or {}
            name = (individual.get("name") or {}).get("full") or ""
            key = (name, str(member.get("relationshipToChild")))
            while key in people:  # two people of the same name and relationship: keep both
                key = (key[0] + "'", key[1])
            basis = frozenset(b.get("system") for b in member.get("basis") or [] if b.get("system"))
            age = individual.get("age")
            people[key] = Person(_checks(individual), basis, age if isinstance(age, int) else None)
        return cls(people)

    def paired_with(self, answer: Picture) -> tuple[list[tuple[Person, Person]], list[Person], int]:
        """(baseline person, the same person in `answer`) pairs, the baseline people missing from `answer`, and
        how many people of `answer` are not in the baseline (see the module docstring for "the same")."""
        remaining = dict(answer.people)
        pairs: list[tuple[Person, Person]] = []
        unpaired: list[tuple[PersonKey, Person]] = []
        for key, was in self.people.items():
            if key in remaining:
                pairs.append((was, remaining.pop(key)))
            else:
                unpaired.append((key, was))
        missing = []
        for key, was in unpaired:
            same = next(
                (k for k, p in remaining.items() if k[1] == key[1] and was.age is not None and p.age == was.age), None
            )
            if same is None:
                missing.append(was)
            else:
                pairs.append((was, remaining.pop(same)))
        return pairs, missing, len(remaining)

    @property
    def clean(self) -> bool:
        """No check UNAVAILABLE: what a baseline must be."""
        return all(UNAVAILABLE not in person.checks.values() for person in self.people.values())


@dataclass(frozen=True)
class Judgement:
    """How an answer differs from its child's baseline (see the module docstring)."""

    status: int
    codes: tuple[str, ...] = ()
    error_systems: frozenset[str] = frozenset()
    non_coded: bool = False
    child_present: bool = False
    unavailable_services: frozenset[str] = frozenset()
    changed_services: frozenset[str] = frozenset()
    missing_member_basis: tuple[frozenset[str], ...] = ()
    extra_members: int = 0
    age_rule_breaks: int = 0

    @property
    def internal(self) -> bool:
        return INTERNAL in self.codes

    @property
    def identical(self) -> bool:
        return (
            self.child_present
            and not self.codes
            and not self.unavailable_services
            and not self.changed_services
            and not self.missing_member_basis
            and not self.extra_members
        )


def judge(status: int, body: object, baseline: Picture | None) -> Judgement:
    """Compare an HTTP answer (its status and decoded JSON body, or None when it was not JSON) with the baseline."""
    if not isinstance(body, Mapping):
        return Judgement(status=status, non_coded=True)
    errors = body.get("errors") or []
    codes = tuple(str(_code(e)) for e in errors)
    non_coded = (status >= 500 and status != 503) or any(_code(e) is None for e in errors)
    systems = frozenset(_systems(errors))
    child = (body.get("data") or {}).get("child") if isinstance(body.get("data"), Mapping) else None
    if status != 200 or not isinstance(child, Mapping):
        return Judgement(status=status, codes=codes, error_systems=systems, non_coded=non_coded)
    picture = Picture.of(child)
    if baseline is None:  # no baseline: judged on its own (UNAVAILABLE anywhere is a change)
        baseline = Picture({key: Person({s: "?" for s in p.checks}, p.basis) for key, p in picture.people.items()})
    unavailable: set[str] = set()
    changed: set[str] = set()
    age_rule_breaks = 0
    pairs, missing, extra = baseline.paired_with(picture)
    for was, now in pairs:
        for service, outcome in now.checks.items():
            before = was.checks.get(service)
            if outcome == before:
                continue
            if outcome == UNAVAILABLE:
                unavailable.add(service)
                age_rule_breaks += before == NOT_APPLICABLE
            elif before != "?":
                changed.add(service)
    return Judgement(
        status=status,
        codes=codes,
        error_systems=systems,
        non_coded=non_coded,
        child_present=True,
        unavailable_services=frozenset(unavailable),
        changed_services=frozenset(changed),
        missing_member_basis=tuple(p.basis for p in missing),
        extra_members=extra,
        age_rule_breaks=age_rule_breaks,
    )


def verdict(judgement: Judgement, failing: Collection[str] = ()) -> Verdict:
    """The verdict on an answer while the sandbox systems `failing` (names of `SOURCES`) are failing."""
    status = judgement.status
    if status == 503 and OVERLOADED in judgement.codes:
        return "overloaded"
    if status == 429 and RATE_LIMITED in judgement.codes:
        return "rate_limited"
    if status != 200 or judgement.non_coded:
        return "other_status"
    services = {SOURCES[s][0] for s in failing} - {None}
    systems = {SOURCES[s][1] for s in failing}
    own_errors = all(code in (SOURCE_UNAVAILABLE, DEADLINE_EXCEEDED) for code in judgement.codes) and (
        judgement.error_systems <= systems
    )
    if not judgement.child_present:
        cms_part = "cms" in failing and bool(judgement.codes) and own_errors
        return "own_part_missing" if cms_part else "child_null"
    if judgement.identical:
        return "whole"
    own = (
        bool(failing)
        and bool(judgement.codes)  # a part missing without an error saying so is not honest
        and own_errors
        and not judgement.changed_services
        and not judgement.extra_members
        and judgement.unavailable_services <= services
        and all(basis and basis <= systems for basis in judgement.missing_member_basis)
    )
    return "own_part_missing" if own else "other_missing"


def tally(verdicts: Collection[Verdict]) -> Counter[Verdict]:
    counts: Counter[Verdict] = Counter({v: 0 for v in VERDICTS})
    counts.update(verdicts)
    return counts


def _checks(person: Mapping[str, Any]) -> dict[str, str]:
    return {str(c.get("service")): str(c.get("outcome")) for c in person.get("serviceChecks") or []}


def _code(error: object) -> str | None:
    if not isinstance(error, Mapping):
        return None
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return code if isinstance(code, str) and code else None


def _systems(errors: list[Any]) -> list[str]:
    """The systems the errors name: `system` (SOURCE_UNAVAILABLE) and `systems` (DEADLINE_EXCEEDED)."""
    named: list[str] = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, Mapping) else None
        if not isinstance(extensions, Mapping):
            continue
        if isinstance(extensions.get("system"), str):
            named.append(extensions["system"])
        named += [s for s in extensions.get("systems") or [] if isinstance(s, str)]
    return named
