"""Youth offending's display rule and mapper, without the network: ages 10 to 17, open interventions and those
closed within the window, the case worker to call; the case system's quirks and a malformed record."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from linkage.demographics import Demographics, MatchEvidence, MatchLevel
from sources.display_rules import DisplayRules, InvalidDisplayRules, apply, not_applicable
from sources.mappers import MalformedRecord
from sources.model import CaseStatus, CheckOutcome, Gender, InvolvementStatus, Practitioner, Service, SourceRecord
from sources.services.youth_offending.mapper import young_person_record
from sources.services.youth_offending.model import (
    YotIntervention,
    YouthInterventionType,
    YouthOffendingFacts,
    YouthOffendingInvolvement,
)

TODAY = datetime.date(2026, 6, 15)
D = datetime.date
CERTAIN = MatchEvidence(0.99, MatchLevel.CERTAIN, ("DOB exact",))
RULES = DisplayRules()
PAT = Practitioner(name="Pat Case", role="YOT Case Manager", phone="0161 474 0001")
SAM = Practitioner(name="Sam Closed", role="YOT Officer")


def born_aged(years: int, *, days_after_birthday: int = 0) -> datetime.date:
    return TODAY.replace(year=TODAY.year - years) - datetime.timedelta(days=days_after_birthday)


def intervention(
    status: str, start: datetime.date, end: datetime.date | None = None, worker: Practitioner | None = PAT
) -> YotIntervention:
    return YotIntervention(
        intervention_id=f"{status}-{start}",
        kind=YouthInterventionType.REFERRAL_ORDER,
        status=status,
        start_date=start,
        end_date=end,
        case_worker=worker,
    )


def check(
    *interventions: YotIntervention, dob: datetime.date | None = None, rules: DisplayRules = RULES
) -> tuple[CheckOutcome, tuple[Any, ...], str]:
    record = SourceRecord(
        service=Service.YOUTH_OFFENDING,
        system="YOT",
        record_id="YP1",
        person=Demographics(given_name="A", family_name="B", date_of_birth=dob),
        facts=YouthOffendingFacts(team="Stockport YJS", interventions=interventions, last_contact=D(2026, 6, 1)),
    )
    result = apply(
        rules, Service.YOUTH_OFFENDING, dob if dob is not None else born_aged(14), [(record, CERTAIN)], TODAY
    )
    return result.outcome, result.involvements, result.explanation


@pytest.mark.parametrize(
    ("age", "days", "applies"),
    [(9, 0, False), (10, -1, False), (10, 0, True), (17, 0, True), (17, 364, True), (18, 0, False), (40, 0, False)],
)
def test_the_age_rule_is_10_to_17(age: int, days: int, applies: bool) -> None:
    decided = not_applicable(RULES, Service.YOUTH_OFFENDING, born_aged(age, days_after_birthday=days), TODAY)
    assert (decided is None) is applies
    if decided is not None:
        assert decided.explanation == "Not applicable: youth offending records are shown for ages 10 to 17"


def test_an_open_intervention_is_current_with_its_case_worker_and_open_first() -> None:
    closed = intervention("closed", D(2024, 1, 1), D(2025, 1, 1), worker=SAM)
    opened = intervention("open", D(2026, 2, 1))
    outcome, involvements, explanation = check(closed, opened)
    assert outcome is CheckOutcome.INVOLVED
    assert explanation == "Open to Stockport YJS: an intervention still running"
    (involvement,) = involvements
    assert isinstance(involvement, YouthOffendingInvolvement)
    assert involvement.status is InvolvementStatus.CURRENT and involvement.practitioner == PAT
    assert involvement.organisation == "Stockport YJS" and involvement.start_date == D(2026, 2, 1)
    assert involvement.end_date is None and involvement.last_contact == D(2026, 6, 1)
    assert [i.status for i in involvement.interventions] == [CaseStatus.OPEN, CaseStatus.CLOSED]


def test_a_closed_intervention_counts_within_the_window_only() -> None:
    recent = intervention("Closed", D(2024, 3, 1), D(2024, 6, 15), worker=SAM)
    outcome, involvements, explanation = check(recent)
    assert outcome is CheckOutcome.INVOLVED
    assert explanation == "Known to Stockport YJS: an intervention that ended in the last 2 years, none open now"
    assert involvements[0].status is InvolvementStatus.HISTORIC and involvements[0].practitioner == SAM
    assert involvements[0].end_date == D(2024, 6, 15)
    old = intervention("Closed", D(2023, 1, 1), D(2024, 6, 14))
    outcome, involvements, explanation = check(old)
    assert outcome is CheckOutcome.NOT_KNOWN and involvements == ()
    assert explanation == "No open youth offending intervention, and none closed in the last 2 years, found"
    wider = DisplayRules.from_mapping({"youth_offending": {"closed_within_years": 3}})
    assert check(old, rules=wider)[0] is CheckOutcome.INVOLVED
    assert "ended in the last 3 years" in check(old, rules=wider)[2]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"max_age": "17"}, "display_rules.youth_offending.max_age must be an integer"),
        ({"min_age": 18}, "display_rules.youth_offending.min_age must not be greater than"),
        ({"window": 1}, "display_rules.youth_offending.window is not a known setting"),
    ],
)
def test_bad_settings_name_the_key(settings: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidDisplayRules, match=message):
        DisplayRules.from_mapping({"youth_offending": settings})


def native(**changes: Any) -> dict[str, Any]:
    return {
        "ypId": "YP000001",
        "forename": "Tyler",
        "surname": "Hughes",
        "formerSurnames": ["Price"],
        "dateOfBirth": "2012-04-09",
        "sex": "m",
        "address": {"line1": "4 Mill Lane", "line2": None, "town": "Stockport", "postcode": "sk4 2ab"},
        "yotName": "Stockport YJS",
        "lastContactDate": "2026-05-30",
        "interventions": [
            {
                "interventionId": "INT-1",
                "type": "Youth Conditional Caution",
                "status": "Open",
                "startDate": "2026-01-02",
                "endDate": None,
                "caseWorker": {"name": "Pat Case", "role": "YOT Officer", "team": "North", "phone": "0161",
                               "email": None},
            },
            {"interventionId": "INT-2", "type": "Knife crime programme", "status": "Closed", "startDate": None,
             "endDate": "2025-01-01", "caseWorker": None},
        ],
        **changes,
    }  # fmt: skip


def test_the_mapper_reads_the_systems_quirks() -> None:
    record = young_person_record(native(), system="YOT", as_of=None)
    assert record.service is Service.YOUTH_OFFENDING and record.record_id == "YP000001"
    assert record.gender is Gender.MALE and record.person.postcode == "SK4 2AB"
    assert record.person.other_family_names == ("Price",)
    facts = record.facts
    assert isinstance(facts, YouthOffendingFacts) and facts.team == "Stockport YJS"
    first, second = facts.interventions
    assert first.kind is YouthInterventionType.OUT_OF_COURT_DISPOSAL and first.status == "open"
    assert first.case_worker is not None and first.case_worker.name == "Pat Case"
    assert second.kind is YouthInterventionType.OTHER and second.case_worker is None


@pytest.mark.parametrize("broken", [{"ypId": None}, {"interventions": "none"}, {"dateOfBirth": "09/04/2012"}])
def test_a_malformed_record_is_refused(broken: dict[str, Any]) -> None:
    with pytest.raises(MalformedRecord):
        young_person_record(native(**broken), system="YOT", as_of=None)
