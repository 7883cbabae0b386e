"""Parity: the online scorer's match weight is the weight Splink's `predict()` gives for the same pair.

A model is trained on a small sandbox population (no labels), saved and read back, then Splink predicts every
pair that shares a DOB, a family name or a postcode with that model's JSON, and the scorer scores the same pairs
in Python: the weights agree within 0.01 bits, and so does each comparison's level. Needs Splink (dev extras);
about 20 s.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from pathlib import Path

import pytest

import linkage
from benchmarks.linkage_eval.training_records import sandbox_records
from linkage.diminutives import diminutives_of
from sandbox.population import generate

from .splink_parity import online_gammas, splink_predictions

pytest.importorskip("splink")

TOLERANCE = 0.01
MIN_PAIRS = 2_000


@pytest.fixture(scope="module")
def records() -> list[linkage.Demographics]:
    population = sandbox_records(generate(11, 300))
    complete = [p for p in population if p.given_name and p.family_name and p.date_of_birth and p.postcode]
    return population + [variant for person in complete[:40] for variant in variants(person)]


def variants(person: linkage.Demographics) -> list[linkage.Demographics]:
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


@pytest.fixture(scope="module")
def model(records: list[linkage.Demographics], tmp_path_factory: pytest.TempPathFactory) -> linkage.LinkageModel:
    trained = linkage.train(records, max_pairs=1e6, seed=3)
    path = trained.save(tmp_path_factory.mktemp("model") / "model.json")
    return linkage.load_model(path)


def test_online_weights_equal_splink_predictions(
    model: linkage.LinkageModel, records: list[linkage.Demographics]
) -> None:
    pairs = splink_predictions(model, records)
    assert len(pairs) >= MIN_PAIRS
    worst = 0.0
    for pair in pairs:
        a, b = records[pair.left], records[pair.right]
        assert online_gammas(model, a, b) == pair.gammas, (pair.left, pair.right)
        worst = max(worst, abs(model.match_weight(a, b) - pair.match_weight))
    assert worst <= TOLERANCE
    # The pairs meet nearly every level of every comparison.
    met = {(column, gamma) for pair in pairs for column, gamma in pair.gammas.items()}
    for comparison, levels in model.comparisons:
        counted = len([f for f in levels if not f.level.null])
        missed = {g for g in range(-1, counted) if (comparison.column, g) not in met}
        assert len(missed) <= 1, (comparison.column, missed)  # sounds-alike spellings are not generated


def test_score_is_splinks_match_probability(model: linkage.LinkageModel, records: list[linkage.Demographics]) -> None:
    a, b = records[0], records[1]
    weight = model.match_weight(a, b)
    assert model.score(a, b).score == pytest.approx(1 / (1 + 2**-weight))


def test_a_saved_model_is_splinks_json(model: linkage.LinkageModel, tmp_path: Path) -> None:
    import json

    import splink

    path = model.save(tmp_path / "again.json")
    settings = json.loads(path.read_text())
    assert settings == model.settings
    assert (tmp_path / "again.terms.json").exists()
    splink.Linker(splink.DuckDBAPI().register(_one_row()), str(path))  # Splink reads it as it is


def _one_row() -> object:
    from linkage.train import feature_rows, feature_table

    return feature_table(feature_rows([linkage.Demographics(given_name="Ann", family_name="Lee")]))
