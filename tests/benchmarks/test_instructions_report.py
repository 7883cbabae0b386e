"""benchmarks/instructions.py: reading callgrind's totals and the report's table (no valgrind needed)."""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.instructions import HEADING, Counted, report, total_instructions


def test_the_totals_of_every_part_callgrind_wrote_are_added(tmp_path: Path) -> None:
    out = tmp_path / "callgrind.this.family.out"
    out.write_text("events: Ir\nsummary: 0\ntotals: 1200\n")
    Path(f"{out}.2").write_text("events: Ir\ntotals: 34\n")  # a second part (callgrind's numbering)
    (tmp_path / "callgrind.other.out").write_text("totals: 999\n")  # another run's file: not counted
    assert total_instructions(out) == 1234


def test_the_report_puts_each_query_beside_the_baseline() -> None:
    found = [
        Counted("baseline", "family", 40, 40 * 28_000_000),
        Counted("this", "family", 40, 40 * 25_200_000),
        Counted("baseline", "tiny", 100, 100 * 4_000_000),
        Counted("this", "tiny", 100, 100 * 3_600_000),
    ]
    args = argparse.Namespace(baseline="/tmp/base", households=300)
    text = report(args, found, 90.0)
    assert text.startswith(HEADING)
    assert "| family | 40 | 25.20 M | 28.00 M | 0.900x |" in text
    assert "| tiny | 100 | 3.60 M | 4.00 M | 0.900x |" in text


def test_without_a_baseline_only_this_code_is_shown() -> None:
    found = [Counted("this", "family", 40, 40 * 25_000_000), Counted("this", "tiny", 100, 100 * 3_500_000)]
    text = report(argparse.Namespace(baseline=None, households=300), found, 60.0)
    assert "| family | 40 | 25.00 M |" in text and "baseline" not in text.split("\n", 3)[3]
