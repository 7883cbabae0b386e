"""The comparison levels of a trained model: one home for each field's levels, in SQL and in Python.

Splink fits m and u for these levels (`linkage.train`) and the online scorer applies them (`LinkageModel`); both
read the levels from here, so they cannot drift apart. Each level's SQL is a plain test over the columns of
`linkage.features` (computed in Python before Splink sees the records), and its Python test is the same test
over the same columns; `tests/linkage/test_model_parity.py` checks that Splink's weights and the scorer's agree.
Where Splink's backends spell a test differently (DuckDB's list functions, Spark's array functions), the level's SQL
is a function of the `SqlDialect` (`linkage.sql_dialects`), rendered for the backend that trains.

Beyond a stock Splink model (exact, fuzzy, else):

- given name: exact (term-frequency adjusted); given and family names recorded the other way round; one side
  recording only a first or middle name; a diminutive from the project's table (Bob/Robert); a typo (one edit, two
  in a name of 8 letters or more, a short name needing the same sound); the same sound spelt much alike
  (Stephen/Steven); an initial; then a loose level (two edits or the same sound) rather than a veto;
- family name: exact (term-frequency adjusted); swapped (its evidence counted once, on the given name); one part of
  a double-barrelled name; a previous family name on either side; typo, sound-alike and loose levels;
- date of birth: exact; a day off; day and month swapped; a year off; one digit wrong;
- postcode: exact (term-frequency adjusted); any current or previous postcode shared; the same sector; one edit;
  the same district;
- gender, where recorded.

Boy/girl twins look like a typo (Alexander/Alexandra), so the given name's tolerant levels need the genders not to
differ. The loose and different levels of the given name, and the one-digit and different levels of the DOB,
name a guard (`linkage.rules`): what keeps twins, siblings and a parent and child of the same name apart.
"""

from __future__ import annotations

from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from linkage.comparison import Comparison, Level
from linkage.features import Features

# The same thresholds as the prior model's name comparisons (`linkage.names`).
_SHORT_NAME = 4  # below this length a typo must also sound the same (Ann/Ian)
_LONG_NAME = 8  # from this length two edits are still a typo
_LOOSE_EDITS = 2

_SAME_GENDER_SQL = "(gender_l IS NULL OR gender_r IS NULL OR gender_l = gender_r)"
_SWAPPED_SQL = "given_name_l = family_name_r AND family_name_l = given_name_r"

UNRELATED_GIVEN_NAMES = "unrelated_given_names"
DIFFERENT_DATES_OF_BIRTH = "different_dates_of_birth"
UNDATED_LINKS = "undated_links"


def _same_gender(a: Features, b: Features) -> bool:
    return a.gender is None or b.gender is None or a.gender == b.gender


def _swapped(a: Features, b: Features) -> bool:
    return (
        a.given_name is not None
        and a.given_name == b.family_name
        and a.family_name is not None
        and a.family_name == b.given_name
    )


def _edits(count: int) -> str:
    return "1 edit" if count == 1 else f"{count} edits"


def _typo_sql(name: str, sound: str) -> str:
    shortest = f"least(length({name}_l), length({name}_r))"
    return (
        f"damerau_levenshtein({name}_l, {name}_r) <= CASE WHEN {shortest} >= {_LONG_NAME} THEN 2 ELSE 1 END"
        f" AND ({shortest} >= {_SHORT_NAME} OR {sound}_l = {sound}_r)"
    )


def _is_typo(a: str, b: str, sound_a: str | None, sound_b: str | None) -> bool:
    shortest = min(len(a), len(b))
    allowed = 2 if shortest >= _LONG_NAME else 1
    if DamerauLevenshtein.distance(a, b, score_cutoff=allowed) > allowed:
        return False
    return shortest >= _SHORT_NAME or sound_a == sound_b


def _sounds_alike_sql(name: str, sound: str) -> str:
    # The same sound, and at most 30% of the longer spelling changed (Stephen/Steven; not Jack/Jake).
    return (
        f"{sound}_l = {sound}_r"
        f" AND 10 * damerau_levenshtein({name}_l, {name}_r) <= 3 * greatest(length({name}_l), length({name}_r))"
    )


def _sounds_alike(a: str, b: str, sound_a: str | None, sound_b: str | None) -> bool:
    return sound_a == sound_b and 10 * DamerauLevenshtein.distance(a, b) <= 3 * max(len(a), len(b))


