"""The report as a whole: the machine it ran on, the quality section and, when measured, the search section."""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
from pathlib import Path

from benchmarks.linkage_eval.quality import QualityReport
from benchmarks.linkage_eval.quality_report import quality_section
from benchmarks.linkage_eval.search import SearchReport
from benchmarks.linkage_eval.search_report import search_section


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


def render(quality: QualityReport, search: SearchReport | None) -> str:
    """The markdown of docs/linkage.md."""
    lines = [
        "# Linkage and search",
        "",
        f"Run on {datetime.date.today().isoformat()} by `python -m benchmarks.linkage_eval` on {machine()}. "
        "Every number below comes from this one run; the populations are synthetic (`sandbox.population`) and "
        "seeded, so the run can be repeated. Method: see the docstring of `benchmarks/linkage_eval/__init__.py`.",
        "",
        "## Linkage and search",
        "",
        *quality_section(quality),
    ]
    if search is not None:
        lines += search_section(search)
    return "\n".join(lines).rstrip() + "\n"
