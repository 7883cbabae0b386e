"""The report as a whole: the machine it ran on, the quality section and, when measured, the search section."""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
from pathlib import Path

from benchmarks.linkage_eval.febrl import FebrlReport
from benchmarks.linkage_eval.febrl_report import febrl_section
from benchmarks.linkage_eval.model_report import levels_section, speed_section
from benchmarks.linkage_eval.quality import QualityReport
from benchmarks.linkage_eval.quality_report import quality_section
from benchmarks.linkage_eval.search import SearchReport
from benchmarks.linkage_eval.search_report import search_section
from benchmarks.linkage_eval.training_speed import TrainingSpeed
from benchmarks.report_file import sections

TITLE = "# Linkage and search"
GENERATED = "## Linkage and search"  # the section each run rewrites; the file's other `## ` sections are kept


def machine() -> str:
    """CPU model, CPU count, operating system and Python version."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.machine()}"
    return f"{cpu}, {os.cpu_count() or 1} CPUs, {system}, Python {platform.python_version()}"


def render(
    quality: QualityReport,
    search: SearchReport | None,
    *,
    febrl: FebrlReport | None = None,
    training: TrainingSpeed | None = None,
) -> str:
    """The generated section of docs/linkage.md (`GENERATED`), under the file's title."""
    lines = [
        TITLE,
        "",
        GENERATED,
        "",
        f"Run on {datetime.date.today().isoformat()} by `python -m benchmarks.linkage_eval` on {machine()}. "
        "Every number below comes from this one run; the populations are synthetic (`sandbox.population`) and "
        "seeded, so the run can be repeated. Method: see the docstring of `benchmarks/linkage_eval/__init__.py`.",
        "",
        *quality_section(quality),
    ]
    if febrl is not None:
        lines += febrl_section(febrl)
    if febrl is not None or training is not None:
        lines += speed_section(febrl, training)
    thresholds = quality.model_thresholds
    if thresholds is not None and thresholds.model is not None:
        lines += levels_section(thresholds.model)
    if search is not None:
        lines += search_section(search)
    return "\n".join(lines).rstrip() + "\n"


def merge(existing: str, report: str) -> str:
    """`existing` docs/linkage.md with its generated section replaced by `report`'s, every other section kept in
    place (the hand-written ones explain the model; the generated one measures it)."""
    current = sections(existing)
    generated = sections(report)
    if GENERATED not in current:
        current = {**generated, **current} if not current else {**current, **generated}
    else:
        current[GENERATED] = generated[GENERATED]
    return TITLE + "\n\n" + "\n".join(current.values())
