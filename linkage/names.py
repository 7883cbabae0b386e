"""How two given names, or two sets of family names, agree.

Each comparison returns an agreement class (which carries its weight in `linkage.weights`) and a reason in words.
Tolerances, tried strongest first: the same name; one side recording only some of the other's forenames
("John" / "John Paul", or a middle name used as the first name); a diminutive (Bob/Robert); a typo (one edit, a
transposition counting as one; two in a long name); a different spelling of the same sound ("Stephen"/"Steven");
an initial. Family names also match on one part of a double-barrelled name and on a previous name recorded on
either side. Short names need the same sound as well as one edit, and two names that sound alike but differ in
half their letters ("Jack"/"Jake") are different names: that is how twins differ.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

from linkage.diminutives import are_diminutives
from linkage.phonetic import metaphone
from linkage.profile import FamilyNames

# Below this length one edit turns most names into another real name (Ann/Ian, Mia/Mya), so needs the same sound.
_SHORT_NAME = 4
# From this length a second edit is still a typo ("Christopher"/"Christohpre").
_LONG_NAME = 8
# A sound-alike spelling must also share this much of its letters (Stephen/Steven 0.71; Jack/Jake 0.5).
_SIMILAR_SPELLING = 0.7


class GivenNameAgreement(enum.Enum):
    EXACT = "exact"
    DIMINUTIVE = "diminutive"
    PARTIAL = "first or middle name only"
    TYPO = "typo"
    SOUNDS_ALIKE = "sounds alike"
    INITIAL = "initial"
    DIFFERENT = "different"
    MISSING = "missing"


class FamilyNameAgreement(enum.Enum):
    EXACT = "exact"
    PART = "part of a double-barrelled name"
    PREVIOUS = "previous name"
    TYPO = "typo"
    SOUNDS_ALIKE = "sounds alike"
    DIFFERENT = "different"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class GivenNameComparison:
    agreement: GivenNameAgreement
    reason: str


@dataclass(frozen=True, slots=True)
class FamilyNameComparison:
    agreement: FamilyNameAgreement
    reason: str


def compare_given_names(a: tuple[str, ...], b: tuple[str, ...]) -> GivenNameComparison:
    """Compare two normalised given names (tokens from `name_tokens`); symmetric but for the reason's wording."""
    if not a or not b:
        return GivenNameComparison(GivenNameAgreement.MISSING, "given name not recorded on one side")
    joined_a, joined_b = "".join(a), "".join(b)
    if joined_a == joined_b:
        return GivenNameComparison(GivenNameAgreement.EXACT, "given name exact")
    if set(a) <= set(b) or set(b) <= set(a):
        reason = "given name matches first name" if a[0] == b[0] else "given name matches a middle name"
        return GivenNameComparison(GivenNameAgreement.PARTIAL, reason)
    if are_diminutives(a[0], b[0]):
        return GivenNameComparison(GivenNameAgreement.DIMINUTIVE, f"given name nickname {a[0].title()}/{b[0].title()}")
    edits = _typo_edits(joined_a, joined_b)
    if edits:
        return GivenNameComparison(GivenNameAgreement.TYPO, f"given name typo ({_edits(edits)})")
    if _sounds_alike(joined_a, joined_b):
        return GivenNameComparison(GivenNameAgreement.SOUNDS_ALIKE, "given name sounds alike")
    if (len(a[0]) == 1 or len(b[0]) == 1) and a[0][0] == b[0][0]:
        return GivenNameComparison(GivenNameAgreement.INITIAL, "given name initial agrees")
    return GivenNameComparison(GivenNameAgreement.DIFFERENT, "given name differs")


def compare_family_names(a: FamilyNames, b: FamilyNames) -> FamilyNameComparison:
    """Compare two people's family names, current and previous; symmetric."""
    if not a.current or not b.current:
        return FamilyNameComparison(FamilyNameAgreement.MISSING, "family name not recorded on one side")
    if a.current == b.current:
        return FamilyNameComparison(FamilyNameAgreement.EXACT, "family name exact")
    if a.current_parts & b.current_parts:
        return FamilyNameComparison(FamilyNameAgreement.PART, "family name matches part of a double-barrelled name")
    all_a = a.previous | a.current_parts | {a.current}
    all_b = b.previous | b.current_parts | {b.current}
    if all_a & all_b:
        return FamilyNameComparison(FamilyNameAgreement.PREVIOUS, "family name matches previous name")
    edits = _typo_edits(a.current, b.current)
    if edits:
        return FamilyNameComparison(FamilyNameAgreement.TYPO, f"family name typo ({_edits(edits)})")
    if _sounds_alike(a.current, b.current):
        return FamilyNameComparison(FamilyNameAgreement.SOUNDS_ALIKE, "family name sounds alike")
    return FamilyNameComparison(FamilyNameAgreement.DIFFERENT, "family name differs")


def _typo_edits(a: str, b: str) -> int:
    """The number of edits if `a` and `b` are a typo of each other, else 0."""
    shortest = min(len(a), len(b))
    max_edits = 2 if shortest >= _LONG_NAME else 1
    edits = DamerauLevenshtein.distance(a, b, score_cutoff=max_edits)
    if edits > max_edits:
        return 0
    if shortest < _SHORT_NAME and metaphone(a) != metaphone(b):
        return 0
    return edits


def _sounds_alike(a: str, b: str) -> bool:
    return (
        metaphone(a) == metaphone(b)
        and DamerauLevenshtein.normalized_similarity(a, b, score_cutoff=_SIMILAR_SPELLING) > 0
    )


def _edits(count: int) -> str:
    return "1 edit" if count == 1 else f"{count} edits"
