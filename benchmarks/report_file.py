"""docs/benchmarks.md holds several benchmarks' reports, one `## ` section each: each run replaces its own sections
and keeps the others, so `make bench` and `make bench-audit` can run in either order."""

from __future__ import annotations

from pathlib import Path

TITLE = "# Benchmarks"


def sections(text: str) -> dict[str, str]:
    """`## ` heading -> the section's text (heading included), in file order; the title line is dropped."""
    found: dict[str, str] = {}
    for chunk in ("\n" + text).split("\n## ")[1:]:
        heading = "## " + chunk.split("\n", 1)[0].strip()
        found[heading] = ("## " + chunk).rstrip("\n") + "\n"
    return found


def write_sections(path: Path, report: str) -> None:
    """Write the report's sections into `path`, replacing sections of the same heading and keeping the rest."""
    current = sections(path.read_text(encoding="utf-8")) if path.exists() else {}
    current.update(sections(report))
    path.write_text(TITLE + "\n\n" + "\n".join(current.values()), encoding="utf-8")


def publish(path: Path, report: str, *, write: bool) -> None:
    """A benchmark's report printed, and written into `path` unless the run was told not to (`--no-write`)."""
    print(report)
    if write:
        write_sections(path, report)
        print(f"wrote {path}")
