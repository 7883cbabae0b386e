"""Valid queries generated from the schema itself, sent to a real gateway: never a 500, every error coded.

Why this besides `test_fuzz.py`: that test throws garbage at the HTTP surface, which the parser and validation
refuse early; these documents are valid against the exported SDL (`docs/schema.graphql`, kept current by
`tests/schema/test_export.py`), so they reach the resolvers, the access guard, the cost and depth limits and the
error shaping, with every root field, argument, fragment and alias shape hypothesis-graphql can build.

Two callers: one holding every role and stating a purpose, so that no resolver is cut short by a refusal, and an
integration client without a purpose, so that the access guard's refusals are fuzzed too. The sources sit on a
closed port, so every path that asks one meets a source failure, which must come back coded as well. Hypothesis
draws a new set of queries on every developer run; CI replays a fixed one (`derandomize`, tests/conftest.py).
"""

from __future__ import annotations

import datetime
import json
import time
from pathlib import Path
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from auth.principal import Role
from resolvers import errors
from resolvers.ids import NodeRef
from sources.model import Service
from tests.gateway.serving import serving
from tests.gateway.test_http import config

SDL = Path(__file__).resolve().parents[2] / "docs" / "schema.graphql"
EXAMPLES = 200  # per caller, about 4 s over loopback: every root field dozens of times
TIME_BUDGET_S = 20.0  # per caller
# Every code a client may see, but INTERNAL: that one is a crash, masked.
CODED = {
    errors.UNAUTHENTICATED,
    errors.FORBIDDEN,
    errors.PURPOSE_REQUIRED,
    errors.NOT_FOUND,
    errors.BAD_USER_INPUT,
    errors.QUERY_TOO_COMPLEX,
    errors.RATE_LIMITED,
    errors.DEADLINE_EXCEEDED,
    errors.OVERLOADED,
    errors.SOURCE_UNAVAILABLE,
    errors.AUDIT_UNAVAILABLE,
}
# Who asks: a caller holding every role with a purpose, whom no resolver refuses early, and an integration client
# without one, whom the access guard refuses a good part of every answer. Each: (roles, request headers).
CALLERS = {
    "every role, with a purpose": (
        [role.value for role in Role],
        {"X-Purpose": "ASSESSMENT", "X-Case-Reference": "CR-000123"},
    ),
    "an integration client, without a purpose": ([Role.INTEGRATION.value], {}),
}

# Ids that get past the first checks as often as not, so that resolvers run on (to the sources, to the guard):
# case-management ids, global ids of every kind and home, and anything at all.
_ids = st.one_of(
    st.from_regex(r"C\d{6}", fullmatch=True),
    st.builds(
        lambda kind, home, key: NodeRef(kind, home, key).encode(),
        st.sampled_from(["Child", "Person", "Household"]),
        st.sampled_from(["CMS", *(service.name for service in Service)]),
        st.from_regex(r"[A-Z]\d{6,7}", fullmatch=True),
    ),
    st.text(max_size=12),
)
_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 12, 31))


def _representation(typename: str, key: str, value: str) -> graphql.ValueNode:
    """A federation representation, `{__typename: ..., id: ...}`, as `_entities` receives it."""
    return graphql.ObjectValueNode(
        fields=(
            graphql.ObjectFieldNode(
                name=graphql.NameNode(value="__typename"), value=graphql.StringValueNode(value=typename)
            ),
            graphql.ObjectFieldNode(name=graphql.NameNode(value=key), value=graphql.StringValueNode(value=value)),
        )
    )


CUSTOM_SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    # Federation's `_entities(representations:)`: hand-made representations of every entity type, and nonsense.
    "_Any": st.builds(
        _representation,
        st.sampled_from(["Child", "Person", "Individual", "Household", "AuditEvent"]),
        st.sampled_from(["id", "cmsId"]),
        _ids,
    ),
    "ID": _ids.map(lambda value: graphql.StringValueNode(value=value)),
    "Date": _dates.map(lambda d: graphql.StringValueNode(value=d.isoformat())),
    "DateTime": st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)).map(
        lambda t: graphql.StringValueNode(value=t.replace(tzinfo=datetime.UTC).isoformat())
    ),
}


def fuzz_config(roles: list[str]) -> dict[str, Any]:
    """A development identity with `roles`, and limits that leave the rate limiter and the body size out of the way
    (the schema's own limits stay as configured by default)."""
    return config(
        auth={"mode": "development", "development": {"roles": roles}},
        limits={"max_body_bytes": 64 * 1024, "rate_requests_per_minute": 1_000_000, "rate_cost_per_minute": 10**9},
    )


def generated_queries(count: int) -> list[str]:
    """`count` documents valid against the exported schema, drawn synchronously (hypothesis runs no coroutines)."""
    drawn: list[str] = []

    @settings(max_examples=count, deadline=None, suppress_health_check=list(HealthCheck))
    @given(query=from_schema(SDL.read_text(encoding="utf-8"), custom_scalars=CUSTOM_SCALARS))
    def draw(query: object) -> None:
        assert isinstance(query, str)
        drawn.append(query)

    draw()
    return drawn


@pytest.mark.parametrize("caller", sorted(CALLERS))
async def test_queries_generated_from_the_schema_never_get_a_500(caller: str) -> None:
    roles, headers = CALLERS[caller]
    started = time.perf_counter()
    queries = generated_queries(EXAMPLES)
    answered_with_data = 0
    async with serving(fuzz_config(roles)) as (url, http):
        for query in queries:
            sent = {"Content-Type": "application/json", **headers}
            async with http.post(f"{url}/graphql", json={"query": query}, headers=sent) as response:
                text = await response.text()
                assert response.status in (200, 400), (response.status, query, text)
                assert "Traceback" not in text and 'File "' not in text, (query, text)
                answer = json.loads(text)
                for error in answer.get("errors") or ():
                    assert error.get("extensions", {}).get("code") in CODED, (query, error)
                answered_with_data += bool(answer.get("data"))
    elapsed = time.perf_counter() - started
    assert len(queries) >= EXAMPLES // 2, len(queries)  # hypothesis stops early only on a tiny search space
    assert answered_with_data > 0, "no generated query got as far as an answer: the fuzz tests nothing"
    assert elapsed < TIME_BUDGET_S, f"{len(queries)} queries took {elapsed:.1f} s"
