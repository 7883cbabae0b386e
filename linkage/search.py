"""Matching search terms, not records: how well a person fits what a social worker typed.

Linkage asks "are these two records one person?"; a search asks "does this person fit the terms?". A surname alone
can never identify anyone, yet every person of that surname is a fair answer. So a search match:

- keeps a candidate only if every name and date the terms give agrees within linkage's tolerances (nickname, typo,
  sound-alike, previous name, DOB keying errors); a postcode that differs only lowers the rank, since people move;
- ranks by `score`: the share of the evidence the supplied terms could carry that the candidate agreed with
  (1.0: every supplied term exact);
- takes its `level` from linkage's posterior over the same fields, and is at least `POSSIBLE`: a surname-only
  match is shown, but as a possible match to check.
"""

from __future__ import annotations

from linkage.demographics import Demographics, MatchEvidence, MatchLevel
from linkage.scoring import FIELD_ORDER, compare_fields, posterior
from linkage.thresholds import DEFAULT_THRESHOLDS, MatchThresholds
from linkage.weights import DATE_OF_BIRTH, FAMILY_NAME, GIVEN_NAME, POSTCODE

# The best evidence each searchable field can carry: an exact agreement.
_BEST = {
    "given name": max(o.weight for o in GIVEN_NAME.values()),
    "family name": max(o.weight for o in FAMILY_NAME.values()),
    "date of birth": max(o.weight for o in DATE_OF_BIRTH.values()),
    "postcode": max(o.weight for o in POSTCODE.values()),
}
# Supplied fields that must agree for a candidate to be a result at all.
_MUST_AGREE = frozenset({"given name", "family name", "date of birth"})


def _supplied(terms: Demographics) -> dict[str, bool]:
    return {
        "given name": bool(terms.given_name),
        "family name": bool(terms.family_name),
        "date of birth": terms.date_of_birth is not None,
        "postcode": bool(terms.postcode),
        "gender": False,  # searches do not take a gender
    }


def search_match(
    terms: Demographics, candidate: Demographics, thresholds: MatchThresholds = DEFAULT_THRESHOLDS
) -> MatchEvidence | None:
    """How well `candidate` fits the search `terms`; None when a supplied name or date disagrees.

    >>> import datetime
    >>> search_match(Demographics(given_name=None, family_name="smith"),
    ...              Demographics(given_name="Ann", family_name="SMITH")).score
    1.0
    """
    supplied = _supplied(terms)
    fields = dict(zip(FIELD_ORDER, compare_fields(terms, candidate), strict=True))
    best = 0.0
    agreed = 0.0
    for name, evidence in fields.items():
        if not supplied[name]:
            continue
        if evidence.weight <= 0 and name in _MUST_AGREE:
            return None
        best += _BEST[name]
        agreed += max(0.0, evidence.weight)
    if best == 0:
        return None
    considered = [fields[n] for n in FIELD_ORDER if supplied[n]]
    level = thresholds.level(posterior(considered))
    if level is MatchLevel.NO_MATCH:
        level = MatchLevel.POSSIBLE  # every supplied name and date agrees: a result, however weak the terms
    reasons = tuple(e.reason for e in considered if e.reason is not None)
    return MatchEvidence(score=round(agreed / best, 4), level=level, reasons=reasons)
