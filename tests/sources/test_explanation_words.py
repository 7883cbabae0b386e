"""The explanation texts a social worker reads: an involved check says what was found (never just the rule), a
service name reads as people write it, and police outcomes come through in the police's own terms."""

from __future__ import annotations

import dataclasses

import pytest

from sources.display_rules.police import police_outcome
from sources.model import AsbCase, Enrolment, PoliceInvolvement, PoliceOutcome, SchoolFacts, Service
from tests.sources.test_display_rules import (
    D,
    asc,
    born_aged,
    check,
    enrolment,
    housing,
    offence,
    plan,
    police,
)


def school(*enrolments: Enrolment) -> SchoolFacts:
    return SchoolFacts(enrolments=enrolments)


def test_an_involved_school_check_names_the_school() -> None:
    dual = school(enrolment("dual_main"), enrolment("dual_subsidiary", name="Hub"))
    _, _, now = check(Service.SCHOOL, dual, born_aged(9))
    assert now == "On roll at Mill Lane Primary"
    _, _, before = check(Service.SCHOOL, school(enrolment("main", end=D(2025, 7, 20))), born_aged(9))
    assert before == "Not on roll now: last registered at Mill Lane Primary"


def test_an_involved_adult_social_care_check_says_open_or_ended() -> None:
    assert check(Service.ADULT_SOCIAL_CARE, asc(plan()), born_aged(40))[2] == (
        "Open to Stockport Council: a care plan with an assigned caseworker"
    )
    assert check(Service.ADULT_SOCIAL_CARE, asc(plan(end=D(2025, 1, 1))), born_aged(40))[2] == (
        "Known to Stockport Council in the past: a care plan with an assigned caseworker, now ended"
    )


def test_an_involved_housing_check_names_the_provider() -> None:
    assert check(Service.HOUSING, housing(), born_aged(40))[2].startswith("Known to Stockport Homes now:")
    closed = AsbCase(case_id="A1", role="perpetrator", opened=D(2024, 1, 1), closed=D(2024, 6, 1))
    _, _, past = check(Service.HOUSING, housing(tenant=False, asb=(closed,)), born_aged(40))
    assert past.startswith("Known to Stockport Homes: named as a perpetrator") and "now closed" in past


def test_an_involved_police_check_says_whether_anything_is_open() -> None:
    _, _, closed = check(Service.POLICE, police(offence(D(2026, 1, 1))), born_aged(40))
    assert closed.startswith("Known to Greater Manchester Police: a conviction in the last 5 years")
    assert closed.endswith("nothing still open")
    _, _, open_ = check(Service.POLICE, police(offence(D(2026, 5, 1), convicted=False)), born_aged(40))
    assert open_ == (
        "Known to Greater Manchester Police: a matter still open (charged, or under investigation) in the last year"
    )


def test_a_caution_a_month_ago_shows_its_outcome() -> None:
    caution = dataclasses.replace(offence(D(2026, 5, 15), convicted=False), outcome="cautioned")
    _, found, _ = check(Service.POLICE, police(caution), born_aged(40))
    (involvement,) = found
    assert isinstance(involvement, PoliceInvolvement)
    (shown,) = involvement.safeguarding_offences
    assert shown.outcome is PoliceOutcome.CAUTIONED


@pytest.mark.parametrize(
    ("native", "outcome"),
    [
        ("convicted", PoliceOutcome.CONVICTED),
        ("Cautioned", PoliceOutcome.CAUTIONED),
        ("charged", PoliceOutcome.CHARGED),
        ("under  investigation", PoliceOutcome.UNDER_INVESTIGATION),
        ("No further action", PoliceOutcome.NO_FURTHER_ACTION),
        ("community resolution", PoliceOutcome.OTHER),
        ("", None),
    ],
)
def test_police_outcomes_in_the_polices_terms(native: str, outcome: PoliceOutcome | None) -> None:
    assert police_outcome(native) is outcome


def test_service_names_keep_their_capitals_in_a_sentence() -> None:
    assert Service.GP.label == "GP"
    assert Service.ADULT_SOCIAL_CARE.label == "adult social care"
