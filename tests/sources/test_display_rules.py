import datetime
from collections.abc import Sequence

import pytest

from linkage.demographics import Demographics, MatchEvidence, MatchLevel
from sources.display_rules import DisplayRules, InvalidDisplayRules, age_range, apply, not_applicable, police_window
from sources.model import (
    AdmissionType,
    AdultSocialCareFacts,
    AdultSocialCareInvolvement,
    AsbCase,
    CarePlan,
    CaseStatus,
    CheckOutcome,
    DatedCase,
    Enrolment,
    HousingFacts,
    HousingInvolvement,
    InvolvementStatus,
    OffenceInvolvement,
    OffenceRecord,
    PoliceFacts,
    PoliceInvolvement,
    Practitioner,
    SchoolFacts,
    SchoolInvolvement,
    Service,
    ServiceFacts,
    SourceRecord,
)
from sources.model import (
    SafeguardingOffenceCategory as Category,
)
from sources.services.police.rules import PoliceRules

TODAY = datetime.date(2026, 6, 15)
D = datetime.date
CERTAIN = MatchEvidence(0.99, MatchLevel.CERTAIN, ("DOB exact",))
POSSIBLE = MatchEvidence(0.5, MatchLevel.POSSIBLE, ("family name exact",))
WORKER = Practitioner(name="Pat", role="Social Worker")
RULES = DisplayRules()


def born_aged(years: int, *, days_after_birthday: int = 0) -> datetime.date:
    """A date of birth giving exactly `years` today (`days_after_birthday=-1`: the birthday is tomorrow)."""
    birthday = TODAY.replace(year=TODAY.year - years)
    return birthday - datetime.timedelta(days=days_after_birthday)


def record(
    service: Service, facts: ServiceFacts, *, dob: datetime.date | None = None, system: str = "S"
) -> SourceRecord:
    return SourceRecord(
        service=service,
        system=system,
        record_id="R1",
        person=Demographics(given_name="A", family_name="B", date_of_birth=dob),
        facts=facts,
    )


def check(
    service: Service,
    facts: ServiceFacts,
    dob: datetime.date | None,
    *,
    evidence: MatchEvidence = CERTAIN,
    rules: DisplayRules = RULES,
    record_dob: datetime.date | None = None,
) -> tuple[CheckOutcome, Sequence[object], str]:
    result = apply(rules, service, dob, [(record(service, facts, dob=record_dob), evidence)], TODAY)
    return result.outcome, result.involvements, result.explanation


# ---------------------------------------------------------------- adult social care


def plan(status: str = "active", *, keyworker: Practitioner | None = WORKER, **dates: datetime.date | None) -> CarePlan:
    return CarePlan(
        plan_id=status,
        status=status,
        start_date=dates.get("start", D(2023, 5, 1)),
        end_date=dates.get("end"),
        last_contact=dates.get("contact"),
        keyworker=keyworker,
    )


def asc(*plans: CarePlan) -> AdultSocialCareFacts:
    return AdultSocialCareFacts(organisation="Stockport Council", plans=plans)


@pytest.mark.parametrize(
    ("age", "days", "outcome"), [(15, 0, CheckOutcome.INVOLVED), (15, -1, CheckOutcome.NOT_APPLICABLE)]
)
def test_asc_age_boundary(age: int, days: int, outcome: CheckOutcome) -> None:
    assert check(Service.ADULT_SOCIAL_CARE, asc(plan()), born_aged(age, days_after_birthday=days))[0] is outcome


def test_asc_not_applicable_says_why_and_leeds_override() -> None:
    outcome, _, explanation = check(Service.ADULT_SOCIAL_CARE, asc(plan()), born_aged(15))
    assert outcome is CheckOutcome.INVOLVED
    leeds = DisplayRules.from_mapping({"adult_social_care": {"min_age": 16}})
    outcome, involvements, explanation = check(Service.ADULT_SOCIAL_CARE, asc(plan()), born_aged(15), rules=leeds)
    assert outcome is CheckOutcome.NOT_APPLICABLE and involvements == ()
    assert explanation == "Not applicable: adult social care records are shown from age 16"


