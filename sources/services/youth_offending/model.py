"""Youth offending in common terms: the case system's facts (mapper output) and the involvement shown.

A young person's record holds their interventions: each a type (from prevention to a custodial order), open or
closed, its dates and the YOT case worker allocated to it.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from sources.model import CaseStatus, Involvement, Practitioner


class YouthInterventionType(enum.Enum):
    """The kinds of intervention a youth offending team holds, lightest first."""

    PREVENTION = "PREVENTION"
    OUT_OF_COURT_DISPOSAL = "OUT_OF_COURT_DISPOSAL"  # triage, community resolution, youth (conditional) caution
    REFERRAL_ORDER = "REFERRAL_ORDER"
    YOUTH_REHABILITATION_ORDER = "YOUTH_REHABILITATION_ORDER"
    DETENTION_AND_TRAINING_ORDER = "DETENTION_AND_TRAINING_ORDER"
    OTHER = "OTHER"


@dataclass(frozen=True, kw_only=True)
class YotIntervention:
    """One intervention as the case system records it. `status` is the native "open" or "closed"."""

    intervention_id: str
    kind: YouthInterventionType
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    case_worker: Practitioner | None  # None: not allocated


@dataclass(frozen=True, kw_only=True)
class YouthOffendingFacts:
    team: str | None  # the youth offending team (youth justice service) holding the record
    interventions: tuple[YotIntervention, ...]
    last_contact: datetime.date | None = None


@dataclass(frozen=True, kw_only=True)
class YouthIntervention:
    """An intervention as a social worker may see it (a detail)."""

    kind: YouthInterventionType
    status: CaseStatus
    start_date: datetime.date | None
    end_date: datetime.date | None


@dataclass(frozen=True, kw_only=True)
class YouthOffendingInvolvement(Involvement):
    interventions: tuple[YouthIntervention, ...] = ()
