import copy
import datetime

import pytest

from sources.cms_model import CmsChild, RelationshipType
from sources.mappers import MalformedRecord
from sources.mappers import cms as cms_mapper
from sources.mappers.school import pupil_record
from sources.model import (
    AdultSocialCareFacts,
    Gender,
    HousingFacts,
    PoliceFacts,
    SchoolFacts,
    Service,
)
from sources.model import (
    SafeguardingOffenceCategory as Category,
)
from sources.services.adult_social_care.mapper import client_record
from sources.services.housing.mapper import tenant_record
from sources.services.police.mapper import person_record
from sources.services.police.offence_categories import classify
from tests.sources import samples

AS_OF = datetime.datetime(2026, 11, 26, 2, tzinfo=datetime.UTC)


def test_adult_social_care_client_in_common_terms() -> None:
    record = client_record(samples.ASC_CLIENT, system="Care First", as_of=AS_OF)

    assert record.service is Service.ADULT_SOCIAL_CARE
    assert record.record_id == "ASC-004512"
    assert record.person.given_name == "Robert"
    assert record.person.other_family_names == ("Jones",)
    assert record.person.date_of_birth == datetime.date(1970, 2, 1)
    assert record.person.gender == "MALE"
    assert record.person.postcode == "SK1 2AB"
    assert record.addresses[0].current is True
    assert record.addresses[0].system == "Care First"
    assert isinstance(record.facts, AdultSocialCareFacts)
    plan = record.facts.plans[0]
    assert plan.status == "active"
    assert plan.end_date is None
    assert plan.last_contact == datetime.date(2024, 9, 30)
    assert plan.keyworker is not None
    assert plan.keyworker.email is None  # absent key
    assert plan.keyworker.phone == "0161 474 000"  # wrong digit count, kept as given


@pytest.mark.parametrize(("code", "gender"), [("Female", Gender.FEMALE), ("Not known", Gender.UNKNOWN), ("", None)])
def test_adult_social_care_gender_codes(code: str, gender: Gender | None) -> None:
    client = {**samples.ASC_CLIENT, "gender": code}
    assert client_record(client, system="Care First", as_of=None).gender is gender


def test_housing_tenant_quirks() -> None:
    record = tenant_record(samples.HOUSING_TENANT, system="Stockport Homes", as_of=AS_OF)

    assert record.person.given_name == "Robert"
    assert record.person.family_name == "O'Neil-Smith"
    assert record.person.other_family_names == ("Jones",)
    assert record.person.date_of_birth == datetime.date(1970, 2, 1)
    assert record.gender is Gender.MALE
    assert record.addresses[0].line1 == "12 Mill Lane"
    assert record.addresses[0].line2 is None
    assert isinstance(record.facts, HousingFacts)
    facts = record.facts
    assert facts.is_tenant and facts.tenancy_current is True and facts.tenancy_role == "lead"
    assert facts.tenancy_start == datetime.date(2015, 4, 3)
    assert facts.tenancy_end is None
    assert facts.arrears_weeks == 7.5
    assert facts.housing_officer is not None and facts.housing_officer.email is None
    assert facts.asb_cases[0].role == "perpetrator"
    assert facts.notices_seeking_possession[0].opened == datetime.date(2024, 9, 1)
    assert facts.evictions[0].opened == datetime.date(2024, 10, 1)


def test_housing_someone_known_only_through_anti_social_behaviour() -> None:
    tenant = {**samples.HOUSING_TENANT, "TENANCY": None}
    facts = tenant_record(tenant, system="Stockport Homes", as_of=None).facts
    assert isinstance(facts, HousingFacts)
    assert not facts.is_tenant and facts.housing_officer is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"DOB": "1970-02-01"}, "DOB"),
        ({"PERSON_REF": ""}, "PERSON_REF"),
        ({"ASB_CASES": "none"}, "ASB_CASES"),
    ],
)
def test_housing_malformed_records_name_the_field_not_the_value(change: dict[str, object], field: str) -> None:
    with pytest.raises(MalformedRecord) as raised:
        tenant_record({**samples.HOUSING_TENANT, **change}, system="Stockport Homes", as_of=None)
    assert raised.value.field == field
    assert "1970" not in str(raised.value)