def test_asc_only_plans_with_a_caseworker_and_not_planned_or_cancelled() -> None:
    facts = asc(plan("planned"), plan("cancelled"), plan("active", keyworker=None))
    outcome, involvements, explanation = check(Service.ADULT_SOCIAL_CARE, facts, born_aged(40))
    assert outcome is CheckOutcome.NOT_KNOWN and involvements == ()
    assert explanation == "No adult social care involvement with an assigned caseworker found"


def test_asc_current_if_no_end_date_with_last_start_and_contact() -> None:
    facts = asc(
        plan("ended", start=D(2019, 1, 1), end=D(2020, 1, 1), contact=D(2020, 1, 1)),
        plan("active", start=D(2024, 2, 1), contact=D(2026, 5, 1)),
    )
    _, involvements, _ = check(Service.ADULT_SOCIAL_CARE, facts, born_aged(40))
    (involvement,) = involvements
    assert isinstance(involvement, AdultSocialCareInvolvement)
    assert involvement.status is InvolvementStatus.CURRENT
    assert involvement.start_date == D(2024, 2, 1)
    assert involvement.last_contact == D(2026, 5, 1)
    assert involvement.organisation == "Stockport Council"
    assert involvement.practitioner == WORKER
    assert (
        involvement.source is not None and involvement.source.match == CERTAIN and involvement.source.record_id == "R1"
    )

    _, (historic,), _ = check(Service.ADULT_SOCIAL_CARE, asc(plan("ended", end=D(2025, 1, 1))), born_aged(40))
    assert isinstance(historic, AdultSocialCareInvolvement)
    assert historic.status is InvolvementStatus.HISTORIC and historic.end_date == D(2025, 1, 1)


# ---------------------------------------------------------------- housing


def housing(
    *,
    tenant: bool = True,
    current: bool | None = True,
    arrears: float | None = None,
    asb: tuple[AsbCase, ...] = (),
    nsp: tuple[DatedCase, ...] = (),
    evictions: tuple[DatedCase, ...] = (),
) -> HousingFacts:
    return HousingFacts(
        provider="Stockport Homes",
        is_tenant=tenant,
        tenancy_id="T1" if tenant else None,
        tenancy_start=D(2015, 4, 3) if tenant else None,
        tenancy_end=None,
        tenancy_current=current if tenant else None,
        housing_officer=WORKER if tenant else None,
        asb_cases=asb,
        notices_seeking_possession=nsp,
        evictions=evictions,
        arrears_weeks=arrears,
    )


@pytest.mark.parametrize(
    ("age", "days", "outcome"), [(16, 0, CheckOutcome.INVOLVED), (16, -1, CheckOutcome.NOT_APPLICABLE)]
)
def test_housing_age_boundary(age: int, days: int, outcome: CheckOutcome) -> None:
    result = check(Service.HOUSING, housing(), born_aged(age, days_after_birthday=days))
    assert result[0] is outcome
    if outcome is CheckOutcome.NOT_APPLICABLE:
        assert result[2] == "Not applicable: housing records are shown from age 16"


def test_housing_current_tenant_windows_and_arrears() -> None:
    window_start = D(2025, 6, 15)  # 12 months before TODAY
    facts = housing(
        arrears=6.0,  # not over 6 weeks
        nsp=(DatedCase(case_id="N1", opened=window_start, closed=D(2025, 8, 1)),),
        evictions=(DatedCase(case_id="E1", opened=window_start - datetime.timedelta(days=1), closed=None),),
    )
    _, (involvement,), _ = check(Service.HOUSING, facts, born_aged(40))
    assert isinstance(involvement, HousingInvolvement)
    assert involvement.status is InvolvementStatus.CURRENT
    assert involvement.tenancy_start == D(2015, 4, 3)
    assert involvement.notice_seeking_possession is CaseStatus.CLOSED  # served on the window's first day
    assert involvement.eviction is CaseStatus.NONE  # started the day before the window
    assert involvement.rent_arrears is CaseStatus.NONE
    assert involvement.anti_social_behaviour is CaseStatus.NONE

    _, (in_arrears,), _ = check(Service.HOUSING, housing(arrears=6.1), born_aged(40))
    assert isinstance(in_arrears, HousingInvolvement) and in_arrears.rent_arrears is CaseStatus.OPEN


