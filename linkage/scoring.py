"""Scoring two people's demographics: how sure we are that they are the same person, and why.

The model is Fellegi-Sunter record linkage. Each field (given name, family name, DOB, postcode, gender) is put
into one agreement class by its comparison (`names`, `dates`, `postcodes`, `genders`), e.g. "given name
diminutive", "DOB day and month swapped", "postcode matches previous address". Each class has a weight in bits,
log2(m/u), where m is how often the class occurs for two records of the same person and u how often for two
different people (`linkage.weights`). A missing field weighs 0: it neither agrees nor disagrees. The field weights
add up to the match weight W, the log-likelihood ratio of "same person" against "different people" under the
usual assumption that fields err independently.

The score is the posterior probability of "same person": the logistic of W plus the prior log-odds that a
candidate a search returns is the person sought (`PRIOR_LOG2_ODDS`, about 1 in 16,000):

    score = 1 / (1 + 2 ** -(W + PRIOR_LOG2_ODDS))

`linkage.thresholds.MatchThresholds` turns the score into a `MatchLevel`; below `possible` the pair is not a
link (`MatchLevel.NO_MATCH`).

One dependence between fields is modelled rather than assumed away: when both genders are recorded and differ, a
given name that is only a diminutive, typo, sound-alike or initial of the other counts as a different name, because
that is what boy/girl twins look like (Alexander/Alexandra, Louis/Louise).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from linkage.dates import DateAgreement, compare_dates
from linkage.demographics import Demographics, FieldOutcome, MatchEvidence
from linkage.genders import GenderAgreement, compare_genders
from linkage.names import GivenNameAgreement, compare_family_names, compare_given_names
from linkage.postcodes import PostcodeAgreement, compare_postcodes
from linkage.profile import FamilyNames, Profile, profile
from linkage.thresholds import DEFAULT_THRESHOLDS, MatchThresholds
from linkage.weights import DATE_OF_BIRTH, FAMILY_NAME, GENDER, GIVEN_NAME, POSTCODE

T = TypeVar("T")

PRIOR_LOG2_ODDS = -14.0
"""Log2 prior odds that a candidate is the person sought, before comparing any field."""

_GENDERED_SPELLINGS = frozenset({
    GivenNameAgreement.DIMINUTIVE,
    GivenNameAgreement.TYPO,
    GivenNameAgreement.SOUNDS_ALIKE,
    GivenNameAgreement.INITIAL,
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """One field's contribution: its weight in bits, its agreement class (e.g. "DIMINUTIVE") and, if worth saying,
    the reason in words."""

    weight: float
    reason: str | None
    level: str


FIELD_ORDER = ("given name", "family name", "date of birth", "postcode", "gender")
# The same fields as `FieldOutcome.comparison` names them (the trained model's comparison names).
FIELD_KEYS = ("given_name", "family_name", "date_of_birth", "postcode", "gender")

_WEIGHT = operator.attrgetter("weight")
_DIFFERENT_GIVEN_NAME = FieldEvidence(
    GIVEN_NAME[GivenNameAgreement.DIFFERENT].weight, "given name differs", GivenNameAgreement.DIFFERENT.name
)
_DOB = {
    agreement: FieldEvidence(DATE_OF_BIRTH[agreement].weight, agreement.value, agreement.name)
    for agreement in DateAgreement
}
_POSTCODE = {
    agreement: FieldEvidence(POSTCODE[agreement].weight, agreement.value, agreement.name)
    for agreement in PostcodeAgreement
}
_GENDER = {
    agreement: FieldEvidence(
        GENDER[agreement].weight, None if agreement is GenderAgreement.MISSING else agreement.value, agreement.name
    )
    for agreement in GenderAgreement
}
# A link resting on these agreement classes is limited by the authority's rules (`linkage.rules`).
_GUARDS = {("date_of_birth", DateAgreement.MISSING.name): "undated_links"}


_DOB_FIELD = 2  # FIELD_ORDER.index("date of birth")
_DOB_MISSING = _DOB[DateAgreement.MISSING]


def score(a: Demographics, b: Demographics, thresholds: MatchThresholds = DEFAULT_THRESHOLDS) -> MatchEvidence:
    """How likely `a` and `b` describe the same person, the resulting level, and the reasons in words.

    Symmetric in `a` and `b` (the reasons name a's value first). With a trained model in `thresholds`
    (`MatchThresholds(model=...)`, as the gateway passes it when `[linkage] model` is set) the model scores;
    otherwise this prior model does.

    >>> evidence = score(
    ...     Demographics(given_name="Bob", family_name="Smith", date_of_birth=datetime.date(1980, 1, 2),
    ...                  postcode="LS1 4AB"),
    ...     Demographics(given_name="Robert", family_name="SMITH", date_of_birth=datetime.date(1980, 2, 1),
    ...                  postcode="ls14ab"),
    ... )
    >>> evidence.level
    <MatchLevel.PROBABLE: 'PROBABLE'>
    >>> evidence.reasons
    ('given name nickname Bob/Robert', 'family name exact', 'DOB day and month swapped', 'postcode exact')
    """
    if thresholds.model is not None:
        return thresholds.model.score(a, b, thresholds)
    fields = _compare(profile(a), profile(b))
    return _evidence(fields, _probability(fields), thresholds)


def same_person(a: Demographics, b: Demographics, thresholds: MatchThresholds = DEFAULT_THRESHOLDS) -> bool:
    """Whether `a` and `b` are one person: `score(a, b, thresholds).counts`, worked out without the evidence (its
    reasons and fields) when the score alone rules it out. A link counts from PROBABLE up, and the authority's rules
    only ever lower a level, so a score below `probable` never counts: most pairs of people at one address."""
    if thresholds.model is not None:
        return thresholds.model.same_person(a, b, thresholds)
    fields = _compare(profile(a), profile(b))
    probability = _probability(fields)
    return probability >= thresholds.probable and _evidence(fields, probability, thresholds).counts


def match_weight(a: Demographics, b: Demographics) -> float:
    """The Fellegi-Sunter match weight W of a pair: the sum of its fields' weights, in bits."""
    return sum(map(_WEIGHT, _compare(profile(a), profile(b))))


def compare_fields(a: Demographics, b: Demographics) -> tuple[FieldEvidence, ...]:
    """Each field's evidence, in `FIELD_ORDER`: what `score` sums."""
    return _compare(profile(a), profile(b))


def posterior(fields: Sequence[FieldEvidence]) -> float:
    """The probability of the same person given these fields' evidence."""
    return _probability(tuple(fields))


def _compare(a: Profile, b: Profile) -> tuple[FieldEvidence, ...]:
    gender = compare_genders(a.gender, b.gender)
    return (
        _given_name(a.given, b.given, genders_differ=gender is GenderAgreement.DIFFERENT),
        _family_name(a.family, b.family),
        _DOB[compare_dates(a.date_of_birth, b.date_of_birth)],
        _POSTCODE[compare_postcodes(a.postcode, a.previous_postcodes, b.postcode, b.previous_postcodes)],
        _GENDER[gender],
    )


def _probability(fields: tuple[FieldEvidence, ...]) -> float:
    weight = sum(map(_WEIGHT, fields))
    return 1.0 / (1.0 + math.exp2(-(weight + PRIOR_LOG2_ODDS)))


def _evidence(fields: tuple[FieldEvidence, ...], probability: float, thresholds: MatchThresholds) -> MatchEvidence:
    reasons = tuple(field.reason for field in fields if field.reason is not None)
    level = thresholds.level(probability)
    if fields[_DOB_FIELD] is _DOB_MISSING:
        # Without a DOB on both sides nothing tells a parent from a child of the same name at the same address:
        # such a link is only ever shown as a possible match, never counted as an involvement, unless the
        # authority says otherwise (`[linkage] undated_links`). The DOB field's own reason says why.
        level = thresholds.rules.limit(level, "undated_links")
    outcomes = tuple(
        FieldOutcome(key, field.level, field.weight, field.reason, _GUARDS.get((key, field.level)))
        for key, field in zip(FIELD_KEYS, fields, strict=True)
    )
    return MatchEvidence(score=probability, level=level, reasons=reasons, fields=outcomes)


# Name comparisons are cached because the same pairs of names recur across many pairs of people.
@functools.lru_cache(maxsize=65_536)
def _given_name(a: tuple[str, ...], b: tuple[str, ...], *, genders_differ: bool) -> FieldEvidence:
    comparison = compare_given_names(a, b)
    if genders_differ and comparison.agreement in _GENDERED_SPELLINGS:
        return _DIFFERENT_GIVEN_NAME
    return FieldEvidence(GIVEN_NAME[comparison.agreement].weight, comparison.reason, comparison.agreement.name)


@functools.lru_cache(maxsize=65_536)
def _family_name(a: FamilyNames, b: FamilyNames) -> FieldEvidence:
    comparison = compare_family_names(a, b)
    return FieldEvidence(FAMILY_NAME[comparison.agreement].weight, comparison.reason, comparison.agreement.name)


def best_links(
    subject: Demographics,
    candidates: Sequence[tuple[Demographics, T]],
    thresholds: MatchThresholds = DEFAULT_THRESHOLDS,
) -> list[tuple[T, MatchEvidence]]:
    """The candidates that link to `subject` (at least POSSIBLE), best first, each with its evidence.

    This is the batch path for a source's search results: `candidates` pairs each record's demographics with the
    record itself, which comes back untouched. Ties keep the candidates' order. With a trained model in
    `thresholds`, the model scores.
    """
    if thresholds.model is not None:
        return thresholds.model.best_links(subject, candidates, thresholds)
    links: list[tuple[T, MatchEvidence]] = []
    ours = profile(subject)
    for demographics, item in candidates:
        fields = _compare(ours, profile(demographics))
        probability = _probability(fields)
        if probability >= thresholds.possible:
            evidence = _evidence(fields, probability, thresholds)
            if evidence.shown:
                links.append((item, evidence))
    links.sort(key=lambda link: link[1].score, reverse=True)
    return links
