"""The rate limit's seam: what the schema asks before running a request, and what it is told.

The limiter (`gateway/rate_limit.py`: requests and cost per minute per principal, in process or shared through
Redis) is built by the gateway at start-up and held by the runtime; the schema's `CostAndRate` extension
(`schema/limits.py`) charges each request to it once the request's cost is known, before anything runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, Protocol

Exhausted = Literal["requests", "cost"]


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    exhausted: Exhausted | None = None  # which limit refused the request
    limit: int = 0  # that limit, per minute
    retry_after_s: int = 0  # whole seconds until the limit has room for the request again


ADMITTED: Final = RateDecision(allowed=True)


class RateLimiter(Protocol):
    async def admit(self, principal_id: str, cost: int) -> RateDecision:
        """Charge one request of `cost` to the principal, or refuse it (and charge nothing to the refusing limit)."""
        ...
