"""`family-context linkage train`: fit a linkage model to an authority's own records and save it.

Reads the demographics of the CMS and every connected source through their adapters (`gateway.training_records`),
trains a Splink model on them (`linkage.train`, no labels), and writes beside `--out`:

- `MODEL.json`: Splink's model, as Splink saves it (a data team can open it in Splink);
- `MODEL.terms.json`: the term-frequency tables the online scorer needs;
- `MODEL.weights.html`: Splink's match-weights chart, standalone (no network needed to open it).

Then prints the fitted m and u of every comparison level. Point the authority's `[linkage] model` at `MODEL.json`.
Progress goes to stderr as counts and stages; no record content is printed or logged.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import linkage
from gateway.runtime_factory import open_http_session
from gateway.settings import BAD_CONFIGURATION, ConfigError, load_authority
from gateway.training_records import read_all_records
from linkage.model import LinkageModel
from linkage.model_file import terms_path
from linkage.spark import DEFAULT_MASTER, SparkUnavailable
from linkage.train import Backend


def chart_path(model_path: Path) -> Path:
    """Where the match-weights chart of the model at `model_path` goes: `MODEL.weights.html`."""
    return model_path.with_name(model_path.stem + ".weights.html")


def run_train(
    config: str, out: str, *, backend: Backend, max_pairs: float, seed: int, spark_master: str = DEFAULT_MASTER
) -> int:
    """The command: 0 when the model is written, 2 for a bad configuration, 1 when training fails."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    try:
        settings = load_authority(config)
    except ConfigError as exc:
        print(BAD_CONFIGURATION.format(error=exc), file=sys.stderr)
        return 2

    async def read() -> list[linkage.Demographics]:
        async with open_http_session(settings) as session:
            systems = await read_all_records(settings, session, progress=progress)
        for system in systems:
            progress(f"{system.system}: {len(system.records):,} records")
        return [person for system in systems for person in system.records]

    records = asyncio.run(read())
    path = Path(out)
    try:
        model = linkage.train(
            records,
            backend=backend,
            spark_master=spark_master,
            max_pairs=max_pairs,
            seed=seed,
            chart=chart_path(path),
            progress=progress,
        )
    except (ImportError, SparkUnavailable, ValueError) as exc:
        print(f"family-context: training failed: {exc}", file=sys.stderr)
        return 1
    model.save(path)
    print_report(model, path, sys.stdout)
    return 0


def print_report(model: LinkageModel, path: Path, out: TextIO) -> None:
    """The fitted m, u and weight of every level, and where the files went."""
    training = model.training
    engine = str(training.get("backend", "?"))
    if "spark_version" in training:
        engine += f" {training['spark_version']} on {training.get('spark_master', '?')}"
    out.write(
        f"Trained on {training.get('records', 0):,} records in {training.get('seconds', 0)} s "
        f"(Splink {training.get('splink_version', '?')}, {engine}).\n"
        f"Probability that two random records match: {model.probability_two_random_records_match:.3g} "
        f"(prior weight {model.prior_weight:+.2f} bits).\n\n"
    )
    for line in parameter_table(model):
        out.write(line + "\n")
    out.write(
        f"\nModel: {path}\nTerm frequencies: {terms_path(path)}\n"
        f"Match-weights chart: {chart_path(path)}\n"
        f'Serve it with [linkage] model = "{path}" in the authority\'s configuration.\n'
    )


def parameter_table(model: LinkageModel) -> Sequence[str]:
    """One row per level: comparison, level, m, u, weight in bits (null levels: no evidence)."""
    rows = [f"{'comparison':<14} {'level':<18} {'m':>10} {'u':>10} {'weight':>7}"]
    for fitted in model.parameters():
        if fitted.m is None or fitted.u is None:
            rows.append(f"{fitted.comparison:<14} {fitted.level.key:<18} {'-':>10} {'-':>10} {'0':>7}")
            continue
        tf = " +tf" if fitted.tf_column else ""
        rows.append(
            f"{fitted.comparison:<14} {fitted.level.key:<18} {fitted.m:>10.3g} {fitted.u:>10.3g} "
            f"{fitted.weight:>+7.2f}{tf}"
        )
    return rows
