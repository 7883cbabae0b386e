"""One person recorded differently by two systems is still linked, with the difference named in the reasons."""

import datetime

import pytest

from linkage import Demographics, MatchLevel, score

from .people import ROBERT, like

LINKED = {MatchLevel.CERTAIN, MatchLevel.PROBABLE}


@pytest.mark.parametrize(
    ("ours", "theirs", "reason"),
    [
        ("Bob", "Robert", "given name nickname Bob/Robert"),
        ("Robert", "Bob", "given name nickname Robert/Bob"),
        ("Kate", "Catherine", "given name nickname Kate/Catherine"),
        ("Bill", "William", "given name nickname Bill/William"),
        ("Margaret", "Peggy", "given name nickname Margaret/Peggy"),
        ("Jack", "John", "given name nickname Jack/John"),
        ("Alf", "Alfred", "given name nickname Alf/Alfred"),
    ],
)
def test_nicknames_link_in_both_directions(ours: str, theirs: str, reason: str) -> None:
    evidence = score(like(ROBERT, given_name=ours), like(ROBERT, given_name=theirs))
    assert evidence.level is MatchLevel.CERTAIN
    assert evidence.reasons[0] == reason
    reverse = score(like(ROBERT, given_name=theirs), like(ROBERT, given_name=ours))
    assert reverse.score == evidence.score


@pytest.mark.parametrize(
    ("theirs", "reason"),
    [
        ("Robret", "given name typo (1 edit)"),  # transposition
        ("Robart", "given name typo (1 edit)"),  # substitution
        ("Robertt", "given name typo (1 edit)"),  # insertion
        ("Rob ert", "given name exact"),  # stray space
    ],
)
def test_given_name_typos_link(theirs: str, reason: str) -> None:
    evidence = score(ROBERT, like(ROBERT, given_name=theirs))
    assert evidence.level in LINKED
    assert evidence.reasons[0] == reason


def test_two_edits_are_a_typo_only_in_a_long_name() -> None:
    christopher = like(ROBERT, given_name="Christopher")
    evidence = score(christopher, like(ROBERT, given_name="Christohpre"))
    assert evidence.reasons[0] == "given name typo (2 edits)"
    assert evidence.level in LINKED


def test_a_different_spelling_of_the_same_sound_links() -> None:
    evidence = score(like(ROBERT, given_name="Stephen"), like(ROBERT, given_name="Steven"))
    assert evidence.reasons[0] == "given name sounds alike"
    assert evidence.level in LINKED


@pytest.mark.parametrize(
    ("theirs", "reason"),
    [
        ("Robert James", "given name matches first name"),
        ("James Robert", "given name matches a middle name"),
        ("R", "given name initial agrees"),
    ],
)
def test_partly_recorded_given_names_link(theirs: str, reason: str) -> None:
    evidence = score(ROBERT, like(ROBERT, given_name=theirs))
    assert evidence.reasons[0] == reason
    assert evidence.level in LINKED


@pytest.mark.parametrize(
    ("ours", "theirs", "reason"),
    [
        ("Smith", "Smtih", "family name typo (1 edit)"),
        ("Smith-Jones", "Smith Jones", "family name exact"),
        ("Smith-Jones", "SMITHJONES", "family name exact"),
        ("Smith-Jones", "Jones", "family name matches part of a double-barrelled name"),
        ("Jones", "Smith Jones", "family name matches part of a double-barrelled name"),
        ("O'Neil", "O Neil", "family name exact"),
        ("McDonald", "MacDonald", "family name typo (1 edit)"),
    ],
)
def test_family_name_variants_link(ours: str, theirs: str, reason: str) -> None:
    evidence = score(like(ROBERT, family_name=ours), like(ROBERT, family_name=theirs))
    assert evidence.reasons[1] == reason
    assert evidence.level in LINKED


def test_a_changed_family_name_links_through_the_previous_name_from_either_side() -> None:
    married = like(ROBERT, family_name="Jones", other_family_names=("Smith",))
    for a, b in ((ROBERT, married), (married, ROBERT)):
        evidence = score(a, b)
        assert evidence.reasons[1] == "family name matches previous name"
        assert evidence.level is MatchLevel.CERTAIN


def test_previous_names_on_both_sides_link() -> None:
    a = like(ROBERT, family_name="Jones", other_family_names=("Smith",))
    b = like(ROBERT, family_name="Brown", other_family_names=("Smith-Taylor",))
    assert score(a, b).reasons[1] == "family name matches previous name"


@pytest.mark.parametrize(
    ("theirs", "reason"),
    [
        (datetime.date(2012, 3, 5), "DOB differs by 1 day"),
        (datetime.date(2012, 3, 3), "DOB differs by 1 day"),
        (datetime.date(2012, 4, 3), "DOB day and month swapped"),
        (datetime.date(2011, 3, 4), "DOB year differs by 1"),
        (datetime.date(2013, 3, 4), "DOB year differs by 1"),
    ],
)
def test_dob_keying_errors_link(theirs: datetime.date, reason: str) -> None:
    evidence = score(ROBERT, like(ROBERT, date_of_birth=theirs))
    assert evidence.reasons[2] == reason
    assert evidence.level in LINKED


def test_a_previous_address_links_from_either_side() -> None:
    moved = like(ROBERT, postcode="M1 1AA", previous_postcodes=("ls1 4ab",))
    for a, b in ((ROBERT, moved), (moved, ROBERT)):
        evidence = score(a, b)
        assert evidence.reasons[3] == "postcode matches previous address"
        assert evidence.level is MatchLevel.CERTAIN


def test_a_changed_name_and_an_old_address_together_still_link() -> None:
    moved_and_married = like(
        ROBERT, family_name="Jones", other_family_names=("Smith",), postcode="M1 1AA", previous_postcodes=("LS14AB",)
    )
    assert score(ROBERT, moved_and_married).level is MatchLevel.CERTAIN


def test_case_accents_titles_punctuation_and_spacing_do_not_matter() -> None:
    zoe = Demographics(
        given_name="Zoë",
        family_name="O'Brien-Smith",
        date_of_birth=datetime.date(2012, 3, 4),
        gender="FEMALE",
        postcode="LS1 4AB",
    )
    shouted = Demographics(
        given_name="MISS ZOE",
        family_name="  o brien smith.",
        date_of_birth=datetime.date(2012, 3, 4),
        gender="F",
        postcode="ls14ab",
    )
    evidence = score(zoe, shouted)
    assert evidence.level is MatchLevel.CERTAIN
    assert evidence.reasons == (
        "given name exact",
        "family name exact",
        "DOB exact",
        "postcode exact",
        "gender agrees",
    )
