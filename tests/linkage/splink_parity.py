"""Splink's own predictions for a model, to hold the online scorer to: the parity tests' reference."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.linkage_eval.training_records import sandbox_records
from linkage import Demographics, LinkageModel
from linkage.diminutives import diminutives_of
from linkage.features import features
from linkage.splink_settings import UNIQUE_ID
from linkage.train import feature_rows, feature_table
from sandbox.population import generate


def parity_records(seed: int, households: int) -> list[Demographics]:
    """A sandbox population's records (every system's, as the gateway reads them) and, for 40 complete people,
    records with one slip each (`variants`), so that Splink's predictions meet every level."""
    population = sandbox_records(generate(seed, households))
    complete = [p for p in population if p.given_name and p.family_name and p.date_of_birth and p.postcode]
    return population + [variant for person in complete[:40] for variant in variants(person)]


def variants(person: Demographics) -> list[Demographics]:
    """Records of `person` with one slip each, so that every level of every comparison is met: name variants
    keep the DOB (Splink pairs them by DOB), DOB and postcode variants keep the family name."""
    assert person.given_name and person.family_name and person.date_of_birth and person.postcode
    given, family, dob, postcode = person.given_name, person.family_name, person.date_of_birth, person.postcode
    change = functools.partial(dataclasses.replace, person)
    nicknames = sorted(diminutives_of(given.lower()))
    out = [
        change(given_name=family, family_name=given),
        change(given_name=f"{given} Ann"),
        change(given_name=given[0]),
        change(given_name=given[:-1] + "x"),
        change(given_name=given[:-2] + "xy"),
        change(given_name="Zebedee"),
        change(given_name=None),
        change(family_name=f"{family}-Hart"),
        change(family_name="Hart", other_family_names=(family,)),
        change(family_name=family[:-1] + "q"),
        change(family_name=family[:-2] + "qz"),
        change(family_name=None),
        change(date_of_birth=dob + datetime.timedelta(days=1)),
        change(date_of_birth=dob.replace(year=dob.year - 1) if (dob.month, dob.day) != (2, 29) else dob),
        change(date_of_birth=dob.replace(year=dob.year - 3) if (dob.month, dob.day) != (2, 29) else dob),
        change(date_of_birth=None),
        change(postcode=postcode[:-1] + ("Z" if postcode[-1] != "Z" else "Y")),
        change(postcode="ZZ9 9ZZ", previous_postcodes=(postcode,)),
        change(postcode=postcode.split()[0] + " 9ZZ"),
        change(postcode=None, gender=None),
        change(gender="FEMALE" if person.gender == "MALE" else "MALE"),
    ]
    if dob.day <= 12 and dob.day != dob.month:
        out.append(change(date_of_birth=dob.replace(month=dob.day, day=dob.month)))
    if nicknames:
        out.append(change(given_name=nicknames[0]))
    return out


TOLERANCE = 0.01  # bits
MIN_PAIRS = 2_000

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


def assert_parity(model: LinkageModel, records: Sequence[Demographics], pairs: Sequence[SplinkPair]) -> None:
    """The online scorer agrees with Splink's `pairs` (at least `MIN_PAIRS`): each comparison's level, and the match
    weight within `TOLERANCE`; and the pairs meet nearly every level of every comparison."""
    assert len(pairs) >= MIN_PAIRS
    worst = 0.0
    for pair in pairs:
        a, b = records[pair.left], records[pair.right]
        assert online_gammas(model, a, b) == pair.gammas, (pair.left, pair.right)
        worst = max(worst, abs(model.match_weight(a, b) - pair.match_weight))
    assert worst <= TOLERANCE
    met = {(column, gamma) for pair in pairs for column, gamma in pair.gammas.items()}
    for comparison, levels in model.comparisons:
        counted = len([f for f in levels if not f.level.null])
        missed = {g for g in range(-1, counted) if (comparison.column, g) not in met}
        assert len(missed) <= 1, (comparison.column, missed)  # sounds-alike spellings are not generated
