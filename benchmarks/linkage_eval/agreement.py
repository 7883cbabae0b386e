"""A pair described without names: each field's agreement class as `score` saw it, and why a true pair was missed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import linkage
from linkage.scoring import FIELD_ORDER, compare_fields
from linkage.weights import DATE_OF_BIRTH, FAMILY_NAME, GENDER, GIVEN_NAME, POSTCODE, AgreementOdds

FIELD_TABLES: dict[str, Mapping[Any, AgreementOdds]] = {
    "given name": GIVEN_NAME,
    "family name": FAMILY_NAME,
    "date of birth": DATE_OF_BIRTH,
    "postcode": POSTCODE,
    "gender": GENDER,
}
_SHORT = {
    "given name": "given",
    "family name": "family",
    "date of birth": "dob",
    "postcode": "postcode",
    "gender": "gender",
}
_CLASS_OF_WEIGHT = {
    name: {round(odds.weight, 6): agreement.name for agreement, odds in table.items()}
    for name, table in FIELD_TABLES.items()
}


def field_classes(a: linkage.Demographics, b: linkage.Demographics) -> str:
    """Each field's agreement class (no values): what `score` saw.

    For example "given EXACT, family DIFFERENT, dob EXACT, postcode PREVIOUS, gender SAME".
    """
    parts = []
    for name, evidence in zip(FIELD_ORDER, compare_fields(a, b), strict=True):
        parts.append(
            f"{_SHORT[name]} {_CLASS_OF_WEIGHT[name].get(round(evidence.weight, 6), f'{evidence.weight:+.1f}')}"
        )
    return ", ".join(parts)


_MODEL_SHORT = {
    "given_name": "given",
    "family_name": "family",
    "date_of_birth": "dob",
    "postcode": "postcode",
    "gender": "gender",
}


def model_field_classes(model: linkage.LinkageModel) -> Callable[[linkage.Demographics, linkage.Demographics], str]:
    """`field_classes` for a trained model: each comparison's level as the model's scorer saw it."""

    def describe(a: linkage.Demographics, b: linkage.Demographics) -> str:
        return ", ".join(f"{_MODEL_SHORT[o.comparison]} {o.level}" for o in model.compare(a, b))

    return describe


def miss_cause(level: str, fields: str) -> str:
    """Why a true pair was missed, from its outcome and field classes (see `field_classes`)."""
    classes = dict(part.split(" ", 1) for part in fields.split(", "))
    if level == "not a candidate":
        if classes.get("dob") == "MISSING":
            return "candidate path: a record without DOB is never offered by the candidate query"
        return "candidate path: DOB outside the tolerated variants (errors on both records)"
    if level == "no exact match":
        return "names or DOB not equal, or missing"
    if classes.get("dob") in ("DIFFERENT", "ONE_DIGIT"):
        return "DOB errors on both records compound beyond the tolerated variants"
    if classes.get("given") in ("DIFFERENT", "LOOSE"):
        return "given names not related by linkage (nickname not in its table, two different nicknames, two errors)"
    if classes.get("family") == "DIFFERENT" and classes.get("postcode") == "PREVIOUS":
        return (
            "old surname and old address on the target (stale or former-tenant record); the CMS lists no former names"
        )
    if classes.get("family") == "DIFFERENT":
        return "surname changed, not listed as a former name, with one more discrepancy"
    if classes.get("dob") == "MISSING":
        return "DOB missing and another field weak or missing"
    return "two tolerated discrepancies together fall below PROBABLE"
