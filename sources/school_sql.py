"""Every SQL statement the school adapter runs, in one place.

Portable to PostgreSQL apart from the placeholder style (`?` here; `$1`... for asyncpg): no SQLite-only functions,
values always bound as parameters, placeholder lists generated for `IN (...)` only from counts.
"""

from __future__ import annotations

PUPIL_COLUMNS = (
    "p.upn, p.legal_forename, p.preferred_forename, p.legal_surname, p.surname_key, p.former_surname_key, "
    "p.dob, p.birth_year, p.gender, p.address_line1, p.postcode"
)
KEY_COLUMNS = ("surname_key", "former_surname_key")
# Soundex of the surname keys: in the sandbox's database; a school system's own database may not have them.
SOUND_COLUMNS = ("surname_sound", "former_surname_sound")

# No rows, only the column names (cursor.description): whether the database has the Soundex columns.
PUPIL_COLUMN_NAMES = "SELECT * FROM pupil WHERE 1 = 0"

EXTRACTED_AT = "SELECT MAX(extracted_at) AS extracted_at FROM extract_info"

HEALTH = "SELECT COUNT(*) FROM extract_info"


def placeholders(count: int) -> str:
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join("?" * count)


def candidate_pupils(
    dates_of_birth: int,
    dated_surnames: int,
    birth_years: int,
    any_year_surnames: int,
    *,
    dated_sounds: int = 0,
    any_year_sounds: int = 0,
) -> str:
    """The candidate query (sandbox README) for a batch of people, as one statement. Pupils:

    - born on one of the dates; or
    - with a current or former surname key among `dated_surnames`, or a Soundex code of one among
      `dated_sounds`, and born in one of the years, or with no date of birth recorded (nothing to compare it
      with); or
    - with a surname key among `any_year_surnames`, or a Soundex code among `any_year_sounds`, whatever their year
      (people whose DOB we do not know).

    Each key column has its own condition, the birth-year test repeated in each, so that every condition is one
    indexed column's `IN` list and SQLite (and PostgreSQL) look each up in its index (SQLite's plan: MULTI-INDEX OR)
    instead of scanning every pupil: on the sandbox's database 0.1 ms instead of 0.6 ms per chunk, and a school
    system's own database holds thousands of pupils.

    Parameters, in order: the dates; the dated surnames then the years, twice (current and former key); the dated
    sounds then the years, twice; the any-year surnames twice, the any-year sounds twice. A part with no values is
    left out. With sounds, the rows also carry the Soundex columns, for the adapter to tell sound-alike candidates
    apart."""
    conditions = []
    if dates_of_birth:
        conditions.append(f"p.dob IN ({placeholders(dates_of_birth)})")
    if birth_years:
        in_years = f"(p.birth_year IN ({placeholders(birth_years)}) OR p.birth_year IS NULL)"
        dated = [*_in_any(KEY_COLUMNS, dated_surnames), *_in_any(SOUND_COLUMNS, dated_sounds)]
        conditions += [f"({condition} AND {in_years})" for condition in dated]
    conditions += [*_in_any(KEY_COLUMNS, any_year_surnames), *_in_any(SOUND_COLUMNS, any_year_sounds)]
    if not conditions:
        raise ValueError("a candidate query needs dates of birth or surnames")
    columns = PUPIL_COLUMNS + "".join(f", p.{column}" for column in SOUND_COLUMNS if dated_sounds or any_year_sounds)
    return f"SELECT {columns} FROM pupil p WHERE " + " OR ".join(conditions)


def _in_any(columns: tuple[str, ...], count: int) -> list[str]:
    return [f"p.{column} IN ({placeholders(count)})" for column in columns] if count else []


def pupils_by_upn(count: int) -> str:
    return f"SELECT {PUPIL_COLUMNS} FROM pupil p WHERE p.upn IN ({placeholders(count)})"


def enrolments_of(count: int) -> str:
    """Enrolments of the given pupils with their school's name and designated safeguarding lead."""
    return (
        "SELECT e.upn, e.enrolment_id, e.registration, e.entry_date, e.leaving_date, "
        "s.name AS school_name, s.dsl_name, s.dsl_phone, s.dsl_email "
        "FROM enrolment e JOIN school s ON s.school_id = e.school_id "
        f"WHERE e.upn IN ({placeholders(count)}) ORDER BY e.upn, e.entry_date, e.enrolment_id"
    )
