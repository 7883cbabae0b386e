"""Care First-like adult social care client → `SourceRecord` with `AdultSocialCareFacts`.

Quirks: gender as words ("Female", "Not known"); email often null or absent; phone numbers kept as given even
when their digit count is wrong.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from sources.mappers.native import (
    as_object,
    iso_date,
    object_list,
    optional_object,
    required_text,
    text,
    text_list,
)
from sources.mappers.person import address_from, demographics_of, gender_from, practitioner_from
from sources.model import AdultSocialCareFacts, CarePlan, Gender, Service, SourceRecord

GENDER_CODES = {"FEMALE": Gender.FEMALE, "MALE": Gender.MALE, "OTHER": Gender.OTHER, "NOT KNOWN": Gender.UNKNOWN}
ADDRESS_KEYS = ("line1", "line2", "town", "postcode")


def client_record(native: object, *, system: str, as_of: datetime.datetime | None) -> SourceRecord:
    """One `Client` of the `/api/clients/*` endpoints. Raises `MalformedRecord`."""
    client = as_object(native, "client")
    address = address_from(optional_object(client, "address"), keys=ADDRESS_KEYS, current=True, system=system)
    addresses = (address,) if address else ()
    gender = gender_from(text(client, "gender"), GENDER_CODES)
    plans = tuple(_plan(plan) for plan in object_list(client, "supportPlans"))
    return SourceRecord(
        service=Service.ADULT_SOCIAL_CARE,
        system=system,
        record_id=required_text(client, "clientId"),
        person=demographics_of(
            given_name=text(client, "firstName"),
            family_name=text(client, "lastName"),
            date_of_birth=iso_date(client, "dob"),
            gender=gender,
            addresses=addresses,
            other_family_names=text_list(client, "formerLastNames"),
        ),
        gender=gender,
        addresses=addresses,
        as_of=as_of,
        facts=AdultSocialCareFacts(organisation=text(client, "organisation"), plans=plans),
    )


def _plan(native: Mapping[str, object]) -> CarePlan:
    status = required_text(native, "status").lower()
    return CarePlan(
        plan_id=required_text(native, "planId"),
        status=status,
        start_date=iso_date(native, "startDate"),
        end_date=iso_date(native, "endDate"),
        last_contact=iso_date(native, "lastContactDate"),
        keyworker=practitioner_from(optional_object(native, "keyworker")),
    )
