"""What every request of one gateway process shares: the authority's adapters, rules and policy.

Built once at start-up by the gateway's lifespan; read-only afterwards.
"""

from __future__ import annotations

import datetime
import time
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from auth.policy import AccessPolicy
from linkage import MatchThresholds
from resolvers.audit_trail import AppendObserver, AuditTrail
from resolvers.rate_limit import RateLimiter
from sources.adapter import SourceAdapter
from sources.cms import CmsAdapter
from sources.display_rules import DisplayRules
from sources.model import Service

UK = zoneinfo.ZoneInfo("Europe/London")


_today: tuple[float, datetime.date] = (0.0, datetime.date.min)  # (valid until, in time.monotonic(); the date)


def uk_today() -> datetime.date:
    """Today's date in the UK. Asked for every person checked (thousands of times by one `children` request), so
    the answer is kept for a second: a date read up to a second late at midnight is as good as any."""
    global _today
    until, date = _today
    now = time.monotonic()
    if now < until:
        return date
    date = datetime.datetime.now(UK).date()
    _today = (now + 1.0, date)
    return date


@dataclass(frozen=True, kw_only=True)
class GatewayRuntime:
    authority_name: str
    cms: CmsAdapter
    adapters: Mapping[Service, SourceAdapter]
    display_rules: DisplayRules
    thresholds: MatchThresholds
    policy: AccessPolicy  # who may see what; it also knows the access mode (search_any or case_linked)
    audit_trail: AuditTrail  # every request's events go here before its response leaves
    observe_audit_append: AppendObserver | None = None  # the time each request's append took (metrics)
    max_children: int = 500
    batching: bool = True  # False only to measure what batching saves
    request_timeout_s: float = 5.0  # every request's deadline, from its context's creation (resolvers/deadline.py)
    # What one request may cost (schema/cost.py), and the per-principal rate limit it is charged to (None: none).
    max_cost: int = 200_000
    rate_limiter: RateLimiter | None = None
    today: Callable[[], datetime.date] = field(default=uk_today)

    @property
    def cms_system(self) -> str:
        return self.cms.system
