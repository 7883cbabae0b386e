"""Evaluation of record linkage against the sandbox's ground truth, and search latency at 100,000 people.

    python -m benchmarks.linkage_eval [--households 3000] [--seed 1] [--no-write] [--no-http]

Quality. A seeded sandbox population is generated with its planted discrepancies. Every CMS person is the subject
(as in the gateway: a person known to the CMS is checked against each service system) and adult social care,
housing, police and school are the target systems. Every record goes through the gateway's own mapper, from the
native shape the simulated system serves (JSON, CSV row, SQLite row) to `linkage.Demographics`, so the evaluation
measures what the gateway compares. Candidates are found three ways:

* `gateway`: each system's candidate path as the gateway uses it: the loose candidate query (`candidate_keys`)
  answered as the simulated HTTP systems answer it (`sandbox.candidates.CandidateIndex`, at most 50 records) for
  adult social care and housing, the school adapter's SQL rule for school, and a `BlockingIndex` for the police
  extract;
* `blocking`: a `linkage.BlockingIndex` over every target system (linkage alone, without the query's limits);
* `exact`: the foundation's baseline, no scoring: given name, family name (lower case, letters only) and date of
  birth all equal.

A predicted link is a pair that `best_links` puts at CERTAIN or PROBABLE; POSSIBLE pairs are counted apart (shown
to the user as "possible match", never counted as an involvement). A true pair is a subject and a target record of
the same ground-truth person. A pair belongs to discrepancy kind K when either record carries a planted discrepancy
of kind K ("clean" when neither does).

Search. 100,000 people of a larger population (one record per person, with former names and previous addresses)
are held in a `BlockingIndex`; a mixed workload of searches (name, name and DOB, surname only, nickname, typo,
postcode) runs through the in-memory search path: `BlockingIndex.candidates`, `linkage.search_match` per
candidate, sort. Optionally the gateway's `searchPeople` is timed end to end over HTTP on a sandbox of the same
size.

The report goes to docs/linkage.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import linkage
from linkage.scoring import FIELD_ORDER, compare_fields
from linkage.weights import DATE_OF_BIRTH, FAMILY_NAME, GENDER, GIVEN_NAME, POSTCODE, AgreementOdds
from sandbox.adult_social_care import client_json
from sandbox.candidates import MAX_CANDIDATES, CandidateIndex, CandidateQuery, surname_key
from sandbox.cms import person_json
from sandbox.ground_truth import DISCREPANCY_KINDS, NEAR_DUPLICATE_KINDS, GroundTruth, System
from sandbox.housing import tenant_json
from sandbox.identity_copies import Identity
from sandbox.names import DIMINUTIVES
from sandbox.people import Person
from sandbox.police import extract_text
from sandbox.population import Population, generate
from sandbox.school import write_database
from sources.extract_file import FileVersion
from sources.mappers import cms as cms_mapper
from sources.mappers.adult_social_care import client_record
from sources.mappers.housing import tenant_record
from sources.mappers.person import demographics_of
from sources.mappers.school import pupil_record
from sources.model import Address, Gender
from sources.police_extract import parse_extract
from sources.school_sql import PUPIL_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "linkage.md"
WORKDIR = ROOT / "benchmarks" / ".work" / "linkage"

TARGETS: tuple[System, ...] = ("adult_social_care", "housing", "police", "school")
METHODS = ("gateway", "blocking", "exact")
STRONG = frozenset({linkage.MatchLevel.CERTAIN, linkage.MatchLevel.PROBABLE})
CLEAN = "clean"
ANY_PLANTED = "any planted discrepancy"
IDENTITY_PLANTED = "any planted identity discrepancy"
CONTACT_KINDS = frozenset({"bad_phone", "missing_email"})  # planted on contact details, not on who the person is
KIND_ROWS = (CLEAN, *DISCREPANCY_KINDS, ANY_PLANTED, IDENTITY_PLANTED)
REFERENCE_DATE = datetime.date(2026, 11, 27)  # ages are relative to it: fixed, so that a seed gives one population
MAX_EXAMPLES = 12

TARGET_PRECISION = 0.995
TARGET_RECALL = 0.98
TARGET_SEARCH_P50_MS = 50.0

GraphQLSearch = """
query($input: PersonSearchInput!) {
  searchPeople(input: $input) { totalCount matches { match { score level } individual { id } } }
}
"""


# ---------------------------------------------------------------------------------------------------------------
# Records as the gateway sees them


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One system's record: its id, its true person, and the demographics the gateway's mapper makes of it."""

    system: System
    record_id: str
    person_id: str
    demographics: linkage.Demographics


Finder = Callable[[linkage.Demographics], list[LinkRecord]]


def _owner(truth: GroundTruth, system: System, record_id: str) -> str:
    person_id = truth.person_of(system, record_id)
    if person_id is None:
        raise LookupError(f"{system} record {record_id} is not in the ground truth")
    return person_id


def cms_subjects(population: Population) -> list[LinkRecord]:
    """Every CMS person, through the CMS mapper (as the gateway reads `/api/v1/people/batch`)."""
    truth = population.ground_truth
    return [
        LinkRecord(
            "cms", cms_id, _owner(truth, "cms", cms_id), cms_mapper.person(person_json(p), system="cms").demographics
        )
        for cms_id, p in population.cms.people.items()
    ]


