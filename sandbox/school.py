"""The schools' database: a real SQLite file whose schema also runs on PostgreSQL (sandbox/README.md).

The Soundex columns are computed here, as a school system would fill them from its database's SOUNDEX(): the
sandbox's database has them, a real one may not (the gateway's adapter then uses the exact surname keys alone).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sandbox.candidates import soundex, surname_key
from sandbox.population import Population

DATABASE_FILENAME = "school.sqlite"
SCHEMA = """
CREATE TABLE school (school_id TEXT PRIMARY KEY, name TEXT NOT NULL, dsl_name TEXT, dsl_phone TEXT,
                     dsl_email TEXT, local_authority TEXT);
CREATE TABLE pupil (upn TEXT PRIMARY KEY, legal_forename TEXT, preferred_forename TEXT, legal_surname TEXT,
                    surname_key TEXT,
                    former_surname_key TEXT,
                    surname_sound TEXT,
                    former_surname_sound TEXT,
                    dob TEXT,
                    birth_year INTEGER, gender TEXT,
                    address_line1 TEXT, postcode TEXT);
CREATE TABLE enrolment (enrolment_id TEXT PRIMARY KEY, upn TEXT NOT NULL REFERENCES pupil(upn),
                        school_id TEXT NOT NULL REFERENCES school(school_id),
                        registration TEXT NOT NULL,
                        entry_date TEXT, leaving_date TEXT);
CREATE TABLE extract_info (extracted_at TEXT NOT NULL);
CREATE INDEX pupil_dob ON pupil(dob);
CREATE INDEX pupil_surname_year ON pupil(surname_key, birth_year);
CREATE INDEX pupil_former_surname_year ON pupil(former_surname_key, birth_year);
CREATE INDEX pupil_surname_sound_year ON pupil(surname_sound, birth_year);
CREATE INDEX pupil_former_surname_sound_year ON pupil(former_surname_sound, birth_year);
CREATE INDEX pupil_postcode ON pupil(postcode);
CREATE INDEX enrolment_upn ON enrolment(upn);
"""
_GENDER_CODES = {"F": "F", "M": "M", "X": "X", None: "U"}


def write_database(population: Population, path: Path) -> Path:
    """Create the SQLite database at `path` (replacing any file there) and return the path."""
    path.unlink(missing_ok=True)
    school = population.school
    pupils = []
    enrolments = []
    for pupil in school.pupils:
        identity = pupil.identity
        dob = identity.date_of_birth
        former = identity.former_family_names
        pupils.append(
            (
                pupil.upn,
                identity.given_name,
                pupil.preferred_forename,
                identity.family_name,
                surname_key(identity.family_name),
                surname_key(former[0]) if former else None,
                soundex(identity.family_name) or None,
                (soundex(former[0]) or None) if former else None,
                dob.isoformat() if dob else None,
                dob.year if dob else None,
                _GENDER_CODES[identity.gender],
                identity.address.line1 if identity.address else None,
                identity.address.postcode if identity.address else None,
            )
        )
        enrolments += [
            (
                e.enrolment_id,
                pupil.upn,
                e.school_id,
                e.registration,
                e.entry_date.isoformat(),
                e.leaving_date.isoformat() if e.leaving_date else None,
            )
            for e in pupil.enrolments
        ]
    # The extract is refreshed overnight, like the police one.
    extracted_at = population.police_extracted_at.isoformat()
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(SCHEMA)
        connection.executemany(
            "INSERT INTO school VALUES (?, ?, ?, ?, ?, ?)",
            [(s.school_id, s.name, s.dsl_name, s.dsl_phone, s.dsl_email, s.local_authority) for s in school.schools],
        )
        connection.executemany("INSERT INTO pupil VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", pupils)
        connection.executemany("INSERT INTO enrolment VALUES (?, ?, ?, ?, ?, ?)", enrolments)
        connection.execute("INSERT INTO extract_info VALUES (?)", (extracted_at,))
    return path