def _loose_sql(name: str, sound: str) -> str:
    return f"damerau_levenshtein({name}_l, {name}_r) <= {_LOOSE_EDITS} OR {sound}_l = {sound}_r"


def _loose(a: str, b: str, sound_a: str | None, sound_b: str | None) -> bool:
    return DamerauLevenshtein.distance(a, b, score_cutoff=_LOOSE_EDITS) <= _LOOSE_EDITS or sound_a == sound_b


# Given name. After the null level every test may assume both given names are recorded.


def _given_partial(a: Features, b: Features) -> bool:
    ta, tb = set(a.given_tokens or ()), set(b.given_tokens or ())
    return ta <= tb or tb <= ta


def _given_partial_reason(a: Features, b: Features) -> str:
    first = a.given_first == b.given_first
    return "given name matches first name" if first else "given name matches a middle name"


def _given_nickname(a: Features, b: Features) -> bool:
    return b.given_first in (a.given_nicknames or ()) and _same_gender(a, b)


def _given_typo(a: Features, b: Features) -> bool:
    assert a.given_name is not None and b.given_name is not None
    return _is_typo(a.given_name, b.given_name, a.given_sound, b.given_sound) and _same_gender(a, b)


def _given_sounds_alike(a: Features, b: Features) -> bool:
    assert a.given_name is not None and b.given_name is not None
    return _sounds_alike(a.given_name, b.given_name, a.given_sound, b.given_sound) and _same_gender(a, b)


def _given_initial(a: Features, b: Features) -> bool:
    fa, fb = a.given_first or "", b.given_first or ""
    return (len(fa) == 1 or len(fb) == 1) and fa[:1] == fb[:1] and _same_gender(a, b)


def _given_loose(a: Features, b: Features) -> bool:
    assert a.given_name is not None and b.given_name is not None
    return _loose(a.given_name, b.given_name, a.given_sound, b.given_sound)


def _given_edits(a: Features, b: Features) -> str:
    return f"given name typo ({_edits(DamerauLevenshtein.distance(a.given_name or '', b.given_name or ''))})"


def _title(name: str | None) -> str:
    return (name or "").title()


GIVEN_NAME = Comparison(
    column="given_name",
    description="given name",
    levels=(
        Level(
            "MISSING",
            "not recorded on one side",
            "given_name_l IS NULL OR given_name_r IS NULL",
            lambda a, b: a.given_name is None or b.given_name is None,
            lambda a, b: "given name not recorded on one side",
            null=True,
        ),
        Level(
            "EXACT",
            "exact",
            "given_name_l = given_name_r",
            lambda a, b: a.given_name == b.given_name,
            lambda a, b: "given name exact",
            tf_column="given_name",
        ),
        Level(
            "SWAPPED",
            "given and family names swapped",
            _SWAPPED_SQL,
            _swapped,
            lambda a, b: "given and family names swapped",
        ),
        Level(
            "PARTIAL",
            "first or middle name only",
            lambda sql: " OR ".join(
                (sql.has_all("given_tokens_l", "given_tokens_r"), sql.has_all("given_tokens_r", "given_tokens_l"))
            ),
            _given_partial,
            _given_partial_reason,
        ),
        Level(
            "DIMINUTIVE",
            "nickname (Bob/Robert)",
            lambda sql: f"{sql.contains('given_nicknames_l', 'given_first_r')} AND {_SAME_GENDER_SQL}",
            _given_nickname,
            lambda a, b: f"given name nickname {_title(a.given_first)}/{_title(b.given_first)}",
        ),
        Level(
            "TYPO",
            "typo",
            f"{_typo_sql('given_name', 'given_sound')} AND {_SAME_GENDER_SQL}",
            _given_typo,
            _given_edits,
        ),
        Level(
            "SOUNDS_ALIKE",
            "sounds alike",
            f"{_sounds_alike_sql('given_name', 'given_sound')} AND {_SAME_GENDER_SQL}",
            _given_sounds_alike,
            lambda a, b: "given name sounds alike",
        ),
        Level(
            "INITIAL",
            "initial",
            "(length(given_first_l) = 1 OR length(given_first_r) = 1)"
            f" AND substr(given_first_l, 1, 1) = substr(given_first_r, 1, 1) AND {_SAME_GENDER_SQL}",
            _given_initial,
            lambda a, b: "given name initial agrees",
        ),
        Level(
            "LOOSE",
            "two edits or the same sound",
            _loose_sql("given_name", "given_sound"),
            _given_loose,
            lambda a, b: "given name only spelt alike",
            guard=UNRELATED_GIVEN_NAMES,
        ),
        Level(
            "DIFFERENT",
            "different",
            "ELSE",
            lambda a, b: True,
            lambda a, b: "given name differs",
            guard=UNRELATED_GIVEN_NAMES,
        ),
    ),
)


