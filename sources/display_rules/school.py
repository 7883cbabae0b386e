"""School: current registrations (on roll), else the most recent one; only the main registration when
dual-registered (a subsidiary registration shows as secondary provision only when no main one is held)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sources.model import (
    AdmissionType,
    Enrolment,
    Involvement,
    InvolvementStatus,
    SchoolFacts,
    SchoolInvolvement,
    Service,
    SourceRef,
)
from sources.services.school.rules import SchoolRules

# What was found: where the child is on roll (the main registration when dual-registered), else where last.
ON_ROLL = "On roll at {school}"
LAST_ON_ROLL = "Not on roll now: last registered at {school}"
A_SCHOOL = "a school"
NOT_KNOWN = "No school registration found"
ADMISSION_TYPES = {
    "main": AdmissionType.MAIN,
    "dual_main": AdmissionType.MAIN,
    "dual_subsidiary": AdmissionType.SECONDARY,
    "off_site": AdmissionType.OFF_SITE,
}
MAIN_REGISTRATIONS = frozenset({"main", "dual_main"})


def involved(found: Sequence[Involvement]) -> str:
    """What an involved school check says: the school(s) the child is on roll at, or was last."""
    said = [
        (ON_ROLL if i.status is InvolvementStatus.CURRENT else LAST_ON_ROLL).format(school=i.organisation or A_SCHOOL)
        for i in found
    ]
    return "; ".join(dict.fromkeys(said))


def shown_enrolments(facts: SchoolFacts, today: datetime.date) -> list[Enrolment]:
    on_roll = [e for e in facts.enrolments if e.end_date is None or e.end_date > today]
    if not on_roll:
        ended = sorted(facts.enrolments, key=lambda e: e.end_date or datetime.date.min)
        on_roll = ended[-1:]
    if any(e.registration in MAIN_REGISTRATIONS for e in on_roll):
        return [e for e in on_roll if e.registration != "dual_subsidiary"]
    return on_roll


def school_involvements(
    rules: SchoolRules, facts: SchoolFacts, source: SourceRef, today: datetime.date
) -> tuple[SchoolInvolvement, ...]:
    return tuple(
        SchoolInvolvement(
            service=Service.SCHOOL,
            status=(
                InvolvementStatus.CURRENT
                if enrolment.end_date is None or enrolment.end_date > today
                else InvolvementStatus.HISTORIC
            ),
            organisation=enrolment.school_name,
            practitioner=enrolment.contact,
            start_date=enrolment.start_date,
            end_date=enrolment.end_date,
            source=source,
            school_name=enrolment.school_name,
            admission_type=ADMISSION_TYPES[enrolment.registration],
        )
        for enrolment in shown_enrolments(facts, today)
    )
