"""Stockport Homes/Academy-like tenant → `SourceRecord` with `HousingFacts`.

Quirks: keys in UPPER_SNAKE_CASE, names and addresses in UPPER CASE (shown in title case), dates `dd/mm/yyyy`
with empty strings for "no date", flags `"Y"`/`"N"`, gender `"F"`/`"M"`/`"U"`, arrears in weeks as a string.
`TENANCY` is null for someone known only through an anti-social behaviour case.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from sources.mappers.native import (
    MalformedRecord,
    as_object,
    decimal,
    display_name,
    object_list,
    optional_object,
    required_text,
    text,
    text_list,
    uk_date,
    yes_no,
)
from sources.mappers.person import address_from, demographics_of, gender_from, practitioner_from
from sources.model import AsbCase, DatedCase, Gender, HousingFacts, Service, SourceRecord

GENDER_CODES = {"F": Gender.FEMALE, "M": Gender.MALE, "U": Gender.UNKNOWN}
ADDRESS_KEYS = ("LINE_1", "LINE_2", "TOWN", "POSTCODE")
OFFICER_KEYS = ("NAME", None, None, "PHONE", "EMAIL")
OFFICER_ROLE = "Housing officer"
ASB_ROLES = frozenset({"perpetrator", "victim", "witness"})


def tenant_record(native: object, *, system: str, as_of: datetime.datetime | None) -> SourceRecord:
    """One `Tenant` of the `/api/tenants` and `/api/tenancies` endpoints. Raises `MalformedRecord`."""
    tenant = as_object(native, "tenant")
    address = address_from(
        optional_object(tenant, "ADDRESS"), keys=ADDRESS_KEYS, current=True, system=system, upper_case=True
    )
    addresses = (address,) if address else ()
    gender = gender_from(text(tenant, "GENDER"), GENDER_CODES)
    previous_surnames = tuple(display_name(name) or name for name in text_list(tenant, "PREVIOUS_SURNAMES"))
    return SourceRecord(
        service=Service.HOUSING,
        system=system,
        record_id=required_text(tenant, "PERSON_REF"),
        person=demographics_of(
            given_name=display_name(text(tenant, "FORENAME")),
            family_name=display_name(text(tenant, "SURNAME")),
            date_of_birth=uk_date(tenant, "DOB"),
            gender=gender,
            addresses=addresses,
            other_family_names=previous_surnames,
        ),
        gender=gender,
        addresses=addresses,
        as_of=as_of,
        facts=_facts(tenant),
    )


def _facts(tenant: Mapping[str, object]) -> HousingFacts:
    provider = text(tenant, "PROVIDER")
    asb_cases = tuple(_asb_case(case) for case in object_list(tenant, "ASB_CASES"))
    notices = tuple(_dated(case, "SERVED") for case in object_list(tenant, "NSP"))
    evictions = tuple(_dated(case, "STARTED") for case in object_list(tenant, "EVICTIONS"))
    tenancy = optional_object(tenant, "TENANCY")
    if tenancy is None:
        return HousingFacts(
            provider=provider,
            is_tenant=False,
            tenancy_id=None,
            tenancy_start=None,
            tenancy_end=None,
            housing_officer=None,
            asb_cases=asb_cases,
            notices_seeking_possession=notices,
            evictions=evictions,
        )
    return HousingFacts(
        provider=provider,
        is_tenant=True,
        tenancy_id=text(tenancy, "TENANCY_REF"),
        tenancy_start=uk_date(tenancy, "START_DATE"),
        tenancy_end=uk_date(tenancy, "END_DATE"),
        tenancy_current=yes_no(tenancy, "CURRENT"),
        tenancy_role=(text(tenancy, "ROLE") or "").lower() or None,
        housing_officer=practitioner_from(optional_object(tenancy, "OFFICER"), keys=OFFICER_KEYS, role=OFFICER_ROLE),
        asb_cases=asb_cases,
        notices_seeking_possession=notices,
        evictions=evictions,
        arrears_weeks=decimal(tenancy, "ARREARS_WEEKS"),
    )


def _asb_case(case: Mapping[str, object]) -> AsbCase:
    role = required_text(case, "ROLE").lower()
    if role not in ASB_ROLES:
        raise MalformedRecord("ASB_CASES.ROLE", "unknown role")
    return AsbCase(
        case_id=required_text(case, "CASE_REF"),
        role=role,
        opened=uk_date(case, "OPENED"),
        closed=uk_date(case, "CLOSED"),
    )


def _dated(case: Mapping[str, object], opened_key: str) -> DatedCase:
    return DatedCase(
        case_id=required_text(case, "CASE_REF"), opened=uk_date(case, opened_key), closed=uk_date(case, "CLOSED")
    )
