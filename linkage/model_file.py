"""A model on disk: Splink's own JSON, and the term-frequency tables beside it.

`MODEL.json` is exactly what Splink's `save_model_to_json` writes, so a data team can open it in Splink
(`Linker(df, "MODEL.json")`) or chart it. Splink keeps term frequencies out of its JSON (it recomputes them from
the data it links), but the online scorer has no data to recompute them from, so `MODEL.terms.json` holds them,
with a note of how the model was trained. Reading either needs no Splink.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from linkage.model import LinkageModel, ModelError
from linkage.term_frequencies import TermFrequencies

TERMS_FORMAT = "family-context linkage terms"
TERMS_VERSION = 1


def terms_path(model_path: Path) -> Path:
    """Where the term-frequency tables of the model at `model_path` are kept: `MODEL.terms.json`."""
    return model_path.with_name(model_path.stem + ".terms.json")


def save_model(model: LinkageModel, path: Path) -> Path:
    """Write `model` to `path` (Splink's JSON) and `terms_path(path)`; returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model.settings, indent=2) + "\n", encoding="utf-8")
    terms = {
        "format": TERMS_FORMAT,
        "version": TERMS_VERSION,
        "training": model.training,
        "term_frequencies": {column: table.to_json() for column, table in sorted(model.term_frequencies.items())},
    }
    terms_path(path).write_text(json.dumps(terms, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_model(path: str | Path) -> LinkageModel:
    """The model saved at `path` (and its terms file beside it); `ModelError` says what is wrong with either."""
    path = Path(path)
    settings = _read_json(path, "model")
    terms_file = terms_path(path)
    terms = _read_json(terms_file, "term-frequency") if terms_file.exists() else {}
    if terms and (terms.get("format") != TERMS_FORMAT or terms.get("version") != TERMS_VERSION):
        raise ModelError(f"{terms_file.name} is not a version {TERMS_VERSION} {TERMS_FORMAT} file")
    raw_tables = terms.get("term_frequencies", {})
    if not isinstance(raw_tables, dict):
        raise ModelError(f"{terms_file.name}: term_frequencies must be an object")
    try:
        tables = {column: TermFrequencies.from_json(column, data) for column, data in raw_tables.items()}
    except ValueError as exc:
        raise ModelError(f"{terms_file.name}: {exc}") from exc
    training = terms.get("training", {})
    return LinkageModel(settings, tables, training=training if isinstance(training, dict) else {})


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"the {what} file {path} does not exist") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"the {what} file {path} cannot be read as JSON ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise ModelError(f"the {what} file {path} must hold a JSON object")
    return data
