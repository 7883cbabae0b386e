"""`family-context linkage train` against the running sandbox: every system's records read through its adapter,
a model trained and written beside its term frequencies and chart, a report of the fitted levels, and no record
content printed."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

import pytest

import linkage
from benchmarks.linkage_eval.training_records import sandbox_records
from gateway.cli import main
from gateway.demo import demo_config, write_config
from gateway.linkage_train import chart_path
from linkage.model_file import terms_path
from sandbox.runner import start_sandbox

pytest.importorskip("splink")

HOUSEHOLDS = 40


async def test_train_reads_every_source_and_writes_the_model(tmp_path: Path) -> None:
    out = tmp_path / "model" / "model.json"
    stdout, stderr = io.StringIO(), io.StringIO()
    async with start_sandbox(tmp_path / "sandbox", seed=3, households=HOUSEHOLDS) as sandbox:
        config = write_config(demo_config(sandbox), tmp_path / "authority.toml")
        argv = ["linkage", "train", "--config", str(config), "--out", str(out), "--max-pairs", "200000"]
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = await asyncio.to_thread(main, argv)
        population = sandbox.population
    assert code == 0, stderr.getvalue()
    model = linkage.load_model(out)
    assert terms_path(out).exists() and chart_path(out).stat().st_size > 10_000
    dated = [person for person in sandbox_records(population) if person.date_of_birth is not None]
    assert model.training["records"] == len(dated)  # every dated record of every system, each once
    report = stdout.getvalue()
    assert "comparison" in report and "DIMINUTIVE" in report and str(out) in report
    progress = stderr.getvalue()
    assert "estimating u by random sampling" in progress
    names = {p.family_name for p in population.people} | {p.given_name for p in population.people}
    printed = set((report + progress).replace(",", " ").split())
    assert not names & printed, "a name was printed"


def test_a_bad_configuration_is_refused(tmp_path: Path) -> None:
    (tmp_path / "authority.toml").write_text("[authority]\n")
    assert main(["linkage", "train", "--config", str(tmp_path / "authority.toml"), "--out", "x.json"]) == 2
