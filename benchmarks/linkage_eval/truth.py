"""Look-ups over the sandbox's ground truth, and the discrepancy kinds a pair is counted under."""

from __future__ import annotations

from collections import defaultdict

from benchmarks.linkage_eval.records import LinkRecord
from sandbox.ground_truth import DISCREPANCY_KINDS, GroundTruth, System

CLEAN = "clean"
ANY_PLANTED = "any planted discrepancy"
IDENTITY_PLANTED = "any planted identity discrepancy"
CONTACT_KINDS = frozenset({"bad_phone", "missing_email"})  # planted on contact details, not on who the person is
KIND_ROWS = (CLEAN, *DISCREPANCY_KINDS, ANY_PLANTED, IDENTITY_PLANTED)


def kind_rows(kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The rows of `KIND_ROWS` a pair of these kinds counts under: each kind, and the pools it belongs to."""
    rows = kinds
    if kinds != (CLEAN,):
        rows += (ANY_PLANTED,)
    if set(kinds) - CONTACT_KINDS - {CLEAN}:
        rows += (IDENTITY_PLANTED,)
    return rows


class Truth:
    """Look-ups over the ground truth: true pairs, discrepancy kinds of a record, near-duplicate kind of two people."""

    def __init__(self, truth: GroundTruth) -> None:
        self.truth = truth
        self.kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
        for d in truth.discrepancies:
            self.kinds[(d.system, d.record_id)].add(d.kind)
        self.near: dict[frozenset[str], str] = {}
        for n in truth.near_duplicates:
            for i, a in enumerate(n.person_ids):
                for b in n.person_ids[i + 1 :]:
                    self.near.setdefault(frozenset((a, b)), n.kind)

    def records_of(self, person_id: str, system: System) -> tuple[str, ...]:
        """The ids of the person's records in `system`."""
        return self.truth.people[person_id].records.get(system, ())

    def pair_kinds(self, subject: LinkRecord, target: LinkRecord) -> tuple[str, ...]:
        """The kinds planted on either record, sorted; `(CLEAN,)` when neither carries one."""
        kinds = self.kinds.get((subject.system, subject.record_id), set()) | self.kinds.get(
            (target.system, target.record_id), set()
        )
        return tuple(sorted(kinds)) or (CLEAN,)

    def near_kind(self, a: str, b: str) -> str | None:
        """The kind of near duplicate two people are, if they are."""
        return self.near.get(frozenset((a, b)))
