"""What a comparison level is: one way two records' field can agree, said twice, in SQL for Splink and in Python
for the online scorer.

A level's SQL is a string where every Splink backend spells it alike, or a function of the `SqlDialect`
(`linkage.sql_dialects`) where they differ; either way it lives beside the level's Python test.

A `Comparison` is one field's ordered levels; the first level whose test holds is the pair's level for that field,
as in Splink (`CASE WHEN ... THEN ...`). A null level carries no evidence (Splink's `is_null_level`: weight 0,
left out of expectation maximisation). A level may name a `guard` (`linkage.rules`): the authority's rule that a
link resting on it is shown at most as POSSIBLE, whatever its weight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from linkage.features import Features
from linkage.sql_dialects import DIALECTS, DUCKDB, SqlDialect

Test = Callable[[Features, Features], bool]
Reason = Callable[[Features, Features], str | None]
Sql = str | Callable[[SqlDialect], str]
ELSE = "ELSE"


@dataclass(frozen=True, slots=True)
class Level:
    """One comparison level: its SQL condition over the `features` columns (`_l`/`_r`), the same test in Python,
    and the reason in words when a pair falls in it."""

    key: str  # stable upper-case name in structured results, e.g. "DIMINUTIVE"
    label: str  # Splink's label_for_charts
    sql: Sql  # Splink's sql_condition, or a function of the dialect giving it; "ELSE" for the last level
    test: Test
    reason: Reason
    null: bool = False  # no evidence either way
    tf_column: str | None = None  # term-frequency adjustment on this (exact) level, from this column
    guard: str | None = None  # a `LinkRules` field: links resting on this level may be capped at POSSIBLE

    def sql_for(self, dialect: SqlDialect = DUCKDB) -> str:
        """Splink's `sql_condition` for this level in `dialect`."""
        return self.sql if isinstance(self.sql, str) else self.sql(dialect)

    @property
    def conditions(self) -> dict[str, str]:
        """This level's `sql_condition` in each dialect, by the dialect's name."""
        return {name: self.sql_for(dialect) for name, dialect in DIALECTS.items()}

    @property
    def is_else(self) -> bool:
        return self.sql == ELSE

    def splink_dict(self, dialect: SqlDialect = DUCKDB) -> dict[str, Any]:
        """This level as an entry of a Splink comparison's `comparison_levels` in `dialect` (without m and u)."""
        level: dict[str, Any] = {"sql_condition": self.sql_for(dialect), "label_for_charts": self.label}
        if self.null:
            level["is_null_level"] = True
        if self.tf_column is not None:
            level["tf_adjustment_column"] = self.tf_column
            level["tf_adjustment_weight"] = 1.0
        return level


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field's levels, strongest first, ending in an ELSE level."""

    column: str  # Splink's output_column_name, e.g. "given_name"
    description: str
    levels: tuple[Level, ...]

    def __post_init__(self) -> None:
        if not self.levels or not self.levels[-1].is_else:
            raise ValueError(f"comparison {self.column}: the last level must be ELSE")
        keys = [level.key for level in self.levels]
        if len(set(keys)) != len(keys):
            raise ValueError(f"comparison {self.column}: level keys repeat")
        # A saved condition names one level whichever dialect it was written in.
        owner: dict[str, str] = {}
        for level in self.levels:
            for sql in set(level.conditions.values()):
                if owner.setdefault(sql, level.key) != level.key:
                    raise ValueError(f"comparison {self.column}: levels {owner[sql]} and {level.key} share SQL")

    def level_of(self, sql: str, dialect: str | None = None) -> Level | None:
        """The level with this exact SQL condition in `dialect` (Splink's name for it), or in any dialect when
        `dialect` is None; None when this comparison has no such level."""
        for level in self.levels:
            conditions = level.conditions
            if (sql in conditions.values()) if dialect is None else (conditions.get(dialect) == sql):
                return level
        return None

    def splink_dict(self, dialect: SqlDialect = DUCKDB) -> dict[str, Any]:
        """This comparison as an entry of Splink's settings `comparisons` in `dialect` (without m and u)."""
        return {
            "output_column_name": self.column,
            "comparison_description": self.description,
            "comparison_levels": [level.splink_dict(dialect) for level in self.levels],
        }
