"""How long training takes on 100,000 records: the sandbox's records of every system, as `linkage.train` gets them.

The records come from a population large enough to hold 100,000 records across the CMS and the four systems (as
the gateway's mappers read them, `training_records`); the first 100,000 are trained on with the defaults, and
each stage is timed from the progress `linkage.train` reports.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import linkage
from benchmarks.linkage_eval import REFERENCE_DATE
from benchmarks.linkage_eval.training_records import sandbox_records
from sandbox.population import generate

RECORDS = 100_000
TARGET_SECONDS = 120.0


@dataclass
class TrainingSpeed:
    records: int
    households: int
    seconds: float
    stages: list[tuple[float, str]] = field(default_factory=list)  # (seconds since the start, stage)


def measure_training(seed: int, households: int, records: int = RECORDS) -> TrainingSpeed:
    """Train on the first `records` records of a `households`-household population, timing each stage."""
    people = sandbox_records(generate(seed, households, today=REFERENCE_DATE))[:records]
    stages: list[tuple[float, str]] = []
    started = time.perf_counter()
    linkage.train(people, progress=lambda message: stages.append((time.perf_counter() - started, message)))
    return TrainingSpeed(len(people), households, time.perf_counter() - started, stages)
