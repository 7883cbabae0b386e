"""Splink's own predictions for a model, to hold the online scorer to: the parity tests' reference."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from linkage import Demographics, LinkageModel
from linkage.features import features
from linkage.splink_settings import UNIQUE_ID
from linkage.train import feature_rows, feature_table

PREDICT_BLOCKS = ("l.dob = r.dob", "l.family_name = r.family_name", "l.postcode = r.postcode")


@dataclass(frozen=True)
class SplinkPair:
    left: int
    right: int
    match_weight: float
    gammas: dict[str, int]  # comparison column -> Splink's comparison vector value


def splink_predictions(
    model: LinkageModel, records: Sequence[Demographics], *, tf_from_model: bool = False, db_api: Any = None
) -> list[SplinkPair]:
    """Splink's `predict()` over `records` with `model`'s JSON, blocked on DOB, family name and postcode.

    `tf_from_model`: give Splink the model's term-frequency tables (every value of the records, at its table's tf
    or the floor) instead of letting it count the records: needed when the records are not the training records.
    `db_api`: Splink's database API to predict in (default DuckDB's); the model's SQL must be in its dialect.
    """
    import splink

    logging.getLogger("splink").setLevel(logging.WARNING)
    settings: dict[str, Any] = dict(model.settings)
    settings["blocking_rules_to_generate_predictions"] = list(PREDICT_BLOCKS)
    db_api = db_api if db_api is not None else splink.DuckDBAPI()
    linker = splink.Linker(db_api.register(feature_table(feature_rows(records))), settings, log_level=logging.WARNING)
    if tf_from_model:
        import pandas as pd

        for column, table in model.term_frequencies.items():
            values = sorted({v for person in records if (v := getattr(features(person), column)) is not None})
            lookup = pd.DataFrame({column: values, f"tf_{column}": [table.tf(v) for v in values]})
            linker.table_management.register_term_frequency_lookup(db_api.register(lookup), column)
    frame = linker.inference.predict().as_pandas_dataframe()
    gamma_columns = [c for c in frame.columns if c.startswith("gamma_")]
    return [
        SplinkPair(
            int(row[f"{UNIQUE_ID}_l"]),
            int(row[f"{UNIQUE_ID}_r"]),
            float(row["match_weight"]),
            {c.removeprefix("gamma_"): int(row[c]) for c in gamma_columns},
        )
        for row in frame.to_dict("records")
    ]


def online_gammas(model: LinkageModel, a: Demographics, b: Demographics) -> dict[str, int]:
    """The comparison vector values the online scorer's levels correspond to (Splink numbers non-null levels
    from the last, ELSE = 0, upwards; null levels are -1)."""
    gammas = {}
    outcomes = {o.comparison: o.level for o in model.compare(a, b)}
    for comparison, levels in model.comparisons:
        counted = [f for f in levels if not f.level.null]
        chosen = next(f for f in levels if f.level.key == outcomes[comparison.column])
        gammas[comparison.column] = -1 if chosen.level.null else len(counted) - 1 - counted.index(chosen)
    return gammas
