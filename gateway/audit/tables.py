"""The trail's table names, from `[audit] table_prefix`, and the columns both backends store in the same order.

One row per event in `<prefix>_events` (position is the primary key: never reused), subject ids indexed
(SQLite: `<prefix>_subjects`, PostgreSQL: a GIN index), the MAC'd head in `<prefix>_head` and the MAC'd prune
checkpoint in `<prefix>_checkpoint` (one row each).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.audit.settings import TABLE_PREFIX

EVENT_COLUMNS: tuple[str, ...] = (
    "position",
    "at",
    "actor_id",
    "actor_name",
    "roles",
    "team",
    "client_id",
    "purpose",
    "case_reference",
    "request_id",
    "action",
    "subject_ids",
    "services",
    "search_terms",
    "reason",
    "previous_hash",
    "hash",
    "mac",
)


@dataclass(frozen=True)
class Tables:
    schema: str | None  # PostgreSQL only
    base: str  # the unqualified prefix: index names start with it

    @classmethod
    def of(cls, prefix: str) -> Tables:
        """Validated again here (settings already did): these names are spliced into SQL."""
        match = TABLE_PREFIX.fullmatch(prefix)
        if match is None:
            raise ValueError(f"not a table prefix: {prefix!r}")
        return cls(schema=match.group(1), base=match.group(2))

    def _name(self, suffix: str) -> str:
        return f"{self.schema}.{self.base}_{suffix}" if self.schema else f"{self.base}_{suffix}"

    @property
    def events(self) -> str:
        return self._name("events")

    @property
    def subjects(self) -> str:
        return self._name("subjects")

    @property
    def head(self) -> str:
        return self._name("head")

    @property
    def checkpoint(self) -> str:
        return self._name("checkpoint")

    def index(self, suffix: str) -> str:
        """An index's name: unqualified (PostgreSQL puts an index in its table's schema)."""
        return f"{self.base}_{suffix}"

    @property
    def all(self) -> tuple[str, ...]:
        return (self.events, self.subjects, self.head, self.checkpoint)
