"""The report's search-latency section: in memory per kind of search, and `searchPeople` over HTTP."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from benchmarks.linkage_eval import http_search, search
from benchmarks.linkage_eval.http_search import HttpSearchReport
from benchmarks.linkage_eval.markdown import table
from benchmarks.linkage_eval.search import SearchReport
from benchmarks.linkage_eval.search_workload import SEARCH_MIX
from benchmarks.stats import percentile

TARGET_SEARCH_P50_MS = 50.0


def _ms(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}"


def search_section(s: SearchReport) -> list[str]:
    """The section's markdown lines."""
    p50, p95 = statistics.median(s.latencies_ms), percentile(s.latencies_ms, 0.95)
    rows = []
    for kind in (kind for kind, _ in SEARCH_MIX if kind in s.by_kind_ms):
        found, total = s.found[kind]
        median_candidates = f"{statistics.median(s.by_kind_candidates[kind]):,.0f}"
        rows.append(
            [
                kind,
                total,
                _ms(s.by_kind_ms[kind]),
                median_candidates,
                f"{found}/{total}",
                f"{s.top1.get(kind, 0)}/{total}",
            ]
        )
    lines = [
        "### Search latency",
        "",
        f"Source: {s.people:,} people (the first {s.people:,} people of a {s.households:,}-household population, "
        "one record each with former family names and previous postcodes), held in a `BlockingIndex` "
        f"(built in {s.index_seconds:.1f} s). {s.searches:,} searches for people drawn from it, after "
        f"{search.WARM_UP_SEARCHES} warm-up searches, each timed over `BlockingIndex.candidates` + "
        "`linkage.search_match` per candidate + sort (the path of an in-memory source in `searchPeople`). A "
        "surname-only search takes its candidates from the surname keys (every entry with a family name of the same "
        "NYSIIS key or the same Soundex code); a search with a given name also takes entries whose family name has "
        "its Soundex code and whose forename has that of the given name or of one of its diminutives, so that a "
        "family name typed wrong is found without a DOB.",
        "",
        f"- **p50 {p50:.2f} ms, p95 {p95:.2f} ms** (max {max(s.latencies_ms):.1f} ms); target p50 < "
        f"{TARGET_SEARCH_P50_MS:.0f} ms: **{'met' if p50 < TARGET_SEARCH_P50_MS else 'not met'}**",
        f"- candidates scored per search: median {statistics.median(s.candidates):,.0f}, p95 "
        f"{percentile(s.candidates, 0.95):,.0f}, max {max(s.candidates):,} of {s.people:,} "
        f"(mean {statistics.mean(s.candidates) / s.people:.3%} of the source); results per search: median "
        f"{statistics.median(s.results):,.0f}, p95 {percentile(s.results, 0.95):,.0f}",
        "",
        *table(
            (
                "search",
                "searches",
                "p50 / p95 ms",
                "median candidates",
                "sought person among results",
                "ranked first",
            ),
            rows,
        ),
        "",
    ]
    if s.http is not None:
        lines += _http_section(s.http)
    return lines


def _http_section(h: HttpSearchReport) -> list[str]:
    rows = (
        [k, len(h.by_kind_ms[k]), _ms(h.by_kind_ms[k]), "{}/{}".format(*h.found.get(k, (0, 0)))]
        for k, _ in SEARCH_MIX
        if k in h.by_kind_ms
    )
    found = sum(hits for hits, _ in h.found.values())
    held = sum(total for _, total in h.found.values())
    return [
        "#### `searchPeople` end to end over HTTP",
        "",
        f"A gateway on loopback (`gateway.demo.demo_stack`) over a sandbox of {h.households:,} households "
        f"({h.population:,} people across the CMS, adult social care and housing over HTTP, the police extract "
        f"and the school database; started in {h.startup_seconds:.0f} s, no injected latency). {h.searches} "
        f"searches of the same mix, sequentially, after {http_search.WARM_UP_SEARCHES} warm-up searches; each is one "
        "GraphQL POST that asks every system for candidates and merges the results (`totalCount` median "
        f"{statistics.median(h.total_counts):.0f}, max {max(h.total_counts)}).",
        "",
        f"- **p50 {statistics.median(h.latencies_ms):.1f} ms, p95 {percentile(h.latencies_ms, 0.95):.1f} ms**; "
        f"target p50 < {TARGET_SEARCH_P50_MS:.0f} ms: "
        f"**{'met' if statistics.median(h.latencies_ms) < TARGET_SEARCH_P50_MS else 'not met'}**",
        f"- the sought person among the first page's {http_search.PAGE} people (any of their records, in any "
        f"system): {found}/{held} of the searches for someone a system holds",
        "",
        *table(("search", "searches", "p50 / p95 ms", "sought person on the first page"), rows),
        "",
    ]