def test_housing_former_tenant_is_not_known_in_words_tied_to_the_rule() -> None:
    outcome, involvements, explanation = check(Service.HOUSING, housing(current=False, arrears=20), born_aged(40))
    assert outcome is CheckOutcome.NOT_KNOWN and involvements == ()
    assert explanation.startswith("No current rent arrears over 6 weeks; not a current tenant")


def test_housing_perpetrators_since_2014_tenant_or_not_never_victims_or_witnesses() -> None:
    perpetrator = AsbCase(case_id="A1", role="perpetrator", opened=D(2014, 1, 1), closed=None)
    too_old = AsbCase(case_id="A0", role="perpetrator", opened=D(2013, 12, 31), closed=None)
    victim = AsbCase(case_id="A2", role="victim", opened=D(2025, 1, 1), closed=None)
    witness = AsbCase(case_id="A3", role="witness", opened=D(2025, 1, 1), closed=None)

    _, (involvement,), _ = check(Service.HOUSING, housing(tenant=False, asb=(perpetrator,)), born_aged(30))
    assert isinstance(involvement, HousingInvolvement)
    assert involvement.anti_social_behaviour is CaseStatus.OPEN
    assert involvement.rent_arrears is None and involvement.practitioner is None

    for cases in ((too_old,), (victim, witness)):
        assert check(Service.HOUSING, housing(tenant=False, asb=cases), born_aged(30))[0] is CheckOutcome.NOT_KNOWN


# ---------------------------------------------------------------- police


def offence(
    date: datetime.date | None,
    category: Category | None = Category.VIOLENCE_WITH_INJURY,
    *,
    role: str = "offender",
    convicted: bool = True,
) -> OffenceRecord:
    return OffenceRecord(
        offence_date=date,
        description="x",
        category=category,
        role=role,
        outcome="convicted" if convicted else "under investigation",
        convicted=convicted,
    )


def police(*offences: OffenceRecord) -> PoliceFacts:
    return PoliceFacts(police_area="Greater Manchester Police", offences=offences)


@pytest.mark.parametrize(
    ("age", "days", "outcome"), [(18, 0, CheckOutcome.INVOLVED), (18, -1, CheckOutcome.NOT_APPLICABLE)]
)
def test_police_age_boundary(age: int, days: int, outcome: CheckOutcome) -> None:
    result = check(Service.POLICE, police(offence(D(2026, 1, 1))), born_aged(age, days_after_birthday=days))
    assert result[0] is outcome
    if outcome is CheckOutcome.NOT_APPLICABLE:
        assert result[2] == "Not applicable: police records are shown from age 18"


def test_police_windows_edges() -> None:
    rules = PoliceRules()
    assert police_window(rules, offence(D(2021, 6, 15)), TODAY)  # convictions: 5 years to the day
    assert not police_window(rules, offence(D(2021, 6, 14)), TODAY)
    assert police_window(rules, offence(D(2025, 6, 15), convicted=False), TODAY)  # suspects: 1 year
    assert not police_window(rules, offence(D(2025, 6, 14), convicted=False), TODAY)
    assert not police_window(rules, offence(D(2026, 6, 1), role="victim"), TODAY)
    assert not police_window(rules, offence(None), TODAY)


