"""The common data model: what every source's mapper produces and what the display rules consume.

Two stages, both frozen values:

* a `SourceRecord` is one native record turned into common terms, before any display rule: who it is about
  (`Demographics` for linkage), and the service's raw facts (`AdultSocialCareFacts`, `HousingFacts`, ...);
* an `Involvement` (and its service-specific subclasses) is what a social worker may see, after the display
  rules have filtered and summarised the facts.

A service added in its own folder (`sources/services/<service>/model.py`) brings its own facts and involvement
subclass; `Service` is the contract's list of services, registered or not.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field

from linkage.demographics import Demographics, MatchEvidence


class Service(enum.Enum):
    ADULT_SOCIAL_CARE = "ADULT_SOCIAL_CARE"
    POLICE = "POLICE"
    HOUSING = "HOUSING"
    SCHOOL = "SCHOOL"
    YOUTH_OFFENDING = "YOUTH_OFFENDING"
    EARLY_HELP = "EARLY_HELP"
    YOUNG_CARERS = "YOUNG_CARERS"
    HEALTH_VISITOR = "HEALTH_VISITOR"
    GP = "GP"
    ADULT_MENTAL_HEALTH = "ADULT_MENTAL_HEALTH"
    DRUG_AND_ALCOHOL = "DRUG_AND_ALCOHOL"
    EARLY_YEARS = "EARLY_YEARS"
    PROBATION = "PROBATION"
    # Members are singletons compared by identity: hashed by identity too, in C (enum's own hash is a Python
    # call, and these key the dicts of every service check of every person).
    __hash__ = object.__hash__

    @property
    def label(self) -> str:
        """The service as a social worker says it inside a sentence: 'adult social care', 'GP'."""
        return _ACRONYMS.get(self.value) or self.value.replace("_", " ").lower()


_ACRONYMS = {"GP": "GP"}  # the services whose name is an acronym keep their capitals

# Every service, in the schema's order: iterating the enum itself runs a generator each time, and the resolvers go
# through the services for every person.
SERVICES: tuple[Service, ...] = tuple(Service)


class Gender(enum.Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER = "OTHER"
    UNKNOWN = "UNKNOWN"


class InvolvementStatus(enum.Enum):
    CURRENT = "CURRENT"
    HISTORIC = "HISTORIC"


class CaseStatus(enum.Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    NONE = "NONE"


class AdmissionType(enum.Enum):
    MAIN = "MAIN"
    SECONDARY = "SECONDARY"
    OFF_SITE = "OFF_SITE"


class SafeguardingOffenceCategory(enum.Enum):
    HOMICIDE = "HOMICIDE"
    RAPE = "RAPE"
    OTHER_SEXUAL_OFFENCES = "OTHER_SEXUAL_OFFENCES"
    ROBBERY = "ROBBERY"
    POSSESSION_OF_WEAPONS = "POSSESSION_OF_WEAPONS"
    VIOLENCE_WITH_INJURY = "VIOLENCE_WITH_INJURY"
    VIOLENCE_WITHOUT_INJURY = "VIOLENCE_WITHOUT_INJURY"


class OffenceInvolvement(enum.Enum):
    CONVICTED = "CONVICTED"
    SUSPECTED = "SUSPECTED"


class PoliceOutcome(enum.Enum):
    """What came of an offence, in the police's own terms (the extract's outcome column)."""

    CONVICTED = "CONVICTED"
    CAUTIONED = "CAUTIONED"
    CHARGED = "CHARGED"  # awaiting court
    UNDER_INVESTIGATION = "UNDER_INVESTIGATION"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    OTHER = "OTHER"  # an outcome the extract names that is none of the above


class CheckOutcome(enum.Enum):
    INVOLVED = "INVOLVED"
    NOT_KNOWN = "NOT_KNOWN"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    NOT_PERMITTED = "NOT_PERMITTED"
    UNAVAILABLE = "UNAVAILABLE"
    NOT_CONNECTED = "NOT_CONNECTED"
    # Members are singletons compared by identity: hashed by identity too, in C (enum's own hash is a Python
    # call, and these key the dicts of every service check of every person).
    __hash__ = object.__hash__


class SourceHealth(enum.Enum):
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"
    NOT_CONNECTED = "NOT_CONNECTED"


# ---------------------------------------------------------------- shared values


@dataclass(frozen=True)
class Name:
    given: str | None
    family: str | None

    @property
    def full(self) -> str | None:
        parts = [p for p in (self.given, self.family) if p]
        return " ".join(parts) or None


@dataclass(frozen=True, kw_only=True)
class Address:
    line1: str | None
    line2: str | None = None
    town: str | None = None
    postcode: str | None
    current: bool | None = None
    system: str | None = None


@dataclass(frozen=True, kw_only=True)
class Practitioner:
    name: str | None = None
    role: str | None = None
    team: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, kw_only=True)
class Coverage:
    start: datetime.date | None = None
    end: datetime.date | None = None
    area: str | None = None
    explanation: str | None = None


# ---------------------------------------------------------------- raw facts, per service (mapper output)


@dataclass(frozen=True, kw_only=True)
class CarePlan:
    """One adult social care support plan. `status` is the native lifecycle: planned/active/ended/cancelled."""

    plan_id: str
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    last_contact: datetime.date | None
    keyworker: Practitioner | None  # None: no caseworker assigned


@dataclass(frozen=True, kw_only=True)
class AdultSocialCareFacts:
    organisation: str | None
    plans: tuple[CarePlan, ...]


@dataclass(frozen=True, kw_only=True)
class AsbCase:
    case_id: str
    role: str  # "perpetrator" | "victim" | "witness"
    opened: datetime.date | None
    closed: datetime.date | None


@dataclass(frozen=True, kw_only=True)
class DatedCase:
    """A notice seeking possession or an eviction proceeding."""

    case_id: str
    opened: datetime.date | None
    closed: datetime.date | None


@dataclass(frozen=True, kw_only=True)
class HousingFacts:
    provider: str | None
    is_tenant: bool  # named on a tenancy (lead or joint tenant, or household member)
    tenancy_id: str | None
    tenancy_start: datetime.date | None
    tenancy_end: datetime.date | None  # None: current
    housing_officer: Practitioner | None
    asb_cases: tuple[AsbCase, ...] = ()
    notices_seeking_possession: tuple[DatedCase, ...] = ()
    evictions: tuple[DatedCase, ...] = ()
    arrears_weeks: float | None = None  # weeks of rent owed today; None: not recorded
    tenancy_current: bool | None = None  # the system's own current flag; None: judge by tenancy_end
    tenancy_role: str | None = None  # "lead" | "joint" | "member"


@dataclass(frozen=True, kw_only=True)
class OffenceRecord:
    """One row of the police extract, with the Home Office-style description classified by the mapper."""

    offence_date: datetime.date | None
    description: str
    category: SafeguardingOffenceCategory | None  # None: non-safeguarding
    role: str  # "offender" | "suspect" | "victim"
    outcome: str  # native outcome text, e.g. "convicted", "charged", "no further action", "under investigation"
    convicted: bool


@dataclass(frozen=True, kw_only=True)
class PoliceFacts:
    police_area: str | None
    offences: tuple[OffenceRecord, ...]
    contact: Practitioner | None = None  # e.g. the MASH police researcher


@dataclass(frozen=True, kw_only=True)
class Enrolment:
    enrolment_id: str
    school_name: str
    registration: str  # "main" | "dual_main" | "dual_subsidiary" | "off_site"
    start_date: datetime.date | None
    end_date: datetime.date | None  # None: on roll
    contact: Practitioner | None  # designated safeguarding lead


@dataclass(frozen=True, kw_only=True)
class SchoolFacts:
    enrolments: tuple[Enrolment, ...]


ServiceFacts = AdultSocialCareFacts | HousingFacts | PoliceFacts | SchoolFacts


@dataclass(frozen=True, kw_only=True)
class SourceRecord:
    """One native record about one person, in common terms, before display rules and before linkage."""

    service: Service
    system: str
    record_id: str
    person: Demographics
    gender: Gender | None = None
    addresses: tuple[Address, ...] = ()
    as_of: datetime.datetime | None = None
    # The service's raw facts: one of `ServiceFacts` for the built-in services, or whatever type a service's
    # definition declares (`DisplayPolicy.facts_type`, checked before its display rule reads them).
    facts: object


# ---------------------------------------------------------------- involvements (display-rule output)


@dataclass(frozen=True, kw_only=True)
class SourceRef:
    system: str
    record_id: str | None
    as_of: datetime.datetime | None
    match: MatchEvidence | None


@dataclass(frozen=True, kw_only=True)
class Involvement:
    service: Service
    status: InvolvementStatus
    organisation: str | None = None
    practitioner: Practitioner | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    last_contact: datetime.date | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, kw_only=True)
class AdultSocialCareInvolvement(Involvement):
    pass


@dataclass(frozen=True, kw_only=True)
class SchoolInvolvement(Involvement):
    school_name: str | None = None
    admission_type: AdmissionType | None = None


@dataclass(frozen=True, kw_only=True)
class HousingInvolvement(Involvement):
    tenancy_start: datetime.date | None = None
    anti_social_behaviour: CaseStatus | None = None
    eviction: CaseStatus | None = None
    notice_seeking_possession: CaseStatus | None = None
    rent_arrears: CaseStatus | None = None


@dataclass(frozen=True, kw_only=True)
class Offence:
    date: datetime.date | None
    category: SafeguardingOffenceCategory
    involvement: OffenceInvolvement
    outcome: PoliceOutcome | None = None  # None: the extract gave no outcome


@dataclass(frozen=True, kw_only=True)
class PoliceInvolvement(Involvement):
    police_area: str | None = None
    safeguarding_offences: tuple[Offence, ...] = ()
    has_non_safeguarding_records: bool | None = None


@dataclass(frozen=True, kw_only=True)
class RuleResult:
    """What the display rules make of one person's matched records for one service."""

    outcome: CheckOutcome  # INVOLVED, NOT_KNOWN or NOT_APPLICABLE
    involvements: tuple[Involvement, ...]
    rule_explanation: str  # what was found, in words tied to the rule
    linkage_notes: tuple[str, ...] = ()  # possible matches set aside: linkage evidence, shown only to who may see it

    @property
    def explanation(self) -> str:
        return ". ".join((self.rule_explanation, *self.linkage_notes))


@dataclass(frozen=True, kw_only=True)
class SourceInfo:
    """What a configured source says about itself, for `sources` and for every `ServiceCheck`."""

    service: Service
    system: str
    organisation: str | None
    coverage: Coverage | None
    as_of: datetime.datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


class RelationshipType(enum.Enum):
    """How a member of the household is related to the child, as the CMS records it."""

    MOTHER = "MOTHER"
    FATHER = "FATHER"
    PARENT = "PARENT"
    STEP_PARENT = "STEP_PARENT"
    PARENTS_PARTNER = "PARENTS_PARTNER"
    SIBLING = "SIBLING"
    HALF_SIBLING = "HALF_SIBLING"
    GRANDPARENT = "GRANDPARENT"
    GUARDIAN = "GUARDIAN"
    OTHER_RELATIVE = "OTHER_RELATIVE"
    OTHER_ADULT_IN_HOUSEHOLD = "OTHER_ADULT_IN_HOUSEHOLD"
    OTHER = "OTHER"
