"""The three ways candidates are found: each system's gateway path, a `BlockingIndex`, and the exact-match key.

* gateway: the loose candidate query answered as the simulated HTTP systems answer it (adult social care and
  housing), the `BlockingIndex` the police extract reader builds, and the school adapter's SQL rule;
* blocking: a `linkage.BlockingIndex` over a system's records, without the query's limits;
* exact: the foundation's key (given name, family name, date of birth), joined by hash in `quality`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import linkage
from benchmarks.linkage_eval.records import (
    LinkRecord,
    adult_social_care_clients,
    housing_tenants,
    police_extract,
    school_pupils,
)
from linkage.normalise import name_tokens
from linkage.sound_keys import soundex
from sandbox.candidates import MAX_CANDIDATES, CandidateIndex, CandidateQuery, surname_key
from sandbox.ground_truth import System
from sandbox.identity_copies import Identity
from sandbox.population import Population

Finder = Callable[[linkage.Demographics], list[LinkRecord]]


@dataclass(frozen=True)
class TargetSystem:
    """A target system's records and the gateway's candidate path for it."""

    system: System
    records: list[LinkRecord]
    gateway_finder: Finder
    gateway_path: str


def target_systems(population: Population, workdir: Path) -> list[TargetSystem]:
    """Adult social care, housing, police and school, each with the gateway's candidate path."""
    return [
        _http_system("adult_social_care", adult_social_care_clients(population)),
        _http_system("housing", housing_tenants(population)),
        _police(population),
        _school(population, workdir),
    ]


def _candidate_query(subject: linkage.Demographics) -> CandidateQuery:
    """What the gateway sends to a simulated HTTP system, as the system parses it (`sandbox.request_bodies`)."""
    query = linkage.candidate_keys(subject)
    return CandidateQuery(
        surnames=frozenset(surname_key(s) for s in query.surnames),
        dates_of_birth=frozenset(query.dates_of_birth),
        birth_years=frozenset(query.birth_years),
        surname_sounds=frozenset(query.surname_sounds),
        forename_sounds=frozenset(query.forename_sounds),
    )


def _http_system(system: System, entries: Sequence[tuple[LinkRecord, Identity]]) -> TargetSystem:
    index = CandidateIndex(entries)

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        return index.search(_candidate_query(subject))

    path = f"candidate query, answered by the simulated system (at most {MAX_CANDIDATES})"
    return TargetSystem(system, [record for record, _ in entries], find, path)


def _police(population: Population) -> TargetSystem:
    """The gateway's extract reader answers from the `BlockingIndex` it builds over the extract."""
    extract, records = police_extract(population)

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        return [records[record.record_id] for record in extract.candidates(subject)]

    return TargetSystem("police", list(records.values()), find, "BlockingIndex over the extract")


def _school(population: Population, workdir: Path) -> TargetSystem:
    """The school adapter's SQL rule over the pupils' stored keys."""
    pupils = school_pupils(population, workdir)
    records = [record for record, _ in pupils]
    by_dob: dict[str, list[int]] = defaultdict(list)
    by_name_year: dict[tuple[str, int], list[int]] = defaultdict(list)
    by_sound_year: dict[tuple[str, int], list[int]] = defaultdict(list)
    forenames: list[set[str]] = []
    for position, (_, row) in enumerate(pupils):
        if row["dob"]:
            by_dob[str(row["dob"])].append(position)
        if row["birth_year"] is not None:
            for key in {row["surname_key"], row["former_surname_key"]} - {None}:
                by_name_year[(str(key), int(row["birth_year"]))].append(position)
                by_sound_year[(soundex(str(key)), int(row["birth_year"]))].append(position)
        names = (row["legal_forename"], row["preferred_forename"])
        forenames.append({soundex(word) for name in names if name for word in name_tokens(str(name))})

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        # `sources.school`: DOB among the query's dates, or (surname key or former key) with a birth year; a
        # query without birth years asks nothing by name. Then, up to 50 in all, pupils whose surname sounds
        # like one of the query's in one of the years, with a forename that sounds like the subject's.
        query = linkage.candidate_keys(subject)
        positions: set[int] = set()
        for dob in query.dates_of_birth:
            positions.update(by_dob.get(dob.isoformat(), ()))
        for name in query.surnames:
            for year in query.birth_years:
                positions.update(by_name_year.get((name, year), ()))
        wanted = set(query.forename_sounds)
        alike = {
            p
            for sound in query.surname_sounds
            for year in query.birth_years
            for p in by_sound_year.get((sound, year), ())
            if not wanted or forenames[p] & wanted
        }
        extra = sorted(alike - positions)[: max(0, MAX_CANDIDATES - len(positions))]
        return [records[p] for p in sorted(positions)] + [records[p] for p in extra]

    return TargetSystem("school", records, find, "SQL candidate query (school adapter)")


def blocking_finder(records: Sequence[LinkRecord]) -> Finder:
    """Candidates from a `linkage.BlockingIndex` over `records`."""
    index = linkage.BlockingIndex((record.demographics, record) for record in records)

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        return [record for _, record in index.candidates(subject)]

    return find


def _letters(name: str | None) -> str:
    return "".join(c for c in (name or "").lower() if c.isalpha())


def exact_key(person: linkage.Demographics) -> tuple[str, str, datetime.date] | None:
    """The foundation's key: given and family name (lower case, letters only) and DOB; None if one is missing."""
    given, family = _letters(person.given_name), _letters(person.family_name)
    if not given or not family or person.date_of_birth is None:
        return None
    return given, family, person.date_of_birth