def test_housing_bad_flag_and_arrears_are_malformed() -> None:
    tenancy = {**samples.HOUSING_TENANT["TENANCY"], "CURRENT": "Maybe"}
    with pytest.raises(MalformedRecord):
        tenant_record({**samples.HOUSING_TENANT, "TENANCY": tenancy}, system="H", as_of=None)
    tenancy = {**samples.HOUSING_TENANT["TENANCY"], "ARREARS_WEEKS": "lots"}
    with pytest.raises(MalformedRecord):
        tenant_record({**samples.HOUSING_TENANT, "TENANCY": tenancy}, system="H", as_of=None)


def test_asc_record_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedRecord):
        client_record(["ASC-1"], system="Care First", as_of=None)


def _police_rows(*lines: str) -> list[dict[str, str]]:
    header = samples.POLICE_HEADER.split(",")
    return [dict(zip(header, line.split(","), strict=True)) for line in lines]


def test_police_rows_become_one_person() -> None:
    record = person_record(_police_rows(*samples.POLICE_ROWS[:2]), system="GMP extract", as_of=AS_OF)

    assert record.record_id == "PN-000123"
    assert record.person.given_name == "Robert"  # middle name dropped
    assert record.person.family_name == "Smith"
    assert record.person.date_of_birth == datetime.date(1970, 2, 1)
    assert record.person.postcode == "SK1 2AB"  # the most recent offence's
    assert record.person.previous_postcodes == ("SK2 6XY",)
    assert isinstance(record.facts, PoliceFacts)
    first, second = record.facts.offences
    assert first.category is Category.VIOLENCE_WITH_INJURY and first.convicted
    assert second.category is None and not second.convicted and second.outcome == "cautioned"
    assert record.facts.police_area == "Greater Manchester Police"


def test_police_unknown_role_is_malformed() -> None:
    line = samples.POLICE_ROWS[0].replace(",offender,", ",witness,")
    with pytest.raises(MalformedRecord):
        person_record(_police_rows(line), system="GMP extract", as_of=None)


@pytest.mark.parametrize(
    ("description", "category"),
    [
        ("Murder", Category.HOMICIDE),
        ("Manslaughter", Category.HOMICIDE),
        ("Rape of a female aged 16 or over", Category.RAPE),
        ("Rape of a male aged 16 or over", Category.RAPE),
        ("Sexual assault on a female", Category.OTHER_SEXUAL_OFFENCES),
        ("Exposure and voyeurism", Category.OTHER_SEXUAL_OFFENCES),
        ("Sexual activity involving a child under 16", Category.OTHER_SEXUAL_OFFENCES),
        ("Robbery of personal property", Category.ROBBERY),
        ("Robbery of business property", Category.ROBBERY),
        ("Possession of article with blade or point", Category.POSSESSION_OF_WEAPONS),
        ("Possession of firearms with intent", Category.POSSESSION_OF_WEAPONS),
        ("Assault occasioning actual bodily harm", Category.VIOLENCE_WITH_INJURY),
        ("Wounding with intent to do grievous bodily harm", Category.VIOLENCE_WITH_INJURY),
        ("Common assault and battery", Category.VIOLENCE_WITHOUT_INJURY),
        ("Harassment", Category.VIOLENCE_WITHOUT_INJURY),
        ("Stalking", Category.VIOLENCE_WITHOUT_INJURY),
        # keyword fallback on wording the table does not hold
        ("Attempted rape", Category.RAPE),
        ("Sexual exploitation of a child", Category.OTHER_SEXUAL_OFFENCES),
        ("Carrying an offensive weapon in a public place", Category.POSSESSION_OF_WEAPONS),
        ("Threats to kill", Category.VIOLENCE_WITHOUT_INJURY),
        ("MURDER  of a child", Category.HOMICIDE),
        ("Attempted murder", Category.VIOLENCE_WITH_INJURY),
        # non-safeguarding
        ("Shoplifting", None),
        ("Theft from a vehicle", None),
        ("Criminal damage to a dwelling", None),
        ("Possession of cannabis", None),
        ("Drink driving", None),
        ("Burglary - residential", None),
        ("Fraud by false representation (grape sales)", None),
    ],
)
def test_offence_descriptions_classified(description: str, category: Category | None) -> None:
    assert classify(description) is category