def test_police_three_most_recent_safeguarding_offences_and_a_flag_for_the_rest() -> None:
    facts = police(
        offence(D(2022, 1, 1), Category.ROBBERY),
        offence(D(2026, 3, 1), Category.HOMICIDE),
        offence(D(2024, 1, 1), Category.RAPE),
        offence(D(2026, 5, 1), Category.VIOLENCE_WITHOUT_INJURY, convicted=False),
        offence(D(2025, 1, 1), None),
        offence(D(2026, 6, 1), Category.OTHER_SEXUAL_OFFENCES, role="victim"),
    )
    _, (involvement,), _ = check(Service.POLICE, facts, born_aged(40))
    assert isinstance(involvement, PoliceInvolvement)
    assert [(o.date, o.category, o.involvement) for o in involvement.safeguarding_offences] == [
        (D(2026, 5, 1), Category.VIOLENCE_WITHOUT_INJURY, OffenceInvolvement.SUSPECTED),
        (D(2026, 3, 1), Category.HOMICIDE, OffenceInvolvement.CONVICTED),
        (D(2024, 1, 1), Category.RAPE, OffenceInvolvement.CONVICTED),
    ]
    assert involvement.has_non_safeguarding_records is True
    assert involvement.police_area == "Greater Manchester Police"
    assert involvement.status is InvolvementStatus.CURRENT  # under investigation


def test_police_victims_are_never_shown() -> None:
    outcome, involvements, explanation = check(
        Service.POLICE, police(offence(D(2026, 6, 1), role="victim")), born_aged(40)
    )
    assert outcome is CheckOutcome.NOT_KNOWN and involvements == ()
    assert explanation == "No convictions in the last 5 years or suspect records in the last year found"


def test_police_only_non_safeguarding_is_a_flag_without_details() -> None:
    _, (involvement,), _ = check(Service.POLICE, police(offence(D(2025, 1, 1), None)), born_aged(40))
    assert isinstance(involvement, PoliceInvolvement)
    assert involvement.safeguarding_offences == () and involvement.has_non_safeguarding_records is True
    assert involvement.status is InvolvementStatus.HISTORIC


# ---------------------------------------------------------------- school


def enrolment(registration: str, end: datetime.date | None = None, name: str = "Mill Lane Primary") -> Enrolment:
    return Enrolment(
        enrolment_id=registration + name,
        school_name=name,
        registration=registration,
        start_date=D(2021, 9, 1),
        end_date=end,
        contact=WORKER,
    )


@pytest.mark.parametrize(
    ("age", "days", "outcome"),
    [
        (4, 0, CheckOutcome.INVOLVED),
        (4, -1, CheckOutcome.NOT_APPLICABLE),
        (20, 0, CheckOutcome.INVOLVED),
        (21, 0, CheckOutcome.NOT_APPLICABLE),
        (21, -1, CheckOutcome.INVOLVED),  # still 20 until tomorrow
    ],
)
def test_school_ages_4_to_20_inclusive(age: int, days: int, outcome: CheckOutcome) -> None:
    facts = SchoolFacts(enrolments=(enrolment("main"),))
    result = check(Service.SCHOOL, facts, born_aged(age, days_after_birthday=days))
    assert result[0] is outcome
    if outcome is CheckOutcome.NOT_APPLICABLE:
        assert result[2] == "Not applicable: school records are shown for ages 4 to 20"


def test_school_only_the_main_registration_when_dual_registered() -> None:
    facts = SchoolFacts(
        enrolments=(
            enrolment("dual_main"),
            enrolment("dual_subsidiary", name="Pupil Referral Unit"),
            enrolment("off_site", name="Farm School"),
        )
    )
    _, involvements, _ = check(Service.SCHOOL, facts, born_aged(10))
    shown = [(i.school_name, i.admission_type) for i in involvements if isinstance(i, SchoolInvolvement)]
    assert shown == [("Mill Lane Primary", AdmissionType.MAIN), ("Farm School", AdmissionType.OFF_SITE)]

    only_subsidiary = SchoolFacts(enrolments=(enrolment("dual_subsidiary"),))
    _, (involvement,), _ = check(Service.SCHOOL, only_subsidiary, born_aged(10))
    assert isinstance(involvement, SchoolInvolvement) and involvement.admission_type is AdmissionType.SECONDARY


def test_school_current_if_on_roll_else_the_last_registration_as_historic() -> None:
    facts = SchoolFacts(
        enrolments=(enrolment("main", end=D(2020, 7, 20)), enrolment("main", end=D(2024, 7, 20), name="High"))
    )
    _, (involvement,), _ = check(Service.SCHOOL, facts, born_aged(17))
    assert isinstance(involvement, SchoolInvolvement)
    assert involvement.status is InvolvementStatus.HISTORIC and involvement.school_name == "High"


