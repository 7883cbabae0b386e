"""Training time on each Splink backend, the same records in one run: DuckDB (embedded) and Spark (a local session).

    python -m benchmarks.linkage_eval.backends [--records 20000] [--spark-master local[2]]

The records are the sandbox's (the CMS and every system, as `training_records` reads them), the first `--records`
of a population large enough to hold them; both backends train with `linkage.train`'s defaults. Spark's time
includes starting its JVM, reported separately. Prints the stages of each and a Markdown table for
docs/linkage.md.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field

import linkage
from benchmarks.linkage_eval import REFERENCE_DATE
from benchmarks.linkage_eval.training_records import sandbox_records
from linkage.train import Backend
from sandbox.population import generate

RECORDS_PER_HOUSEHOLD = 6.5  # about, across the CMS and the four systems


@dataclass
class Run:
    backend: str
    seconds: float
    start_seconds: float = 0.0  # starting the engine (Spark's JVM and session)
    stages: list[tuple[float, str]] = field(default_factory=list)


def measure(records: list[linkage.Demographics], backend: Backend, master: str) -> Run:
    stages: list[tuple[float, str]] = []
    session = None
    start_seconds = 0.0
    if backend == "spark":
        from linkage.spark import local_session

        started = time.perf_counter()
        session = local_session(master)
        start_seconds = time.perf_counter() - started
    started = time.perf_counter()
    try:
        linkage.train(
            records,
            backend=backend,
            spark=session,
            progress=lambda message: stages.append((time.perf_counter() - started, message)),
        )
    finally:
        if session is not None:
            session.stop()
    return Run(backend, time.perf_counter() - started, start_seconds, stages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--spark-master", default="local[2]")
    args = parser.parse_args()
    households = int(args.records / RECORDS_PER_HOUSEHOLD) + 100
    records = sandbox_records(generate(args.seed, households, today=REFERENCE_DATE))[: args.records]
    print(f"{len(records):,} records")
    runs = [measure(records, "duckdb", args.spark_master), measure(records, "spark", args.spark_master)]
    for run in runs:
        print(f"\n{run.backend}: {run.seconds:.1f} s (+ {run.start_seconds:.1f} s starting the engine)")
        for at, stage in run.stages:
            print(f"  {at:7.1f}  {stage}")
    duckdb, spark = runs
    print(f"\n| stage | duckdb (s) | spark {args.spark_master} (s) |\n|---|---|---|")
    for label, prefix in (
        ("λ (deterministic rule)", "estimating the probability"),
        ("u by random sampling", "estimating u"),
        ("m by expectation maximisation", "estimating m"),
    ):
        print(f"| {label} | {_span(duckdb, prefix):.1f} | {_span(spark, prefix):.1f} |")
    print(f"| training | {duckdb.seconds:.1f} | {spark.seconds:.1f} |")
    print(f"| starting Spark | - | {spark.start_seconds:.1f} |")
    print(f"\nSpark / DuckDB: {spark.seconds / duckdb.seconds:.1f}x (training only)")


def _span(run: Run, prefix: str) -> float:
    """Seconds from the first stage starting with `prefix` to the next stage not starting with it."""
    times = [at for at, _ in run.stages] + [run.seconds]
    inside = [i for i, (_, stage) in enumerate(run.stages) if stage.startswith(prefix)]
    if not inside:
        return 0.0
    return times[inside[-1] + 1] - times[inside[0]]


if __name__ == "__main__":
    main()
