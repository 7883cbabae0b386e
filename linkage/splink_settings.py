"""The Splink settings of a model over `linkage.comparisons`, before training (no Splink import needed).

The comparison levels come from the catalogue as they are, their SQL rendered in the training backend's dialect
(what the online scorer later recognises); the term-frequency levels get the tables' floor as `tf_minimum_u_value`,
so that Splink and the scorer treat rare values alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from linkage.comparison import Comparison
from linkage.sql_dialects import DUCKDB, SqlDialect
from linkage.term_frequencies import TermFrequencies

UNIQUE_ID = "unique_id"


def splink_settings(
    comparisons: Sequence[Comparison],
    term_frequencies: Mapping[str, TermFrequencies],
    *,
    probability_two_random_records_match: float = 1e-4,
    blocking_rules: Sequence[str] = (),
    dialect: SqlDialect = DUCKDB,
) -> dict[str, Any]:
    """A Splink settings dictionary deduplicating one table of `linkage.features` rows (m and u not yet set), its
    levels' SQL in `dialect`."""
    rendered = []
    for comparison in comparisons:
        entry = comparison.splink_dict(dialect)
        for level in entry["comparison_levels"]:
            column = level.get("tf_adjustment_column")
            if column is not None:
                level["tf_minimum_u_value"] = term_frequencies[column].minimum
        rendered.append(entry)
    return {
        "link_type": "dedupe_only",
        "sql_dialect": dialect.name,
        "unique_id_column_name": UNIQUE_ID,
        "probability_two_random_records_match": probability_two_random_records_match,
        "comparisons": rendered,
        "blocking_rules_to_generate_predictions": list(blocking_rules),
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "max_iterations": 25,
        "em_convergence": 0.0001,
    }
