"""What the housing provider (Stockport Homes/Academy-like) holds: tenancies, ASB cases, notices, evictions.

About 30% of households rent from the provider; everyone on the tenancy has a record (lead, joint tenant,
household members including children). Anti-social behaviour cases name perpetrators, victims and witnesses; some
perpetrators are not tenants at all and have a record only because of the case.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Literal

from sandbox.ground_truth import DiscrepancyKind, GroundTruthLedger
from sandbox.identity_copies import Identity, IdentityCopier, stale_identity
from sandbox.names import NamePools
from sandbox.people import Household, Person
from sandbox.practitioners import Practitioner, practitioner_pool

HOUSING_PROVIDER = "Stockport Homes"
HOUSING_COPY_DISCREPANCY_RATE = 0.15
TenancyRole = Literal["LEAD", "JOINT", "MEMBER"]
AsbRole = Literal["PERPETRATOR", "VICTIM", "WITNESS"]

_YEAR = datetime.timedelta(days=365)
# The provider knows where its tenants live: never an old address on a current tenancy.
_NEVER_ON_A_CURRENT_TENANCY: tuple[DiscrepancyKind, ...] = ("old_address",)
_LEAD_ROLES = ("mother", "father", "parent", "grandparent")
_JOINT_ROLES = ("father", "parent", "step_parent", "parents_partner", "grandparent")


@dataclass(frozen=True, kw_only=True)
class Tenancy:
    tenancy_ref: str
    role: TenancyRole
    start_date: datetime.date
    end_date: datetime.date | None  # None: current
    arrears_weeks: float
    officer: Practitioner


@dataclass(frozen=True, kw_only=True)
class AsbCase:
    case_ref: str
    role: AsbRole
    opened: datetime.date
    closed: datetime.date | None


@dataclass(frozen=True, kw_only=True)
class DatedCase:
    """A notice seeking possession (`opened` = served) or an eviction (`opened` = started)."""

    case_ref: str
    opened: datetime.date
    closed: datetime.date | None


@dataclass(frozen=True, kw_only=True)
class Tenant:
    person_ref: str
    identity: Identity
    provider: str
    tenancy: Tenancy | None  # None: known only through an ASB case
    asb_cases: tuple[AsbCase, ...] = ()
    notices_seeking_possession: tuple[DatedCase, ...] = ()
    evictions: tuple[DatedCase, ...] = ()


class _HousingBuilder:
    def __init__(
        self,
        copier: IdentityCopier,
        ledger: GroundTruthLedger,
        rng: random.Random,
        officers: tuple[Practitioner, ...],
        today: datetime.date,
    ) -> None:
        self.copier, self.ledger, self.rng, self.officers, self.today = copier, ledger, rng, officers, today
        self.tenants: list[Tenant] = []
        self.counters = {"T": 0, "ASB": 0, "NSP": 0, "EV": 0}

    def next_ref(self, kind: str) -> str:
        self.counters[kind] += 1
        return f"T{self.counters[kind]:06d}" if kind == "T" else f"{kind}-{self.counters[kind]}"

    def next_person_ref(self) -> str:
        return f"H{len(self.tenants) + 1:07d}"

    def days_ago(self, low: int, high: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(low, high))

    def closed_after(self, opened: datetime.date, chance_open: float) -> datetime.date | None:
        if self.rng.random() < chance_open:
            return None
        closed = opened + datetime.timedelta(days=self.rng.randint(20, 400))
        return closed if closed < self.today else None

    def asb_cases(self, person: Person) -> tuple[AsbCase, ...]:
        if person.age_on(self.today) < 14:
            return ()
        draw = self.rng.random()
        role: AsbRole | None = (
            "PERPETRATOR" if draw < 0.06 else "VICTIM" if draw < 0.11 else "WITNESS" if draw < 0.125 else None
        )
        if role is None:
            return ()
        # Some cases predate 2014, the display rule's cut-off.
        opened = self.days_ago(20, 14 * 365)
        return (
            AsbCase(case_ref=self.next_ref("ASB"), role=role, opened=opened, closed=self.closed_after(opened, 0.35)),
        )

    def tenancy_household(self, household: Household, residents: list[Person]) -> None:
        rng = self.rng
        lead = next((p for p in residents if p.role in _LEAD_ROLES), None)
        if lead is None:
            return
        joint = next((p for p in residents if p is not lead and p.role in _JOINT_ROLES), None)
        if joint is not None and rng.random() < 0.4:
            joint = None
        draw = rng.random()
        arrears = (
            0.0 if draw < 0.5 else round(rng.uniform(0.5, 6.0), 1) if draw < 0.83 else round(rng.uniform(6.5, 20.0), 1)
        )
        tenancy_ref = self.next_ref("T")
        officer = rng.choice(self.officers)
        notices: tuple[DatedCase, ...] = ()
        evictions: tuple[DatedCase, ...] = ()
        if rng.random() < 0.12:
            served = self.days_ago(10, 330) if rng.random() < 0.55 else self.days_ago(400, 6 * 365)
            notices = (
                DatedCase(
                    case_ref=self.next_ref("NSP"),
                    opened=served,
                    closed=self.closed_after(served, 0.5 if self.today - served < _YEAR else 0.0),
                ),
            )
            started = served + datetime.timedelta(days=rng.randint(30, 200))
            if rng.random() < 0.4 and started < self.today:
                evictions = (
                    DatedCase(
                        case_ref=self.next_ref("EV"),
                        opened=started,
                        closed=self.closed_after(started, 0.5 if self.today - started < _YEAR else 0.0),
                    ),
                )
        for person in residents:
            if person.role == "lodger" and rng.random() < 0.5:
                continue  # lodgers are often not declared on the tenancy
            role: TenancyRole = "LEAD" if person is lead else "JOINT" if person is joint else "MEMBER"
            person_ref = self.next_person_ref()
            identity = self.copier.copy(
                person,
                "housing",
                person_ref,
                rate=HOUSING_COPY_DISCREPANCY_RATE,
                excluded=_NEVER_ON_A_CURRENT_TENANCY,
                former_names_kept=0.5,
            )
            named_on_cases = role in ("LEAD", "JOINT")
            self.tenants.append(
                Tenant(
                    person_ref=person_ref,
                    identity=identity,
                    provider=HOUSING_PROVIDER,
                    tenancy=Tenancy(
                        tenancy_ref=tenancy_ref,
                        role=role,
                        start_date=household.moved_in,
                        end_date=None,
                        arrears_weeks=arrears,
                        officer=officer,
                    ),
                    asb_cases=self.asb_cases(person),
                    notices_seeking_possession=notices if named_on_cases else (),
                    evictions=evictions if named_on_cases else (),
                )
            )
            if role != "MEMBER" and rng.random() < 0.04:
                self.stale_duplicate(person)

    def former_tenant(self, person: Person) -> None:
        """A tenancy that ended when the person moved away; housing still has the old address."""
        person_ref = self.next_person_ref()
        self.ledger.record(person.person_id, "housing", person_ref)
        start = self.days_ago(4 * 365, 12 * 365)
        self.tenants.append(
            Tenant(
                person_ref=person_ref,
                identity=stale_identity(person),
                provider=HOUSING_PROVIDER,
                tenancy=Tenancy(
                    tenancy_ref=self.next_ref("T"),
                    role="LEAD",
                    start_date=start,
                    end_date=self.days_ago(100, 3 * 365),
                    arrears_weeks=0.0,
                    officer=self.rng.choice(self.officers),
                ),
            )
        )

    def stale_duplicate(self, person: Person) -> None:
        person_ref = self.next_person_ref()
        self.ledger.plant(person.person_id, "housing", person_ref, "stale_record", "record")
        self.ledger.record(person.person_id, "housing", person_ref)
        self.tenants.append(
            Tenant(person_ref=person_ref, identity=stale_identity(person), provider=HOUSING_PROVIDER, tenancy=None)
        )

    def non_tenant_perpetrator(self, person: Person) -> None:
        person_ref = self.next_person_ref()
        identity = self.copier.copy(
            person, "housing", person_ref, rate=HOUSING_COPY_DISCREPANCY_RATE, former_names_kept=0.3
        )
        opened = self.days_ago(20, 12 * 365)
        case = AsbCase(
            case_ref=self.next_ref("ASB"), role="PERPETRATOR", opened=opened, closed=self.closed_after(opened, 0.4)
        )
        self.tenants.append(
            Tenant(person_ref=person_ref, identity=identity, provider=HOUSING_PROVIDER, tenancy=None, asb_cases=(case,))
        )


def build_housing_records(
    people: tuple[Person, ...],
    households: tuple[Household, ...],
    copier: IdentityCopier,
    ledger: GroundTruthLedger,
    rng: random.Random,
    pools: NamePools,
    today: datetime.date,
) -> tuple[Tenant, ...]:
    """Choose the provider's tenant households and build every record the provider holds."""
    officers = practitioner_pool(
        rng,
        pools,
        count=max(5, len(households) // 60),
        roles=("Housing Officer",),
        teams=("Neighbourhood Team North", "Neighbourhood Team South", "Tenancy Sustainment Team"),
        email_domain="stockporthomes.example.org.uk",
        phone_prefix="0161 217",
    )
    builder = _HousingBuilder(copier, ledger, rng, officers, today)
    by_household: dict[str, list[Person]] = {}
    for person in people:
        by_household.setdefault(person.household_id, []).append(person)
    for household in households:
        members = by_household[household.household_id]
        residents = [p for p in members if p.address == household.address]
        if rng.random() < 0.3:
            builder.tenancy_household(household, residents)
            continue
        for person in members:
            if person.role != "child" and person.previous_addresses and rng.random() < 0.05:
                builder.former_tenant(person)
            elif person.age_on(today) >= 16 and rng.random() < 0.015:
                builder.non_tenant_perpetrator(person)
    return tuple(builder.tenants)
