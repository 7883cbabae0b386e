"""The gateway CPU benchmark's report renders every part it measured, with each goal judged (no gateway runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.gateway_cpu import Block, Code, Results, report


def test_report_judges_each_goal_and_shows_the_baseline() -> None:
    codes = [Code("baseline", Path("/old"), "python"), Code("this", Path("/new"), "python")]
    results = Results([c.name for c in codes])
    for name, cpu in (("baseline", 2.0), ("this", 0.5)):
        results.family_cpu[name] = [Block(80, 1.0, cpu * 80 / 1000 * 10)]
        results.tiny_cpu[name] = [Block(200, 1.0, cpu * 200 / 1000)]
        results.throughput[name] = [Block(240, 2.0, 1.0)]
        results.sequential[name] = [0.16, 0.17]
        results.bulk[name] = [(1.5 if name == "this" else 8.0, 1.0, [] if name == "this" else ["DEADLINE_EXCEEDED"])]
        results.rss[name] = {"idle before 64 in flight": 100.0, "peak with 64 in flight": 110.0}
        results.gc[name] = {"count 0": 0.1, "sum 0": 0.0004, "mean pause 0": 0.004, "max pause": 0.01}
    results.floors = [0.155, 0.16]
    results.workers = {1: [Block(400, 4.0, 2.0)], 2: [Block(400, 2.1, 2.0)]}
    results.soak = [(0.0, 100.0), (30.0, 101.0), (290.0, 101.5), (300.0, 101.2)]
    results.soak_queries = 1000
    args = argparse.Namespace(households=300, rounds=1, soak_s=300.0)

    text = report(args, codes, results, 60.0)

    assert "| gateway CPU per family query, 0 ms latency | ≤ 6 ms | 5.00 ms | 20.00 ms | 0.25x | **yes** |" in text
    assert "| `children(500)` at 50 ms latency, no source failing | ≤ 2 s | 1.50 s | 8.00 s | 0.19x | **yes** |" in text
    assert "baseline: DEADLINE_EXCEEDED; this: none" in text
    assert "scaling from 1 to 2 workers: **1.90x** (goal ≥ 1.8x: met)" in text
    assert "soak (this, 300 s" in text and "1000 queries" in text
    assert text.startswith("## Gateway CPU")


def test_report_shows_the_spread_of_blocks_and_each_rounds_ratio() -> None:
    codes = [Code("baseline", Path("/old"), "python"), Code("this", Path("/new"), "python")]
    results = Results([c.name for c in codes])
    # Three rounds: this code's blocks cost 8, 12 and 9 ms a query, the baseline's 10, 12 and 18 ms.
    for name, costs in (("baseline", (10.0, 12.0, 18.0)), ("this", (8.0, 12.0, 9.0))):
        results.family_cpu[name] = [Block(80, 1.0, cost * 80 / 1000) for cost in costs]
        results.tiny_cpu[name] = [Block(200, 1.0, 0.4) for _ in costs]
    args = argparse.Namespace(households=300, rounds=3, soak_s=0.0)

    text = report(args, codes, results, 60.0)

    assert (
        "- family query CPU, range of the blocks: baseline 10.00 to 18.00 ms; this 8.00 to 12.00 ms; ratio of each "
        "round's pair (this / baseline): median **0.80x**, range 0.50 to 1.00x"
    ) in text


def test_report_sets_the_cpu_of_queries_one_at_a_time_beside_the_cpu_under_load() -> None:
    codes = [Code("baseline", Path("/old"), "python"), Code("this", Path("/new"), "python")]
    results = Results([c.name for c in codes])
    for name, cpu_ms, one_at_a_time_ms in (("baseline", 8.0, 14.0), ("this", 4.0, 7.0)):
        results.family_cpu[name] = [Block(80, 1.0, cpu_ms * 80 / 1000)]
        results.sequential[name] = [0.108, 0.110, 0.109]
        # CPU readings move in clock ticks: two queries read one tick, one read none; the mean is what counts.
        results.sequential_cpu[name] = [one_at_a_time_ms * 3 / 2000, one_at_a_time_ms * 3 / 2000, 0.0]
    results.floors = [0.103, 0.103, 0.103]
    args = argparse.Namespace(households=300, rounds=1, soak_s=0.0)

    text = report(args, codes, results, 60.0)

    assert "| gateway CPU per family query, one at a time at 50 ms latency |  | 7.00 ms | 14.00 ms | 0.50x |  |" in text
    assert "the gateway's CPU per family query was 7.00 ms (mean over those queries), against 4.00 ms" in text
    assert "The p50 stands 6.0 ms above the critical path" in text
