"""`python -m benchmarks.linkage_eval.sandbox_model`: train the model the demo serves, on the demo's population.

The demo's population (seed 1, 2,000 households; synthetic, so the model file holds no personal data) is read as
the gateway's mappers read each system (`training_records`), a model is trained on it without labels, and saved
to `linkage/data/sandbox_model.json` (with its term frequencies beside it). `make linkage-model` runs this; the
repository ships the result so that `make demo` needs neither Splink nor the minute training takes.
`tests/linkage/test_sandbox_model.py` checks that the shipped model still has every level of
`linkage.comparisons` and that Splink scores it as the online scorer does.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import linkage
from benchmarks.linkage_eval import REFERENCE_DATE
from benchmarks.linkage_eval.training_records import sandbox_records
from gateway.demo import DEMO_MODEL
from sandbox.population import generate

DEMO_SEED = 1
DEMO_HOUSEHOLDS = 2_000
SEED = 1


def main() -> None:
    """Train and write the demo's model (or to `--out`)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.linkage_eval.sandbox_model", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEMO_MODEL)
    args = parser.parse_args()
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    records = sandbox_records(generate(DEMO_SEED, DEMO_HOUSEHOLDS, today=REFERENCE_DATE))
    model = linkage.train(records, seed=SEED, progress=progress)
    model.save(args.out)
    print(f"wrote {args.out} ({len(records):,} records)")


if __name__ == "__main__":
    main()
