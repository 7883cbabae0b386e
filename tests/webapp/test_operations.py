"""The page's GraphQL operations: each validates against the schema the gateway serves, and the persisted
operation list names each by the sha256 of its exact text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, build_schema, parse, validate
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from schema.build import build_schema as build_gateway_schema
from webapp.api import GraphQLClient
from webapp.operations import MANIFEST, manifest, operation, operations, write_manifest

EXPECTED = {"Me", "FindPeople", "FamilyContext", "ServiceDetails"}


def test_every_page_operation_is_in_a_graphql_file() -> None:
    assert set(operations()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_operation_validates_against_the_served_schema(name: str) -> None:
    schema = build_gateway_schema()._schema
    document = parse(operation(name).document)
    assert validate(schema, document) == []
    defined = [d.name.value for d in document.definitions if isinstance(d, OperationDefinitionNode) and d.name]
    assert defined == [name]  # the file's stem is the operation's name, which the page sends


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_operation_validates_against_the_exported_schema(name: str) -> None:
    exported = (Path(__file__).resolve().parents[2] / "docs" / "schema.graphql").read_text(encoding="utf-8")
    assert validate(build_schema(exported), parse(operation(name).document)) == []


def test_a_broken_operation_fails_validation() -> None:
    """The check above can fail: a field the schema lacks is reported."""
    schema = build_gateway_schema()._schema
    broken = operation("Me").document.replace("team", "favouriteColour")
    assert validate(schema, parse(broken))


def test_manifest_lists_each_operation_by_sha256_of_its_text() -> None:
    listed = {entry["name"]: entry for entry in manifest()["operations"]}  # type: ignore[attr-defined]
    assert set(listed) == EXPECTED
    for name, entry in listed.items():
        assert entry["id"] == hashlib.sha256(operation(name).document.encode()).hexdigest()
        assert entry["body"] == operation(name).document
        assert operation(name).extensions() == {"persistedQuery": {"version": 1, "sha256Hash": entry["id"]}}


def test_committed_manifest_is_current(tmp_path: Path) -> None:
    """webapp/operations/manifest.json is what `python -m webapp.operations` writes (regenerate it if this fails)."""
    fresh = write_manifest(tmp_path / "manifest.json")
    assert json.loads(MANIFEST.read_text(encoding="utf-8")) == json.loads(fresh.read_text(encoding="utf-8"))


async def test_the_client_sends_the_operation_with_its_persisted_query_hash() -> None:
    """What reaches `/graphql`: the text, the name, the variables, the hash, the user's token and the purpose."""
    seen: list[tuple[dict[str, object], Headers]] = []

    async def graphql(request: Request) -> JSONResponse:
        seen.append((await request.json(), request.headers))
        return JSONResponse({"data": {"me": None}})

    client = GraphQLClient(Starlette(routes=[Route("/graphql", graphql, methods=["POST"])]))
    try:
        await client.run("Me", {}, token="t0k", purpose="ASSESSMENT", case_reference="CR-1", request_id="r-1")
    finally:
        await client.aclose()
    ((body, headers),) = seen
    op = operation("Me")
    assert body == {"query": op.document, "operationName": "Me", "variables": {}, "extensions": op.extensions()}
    assert headers["authorization"] == "Bearer t0k" and headers["x-purpose"] == "ASSESSMENT"
    assert headers["x-case-reference"] == "CR-1" and headers["x-request-id"] == "r-1"