# ---------------------------------------------------------------- common


def test_possible_matches_are_never_involvements_but_are_mentioned() -> None:
    result = apply(
        RULES,
        Service.ADULT_SOCIAL_CARE,
        born_aged(40),
        [
            (record(Service.ADULT_SOCIAL_CARE, asc(plan()), system="Care First"), POSSIBLE),
            (record(Service.ADULT_SOCIAL_CARE, asc(plan()), system="Care First"), POSSIBLE),
        ],
        TODAY,
    )
    assert result.outcome is CheckOutcome.NOT_KNOWN and result.involvements == ()
    assert result.explanation == (
        "No adult social care involvement with an assigned caseworker found. "
        "2 possible matches in Care First were not counted: check the links before relying on them"
    )
    one = apply(
        RULES,
        Service.POLICE,
        born_aged(40),
        [(record(Service.POLICE, police(offence(D(2026, 1, 1))), system="GMP"), POSSIBLE)],
        TODAY,
    )
    assert "1 possible match in GMP was not counted: check the links before relying on it" in one.explanation


def test_unknown_dob_applies_the_age_rule_to_the_records_own_dob_and_says_so() -> None:
    facts = police(offence(D(2026, 1, 1)))
    adult = check(Service.POLICE, facts, None, record_dob=born_aged(30))
    assert adult[0] is CheckOutcome.INVOLVED and "Date of birth not known" in adult[2]
    minor = check(Service.POLICE, facts, None, record_dob=born_aged(16))
    assert minor[0] is CheckOutcome.NOT_KNOWN and "Date of birth not known" in minor[2]
    undated = check(Service.POLICE, facts, None, record_dob=None)
    assert undated[0] is CheckOutcome.NOT_KNOWN


def test_non_links_are_ignored_and_wrong_service_is_refused() -> None:
    not_a_link = MatchEvidence(0.05, MatchLevel.NO_MATCH, ())
    assert check(Service.POLICE, police(offence(D(2026, 1, 1))), born_aged(30), evidence=not_a_link)[0] is (
        CheckOutcome.NOT_KNOWN
    )
    with pytest.raises(ValueError):
        apply(RULES, Service.HOUSING, None, [(record(Service.POLICE, police()), CERTAIN)], TODAY)


# ---------------------------------------------------------------- the age decision, taken before a source is asked


@pytest.mark.parametrize(
    ("service", "age", "days", "applies"),
    [
        (Service.ADULT_SOCIAL_CARE, 15, 0, True),
        (Service.ADULT_SOCIAL_CARE, 15, -1, False),  # 15 tomorrow
        (Service.ADULT_SOCIAL_CARE, 90, 0, True),
        (Service.HOUSING, 16, 0, True),
        (Service.HOUSING, 16, -1, False),
        (Service.HOUSING, 11, 0, False),
        (Service.POLICE, 18, 0, True),
        (Service.POLICE, 18, -1, False),
        (Service.POLICE, 0, 0, False),  # born today
        (Service.SCHOOL, 4, 0, True),
        (Service.SCHOOL, 4, -1, False),
        (Service.SCHOOL, 20, 0, True),
        (Service.SCHOOL, 21, -1, True),  # still 20 until tomorrow
        (Service.SCHOOL, 21, 0, False),
    ],
)
def test_the_age_decision_at_each_services_boundaries(service: Service, age: int, days: int, applies: bool) -> None:
    decided = not_applicable(RULES, service, born_aged(age, days_after_birthday=days), TODAY)
    if applies:
        assert decided is None  # ask the source
    else:
        assert decided is not None and decided.outcome is CheckOutcome.NOT_APPLICABLE
        assert decided.involvements == () and decided.linkage_notes == ()
        assert decided.explanation == age_range(RULES, service).not_applicable()


