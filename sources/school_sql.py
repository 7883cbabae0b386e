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


def candidate_pupils(dates_of_birth: int, surnames: int, birth_years: int) -> str:
    """Pupils born on one of the dates, or with a current or former surname key and a birth year among those
    given (the sandbox README's candidate query). Either half is left out when it has no values."""
    conditions = []
    if dates_of_birth:
        conditions.append(f"p.dob IN ({placeholders(dates_of_birth)})")
    if surnames and birth_years:
        names = placeholders(surnames)
        conditions.append(
            f"((p.surname_key IN ({names}) OR p.former_surname_key IN ({names})) "
            f"AND p.birth_year IN ({placeholders(birth_years)}))"
        )
    if not conditions:
        raise ValueError("a candidate query needs dates of birth, or surnames with birth years")
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
