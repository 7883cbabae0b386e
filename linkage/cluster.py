"""Deduplicating a list of records: which of them describe one person.

>>> import datetime
>>> born = datetime.date(2012, 3, 4)
>>> cluster([
...     Demographics(given_name="Bob", family_name="Smith", date_of_birth=born),
...     Demographics(given_name="Jake", family_name="Smith", date_of_birth=born),     # his twin
...     Demographics(given_name="Robert", family_name="SMITH", date_of_birth=born),
... ])
[[0, 2], [1]]

Two records are one person when their link counts (`MatchEvidence.counts`: CERTAIN or PROBABLE under the
thresholds, rules and model given); a group is a connected component of those links, so a chain of counted links
joins its ends even where they would not link directly. Each record is scored only against the records a
`BlockingIndex` offers as candidates, not against every other record.
"""

from __future__ import annotations

from collections.abc import Sequence

from linkage.blocking import BlockingIndex
from linkage.demographics import Demographics
from linkage.scoring import best_links
from linkage.thresholds import DEFAULT_THRESHOLDS, MatchThresholds


def cluster(records: Sequence[Demographics], thresholds: MatchThresholds = DEFAULT_THRESHOLDS) -> list[list[int]]:
    """Groups of positions in `records` that are one person: every position once, each group in ascending order,
    groups ordered by their first position (a record that links to nothing is a group of one)."""
    parent = list(range(len(records)))

    def root(position: int) -> int:
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    index: BlockingIndex[int] = BlockingIndex((person, position) for position, person in enumerate(records))
    for position, person in enumerate(records):
        later = [(other, found) for other, found in index.candidates(person) if found > position]
        for found, evidence in best_links(person, later, thresholds):
            if evidence.counts:
                a, b = root(position), root(found)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for position in range(len(records)):
        groups.setdefault(root(position), []).append(position)
    return sorted(groups.values(), key=lambda group: group[0])
