"""Properties that hold for any pair of people."""

import dataclasses
import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.demo import DEMO_MODEL
from linkage import (
    DEFAULT_THRESHOLDS,
    Demographics,
    LinkRules,
    MatchLevel,
    MatchThresholds,
    load_model,
    same_person,
    score,
)

names = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzéö'- ABC"), min_size=0, max_size=14)
real_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12)
dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2030, 12, 31))
postcodes = st.sampled_from(["LS1 4AB", "ls14ab", "M1 1AA", "SW1A 1AA", "B1 1BB"])
genders = st.sampled_from(["FEMALE", "MALE", "OTHER", "UNKNOWN"])

people = st.builds(
    Demographics,
    given_name=st.none() | names,
    family_name=st.none() | names,
    date_of_birth=st.none() | dates,
    gender=st.none() | genders,
    postcode=st.none() | postcodes,
    other_family_names=st.lists(names, max_size=2).map(tuple),
    previous_postcodes=st.lists(postcodes, max_size=2).map(tuple),
)

fully_recorded_people = st.builds(
    Demographics,
    given_name=real_names,
    family_name=real_names,
    date_of_birth=dates,
    gender=st.none() | genders,
    postcode=postcodes,
    other_family_names=st.lists(real_names, max_size=2).map(tuple),
    previous_postcodes=st.lists(postcodes, max_size=2).map(tuple),
)


@settings(deadline=None)  # the first example loads the nickname table
@given(people, people)
def test_score_is_a_symmetric_probability(a: Demographics, b: Demographics) -> None:
    forward, backward = score(a, b), score(b, a)
    assert 0.0 <= forward.score <= 1.0
    assert forward.score == backward.score
    assert forward.level is backward.level
    assert len(forward.reasons) == len(backward.reasons)


@settings(deadline=None)  # the first example loads the nickname table
@given(fully_recorded_people)
def test_identical_demographics_are_certain(person: Demographics) -> None:
    assert score(person, person).level is MatchLevel.CERTAIN


@settings(deadline=None)  # the first example loads the nickname table
@given(people)
def test_a_person_agrees_with_themselves_on_every_recorded_field(person: Demographics) -> None:
    evidence = score(person, person)
    assert not any("differs" in reason for reason in evidence.reasons)


# Related pairs too (one person's records as two systems hold them), not only strangers: a variant of `a`.
variants = st.tuples(people, st.sampled_from(["same", "nickname", "dob", "postcode", "undated"])).map(
    lambda pair: (
        pair[0],
        {
            "same": pair[0],
            "nickname": dataclasses.replace(pair[0], given_name="Bob"),
            "dob": dataclasses.replace(pair[0], date_of_birth=datetime.date(2012, 3, 4)),
            "postcode": dataclasses.replace(pair[0], postcode=None),
            "undated": dataclasses.replace(pair[0], date_of_birth=None),
        }[pair[1]],
    )
)
MODEL = load_model(DEMO_MODEL)
SANDBOX_MODEL = MatchThresholds(model=MODEL)
GUARD_LIFTED = MatchThresholds(rules=LinkRules(undated_links="allowed"))
# The trained model gives up on a pair as soon as it cannot reach `probable`: at thresholds near 1, near 0 and at 1.
MODEL_THRESHOLDS = (
    SANDBOX_MODEL,
    MatchThresholds(model=MODEL, possible=0.5, probable=0.999999, certain=0.9999999),
    MatchThresholds(model=MODEL, possible=0.001, probable=0.002, certain=0.5),
    MatchThresholds(model=MODEL, possible=0.5, probable=1.0, certain=1.0),
    MatchThresholds(model=MODEL, rules=LinkRules(undated_links="allowed")),
)


@settings(deadline=None)  # the first example loads the nickname table
@given(st.one_of(st.tuples(people, people), variants))
def test_same_person_is_whether_the_score_counts(pair: tuple[Demographics, Demographics]) -> None:
    # One rule for whether a link counts: the short answer is always the full score's, for the prior model, a
    # trained model and an authority's rules.
    a, b = pair
    for thresholds in (DEFAULT_THRESHOLDS, GUARD_LIFTED, *MODEL_THRESHOLDS):
        assert same_person(a, b, thresholds) is score(a, b, thresholds).counts
