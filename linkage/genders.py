"""How two recorded genders agree. Only female and male are compared: "other", "unknown" and a blank are
treated as not recorded, so they neither support nor count against a link."""

from __future__ import annotations

import enum

from linkage.normalise import Gender


class GenderAgreement(enum.Enum):
    SAME = "gender agrees"
    DIFFERENT = "gender differs"
    MISSING = "gender not recorded on one side"


def compare_genders(a: Gender | None, b: Gender | None) -> GenderAgreement:
    if a is None or b is None:
        return GenderAgreement.MISSING
    return GenderAgreement.SAME if a == b else GenderAgreement.DIFFERENT