PUPIL = {
    "upn": "A123456789012",
    "legal_forename": "AMELIA",
    "preferred_forename": "Millie",
    "legal_surname": "Smith",
    "surname_key": "SMITH",
    "former_surname_key": None,
    "dob": "2014-03-09",
    "birth_year": 2014,
    "gender": "X",
    "address_line1": "12 Mill Lane",
    "postcode": "SK1 2AB",
}
ENROLMENT = {
    "upn": "A123456789012",
    "enrolment_id": "E1",
    "registration": "dual_main",
    "entry_date": "2021-09-01",
    "leaving_date": None,
    "school_name": "Mill Lane Primary",
    "dsl_name": "Dee Lead",
    "dsl_phone": "0161 111 2222",
    "dsl_email": None,
}


def test_school_pupil_and_registration() -> None:
    record = pupil_record(PUPIL, [ENROLMENT], system="Synergy", as_of=AS_OF)

    assert record.person.given_name == "Amelia"
    assert record.gender is Gender.OTHER
    assert isinstance(record.facts, SchoolFacts)
    enrolment = record.facts.enrolments[0]
    assert enrolment.registration == "dual_main" and enrolment.end_date is None
    assert enrolment.contact is not None and enrolment.contact.role == "Designated safeguarding lead"


def test_school_unknown_registration_is_malformed() -> None:
    with pytest.raises(MalformedRecord):
        pupil_record(PUPIL, [{**ENROLMENT, "registration": "flexi"}], system="Synergy", as_of=None)


def test_cms_child_person_and_relationship() -> None:
    child = cms_mapper.child(samples.CMS_CHILD, system="LCS")
    assert child.case_reference == "CR-000001"
    assert child.allocated_worker is not None and child.allocated_worker.team == "Assessment Team 2"
    assert child.address is not None and child.address.current is True and child.address.system == "LCS"
    assert child.previous_addresses[0].current is False
    assert child.previous_addresses[0].postcode == "SK4 1AA"
    assert child.demographics.previous_postcodes == ("SK4 1AA",)
    assert child.demographics.gender == "FEMALE"

    person = cms_mapper.person(samples.cms_person(), system="LCS")
    assert not isinstance(person, CmsChild)
    assert isinstance(cms_mapper.person(samples.CMS_CHILD, system="LCS"), CmsChild)

    relationship = cms_mapper.relationship(samples.CMS_RELATIONSHIP, child_id="C000001", system="LCS")
    assert relationship.relationship is RelationshipType.MOTHER
    assert relationship.relationship is RelationshipType.MOTHER
    assert relationship.lives_with is True
    assert relationship.demographics.family_name == "Smith"

    odd = cms_mapper.relationship({**samples.CMS_RELATIONSHIP, "relationship": "AUNT"}, child_id="C1", system="LCS")
    assert odd.relationship is RelationshipType.OTHER


def test_cms_garbled_child_is_malformed() -> None:
    child = copy.deepcopy(samples.CMS_CHILD)
    child["dateOfBirth"] = "09/03/2014"
    with pytest.raises(MalformedRecord):
        cms_mapper.child(child, system="LCS")
