"""Building the process-wide `GatewayRuntime` from an authority's settings, and closing it again."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator, Callable

import aiohttp

import linkage
from auth.policy import CaseworkPolicy
from gateway.metrics import Metrics
from gateway.settings import AuthoritySettings, ConfigError
from resolvers.runtime import GatewayRuntime, uk_today
from sources.adapter import SourceAdapter
from sources.display_rules import DisplayRules
from sources.model import Service
from sources.registry import build_adapter, build_cms


def check_rules(settings: AuthoritySettings) -> tuple[DisplayRules, linkage.MatchThresholds]:
    """Validate the parts of the config that other layers own, so a bad value fails at start-up."""
    try:
        rules = DisplayRules.from_mapping(settings.display_rules)
    except ValueError as exc:
        raise ConfigError(f"display_rules: {exc}") from exc
    try:
        thresholds = linkage.MatchThresholds.from_mapping(settings.linkage)
    except ValueError as exc:
        raise ConfigError(f"linkage: {exc}") from exc
    return rules, thresholds


@contextlib.asynccontextmanager
async def open_runtime(
    settings: AuthoritySettings,
    metrics: Metrics,
    *,
    today: Callable[[], datetime.date] = uk_today,
) -> AsyncIterator[GatewayRuntime]:
    """One aiohttp session for the process, one adapter per configured source."""
    rules, thresholds = check_rules(settings)
    connector = aiohttp.TCPConnector(limit=256, limit_per_host=64, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, raise_for_status=False) as session:
        observer = metrics.observe_upstream
        cms = build_cms(settings.cms, session, observer=observer)
        adapters: dict[Service, SourceAdapter] = {}
        try:
            for source in settings.sources:
                assert source.service is not None
                adapters[source.service] = build_adapter(source, session, observer=observer)
            yield GatewayRuntime(
                authority_name=settings.name,
                cms=cms,
                adapters=adapters,
                display_rules=rules,
                thresholds=thresholds,
                policy=CaseworkPolicy(),
                max_children=settings.limits.max_children,
                today=today,
            )
        finally:
            for adapter in adapters.values():
                with contextlib.suppress(Exception):
                    await adapter.close()
            with contextlib.suppress(Exception):
                await cms.close()