# Family name.


def _family_typo(a: Features, b: Features) -> bool:
    assert a.family_name is not None and b.family_name is not None
    return _is_typo(a.family_name, b.family_name, a.family_sound, b.family_sound)


def _family_sounds_alike(a: Features, b: Features) -> bool:
    assert a.family_name is not None and b.family_name is not None
    return _sounds_alike(a.family_name, b.family_name, a.family_sound, b.family_sound)


def _family_loose(a: Features, b: Features) -> bool:
    assert a.family_name is not None and b.family_name is not None
    return _loose(a.family_name, b.family_name, a.family_sound, b.family_sound)


def _shares(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    return bool(a and b and not set(a).isdisjoint(b))


def _family_edits(a: Features, b: Features) -> str:
    return f"family name typo ({_edits(DamerauLevenshtein.distance(a.family_name or '', b.family_name or ''))})"


FAMILY_NAME = Comparison(
    column="family_name",
    description="family name",
    levels=(
        Level(
            "MISSING",
            "not recorded on one side",
            "family_name_l IS NULL OR family_name_r IS NULL",
            lambda a, b: a.family_name is None or b.family_name is None,
            lambda a, b: "family name not recorded on one side",
            null=True,
        ),
        Level(
            "EXACT",
            "exact",
            "family_name_l = family_name_r",
            lambda a, b: a.family_name == b.family_name,
            lambda a, b: "family name exact",
            tf_column="family_name",
        ),
        # The given name's SWAPPED level carries the evidence of both names; counting it here too would count one
        # event twice. A null level: no weight, and left out of expectation maximisation.
        Level(
            "SWAPPED",
            "given and family names swapped (counted on the given name)",
            _SWAPPED_SQL,
            _swapped,
            lambda a, b: None,
            null=True,
        ),
        Level(
            "PART",
            "part of a double-barrelled name",
            lambda sql: sql.has_any("family_parts_l", "family_parts_r"),
            lambda a, b: _shares(a.family_parts, b.family_parts),
            lambda a, b: "family name matches part of a double-barrelled name",
        ),
        Level(
            "PREVIOUS",
            "previous family name",
            lambda sql: sql.has_any("family_names_l", "family_names_r"),
            lambda a, b: _shares(a.family_names, b.family_names),
            lambda a, b: "family name matches previous name",
        ),
        Level("TYPO", "typo", _typo_sql("family_name", "family_sound"), _family_typo, _family_edits),
        Level(
            "SOUNDS_ALIKE",
            "sounds alike",
            _sounds_alike_sql("family_name", "family_sound"),
            _family_sounds_alike,
            lambda a, b: "family name sounds alike",
        ),
        Level(
            "LOOSE",
            "two edits or the same sound",
            _loose_sql("family_name", "family_sound"),
            _family_loose,
            lambda a, b: "family name only spelt alike",
        ),
        Level("DIFFERENT", "different", "ELSE", lambda a, b: True, lambda a, b: "family name differs"),
    ),
)


# Date of birth. After the null level every part is recorded on both sides.


def _one_day(a: Features, b: Features) -> bool:
    assert a.dob_days is not None and b.dob_days is not None
    return abs(a.dob_days - b.dob_days) == 1


def _year_off(a: Features, b: Features) -> bool:
    assert a.dob_year is not None and b.dob_year is not None
    return abs(a.dob_year - b.dob_year) == 1 and a.dob_month == b.dob_month and a.dob_day == b.dob_day


DATE_OF_BIRTH = Comparison(
    column="date_of_birth",
    description="date of birth",
    levels=(
        Level(
            "MISSING",
            "not recorded on one side",
            "dob_l IS NULL OR dob_r IS NULL",
            lambda a, b: a.dob is None or b.dob is None,
            lambda a, b: "DOB not recorded on one side",
            null=True,
            guard=UNDATED_LINKS,
        ),
        Level("EXACT", "exact", "dob_l = dob_r", lambda a, b: a.dob == b.dob, lambda a, b: "DOB exact"),
        Level(
            "ONE_DAY",
            "a day off",
            "abs(dob_days_l - dob_days_r) = 1",
            _one_day,
            lambda a, b: "DOB differs by 1 day",
        ),
        Level(
            "DAY_MONTH_SWAPPED",
            "day and month swapped",
            "dob_year_l = dob_year_r AND dob_month_l = dob_day_r AND dob_day_l = dob_month_r",
            lambda a, b: a.dob_year == b.dob_year and a.dob_month == b.dob_day and a.dob_day == b.dob_month,
            lambda a, b: "DOB day and month swapped",
        ),
        Level(
            "YEAR_OFF_BY_ONE",
            "a year off",
            "abs(dob_year_l - dob_year_r) = 1 AND dob_month_l = dob_month_r AND dob_day_l = dob_day_r",
            _year_off,
            lambda a, b: "DOB year differs by 1",
        ),
        Level(
            "ONE_DIGIT",
            "one digit wrong",
            "levenshtein(dob_l, dob_r) = 1",
            lambda a, b: Levenshtein.distance(a.dob or "", b.dob or "", score_cutoff=1) == 1,
            lambda a, b: "DOB differs by one digit",
            guard=DIFFERENT_DATES_OF_BIRTH,
        ),
        Level(
            "DIFFERENT",
            "different",
            "ELSE",
            lambda a, b: True,
            lambda a, b: "DOB differs",
            guard=DIFFERENT_DATES_OF_BIRTH,
        ),
    ),
)


def _postcode_typo(a: Features, b: Features) -> bool:
    if a.postcode is None or b.postcode is None:
        return False
    return DamerauLevenshtein.distance(a.postcode, b.postcode, score_cutoff=1) <= 1


POSTCODE = Comparison(
    column="postcode",
    description="postcode",
    levels=(
        Level(
            "MISSING",
            "not recorded on one side",
            "postcodes_l IS NULL OR postcodes_r IS NULL",
            lambda a, b: a.postcodes is None or b.postcodes is None,
            lambda a, b: "postcode not recorded on one side",
            null=True,
        ),
        Level(
            "EXACT",
            "exact",
            "postcode_l = postcode_r",
            lambda a, b: a.postcode is not None and a.postcode == b.postcode,
            lambda a, b: "postcode exact",
            tf_column="postcode",
        ),
        Level(
            "PREVIOUS",
            "a current or previous postcode shared",
            lambda sql: sql.has_any("postcodes_l", "postcodes_r"),
            lambda a, b: _shares(a.postcodes, b.postcodes),
            lambda a, b: "postcode matches previous address",
        ),
        Level(
            "SECTOR",
            "same sector",
            "postcode_sector_l = postcode_sector_r",
            lambda a, b: a.postcode_sector is not None and a.postcode_sector == b.postcode_sector,
            lambda a, b: "postcode sector agrees",
        ),
        Level(
            "TYPO",
            "one edit",
            "damerau_levenshtein(postcode_l, postcode_r) <= 1",
            _postcode_typo,
            lambda a, b: "postcode typo (1 edit)",
        ),
        Level(
            "DISTRICT",
            "same district",
            "postcode_district_l = postcode_district_r",
            lambda a, b: a.postcode_district is not None and a.postcode_district == b.postcode_district,
            lambda a, b: "postcode district agrees",
        ),
        Level("DIFFERENT", "different", "ELSE", lambda a, b: True, lambda a, b: "postcode differs"),
    ),
)

GENDER = Comparison(
    column="gender",
    description="gender",
    levels=(
        Level(
            "MISSING",
            "not recorded on one side",
            "gender_l IS NULL OR gender_r IS NULL",
            lambda a, b: a.gender is None or b.gender is None,
            lambda a, b: None,
            null=True,
        ),
        Level("SAME", "same", "gender_l = gender_r", lambda a, b: a.gender == b.gender, lambda a, b: "gender agrees"),
        Level("DIFFERENT", "different", "ELSE", lambda a, b: True, lambda a, b: "gender differs"),
    ),
)

COMPARISONS: tuple[Comparison, ...] = (GIVEN_NAME, FAMILY_NAME, DATE_OF_BIRTH, POSTCODE, GENDER)
"""Every comparison a model may use, in the order the scorer reports them."""

BY_COLUMN = {comparison.column: comparison for comparison in COMPARISONS}
