"""The few SQL functions a comparison level needs that Splink's backends spell differently.

A level's SQL (`linkage.comparisons`) is written once, as a function of a `SqlDialect`, and rendered for the
backend that trains on it: DuckDB's list functions become Spark's array functions. Everything else the levels use
(`length`, `substr`, `abs`, `greatest`, `least`, `levenshtein`, `CASE`) is spelt alike in both.

`damerau_levenshtein` is DuckDB's own function, and on Spark the one Splink registers from the similarity jar it
ships (`uk.gov.moj.dash.linkage.LevDamerauDistance`, the unrestricted Damerau-Levenshtein distance, as DuckDB's
and rapidfuzz's are; it answers 100 when either side is null, which no level's test lets through). Its name is
the same in both, so it is written as it is; a Spark session must have Splink's jar (`linkage.spark`).

Splink's model JSON records the dialect (`sql_dialect`) its levels are written in; the online scorer recognises a
level by its SQL in any dialect here (`Comparison.level_of`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SqlDialect:
    """How one Splink backend spells the list tests the levels use: each a template over its two arguments.
    `name` is Splink's `sql_dialect`."""

    name: str
    has_any_sql: str
    has_all_sql: str
    contains_sql: str

    def has_any(self, left: str, right: str) -> str:
        """True when the two lists share a value."""
        return self.has_any_sql.format(left, right)

    def has_all(self, container: str, items: str) -> str:
        """True when every value of the list `items` is in the list `container`."""
        return self.has_all_sql.format(container, items)

    def contains(self, array: str, value: str) -> str:
        """True when `value` is in the list `array`."""
        return self.contains_sql.format(array, value)


DUCKDB = SqlDialect(
    "duckdb",
    has_any_sql="list_has_any({0}, {1})",
    has_all_sql="list_has_all({0}, {1})",
    contains_sql="list_contains({0}, {1})",
)
SPARK = SqlDialect(
    "spark",
    has_any_sql="arrays_overlap({0}, {1})",
    has_all_sql="size(array_except({1}, {0})) = 0",
    contains_sql="array_contains({0}, {1})",
)
DIALECTS: dict[str, SqlDialect] = {dialect.name: dialect for dialect in (DUCKDB, SPARK)}
"""Every dialect a model's levels may be written in, by Splink's name for it."""
