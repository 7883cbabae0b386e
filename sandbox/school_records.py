"""What the schools' system (Synergy-like) holds: schools with their safeguarding leads, pupils, enrolments.

Every child aged 4-16 is on a school roll; some 17-20-year-olds are at college. A few pupils are dual registered
(a main school and a pupil referral unit) or attend an off-site provision; older pupils have a left primary
enrolment behind them.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Literal

from sandbox.ground_truth import GroundTruthLedger
from sandbox.identity_copies import Identity, IdentityCopier, stale_identity
from sandbox.names import DIMINUTIVES, NamePools
from sandbox.people import Person
from sandbox.practitioners import practitioner_pool

SCHOOL_COPY_DISCREPANCY_RATE = 0.12
LOCAL_AUTHORITY = "Stockport"
Phase = Literal["primary", "secondary", "alternative", "college"]
Registration = Literal["main", "dual_main", "dual_subsidiary", "off_site"]

_SCHOOL_NAMES: dict[Phase, tuple[str, ...]] = {
    "primary": (
        "Bramhall Primary School",
        "St Mary's Catholic Primary School",
        "Edgeley Park Primary School",
        "Reddish Vale Primary School",
        "Heaton Moor Primary School",
        "Marple Hall Primary School",
        "Cheadle Hulme Primary School",
        "Offerton Hall Primary School",
        "Brinnington Primary School",
        "Hazel Grove Primary School",
        "Gatley Primary School",
        "Romiley Primary School",
    ),
    "secondary": (
        "Stockport Academy",
        "Bramhall High School",
        "Reddish Vale High School",
        "Marple Hall School",
        "Cheadle Hulme High School",
    ),
    "alternative": ("Pendlebury Centre Pupil Referral Unit", "Highfield Alternative Provision"),
    "college": ("Stockport College", "Aquinas College"),
}


@dataclass(frozen=True, kw_only=True)
class School:
    school_id: str
    name: str
    phase: Phase
    dsl_name: str | None
    dsl_phone: str | None
    dsl_email: str | None
    local_authority: str


@dataclass(frozen=True, kw_only=True)
class Enrolment:
    enrolment_id: str
    school_id: str
    registration: Registration
    entry_date: datetime.date
    leaving_date: datetime.date | None  # None: on roll


@dataclass(frozen=True, kw_only=True)
class Pupil:
    upn: str
    identity: Identity
    preferred_forename: str | None
    enrolments: tuple[Enrolment, ...]


@dataclass(frozen=True, kw_only=True)
class SchoolRecords:
    schools: tuple[School, ...]
    pupils: tuple[Pupil, ...]


def _schools(rng: random.Random, pools: NamePools) -> tuple[School, ...]:
    phases = list(_SCHOOL_NAMES)
    count = sum(len(names) for names in _SCHOOL_NAMES.values())
    leads = practitioner_pool(
        rng,
        pools,
        count=count,
        roles=("Designated Safeguarding Lead",),
        teams=("",),
        email_domain="schools.stockport.example.sch.uk",
        phone_prefix="0161 480",
    )
    schools: list[School] = []
    for phase in phases:
        for name in _SCHOOL_NAMES[phase]:
            lead = leads[len(schools)]
            schools.append(
                School(
                    school_id=f"356{len(schools) + 4001:04d}",
                    name=name,
                    phase=phase,
                    dsl_name=lead.name,
                    dsl_phone=lead.phone,
                    dsl_email=lead.email if rng.random() < 0.9 else None,
                    local_authority=LOCAL_AUTHORITY,
                )
            )
    return tuple(schools)


def _september(year: int) -> datetime.date:
    return datetime.date(year, 9, 1 + (year % 5))


class _Enroller:
    def __init__(self, rng: random.Random, schools: tuple[School, ...], today: datetime.date) -> None:
        self.rng, self.today = rng, today
        self.by_phase = {phase: [s for s in schools if s.phase == phase] for phase in _SCHOOL_NAMES}
        self.count = 0

    def enrolment(
        self, phase: Phase, registration: Registration, entry: datetime.date, leaving: datetime.date | None = None
    ) -> Enrolment:
        self.count += 1
        school = self.rng.choice(self.by_phase[phase])
        return Enrolment(
            enrolment_id=f"E{self.count:07d}",
            school_id=school.school_id,
            registration=registration,
            entry_date=entry,
            leaving_date=leaving,
        )

    def enrolments(self, age: int) -> tuple[Enrolment, ...]:
        rng, today = self.rng, self.today
        school_year_start = today.year if today.month >= 9 else today.year - 1
        phase: Phase = "primary" if age <= 10 else "secondary" if age <= 16 else "college"
        entered = _september(school_year_start - (age - {"primary": 4, "secondary": 11, "college": 17}[phase]))
        entered = min(entered, today)
        main = self.enrolment(phase, "main", entered)
        enrolments = [main]
        if phase != "primary" and rng.random() < 0.7:
            left = datetime.date(entered.year, 7, 20)
            enrolments.insert(
                0,
                self.enrolment(
                    "primary" if phase == "secondary" else "secondary",
                    "main",
                    _september(left.year - (7 if phase == "secondary" else 5)),
                    left,
                ),
            )
        if 5 <= age <= 16 and rng.random() < 0.04:
            # Dual registration: the home school keeps the main registration, the PRU the subsidiary one.
            since = today - datetime.timedelta(days=rng.randint(20, 300))
            enrolments[-1] = Enrolment(
                enrolment_id=main.enrolment_id,
                school_id=main.school_id,
                registration="dual_main",
                entry_date=main.entry_date,
                leaving_date=None,
            )
            enrolments.append(self.enrolment("alternative", "dual_subsidiary", since))
        elif 11 <= age <= 16 and rng.random() < 0.03:
            enrolments.append(self.enrolment("alternative", "off_site", today - datetime.timedelta(days=60)))
        return tuple(enrolments)


def build_school_records(
    people: tuple[Person, ...],
    copier: IdentityCopier,
    ledger: GroundTruthLedger,
    rng: random.Random,
    pools: NamePools,
    today: datetime.date,
) -> SchoolRecords:
    """Enrol every child aged 4-16 and some 17-20-year-olds."""
    schools = _schools(rng, pools)
    enroller = _Enroller(rng, schools, today)
    pupils: list[Pupil] = []

    def upn() -> str:
        # Unique pupil numbers: a check letter, the LA code (356 for Stockport) and a serial.
        serial = len(pupils) + 1
        return f"{chr(ord('A') + serial % 26)}356{serial:09d}"

    for person in people:
        age = person.age_on(today)
        on_roll = (
            4 <= age <= 16 or (17 <= age <= 18 and rng.random() < 0.45) or (19 <= age <= 20 and rng.random() < 0.12)
        )
        if not on_roll:
            continue
        pupil_upn = upn()
        identity = copier.copy(person, "school", pupil_upn, rate=SCHOOL_COPY_DISCREPANCY_RATE, former_names_kept=0.4)
        diminutives = DIMINUTIVES.get(identity.given_name)
        preferred = (
            rng.choice(diminutives)
            if diminutives and rng.random() < 0.3
            else identity.given_name
            if rng.random() < 0.7
            else None
        )
        pupils.append(
            Pupil(upn=pupil_upn, identity=identity, preferred_forename=preferred, enrolments=enroller.enrolments(age))
        )
        if person.previous_addresses and rng.random() < 0.02:
            stale_upn = upn()
            ledger.record(person.person_id, "school", stale_upn)
            ledger.plant(person.person_id, "school", stale_upn, "stale_record", "record")
            entered = today - datetime.timedelta(days=rng.randint(2 * 365, 4 * 365))
            left = enroller.enrolment(
                "primary" if age <= 12 else "secondary", "main", entered, entered + datetime.timedelta(days=200)
            )
            pupils.append(
                Pupil(upn=stale_upn, identity=stale_identity(person), preferred_forename=None, enrolments=(left,))
            )
    return SchoolRecords(schools=schools, pupils=tuple(pupils))
