"""`python -m benchmarks.linkage_eval`: measure linkage quality and search latency, and write docs/linkage.md."""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

import benchmarks.linkage_eval
from benchmarks.linkage_eval.http_search import evaluate_http_search
from benchmarks.linkage_eval.quality import evaluate_quality
from benchmarks.linkage_eval.report import render
from benchmarks.linkage_eval.search import evaluate_search

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "docs" / "linkage.md"
WORKDIR = ROOT / "benchmarks" / ".work" / "linkage"


def parse_arguments() -> argparse.Namespace:
    """The options of the run (see the package docstring for the method)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.linkage_eval",
        description=benchmarks.linkage_eval.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--households", type=int, default=3_000, help="households of the quality population")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--search-households", type=int, default=25_000)
    parser.add_argument("--search-people", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--http-searches", type=int, default=200)
    parser.add_argument("--no-search", action="store_true", help="measure linkage quality only")
    parser.add_argument("--no-http", action="store_true", help="skip searchPeople over HTTP")
    parser.add_argument("--no-write", action="store_true", help="print the report without writing docs/linkage.md")
    return parser.parse_args()


def main() -> None:
    """Measure, print the report, and write it unless told not to."""
    args = parse_arguments()
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
