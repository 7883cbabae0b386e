"""How one source is configured for one authority (one `[[sources]]` table of the authority's TOML)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from sources.model import Coverage, Service, SourceInfo

# The children's case-management system's one kind; every service's kinds come from its definition
# (`sources/services/<service>/`, through `sources.registry`).
CMS_KIND = "cms_rest"
AdapterKind = str  # a source's `kind`


@dataclass(frozen=True, kw_only=True)
class SourceSettings:
    """Validated settings for one source. Secrets never live here: they come from the environment."""

    service: Service | None  # None for the children's case-management system (CMS)
    system: str  # the system's name as social workers know it, e.g. "Stockport Homes"
    kind: AdapterKind  # how the system is reached: "cms_rest", or one of its service's adapter kinds ("housing_rest")
    organisation: str | None = None
    url: str | None = None  # base URL of an HTTP source
    path: str | None = None  # file of a file-extract source; database file or DSN of an SQL source
    timeout_s: float = 2.0  # per upstream call, the whole call including retries
    max_batch_size: int = 50
    max_concurrency: int = 8
    # Of those slots, how many one request may hold at once (None: three quarters, `sources/request_share.py`).
    max_concurrency_per_request: int | None = None
    retries: int = 1  # extra attempts, idempotent reads only
    refresh_s: float = 300.0  # how often a file extract is re-read when it changes
    coverage: Coverage | None = None
    # The last `describe` answer, with the freshness it was for: not a setting (not compared, hashed or shown).
    _described: list[tuple[datetime.datetime | None, SourceInfo]] = field(
        default_factory=list, init=False, compare=False, repr=False
    )

    @property
    def per_request(self) -> int:
        """The slots one request may hold at once: at most `max_concurrency`."""
        from sources.request_share import default_per_request

        if self.max_concurrency_per_request is None:
            return default_per_request(self.max_concurrency)
        return min(self.max_concurrency_per_request, self.max_concurrency)

    def describe(self, as_of: datetime.datetime | None = None) -> SourceInfo:
        """What the source says about itself (`sources`, every `ServiceCheck`): its configured facts, and freshness."""
        last = self._described
        if last and last[0][0] == as_of:  # asked for every check of every person: made once per freshness
            return last[0][1]
        if self.service is None:
            raise ValueError(f"source {self.system!r} is not a service source")
        info = SourceInfo(
            service=self.service,
            system=self.system,
            organisation=self.organisation,
            coverage=self.coverage,
            as_of=as_of,
        )
        last[:] = [(as_of, info)]
        return info
