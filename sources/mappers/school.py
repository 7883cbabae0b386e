"""Synergy-like pupil and enrolment rows → `SourceRecord` with `SchoolFacts`.

Quirks: legal and preferred forenames (the legal one is matched, since that is what other systems record);
gender `"F"`/`"M"`/`"X"`/`"U"`; a NULL `leaving_date` means on roll; the school's designated safeguarding lead
is the contact.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from sources.mappers.native import MalformedRecord, display_name, iso_date, required_text, text
from sources.mappers.person import address_from, demographics_of, gender_from, practitioner_from
from sources.model import Enrolment, Gender, SchoolFacts, Service, SourceRecord

GENDER_CODES = {"F": Gender.FEMALE, "M": Gender.MALE, "X": Gender.OTHER, "U": Gender.UNKNOWN}
REGISTRATIONS = frozenset({"main", "dual_main", "dual_subsidiary", "off_site"})
DSL_KEYS = ("dsl_name", None, None, "dsl_phone", "dsl_email")
DSL_ROLE = "Designated safeguarding lead"

Row = Mapping[str, object]


def pupil_record(
    pupil: Row, enrolments: Sequence[Row], *, system: str, as_of: datetime.datetime | None
) -> SourceRecord:
    """A `pupil` row and its `enrolment` rows joined with `school` (columns as in `school_sql`)."""
    address = address_from(
        pupil, keys=("address_line1", "address_line2", "town", "postcode"), current=True, system=system
    )
    addresses = (address,) if address else ()
    gender = gender_from(text(pupil, "gender"), GENDER_CODES)
    former = text(pupil, "former_surname_key")
    return SourceRecord(
        service=Service.SCHOOL,
        system=system,
        record_id=required_text(pupil, "upn"),
        person=demographics_of(
            given_name=display_name(text(pupil, "legal_forename")),
            family_name=display_name(text(pupil, "legal_surname")),
            date_of_birth=iso_date(pupil, "dob"),
            gender=gender,
            addresses=addresses,
            other_family_names=(former,) if former else (),
        ),
        gender=gender,
        addresses=addresses,
        as_of=as_of,
        facts=SchoolFacts(enrolments=tuple(_enrolment(row) for row in enrolments)),
    )


def _enrolment(row: Row) -> Enrolment:
    registration = required_text(row, "registration").lower()
    if registration not in REGISTRATIONS:
        raise MalformedRecord("registration", "unknown registration")
    return Enrolment(
        enrolment_id=required_text(row, "enrolment_id"),
        school_name=required_text(row, "school_name"),
        registration=registration,
        start_date=iso_date(row, "entry_date"),
        end_date=iso_date(row, "leaving_date"),
        contact=practitioner_from(row, keys=DSL_KEYS, role=DSL_ROLE),
    )