@dataclass(frozen=True)
class TargetSystem:
    """A target system's records and the gateway's candidate path for it."""

    system: System
    records: list[LinkRecord]
    gateway_finder: Finder
    gateway_path: str


def _candidate_query(subject: linkage.Demographics) -> CandidateQuery:
    """What the gateway sends to a simulated HTTP system, as the system parses it (`sandbox.request_bodies`)."""
    query = linkage.candidate_keys(subject)
    return CandidateQuery(
        surnames=frozenset(surname_key(s) for s in query.surnames),
        dates_of_birth=frozenset(query.dates_of_birth),
        birth_years=frozenset(query.birth_years),
    )


def _http_system(system: System, entries: Sequence[tuple[LinkRecord, Identity]]) -> TargetSystem:
    index = CandidateIndex(entries)

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        return index.search(_candidate_query(subject))

    path = f"candidate query, answered by the simulated system (at most {MAX_CANDIDATES})"
    return TargetSystem(system, [record for record, _ in entries], find, path)


def adult_social_care(population: Population) -> TargetSystem:
    truth = population.ground_truth
    entries = []
    for client in population.adult_social_care:
        person = client_record(client_json(client), system="adult_social_care", as_of=None).person
        entries.append(
            (
                LinkRecord(
                    "adult_social_care", client.client_id, _owner(truth, "adult_social_care", client.client_id), person
                ),
                client.identity,
            )
        )
    return _http_system("adult_social_care", entries)


def housing(population: Population) -> TargetSystem:
    truth = population.ground_truth
    entries = []
    for tenant in population.housing:
        person = tenant_record(tenant_json(tenant), system="housing", as_of=None).person
        entries.append(
            (
                LinkRecord("housing", tenant.person_ref, _owner(truth, "housing", tenant.person_ref), person),
                tenant.identity,
            )
        )
    return _http_system("housing", entries)


def police(population: Population) -> TargetSystem:
    """The extract as the sandbox writes it, parsed by the gateway's own reader, which builds a `BlockingIndex`."""
    truth = population.ground_truth
    extract = parse_extract(extract_text(population).encode("utf-8"), FileVersion(0, 0, 0), system="police")
    records = {
        record_id: LinkRecord("police", record_id, _owner(truth, "police", record_id), record.person)
        for record_id, record in extract.records.items()
    }

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        return [records[record.record_id] for record in extract.candidates(subject)]

    return TargetSystem("police", list(records.values()), find, "BlockingIndex over the extract")


