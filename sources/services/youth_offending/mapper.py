"""A youth offending case system's young person → `SourceRecord` with `YouthOffendingFacts`.

Quirks: sex as one letter ("M", "F", "U"); intervention types as the case system's words ("Referral Order",
"Youth Conditional Caution"), read case-insensitively, an unknown one as OTHER; status "Open" or "Closed".
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from sources.mappers.native import as_object, iso_date, object_list, optional_object, required_text, text, text_list
from sources.mappers.person import address_from, demographics_of, gender_from, practitioner_from
from sources.model import Gender, Service, SourceRecord
from sources.services.youth_offending.model import YotIntervention, YouthInterventionType, YouthOffendingFacts

SEX_CODES = {"F": Gender.FEMALE, "M": Gender.MALE, "X": Gender.OTHER, "U": Gender.UNKNOWN}
ADDRESS_KEYS = ("line1", "line2", "town", "postcode")
INTERVENTION_TYPES = {
    "prevention": YouthInterventionType.PREVENTION,
    "early intervention": YouthInterventionType.PREVENTION,
    "triage": YouthInterventionType.OUT_OF_COURT_DISPOSAL,
    "community resolution": YouthInterventionType.OUT_OF_COURT_DISPOSAL,
    "youth caution": YouthInterventionType.OUT_OF_COURT_DISPOSAL,
    "youth conditional caution": YouthInterventionType.OUT_OF_COURT_DISPOSAL,
    "referral order": YouthInterventionType.REFERRAL_ORDER,
    "youth rehabilitation order": YouthInterventionType.YOUTH_REHABILITATION_ORDER,
    "detention and training order": YouthInterventionType.DETENTION_AND_TRAINING_ORDER,
}
CASE_WORKER_KEYS = ("name", "role", "team", "phone", "email")


def young_person_record(native: object, *, system: str, as_of: datetime.datetime | None) -> SourceRecord:
    """One `YoungPerson` of the `/api/young-people/*` endpoints. Raises `MalformedRecord`."""
    person = as_object(native, "youngPerson")
    address = address_from(optional_object(person, "address"), keys=ADDRESS_KEYS, current=True, system=system)
    addresses = (address,) if address else ()
    gender = gender_from(text(person, "sex"), SEX_CODES)
    return SourceRecord(
        service=Service.YOUTH_OFFENDING,
        system=system,
        record_id=required_text(person, "ypId"),
        person=demographics_of(
            given_name=text(person, "forename"),
            family_name=text(person, "surname"),
            date_of_birth=iso_date(person, "dateOfBirth"),
            gender=gender,
            addresses=addresses,
            other_family_names=text_list(person, "formerSurnames"),
        ),
        gender=gender,
        addresses=addresses,
        as_of=as_of,
        facts=YouthOffendingFacts(
            team=text(person, "yotName"),
            interventions=tuple(_intervention(i) for i in object_list(person, "interventions")),
            last_contact=iso_date(person, "lastContactDate"),
        ),
    )


def _intervention(native: Mapping[str, object]) -> YotIntervention:
    kind = (required_text(native, "type")).strip().lower()
    return YotIntervention(
        intervention_id=required_text(native, "interventionId"),
        kind=INTERVENTION_TYPES.get(kind, YouthInterventionType.OTHER),
        status=required_text(native, "status").strip().lower(),
        start_date=iso_date(native, "startDate"),
        end_date=iso_date(native, "endDate"),
        case_worker=practitioner_from(optional_object(native, "caseWorker"), keys=CASE_WORKER_KEYS),
    )
