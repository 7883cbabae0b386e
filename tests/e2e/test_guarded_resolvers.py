"""Guarded resolver fields on their short path (`schema/guarded_resolvers.py`) answer exactly as strawberry's own
resolvers with the `AccessGuard` extension did.

Two gateways over the same simulated systems (the same seed): one as built, one built with strawberry's resolvers
left in place. Hypothesis draws queries over the real schema from every root field (`tests/e2e/query_shapes.py`:
aliases, repeated fields, named and inline fragments, `node` with real and hand-made ids, arguments), and every
caller, with and without a purpose, asks both: the answers, data and errors alike, must be the same.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from graphql import GraphQLObjectType
from hypothesis import given, settings
from hypothesis import strategies as st

import schema.build
from auth.principal import Purpose, Role
from resolvers import ids
from schema.access import strawberry_field
from schema.build import build_schema
from schema.guarded_resolvers import DIRECT_KEY
from tests.e2e.access_stack import RATE_LIMITS_OUT_OF_REACH, AccessStack, access_stack
from tests.e2e.query_shapes import Roots, queries
from tests.e2e.test_access_properties import Gateway, every_caller

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
ROOTS = Roots(
    cms_ids=("C000001", "C000002", "C000003", "C999999", "not an id!"),
    node_ids=(
        ids.child_id("C000001"),
        ids.household_id("C000002"),
        ids.person_id("CMS", "P000004"),
        ids.person_id("POLICE", "PN-000001"),
        ids.child_id("C999999"),
        "not-an-id",
    ),
    family_names=("Smith", "Zzyzx"),
)


class Gateways:
    """The two gateways, each asked as the access property test asks its own (`Gateway`: hypothesis is given this
    small object, not the stacks)."""

    def __init__(self, direct: AccessStack, plain: AccessStack) -> None:
        self._direct, self._plain = Gateway(direct, ROOTS), Gateway(plain, ROOTS)

    def __repr__(self) -> str:
        return f"Gateways({self._direct!r}, {self._plain!r})"

    async def both(self, query: str, roles: tuple[Role, ...], purpose: Purpose | None) -> tuple[Any, Any]:
        answers = [await gateway.ask(query, roles, purpose) for gateway in (self._direct, self._plain)]
        direct, plain = ((status, _without_times(body)) for status, body in answers)
        return direct, plain


def _without_times(value: Any) -> Any:
    """The answer with every timestamp (a source's `asOf`: when its simulated system was started) made equal."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return "<time>" if isinstance(value, str) and TIMESTAMP.match(value) else value


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Gateways]:
    async with contextlib.AsyncExitStack() as running:
        limits = RATE_LIMITS_OUT_OF_REACH
        direct = await running.enter_async_context(
            access_stack(tmp_path_factory.mktemp("direct"), households=30, extra=limits)
        )
        with pytest.MonkeyPatch.context() as patch:  # only while the second gateway builds its schema
            patch.setattr(schema.build, "direct_guarded_resolvers", lambda built: 0)
            plain = await running.enter_async_context(
                access_stack(tmp_path_factory.mktemp("plain"), households=30, extra=limits)
            )
        yield Gateways(direct, plain)


@pytest.mark.asyncio(loop_scope="module")
@every_caller
@settings(max_examples=8, deadline=None)
@given(data=st.data())
async def test_the_short_path_answers_as_strawberry_s_own(
    gateways: Gateways, roles: tuple[Role, ...], purpose: Purpose | None, data: st.DataObject
) -> None:
    query = data.draw(queries(ROOTS), label="query")
    direct, plain = await gateways.both(query.text, roles, purpose)
    assert direct == plain, query.text


def test_every_guarded_resolver_field_takes_the_short_path() -> None:
    for built in (build_schema(), build_schema(neighbour_field="neighbour")):
        guarded = []
        # Object types only: graphql-core resolves a field on the object type, never on an interface.
        for named in built._schema.type_map.values():
            if not isinstance(named, GraphQLObjectType):
                continue
            for graphql_field in named.fields.values():
                definition = strawberry_field(graphql_field)
                if definition is not None and definition.base_resolver is not None and definition.extensions:
                    guarded.append(graphql_field)
        assert guarded
        assert all(getattr(f.resolve, DIRECT_KEY, False) for f in guarded)
