"""Search latency in memory: a mixed workload over a `BlockingIndex` of a large population, timed per search."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import linkage
from benchmarks.linkage_eval import REFERENCE_DATE
from benchmarks.linkage_eval.http_search import HttpSearchReport
from benchmarks.linkage_eval.search_workload import search_workload
from sandbox.people import Person
from sandbox.population import generate
from sources.mappers.person import demographics_of
from sources.model import Address, Gender

WARM_UP_SEARCHES = 50

_GENDERS = {"F": Gender.FEMALE, "M": Gender.MALE, "X": Gender.OTHER}


@dataclass
class SearchReport:
    """Latencies, candidates and results of the in-memory searches (and, when run, of `searchPeople` over HTTP)."""

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


def run_search(
    terms: linkage.Demographics, index: linkage.BlockingIndex[str]
) -> tuple[int, list[tuple[linkage.MatchEvidence, str]]]:
    """The in-memory search path: candidates by blocking, `search_match` each, best first."""
    candidates = index.candidates(terms)
    matches = [(e, item) for person, item in candidates if (e := linkage.search_match(terms, person)) is not None]
    matches.sort(key=lambda m: -m[0].score)
    return len(candidates), matches


def evaluate_search(seed: int, households: int, people_count: int, searches: int) -> SearchReport:
    """Index the first `people_count` people of a population and time `searches` searches for them."""
    population = generate(seed, households, today=REFERENCE_DATE)
    people = population.people[:people_count]
    started = time.perf_counter()
    index = linkage.BlockingIndex((person_demographics(p), p.person_id) for p in people)
    index_seconds = time.perf_counter() - started
    cases = search_workload(people, searches, seed)
    for case in cases[:WARM_UP_SEARCHES]:  # warm-up: name-comparison caches, allocator
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
