"""The evidence weight of each way two fields can agree or disagree (Fellegi-Sunter).

For each field's agreement class, `m` is the chance of seeing that class when the two records are the same person
and `u` the chance when they are two different people among the candidates a search returns. The class's weight
is log2(m/u) bits: positive when the class is likelier for the same person, negative when likelier for two
people, 0 for a missing field. The figures are considered priors, not estimates from linked data; an
expectation-maximisation fit over a real extract would replace them without changing the model.

Two disagreement weights are deliberately large. A given name that is not the same, a diminutive, a middle name,
a typo or a sound-alike spelling almost never happens for one person (m ≈ 1 in 50,000), and this is what keeps
twins and siblings, who share everything else, apart. A DOB that is not one of the tolerated keying errors
likewise keeps apart a parent and a child of the same name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from linkage.dates import DateAgreement
from linkage.genders import GenderAgreement
from linkage.names import FamilyNameAgreement, GivenNameAgreement
from linkage.postcodes import PostcodeAgreement


@dataclass(frozen=True, slots=True)
class AgreementOdds:
    m: float  # P(this class | same person)
    u: float  # P(this class | different people)

    @property
    def weight(self) -> float:
        """log2(m/u): the evidence, in bits, for the same person."""
        return math.log2(self.m / self.u)


_MISSING = AgreementOdds(m=1.0, u=1.0)

GIVEN_NAME: Mapping[GivenNameAgreement, AgreementOdds] = MappingProxyType({
    GivenNameAgreement.EXACT: AgreementOdds(m=0.88, u=0.02),
    GivenNameAgreement.DIMINUTIVE: AgreementOdds(m=0.05, u=0.002),
    GivenNameAgreement.PARTIAL: AgreementOdds(m=0.04, u=0.002),
    GivenNameAgreement.TYPO: AgreementOdds(m=0.03, u=0.002),
    GivenNameAgreement.SOUNDS_ALIKE: AgreementOdds(m=0.01, u=0.002),
    GivenNameAgreement.INITIAL: AgreementOdds(m=0.02, u=0.005),
    GivenNameAgreement.DIFFERENT: AgreementOdds(m=0.00002, u=0.97),
    GivenNameAgreement.MISSING: _MISSING,
})  # fmt: skip

FAMILY_NAME: Mapping[FamilyNameAgreement, AgreementOdds] = MappingProxyType({
    FamilyNameAgreement.EXACT: AgreementOdds(m=0.85, u=0.01),
    FamilyNameAgreement.PART: AgreementOdds(m=0.03, u=0.001),
    FamilyNameAgreement.PREVIOUS: AgreementOdds(m=0.05, u=0.002),
    FamilyNameAgreement.TYPO: AgreementOdds(m=0.03, u=0.002),
    FamilyNameAgreement.SOUNDS_ALIKE: AgreementOdds(m=0.01, u=0.005),
    # m: records of one person whose family names differ with no former name to explain it: a name change the
    # system never recorded, or a stale record (0.07 measured as enough in docs/linkage.md).
    FamilyNameAgreement.DIFFERENT: AgreementOdds(m=0.07, u=0.98),
    FamilyNameAgreement.MISSING: _MISSING,
})  # fmt: skip

DATE_OF_BIRTH: Mapping[DateAgreement, AgreementOdds] = MappingProxyType({
    DateAgreement.EXACT: AgreementOdds(m=0.94, u=0.001),
    DateAgreement.ONE_DAY: AgreementOdds(m=0.02, u=0.002),
    DateAgreement.DAY_MONTH_SWAPPED: AgreementOdds(m=0.015, u=0.0005),
    DateAgreement.YEAR_OFF_BY_ONE: AgreementOdds(m=0.015, u=0.002),
    DateAgreement.DIFFERENT: AgreementOdds(m=0.00001, u=0.99),
    DateAgreement.MISSING: _MISSING,
})  # fmt: skip

POSTCODE: Mapping[PostcodeAgreement, AgreementOdds] = MappingProxyType({
    PostcodeAgreement.EXACT: AgreementOdds(m=0.7, u=0.005),
    PostcodeAgreement.PREVIOUS: AgreementOdds(m=0.15, u=0.005),
    PostcodeAgreement.DIFFERENT: AgreementOdds(m=0.15, u=0.99),
    PostcodeAgreement.MISSING: _MISSING,
})  # fmt: skip

GENDER: Mapping[GenderAgreement, AgreementOdds] = MappingProxyType({
    GenderAgreement.SAME: AgreementOdds(m=0.98, u=0.5),
    GenderAgreement.DIFFERENT: AgreementOdds(m=0.02, u=0.5),
    GenderAgreement.MISSING: _MISSING,
})  # fmt: skip
