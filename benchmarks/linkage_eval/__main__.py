"""`python -m benchmarks.linkage_eval`: measure linkage quality and search latency, and write docs/linkage.md."""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

import benchmarks.linkage_eval
import linkage
from benchmarks.linkage_eval import REFERENCE_DATE
from benchmarks.linkage_eval.febrl import FebrlReport, evaluate_febrl
from benchmarks.linkage_eval.http_search import evaluate_http_search
from benchmarks.linkage_eval.quality import evaluate_quality
from benchmarks.linkage_eval.report import merge, render
from benchmarks.linkage_eval.search import evaluate_search
from benchmarks.linkage_eval.training_records import sandbox_records
from benchmarks.linkage_eval.training_speed import TrainingSpeed, measure_training
from gateway.demo import DEMO_PROBABLE
from sandbox.population import generate

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
    parser.add_argument("--training-households", type=int, default=16_000, help="population for training speed")
    parser.add_argument("--no-model", action="store_true", help="skip training a model on the quality population")
    parser.add_argument("--no-febrl", action="store_true", help="skip FEBRL4 (this project beside Splink)")
    parser.add_argument("--no-training-speed", action="store_true", help="skip training on 100,000 records")
    parser.add_argument("--no-search", action="store_true", help="measure linkage quality only")
    parser.add_argument("--no-http", action="store_true", help="skip searchPeople over HTTP")
    parser.add_argument("--no-write", action="store_true", help="print the report without writing docs/linkage.md")
    return parser.parse_args()


def main() -> None:
    """Measure, print the report, and write it unless told not to."""
    args = parse_arguments()
    population = generate(args.seed, args.households, today=REFERENCE_DATE)
    model_thresholds = None
    if not args.no_model:
        model = linkage.train(sandbox_records(population), progress=lambda message: print(f"  model: {message}"))
        model_thresholds = linkage.MatchThresholds(model=model, probable=DEMO_PROBABLE)  # as the demo serves it
    quality = evaluate_quality(args.seed, args.households, model_thresholds=model_thresholds, population=population)
    print(f"quality measured in {quality.seconds:.1f} s")
    febrl: FebrlReport | None = None
    if not args.no_febrl:
        febrl = evaluate_febrl()
        print(f"FEBRL4 measured: recall at zero false links {febrl.ours.swept.recall_at_zero_false:.3f}")
    training: TrainingSpeed | None = None
    if not args.no_training_speed:
        training = measure_training(args.seed, args.training_households)
        print(f"training on {training.records:,} records: {training.seconds:.1f} s")
    search = None
    if not args.no_search:
        search = evaluate_search(args.seed, args.search_households, args.search_people, args.searches)
        print(f"search measured: p50 {statistics.median(search.latencies_ms):.2f} ms")
        if not args.no_http:
            search.http = asyncio.run(
                evaluate_http_search(args.seed, args.search_households, args.http_searches, WORKDIR)
            )
    report = render(quality, search, febrl=febrl, training=training)
    print(report)
    if not args.no_write:
        existing = REPORT.read_text(encoding="utf-8") if REPORT.exists() else ""
        REPORT.write_text(merge(existing, report), encoding="utf-8")
        print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
