"""Every SQL statement the school adapter runs, in one place.

Portable to PostgreSQL apart from the placeholder style (`?` here; `$1`... for asyncpg): no SQLite-only functions,
values always bound as parameters, placeholder lists generated for `IN (...)` only from counts.
"""

from __future__ import annotations

PUPIL_COLUMNS = (
    "p.upn, p.legal_forename, p.preferred_forename, p.legal_surname, p.surname_key, p.former_surname_key, "
    "p.dob, p.birth_year, p.gender, p.address_line1, p.postcode"
)

EXTRACTED_AT = "SELECT MAX(extracted_at) AS extracted_at FROM extract_info"

HEALTH = "SELECT COUNT(*) FROM extract_info"


def placeholders(count: int) -> str:
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join("?" * count)


def candidate_pupils(dates_of_birth: int, dated_surnames: int, birth_years: int, any_year_surnames: int) -> str:
    """The candidate query (sandbox README) for a batch of people, as one statement. Pupils:

    - born on one of the dates; or
    - with a current or former surname key among `dated_surnames` and born in one of the years, or with no date of
      birth recorded (nothing to compare it with); or
    - with a surname key among `any_year_surnames`, whatever their year (people whose DOB we do not know).

    Parameters, in order: the dates, the dated surnames twice, the years, the any-year surnames twice. A part with
    no values is left out."""
    conditions = []
    if dates_of_birth:
        conditions.append(f"p.dob IN ({placeholders(dates_of_birth)})")
    if dated_surnames and birth_years:
        names = placeholders(dated_surnames)
        conditions.append(
            f"((p.surname_key IN ({names}) OR p.former_surname_key IN ({names})) "
            f"AND (p.birth_year IN ({placeholders(birth_years)}) OR p.birth_year IS NULL))"
        )
    if any_year_surnames:
        names = placeholders(any_year_surnames)
        conditions.append(f"(p.surname_key IN ({names}) OR p.former_surname_key IN ({names}))")
    if not conditions:
        raise ValueError("a candidate query needs dates of birth or surnames")
    return f"SELECT {PUPIL_COLUMNS} FROM pupil p WHERE " + " OR ".join(conditions)


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
