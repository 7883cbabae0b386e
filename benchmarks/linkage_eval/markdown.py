"""Markdown building blocks of the report: table rows and tables, percentages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def row(cells: Iterable[object]) -> str:
    """One table row: `| a | b |`; an empty cell is written `| |`."""
    return "|" + "".join(f" {cell} |" if cell != "" else " |" for cell in cells)


def table(header: Sequence[str], rows: Iterable[Iterable[object]]) -> list[str]:
    """A table's lines: the header, its rule, and the rows."""
    return [row(header), "|" + "---|" * len(header), *(row(cells) for cells in rows)]


def pct(value: float | None) -> str:
    """A ratio as a percentage with two decimals, or "n/a"."""
    return "n/a" if value is None else f"{value * 100:.2f}%"
