"""Which given names are diminutives (nicknames) of one another: Bob/Robert, Kate/Catherine, Peggy/Margaret.

The table is data, not code: the curated US/English list that ships with the `nicknames` package, plus
`data/uk_diminutives.csv` for British forms it lacks (Alf, Gaz, Tel, Millie, Libby, ...), minus
`data/distinct_given_names.csv`, pairs the package relates but that are different names in UK use
(Amelia/Emily, Aaron/Erin). Only a direct name-diminutive pair counts: Alexander and Alexandra share "Alex" but
are not diminutives of each other, so boy/girl twins are not linked through a shared nickname.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Iterator
from importlib import resources

from nicknames import NickNamer


def are_diminutives(a: str, b: str) -> bool:
    """Whether one normalised (lower-case) given name is a diminutive of the other, in either direction.

    >>> are_diminutives("bob", "robert"), are_diminutives("robert", "bob"), are_diminutives("jack", "jake")
    (True, True, False)
    """
    return b in _related_names().get(a, ())


def diminutives_of(name: str) -> frozenset[str]:
    """Every name that is a diminutive of `name`, or of which `name` is a diminutive (normalised, lower case).

    `are_diminutives(a, b)` is `b in diminutives_of(a)`: the trained model's nickname level hands this set to Splink
    as a column, so that its SQL and the online scorer ask the same question.

    >>> sorted(diminutives_of("bob"))
    ['bert', 'bobby', 'rob', 'robert']
    """
    return _related_names().get(name, frozenset())


@functools.cache
def _related_names() -> dict[str, frozenset[str]]:
    pairs = set(_package_pairs()) | set(_data_pairs("uk_diminutives.csv"))
    pairs -= set(_data_pairs("distinct_given_names.csv"))
    related: dict[str, set[str]] = {}
    for pair in pairs:
        first, second = sorted(pair)
        related.setdefault(first, set()).add(second)
        related.setdefault(second, set()).add(first)
    return {name: frozenset(others) for name, others in related.items()}


def _package_pairs() -> Iterator[frozenset[str]]:
    lookup: dict[str, set[str]] = NickNamer.default_lookup()
    for canonical, diminutives in lookup.items():
        yield from _pairs((canonical, diminutive) for diminutive in diminutives)


def _data_pairs(filename: str) -> Iterator[frozenset[str]]:
    text = resources.files("linkage").joinpath("data").joinpath(filename).read_text(encoding="utf-8")
    rows = csv.reader(text.splitlines()[1:])
    yield from _pairs((row[0], row[1]) for row in rows if len(row) >= 2)


def _pairs(rows: Iterable[tuple[str, str]]) -> Iterator[frozenset[str]]:
    for first, second in rows:
        a, b = first.strip().lower(), second.strip().lower()
        if a and b and a != b:
            yield frozenset((a, b))