def test_the_age_decision_says_why_in_the_rules_words() -> None:
    def words(service: Service, rules: DisplayRules = RULES) -> str | None:
        decided = not_applicable(rules, service, born_aged(3), TODAY)
        return None if decided is None else decided.explanation

    assert words(Service.ADULT_SOCIAL_CARE) == "Not applicable: adult social care records are shown from age 15"
    assert words(Service.HOUSING) == "Not applicable: housing records are shown from age 16"
    assert words(Service.POLICE) == "Not applicable: police records are shown from age 18"
    assert words(Service.SCHOOL) == "Not applicable: school records are shown for ages 4 to 20"
    leeds = DisplayRules.from_mapping({"adult_social_care": {"min_age": 16}, "school": {"min_age": 3}})
    assert not_applicable(leeds, Service.ADULT_SOCIAL_CARE, born_aged(15), TODAY) is not None
    assert words(Service.SCHOOL, leeds) is None


RULED = (Service.ADULT_SOCIAL_CARE, Service.HOUSING, Service.POLICE, Service.SCHOOL)


@pytest.mark.parametrize("service", RULED)
def test_an_unknown_date_of_birth_always_asks_the_source(service: Service) -> None:
    assert not_applicable(RULES, service, None, TODAY) is None


def test_a_service_without_display_rules_is_refused() -> None:
    with pytest.raises(ValueError):
        not_applicable(RULES, Service.PROBATION, born_aged(30), TODAY)


@pytest.mark.parametrize("service", RULED)
@pytest.mark.parametrize("age", [0, 3, 4, 11, 14, 15, 16, 17, 18, 20, 21, 40])
def test_apply_and_the_age_decision_agree(service: Service, age: int) -> None:
    """The age rule has one home: `apply` on any records gives exactly what the decision before asking gave."""
    dob = born_aged(age)
    decided = not_applicable(RULES, service, dob, TODAY)
    applied = apply(RULES, service, dob, [], TODAY)
    assert (applied.outcome is CheckOutcome.NOT_APPLICABLE) is (decided is not None)
    if decided is not None:
        assert applied == decided


# ---------------------------------------------------------------- configuration


def test_config_overrides() -> None:
    rules = DisplayRules.from_mapping(
        {
            "police": {"min_age": 17, "conviction_window_years": 3, "max_safeguarding_offences": 1},
            "housing": {"asb_perpetrator_since": D(2018, 1, 1), "arrears_over_weeks": 8},
            "school": {"max_age": 18},
            "adult_social_care": {"excluded_plan_statuses": ["Planned"]},
        }
    )
    assert rules.police.min_age == 17 and rules.police.suspect_window_years == 1
    assert rules.housing.asb_perpetrator_since == D(2018, 1, 1) and rules.housing.arrears_over_weeks == 8.0
    assert rules.school == type(rules.school)(min_age=4, max_age=18)
    assert rules.adult_social_care.excluded_plan_statuses == frozenset({"planned"})
    assert DisplayRules.from_mapping({}) == DisplayRules()
    _, _, explanation = check(Service.HOUSING, housing(current=False), born_aged(40), rules=rules)
    assert explanation.startswith("No current rent arrears over 8 weeks") and explanation.endswith("since 2018")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"police": {"min_age": "18"}}, "display_rules.police.min_age must be an integer"),
        ({"police": {"min_age": True}}, "display_rules.police.min_age must be an integer"),
        ({"police": {"min_age": -1}}, "display_rules.police.min_age must not be negative"),
        ({"police": {"max_age": 30}}, "display_rules.police.max_age is not a known setting"),
        ({"probation": {}}, "display_rules.probation is not a known service"),
        ({"housing": 16}, "display_rules.housing must be a table"),
        ({"housing": {"asb_perpetrator_since": "2014"}}, "display_rules.housing.asb_perpetrator_since must be a date"),
        ({"housing": {"arrears_over_weeks": "six"}}, "display_rules.housing.arrears_over_weeks must be a number"),
        ({"adult_social_care": {"excluded_plan_statuses": "planned"}}, "must be a list of strings"),
        ({"school": {"min_age": 21}}, "display_rules.school.min_age must not be greater than"),
    ],
)
def test_bad_config_names_the_key(settings: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidDisplayRules) as raised:
        DisplayRules.from_mapping(settings)
    assert message in str(raised.value)
