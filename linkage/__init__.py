"""Linking one person's records across systems that share no identifier.

>>> evidence = score(
...     Demographics(given_name="Bob", family_name="Smith", date_of_birth=datetime.date(2012, 3, 4)),
...     Demographics(given_name="Robert", family_name="SMITH", date_of_birth=datetime.date(2012, 3, 4)),
... )
>>> evidence.level, evidence.reasons[:3]
(<MatchLevel.PROBABLE: 'PROBABLE'>, ('given name nickname Bob/Robert', 'family name exact', 'DOB exact'))

`score` compares two `Demographics` (`same_person`: only whether the link counts); `best_links` scores a source's
candidates for one person; `blocking` finds the candidates (`candidate_keys` for a source's search, `BlockingIndex`
for an extract held in memory); `cluster` deduplicates a list. `MatchEvidence.counts` is the one rule for whether a
link counts (CERTAIN or PROBABLE), and `MatchEvidence.fields` gives each field's level and weight (`FieldOutcome`).
Reasons name the compared values (e.g. a nickname pair), so evidence is shown to the user but never logged.

Without a model these use the built-in prior model (`linkage.weights`). `train(records)` fits a model to an
authority's own records with Splink (the `train` extra), `load_model(path)` reads one back, and a `LinkageModel`
scores pairs in pure Python; pass it in `MatchThresholds(model=...)` and `score` and `best_links` use it.
"""

from linkage.blocking import BlockingIndex, CandidateQuery, candidate_keys, surname_key
from linkage.cluster import cluster
from linkage.demographics import Demographics, FieldOutcome, MatchEvidence, MatchLevel
from linkage.model import LinkageModel, ModelError
from linkage.model_file import load_model
from linkage.rules import DEFAULT_RULES, LinkRules
from linkage.scoring import PRIOR_LOG2_ODDS, best_links, match_weight, same_person, score
from linkage.search import search_match
from linkage.thresholds import DEFAULT_THRESHOLDS, MatchThresholds
from linkage.train import train

__all__ = [
    "DEFAULT_RULES",
    "DEFAULT_THRESHOLDS",
    "PRIOR_LOG2_ODDS",
    "BlockingIndex",
    "CandidateQuery",
    "Demographics",
    "FieldOutcome",
    "LinkRules",
    "LinkageModel",
    "MatchEvidence",
    "MatchLevel",
    "MatchThresholds",
    "ModelError",
    "best_links",
    "candidate_keys",
    "cluster",
    "load_model",
    "match_weight",
    "same_person",
    "score",
    "search_match",
    "surname_key",
    "train",
]
