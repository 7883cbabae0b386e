"""The HTTP session's pool never holds a source below its own `max_concurrency` (gateway/runtime_factory.py)."""

from __future__ import annotations

from typing import Any

from gateway.runtime_factory import BASE_CONNECTIONS, BASE_CONNECTIONS_PER_HOST, connection_limits
from gateway.settings import parse_authority


def authority(*sources: dict[str, Any]) -> Any:
    return parse_authority(
        {
            "authority": {"name": "A"},
            "cms": {"system": "LCS", "kind": "cms_rest", "url": "http://127.0.0.1:9000", "max_concurrency": 16},
            "sources": list(sources),
        }
    )


HOUSING = {"service": "HOUSING", "system": "Homes", "kind": "housing_rest", "url": "http://127.0.0.1:9001"}
ASC = {"service": "ADULT_SOCIAL_CARE", "system": "ASC", "kind": "adult_social_care_rest"}


def test_small_sources_keep_the_base_pool() -> None:
    assert connection_limits(None) == (BASE_CONNECTIONS, BASE_CONNECTIONS_PER_HOST)
    assert connection_limits(authority({**HOUSING, "max_concurrency": 8})) == (
        BASE_CONNECTIONS,
        BASE_CONNECTIONS_PER_HOST,
    )


def test_a_source_allowed_more_calls_than_the_base_gets_them() -> None:
    limit, per_host = connection_limits(authority({**HOUSING, "max_concurrency": 128}))
    assert per_host == 128
    assert limit >= 128 + 16


def test_sources_behind_one_host_and_port_add_up() -> None:
    shared = authority(
        {**HOUSING, "url": "https://api.council.example/housing", "max_concurrency": 48},
        {**ASC, "url": "https://api.council.example:443/asc", "max_concurrency": 40},
        {**ASC, "service": "YOUTH_OFFENDING", "kind": "youth_offending_rest", "url": "https://yot.example/"},
    )
    limit, per_host = connection_limits(shared)
    assert per_host == 88  # housing and adult social care share api.council.example:443
    assert limit >= 48 + 40 + 16 + 8