def school(population: Population, workdir: Path) -> TargetSystem:
    """The database as the sandbox writes it; rows mapped by the school mapper; the school adapter's SQL rule."""
    truth = population.ground_truth
    path = write_database(population, workdir / "school.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        rows = [dict(row) for row in db.execute(f"SELECT {PUPIL_COLUMNS} FROM pupil p ORDER BY p.upn")]
    by_dob: dict[str, list[int]] = defaultdict(list)
    by_name_year: dict[tuple[str, int], list[int]] = defaultdict(list)
    records = []
    for position, row in enumerate(rows):
        upn = str(row["upn"])
        person = pupil_record(row, [], system="school", as_of=None).person
        records.append(LinkRecord("school", upn, _owner(truth, "school", upn), person))
        if row["dob"]:
            by_dob[str(row["dob"])].append(position)
        if row["birth_year"] is not None:
            for key in {row["surname_key"], row["former_surname_key"]} - {None}:
                by_name_year[(str(key), int(row["birth_year"]))].append(position)

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        # `sources.school`: DOB among the query's dates, or (surname key or former key) with a birth year; a
        # query without birth years asks nothing by name.
        query = linkage.candidate_keys(subject)
        positions: set[int] = set()
        for dob in query.dates_of_birth:
            positions.update(by_dob.get(dob.isoformat(), ()))
        for name in query.surnames:
            for year in query.birth_years:
                positions.update(by_name_year.get((name, year), ()))
        return [records[p] for p in sorted(positions)]

    return TargetSystem("school", records, find, "SQL candidate query (school adapter)")


def target_systems(population: Population, workdir: Path) -> list[TargetSystem]:
    return [adult_social_care(population), housing(population), police(population), school(population, workdir)]


def blocking_finder(records: Sequence[LinkRecord]) -> Finder:
    index = linkage.BlockingIndex((record.demographics, record) for record in records)

    def find(subject: linkage.Demographics) -> list[LinkRecord]:
        return [record for _, record in index.candidates(subject)]

    return find


# ---------------------------------------------------------------------------------------------------------------
# Counting


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def true_pairs(self) -> int:
        return self.tp + self.fn


@dataclass(frozen=True, slots=True)
class PairExample:
    """A missed or false pair, described without names: ids, kinds, level, score and each field's agreement."""

    system: str
    subject_id: str
    target_id: str
    kinds: tuple[str, ...]
    level: str  # CERTAIN / PROBABLE / POSSIBLE / "below possible" / "not a candidate" / "exact match"
    score: float | None
    fields: str  # e.g. "given EXACT, family DIFFERENT, dob EXACT, postcode PREVIOUS, gender SAME"


@dataclass
class MethodResult:
    method: str
    overall: Counts = field(default_factory=Counts)
    by_kind: dict[str, Counts] = field(default_factory=dict)
    by_system: dict[str, Counts] = field(default_factory=dict)
    near_duplicate_links: dict[str, int] = field(default_factory=dict)  # false strong links between near duplicates
    near_duplicate_possible: dict[str, int] = field(default_factory=dict)
    possible_true: int = 0
    possible_false: int = 0
    not_candidates: int = 0  # true pairs the candidate path never offered
    pairs_scored: dict[str, int] = field(default_factory=dict)
    misses: list[PairExample] = field(default_factory=list)
    false_links: list[PairExample] = field(default_factory=list)
    miss_patterns: Counter[str] = field(default_factory=Counter)
    miss_causes: Counter[str] = field(default_factory=Counter)
    false_patterns: Counter[str] = field(default_factory=Counter)


@dataclass
class QualityReport:
    seed: int
    households: int
    reference_date: datetime.date
    subjects: int
    target_records: dict[str, int]
    cross_product: dict[str, int]
    true_pairs: int
    candidate_paths: dict[str, str]
    methods: dict[str, MethodResult]
    seconds: float


FIELD_TABLES: dict[str, Mapping[Any, AgreementOdds]] = {
    "given name": GIVEN_NAME,
    "family name": FAMILY_NAME,
    "date of birth": DATE_OF_BIRTH,
    "postcode": POSTCODE,
    "gender": GENDER,
}
_SHORT = {
    "given name": "given",
    "family name": "family",
    "date of birth": "dob",
    "postcode": "postcode",
    "gender": "gender",
}
_CLASS_OF_WEIGHT = {
    name: {round(odds.weight, 6): agreement.name for agreement, odds in table.items()}
    for name, table in FIELD_TABLES.items()
}


def field_classes(a: linkage.Demographics, b: linkage.Demographics) -> str:
    """Each field's agreement class (no values): what `score` saw."""
    parts = []
    for name, evidence in zip(FIELD_ORDER, compare_fields(a, b), strict=True):
        parts.append(
            f"{_SHORT[name]} {_CLASS_OF_WEIGHT[name].get(round(evidence.weight, 6), f'{evidence.weight:+.1f}')}"
        )
    return ", ".join(parts)


class Truth:
    """Look-ups over the ground truth: true pairs, discrepancy kinds of a record, near-duplicate kind of two people."""

    def __init__(self, truth: GroundTruth) -> None:
        self.truth = truth
        self.kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
        for d in truth.discrepancies:
            self.kinds[(d.system, d.record_id)].add(d.kind)
        self.near: dict[frozenset[str], str] = {}
        for n in truth.near_duplicates:
            for i, a in enumerate(n.person_ids):
                for b in n.person_ids[i + 1 :]:
                    self.near.setdefault(frozenset((a, b)), n.kind)

    def records_of(self, person_id: str, system: System) -> tuple[str, ...]:
        return self.truth.people[person_id].records.get(system, ())

    def pair_kinds(self, subject: LinkRecord, target: LinkRecord) -> tuple[str, ...]:
        kinds = self.kinds.get((subject.system, subject.record_id), set()) | self.kinds.get(
            (target.system, target.record_id), set()
        )
        return tuple(sorted(kinds)) or (CLEAN,)

    def near_kind(self, a: str, b: str) -> str | None:
        return self.near.get(frozenset((a, b)))


def miss_cause(level: str, fields: str) -> str:
    """Why a true pair was missed, from its outcome and field classes (see `field_classes`)."""
    classes = dict(part.split(" ", 1) for part in fields.split(", "))
    if level == "not a candidate":
        if classes["dob"] == "MISSING":
            return "candidate path: a record without DOB is never offered by the candidate query"
        return "candidate path: DOB outside the tolerated variants (errors on both records)"
    if level == "no exact match":
        return "names or DOB not equal, or missing"
    if classes["dob"] == "DIFFERENT":
        return "DOB errors on both records compound beyond the tolerated variants"
    if classes["given"] == "DIFFERENT":
        return "given names not related by linkage (nickname not in its table, two different nicknames, two errors)"
    if classes["family"] == "DIFFERENT" and classes["postcode"] == "PREVIOUS":
        return (
            "old surname and old address on the target (stale or former-tenant record); the CMS lists no former names"
        )
    if classes["family"] == "DIFFERENT":
        return "surname changed, not listed as a former name, with one more discrepancy"
    if classes["dob"] == "MISSING":
        return "DOB missing and another field weak or missing"
    return "two tolerated discrepancies together fall below PROBABLE"


def _new_result(method: str) -> MethodResult:
    result = MethodResult(method)
    result.by_kind = {kind: Counts() for kind in KIND_ROWS}
    result.by_system = {system: Counts() for system in TARGETS}
    result.near_duplicate_links = dict.fromkeys(NEAR_DUPLICATE_KINDS, 0)
    result.near_duplicate_possible = dict.fromkeys(NEAR_DUPLICATE_KINDS, 0)
    return result


def _tally(
    result: MethodResult,
    truth: Truth,
    system: System,
    subject: LinkRecord,
    target: LinkRecord,
    *,
    correct: bool,
    predicted: bool,
    level: str,
    score: float | None,
) -> None:
    """Count one pair that is true, predicted, or both."""
    kinds = truth.pair_kinds(subject, target)
    counters = [result.overall, result.by_system[system], *(result.by_kind[k] for k in kinds)]
    if kinds != (CLEAN,):
        counters.append(result.by_kind[ANY_PLANTED])
    if set(kinds) - CONTACT_KINDS - {CLEAN}:
        counters.append(result.by_kind[IDENTITY_PLANTED])
    example = None
    if correct and predicted:
        for c in counters:
            c.tp += 1
        return
    fields = field_classes(subject.demographics, target.demographics)
    example = PairExample(system, subject.record_id, target.record_id, kinds, level, score, fields)
    if correct:
        for c in counters:
            c.fn += 1
        result.miss_patterns[f"{level}: {fields}"] += 1
        result.miss_causes[miss_cause(level, fields)] += 1
        result.misses.append(example)
    else:
        for c in counters:
            c.fp += 1
        result.false_patterns[f"{level}: {fields}"] += 1
        result.false_links.append(example)
        near = truth.near_kind(subject.person_id, target.person_id)
        if near is not None:
            result.near_duplicate_links[near] += 1


def evaluate_scored(
    method: str,
    truth: Truth,
    subjects: Sequence[LinkRecord],
    systems: Sequence[tuple[System, list[LinkRecord], Finder]],
) -> MethodResult:
    """Link every subject into every system through `best_links` over the finder's candidates."""
    result = _new_result(method)
    for system, records, find in systems:
        by_id = {r.record_id: r for r in records}
        scored = 0
        for subject in subjects:
            candidates = find(subject.demographics)
            scored += len(candidates)
            links = linkage.best_links(subject.demographics, [(c.demographics, c) for c in candidates])
            true_ids = set(truth.records_of(subject.person_id, system))
            linked: dict[str, linkage.MatchEvidence] = {}
            for record, evidence in links:
                correct = record.record_id in true_ids
                if evidence.level in STRONG:
                    linked[record.record_id] = evidence
                    if not correct:
                        _tally(
                            result,
                            truth,
                            system,
                            subject,
                            record,
                            correct=False,
                            predicted=True,
                            level=evidence.level.value if evidence.level else "",
                            score=evidence.score,
                        )
                elif correct:
                    result.possible_true += 1
                else:
                    result.possible_false += 1
                    near = truth.near_kind(subject.person_id, record.person_id)
                    if near is not None:
                        result.near_duplicate_possible[near] += 1
            offered = {c.record_id for c in candidates}
            for record_id in sorted(true_ids):
                target = by_id[record_id]
                if record_id in linked:
                    _tally(result, truth, system, subject, target, correct=True, predicted=True, level="", score=None)
                    continue
                evidence = linkage.score(subject.demographics, target.demographics)
                if record_id not in offered:
                    result.not_candidates += 1
                    level = "not a candidate"
                else:
                    level = evidence.level.value if evidence.level else "below possible"
                _tally(
                    result,
                    truth,
                    system,
                    subject,
                    target,
                    correct=True,
                    predicted=False,
                    level=level,
                    score=evidence.score,
                )
        result.pairs_scored[system] = scored
    return result


def _letters(name: str | None) -> str:
    return "".join(c for c in (name or "").lower() if c.isalpha())


def exact_key(person: linkage.Demographics) -> tuple[str, str, datetime.date] | None:
    """The foundation's key: given and family name (lower case, letters only) and DOB; None if one is missing."""
    given, family = _letters(person.given_name), _letters(person.family_name)
    if not given or not family or person.date_of_birth is None:
        return None
    return given, family, person.date_of_birth


def evaluate_exact(
    truth: Truth, subjects: Sequence[LinkRecord], systems: Sequence[tuple[System, list[LinkRecord]]]
) -> MethodResult:
    """The exact-match baseline over the whole cross product (by a hash join)."""
    result = _new_result("exact")
    for system, records in systems:
        by_key: dict[tuple[str, str, datetime.date], list[LinkRecord]] = defaultdict(list)
        by_id = {r.record_id: r for r in records}
        for record in records:
            key = exact_key(record.demographics)
            if key is not None:
                by_key[key].append(record)
        for subject in subjects:
            key = exact_key(subject.demographics)
            matched = by_key.get(key, []) if key is not None else []
            true_ids = set(truth.records_of(subject.person_id, system))
            for record in matched:
                if record.record_id not in true_ids:
                    _tally(
                        result,
                        truth,
                        system,
                        subject,
                        record,
                        correct=False,
                        predicted=True,
                        level="exact match",
                        score=None,
                    )
            matched_ids = {r.record_id for r in matched}
            for record_id in sorted(true_ids):
                _tally(
                    result,
                    truth,
                    system,
                    subject,
                    by_id[record_id],
                    correct=True,
                    predicted=record_id in matched_ids,
                    level="no exact match",
                    score=None,
                )
        result.pairs_scored[system] = 0
    return result


def evaluate_quality(
    seed: int, households: int, *, today: datetime.date = REFERENCE_DATE, workdir: Path | None = None
) -> QualityReport:
    started = time.perf_counter()
    population = generate(seed, households, today=today)
    truth = Truth(population.ground_truth)
    subjects = cms_subjects(population)
    with tempfile.TemporaryDirectory() as tmp:
        targets = target_systems(population, Path(workdir or tmp))
    gateway = evaluate_scored("gateway", truth, subjects, [(t.system, t.records, t.gateway_finder) for t in targets])
    blocking = evaluate_scored(
        "blocking", truth, subjects, [(t.system, t.records, blocking_finder(t.records)) for t in targets]
    )
    exact = evaluate_exact(truth, subjects, [(t.system, t.records) for t in targets])
    return QualityReport(
        seed=seed,
        households=households,
        reference_date=today,
        subjects=len(subjects),
        target_records={t.system: len(t.records) for t in targets},
        cross_product={t.system: len(subjects) * len(t.records) for t in targets},
        true_pairs=gateway.overall.true_pairs,
        candidate_paths={t.system: t.gateway_path for t in targets},
        methods={"gateway": gateway, "blocking": blocking, "exact": exact},
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------------------------
# Search


_GENDERS = {"F": Gender.FEMALE, "M": Gender.MALE, "X": Gender.OTHER}


def person_demographics(person: Person) -> linkage.Demographics:
    """A true person as one system's record (former names and previous addresses kept), via the mappers' helper."""
    addresses = [Address(line1=person.address.line1, postcode=person.address.postcode, current=True)]
    addresses += [Address(line1=a.line1, postcode=a.postcode, current=False) for a in person.previous_addresses]
    return demographics_of(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        gender=_GENDERS.get(person.gender),
        addresses=addresses,
        other_family_names=person.former_family_names,
    )


@dataclass(frozen=True, slots=True)
class SearchCase:
    kind: str
    terms: linkage.Demographics
    person_id: str


SEARCH_MIX: tuple[tuple[str, int], ...] = (
    ("given + family", 30),
    ("given + family + DOB", 25),
    ("family only", 15),
    ("nickname + family", 5),
    ("nickname + family + DOB", 5),
    ("typo in family + given", 5),
    ("typo in family + given + DOB", 5),
    ("given + family + postcode", 10),
)


def _typo(name: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(name)) if len(name) > 1 else 0
    if rng.random() < 0.5:
        return name[:at] + name[at + 1 :] if len(name) > 3 else name + name[-1]  # a dropped (or doubled) letter
    if at < len(name) - 1:
        return name[:at] + name[at + 1] + name[at] + name[at + 2 :]  # two letters swapped
    return name + name[-1]


def search_workload(people: Sequence[Person], count: int, seed: int) -> list[SearchCase]:
    """`count` searches for people drawn from `people`, in the proportions of `SEARCH_MIX`."""
    rng = random.Random(f"{seed}:search")
    kinds = [kind for kind, _ in SEARCH_MIX]
    weights = [w for _, w in SEARCH_MIX]
    nicknamed = [p for p in people if p.given_name in DIMINUTIVES]
    cases = []
    for _ in range(count):
        kind = rng.choices(kinds, weights=weights)[0]
        person = rng.choice(nicknamed if kind.startswith("nickname") else people)
        given: str | None = person.given_name
        family = person.family_name
        if kind == "family only":
            given = None
        elif kind.startswith("nickname"):
            given = rng.choice(DIMINUTIVES[person.given_name])
        elif kind.startswith("typo"):
            family = _typo(person.family_name, rng)
        terms = linkage.Demographics(
            given_name=given,
            family_name=family,
            date_of_birth=person.date_of_birth if kind.endswith("DOB") else None,
            postcode=person.address.postcode if kind.endswith("postcode") else None,
        )
        cases.append(SearchCase(kind, terms, person.person_id))
    return cases


@dataclass
class SearchReport:
    people: int
    households: int
    searches: int
    index_seconds: float
    latencies_ms: list[float]
    by_kind_ms: dict[str, list[float]]
    candidates: list[int]
    by_kind_candidates: dict[str, list[int]]
    results: list[int]
    found: dict[str, tuple[int, int]]  # kind -> (sought person among results, searches)
    top1: dict[str, int]  # kind -> sought person ranked first (ties count)
    http: HttpSearchReport | None = None


@dataclass
class HttpSearchReport:
    households: int
    population: int
    searches: int
    latencies_ms: list[float]
    by_kind_ms: dict[str, list[float]]
    total_counts: list[int]
    startup_seconds: float


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def run_search(
    terms: linkage.Demographics, index: linkage.BlockingIndex[str]
) -> tuple[int, list[tuple[linkage.MatchEvidence, str]]]:
    """The in-memory search path: candidates by blocking, `search_match` each, best first."""
    candidates = index.candidates(terms)
    matches = [(e, item) for person, item in candidates if (e := linkage.search_match(terms, person)) is not None]
    matches.sort(key=lambda m: -m[0].score)
    return len(candidates), matches


def evaluate_search(seed: int, households: int, people_count: int, searches: int) -> SearchReport:
    population = generate(seed, households, today=REFERENCE_DATE)
    people = population.people[:people_count]
    started = time.perf_counter()
    index = linkage.BlockingIndex((person_demographics(p), p.person_id) for p in people)
    index_seconds = time.perf_counter() - started
    cases = search_workload(people, searches, seed)
    for case in cases[:50]:  # warm-up: name-comparison caches, allocator
        run_search(case.terms, index)
    latencies, candidates, results = [], [], []
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_kind_candidates: dict[str, list[int]] = defaultdict(list)
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    top1: Counter[str] = Counter()
    for case in cases:
        started = time.perf_counter()
        scored, matches = run_search(case.terms, index)
        elapsed = (time.perf_counter() - started) * 1000
        latencies.append(elapsed)
        by_kind[case.kind].append(elapsed)
        candidates.append(scored)
        by_kind_candidates[case.kind].append(scored)
        results.append(len(matches))
        found[case.kind][1] += 1
        if any(item == case.person_id for _, item in matches):
            found[case.kind][0] += 1
            best = matches[0][0].score
            if any(item == case.person_id and e.score == best for e, item in matches):
                top1[case.kind] += 1
    return SearchReport(
        people=len(people),
        households=households,
        searches=len(cases),
        index_seconds=index_seconds,
        latencies_ms=latencies,
        by_kind_ms=dict(by_kind),
        candidates=candidates,
        by_kind_candidates=dict(by_kind_candidates),
        results=results,
        found={k: (v[0], v[1]) for k, v in found.items()},
        top1=dict(top1),
    )


async def evaluate_http_search(seed: int, households: int, searches: int, workdir: Path) -> HttpSearchReport:
    """`searchPeople` end to end: a real gateway on loopback over the sandbox (HTTP systems, extract, database)."""
    import aiohttp

    from gateway.demo import demo_stack

    started = time.perf_counter()
    async with (
        demo_stack(workdir, seed=seed, households=households, timeout_s=30.0) as (sandbox, served),
        aiohttp.ClientSession() as session,
    ):
        startup = time.perf_counter() - started
        population = sandbox.population
        cases = search_workload(population.people, searches + 10, seed)
        latencies: list[float] = []
        counts: list[int] = []
        by_kind: dict[str, list[float]] = defaultdict(list)
        for number, case in enumerate(cases):
            terms = case.terms
            variables: dict[str, Any] = {"input": {"familyName": terms.family_name}}
            if terms.given_name:
                variables["input"]["givenName"] = terms.given_name
            if terms.date_of_birth:
                variables["input"]["dateOfBirth"] = terms.date_of_birth.isoformat()
            if terms.postcode:
                variables["input"]["postcode"] = terms.postcode
            began = time.perf_counter()
            async with session.post(
                f"{served.url}/graphql", json={"query": GraphQLSearch, "variables": variables}
            ) as r:
                body = await r.json()
            elapsed = (time.perf_counter() - began) * 1000
            if body.get("errors"):
                raise RuntimeError(f"searchPeople answered errors: {[e.get('message') for e in body['errors']]}")
            if number < 10:
                continue  # warm-up: connections, the police extract and school database opened
            latencies.append(elapsed)
            by_kind[case.kind].append(elapsed)
            counts.append(int(body["data"]["searchPeople"]["totalCount"]))
        return HttpSearchReport(
            households=households,
            population=len(population.people),
            searches=len(latencies),
            latencies_ms=latencies,
            by_kind_ms=dict(by_kind),
            total_counts=counts,
            startup_seconds=startup,
        )


# ---------------------------------------------------------------------------------------------------------------
# Report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.2f}%"


def _counts_cells(c: Counts) -> str:
    return f"{c.true_pairs} | {c.tp} | {c.fp} | {_pct(c.precision)} | {_pct(c.recall)}"


def quality_section(q: QualityReport) -> list[str]:
    gw, bl, ex = q.methods["gateway"], q.methods["blocking"], q.methods["exact"]
    lines = ["### Linkage quality", ""]
    lines += [
        f"Population: seed {q.seed}, {q.households:,} households, reference date {q.reference_date.isoformat()}; "
        f"{q.subjects:,} CMS people as subjects; target records: "
        + ", ".join(f"{s} {n:,}" for s, n in q.target_records.items())
        + f". {q.true_pairs:,} true (CMS person, target record) pairs. Run time {q.seconds:.1f} s.",
        "",
        "Candidate paths (`gateway` method): " + "; ".join(f"{s}: {p}" for s, p in q.candidate_paths.items()) + ".",
        "",
        "#### Overall",
        "",
        "| method | true pairs | linked true | false links | precision | recall | POSSIBLE true / false | "
        "true pairs never offered as candidates |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m, label in (
        (gw, "linkage, gateway candidate paths"),
        (bl, "linkage, BlockingIndex everywhere"),
        (ex, "exact name + DOB (foundation)"),
    ):
        possible = f"{m.possible_true:,} / {m.possible_false:,}" if m.method != "exact" else "-"
        offered = f"{m.not_candidates:,}" if m.method != "exact" else "-"
        lines.append(f"| {label} | {_counts_cells(m.overall)} | {possible} | {offered} |")
    twins = gw.near_duplicate_links["twins"]
    lines += ["", f"Targets: precision ≥ {TARGET_PRECISION:.1%}, recall ≥ {TARGET_RECALL:.0%}, zero twins merged.", ""]
    for label, counts in (
        ("all true pairs", gw.overall),
        ("pairs with any planted discrepancy", gw.by_kind[ANY_PLANTED]),
        ("pairs with a planted identity discrepancy", gw.by_kind[IDENTITY_PLANTED]),
    ):
        met = (counts.precision or 0) >= TARGET_PRECISION and (counts.recall or 0) >= TARGET_RECALL and twins == 0
        lines.append(
            f"- gateway paths, {label}: precision {_pct(counts.precision)}, recall {_pct(counts.recall)}, "
            f"twins merged {twins}: **{'met' if met else 'not met'}**"
        )
    lines += [
        "",
        "#### By discrepancy kind",
        "",
        "A pair counts under every kind planted on either record (so a row's pairs may also appear in another row); "
        "`clean`: neither record carries any. The last two rows pool every pair with a planted discrepancy, and every "
        "pair with one on the identity (all kinds but `bad_phone` and `missing_email`, which are planted on contact "
        "details). Note that `clean` includes housing former-tenant records, which the sandbox writes from the "
        "person's stale identity (old address, name before a change) without planting a discrepancy. Columns: true "
        "pairs, linked true, false links, precision, recall.",
        "",
        "| kind | gateway: true | linked | false | precision | recall | blocking: recall | exact: linked | false "
        "| precision | recall |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in KIND_ROWS:
        g, b, e = gw.by_kind[kind], bl.by_kind[kind], ex.by_kind[kind]
        if not (g.true_pairs or g.fp or e.fp):
            continue
        lines.append(
            f"| {kind} | {_counts_cells(g)} | {_pct(b.recall)} | "
            f"{e.tp} | {e.fp} | {_pct(e.precision)} | {_pct(e.recall)} |"
        )
    lines += [
        "",
        "#### By target system",
        "",
        "| system | gateway: true | linked | false | precision | recall | blocking: recall | exact: recall "
        "| pairs scored (gateway) | pairs scored (blocking) | cross product | scored / cross product (gateway) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for system in TARGETS:
        g, b, e = gw.by_system[system], bl.by_system[system], ex.by_system[system]
        cross = q.cross_product[system]
        lines.append(
            f"| {system} | {_counts_cells(g)} | {_pct(b.recall)} | {_pct(e.recall)} | {gw.pairs_scored[system]:,} | "
            f"{bl.pairs_scored[system]:,} | {cross:,} | {gw.pairs_scored[system] / cross:.4%} |"
        )
    total_cross = sum(q.cross_product.values())
    lines += [
        f"| all | {_counts_cells(gw.overall)} | {_pct(bl.overall.recall)} | {_pct(ex.overall.recall)} | "
        f"{sum(gw.pairs_scored.values()):,} | {sum(bl.pairs_scored.values()):,} | {total_cross:,} | "
        f"{sum(gw.pairs_scored.values()) / total_cross:.4%} |",
        "",
        "#### Near duplicates",
        "",
        "Links (CERTAIN or PROBABLE) made between two different people of a planted near-duplicate group, and "
        "POSSIBLE matches between them (shown, not counted as involvements).",
        "",
        "| near-duplicate kind | gateway: false links | gateway: POSSIBLE | blocking: false links "
        "| exact: false links |",
        "|---|---|---|---|---|",
    ]
    for kind in NEAR_DUPLICATE_KINDS:
        lines.append(
            f"| {kind} | {gw.near_duplicate_links[kind]} | {gw.near_duplicate_possible[kind]} | "
            f"{bl.near_duplicate_links[kind]} | {ex.near_duplicate_links[kind]} |"
        )
    lines += ["", *_failures_section(gw, "gateway candidate paths"), *_failures_section(bl, "BlockingIndex")]
    return lines


def _failures_section(m: MethodResult, label: str) -> list[str]:
    lines = [f"#### Misses and false links ({label})", ""]
    if not m.misses and not m.false_links:
        return [*lines, "None.", ""]
    lines += [
        "Grouped by outcome and by each field's agreement class as `score` saw it (no names). Missed true pairs:",
        "",
        "| pairs | outcome: fields |",
        "|---|---|",
        *(f"| {n} | {pattern} |" for pattern, n in m.miss_patterns.most_common(15)),
    ]
    if len(m.miss_patterns) > 15:
        lines.append(
            f"| {sum(n for _, n in m.miss_patterns.most_common()[15:])} "
            f"| ({len(m.miss_patterns) - 15} other patterns) |"
        )
    lines += [
        "",
        "Missed kinds: " + _kinds_summary(m.misses) + ".",
        "",
        "Causes of the misses:",
        "",
        "| pairs | cause |",
        "|---|---|",
        *(f"| {n} | {cause} |" for cause, n in m.miss_causes.most_common()),
        "",
    ]
    if m.false_links:
        lines += [
            "False links:",
            "",
            "| pairs | outcome: fields |",
            "|---|---|",
            *(f"| {n} | {pattern} |" for pattern, n in m.false_patterns.most_common(15)),
            "",
        ]
    lines += [
        "Examples (record ids, planted kinds on either record, outcome, score):",
        "",
        "| | system | CMS id | target id | kinds | outcome | score | fields |",
        "|---|---|---|---|---|---|---|---|",
    ]
    examples = [("miss", e) for e in _spread(m.misses)] + [("false", e) for e in _spread(m.false_links)]
    for what, e in examples:
        score = "" if e.score is None else f"{e.score:.4f}"
        lines.append(
            f"| {what} | {e.system} | {e.subject_id} | {e.target_id} | {', '.join(e.kinds)} | {e.level} | {score} "
            f"| {e.fields} |"
        )
    return [*lines, ""]


def _kinds_summary(examples: Sequence[PairExample]) -> str:
    counts = Counter(k for e in examples for k in e.kinds)
    return ", ".join(f"{k} {n}" for k, n in counts.most_common()) or "none"


def _spread(examples: Sequence[PairExample]) -> list[PairExample]:
    """Up to MAX_EXAMPLES examples, one per pattern of kinds and outcome first."""
    seen: set[tuple[tuple[str, ...], str]] = set()
    first: list[PairExample] = []
    for e in examples:
        key = (e.kinds, e.level)
        if key not in seen:
            seen.add(key)
            first.append(e)
    rest = [e for e in examples if e not in first]
    return (first + rest)[:MAX_EXAMPLES]


def _ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}"


def search_section(s: SearchReport) -> list[str]:
    p50, p95 = statistics.median(s.latencies_ms), percentile(s.latencies_ms, 0.95)
    lines = [
        "### Search latency",
        "",
        f"Source: {s.people:,} people (the first {s.people:,} people of a {s.households:,}-household population, "
        "one record each with former family names and previous postcodes), held in a `BlockingIndex` "
        f"(built in {s.index_seconds:.1f} s). {s.searches:,} searches for people drawn from it, after 50 warm-up "
        "searches, each timed over `BlockingIndex.candidates` + `linkage.search_match` per candidate + sort "
        "(the path of an in-memory source in `searchPeople`). A surname-only search takes its candidates from the "
        "surname keys (every entry with a family name of the same NYSIIS key).",
        "",
        f"- **p50 {p50:.2f} ms, p95 {p95:.2f} ms** (max {max(s.latencies_ms):.1f} ms); target p50 < "
        f"{TARGET_SEARCH_P50_MS:.0f} ms: **{'met' if p50 < TARGET_SEARCH_P50_MS else 'not met'}**",
        f"- candidates scored per search: median {statistics.median(s.candidates):,.0f}, p95 "
        f"{percentile(s.candidates, 0.95):,.0f}, max {max(s.candidates):,} of {s.people:,} "
        f"(mean {statistics.mean(s.candidates) / s.people:.3%} of the source); results per search: median "
        f"{statistics.median(s.results):,.0f}, p95 {percentile(s.results, 0.95):,.0f}",
        "",
        "| search | searches | p50 / p95 ms | median candidates | sought person among results | ranked first |",
        "|---|---|---|---|---|---|",
    ]
    order = [kind for kind, _ in SEARCH_MIX if kind in s.by_kind_ms]
    for kind in order:
        found, total = s.found[kind]
        lines.append(
            f"| {kind} | {total} | {_ms(s.by_kind_ms[kind])} | "
            f"{statistics.median(s.by_kind_candidates[kind]):,.0f} | {found}/{total} | {s.top1.get(kind, 0)}/{total} |"
        )
    lines.append("")
    if s.http is not None:
        h = s.http
        lines += [
            "#### `searchPeople` end to end over HTTP",
            "",
            f"A gateway on loopback (`gateway.demo.demo_stack`) over a sandbox of {h.households:,} households "
            f"({h.population:,} people across the CMS, adult social care and housing over HTTP, the police extract "
            f"and the school database; started in {h.startup_seconds:.0f} s, no injected latency). {h.searches} "
            "searches of the same mix, sequentially, after 10 warm-up searches; each is one GraphQL POST that asks "
            "every system for candidates and merges the results (`totalCount` median "
            f"{statistics.median(h.total_counts):.0f}, max {max(h.total_counts)}).",
            "",
            f"- **p50 {statistics.median(h.latencies_ms):.1f} ms, p95 {percentile(h.latencies_ms, 0.95):.1f} ms**",
            "",
            "| search | searches | p50 / p95 ms |",
            "|---|---|---|",
            *(f"| {k} | {len(h.by_kind_ms[k])} | {_ms(h.by_kind_ms[k])} |" for k, _ in SEARCH_MIX if k in h.by_kind_ms),
            "",
        ]
    return lines


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.machine()}"
    return f"{cpu}, {os.cpu_count() or 1} CPUs, {system}, Python {platform.python_version()}"


def render(quality: QualityReport, search: SearchReport | None) -> str:
    lines = [
        "# Linkage and search",
        "",
        f"Run on {datetime.date.today().isoformat()} by `python -m benchmarks.linkage_eval` on {machine()}. "
        "Every number below comes from this one run; the populations are synthetic (`sandbox.population`) and "
        "seeded, so the run can be repeated. Method: see the docstring of `benchmarks/linkage_eval.py`.",
        "",
        "## Linkage and search",
        "",
        *quality_section(quality),
    ]
    if search is not None:
        lines += search_section(search)
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=3_000, help="households of the quality population")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-households", type=int, default=25_000)
    parser.add_argument("--search-people", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--http-searches", type=int, default=200)
    parser.add_argument("--no-search", action="store_true", help="measure linkage quality only")
    parser.add_argument("--no-http", action="store_true", help="skip searchPeople over HTTP")
    parser.add_argument("--no-write", action="store_true", help="print the report without writing docs/linkage.md")
    args = parser.parse_args()

    quality = evaluate_quality(args.seed, args.households)
    print(f"quality measured in {quality.seconds:.1f} s")
    search = None
    if not args.no_search:
        search = evaluate_search(args.seed, args.search_households, args.search_people, args.searches)
        print(f"search measured: p50 {statistics.median(search.latencies_ms):.2f} ms")
        if not args.no_http:
            search.http = asyncio.run(
                evaluate_http_search(args.seed, args.search_households, args.http_searches, WORKDIR)
            )
    report = render(quality, search)
    print(report)
    if not args.no_write:
        REPORT.write_text(report, encoding="utf-8")
        print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
