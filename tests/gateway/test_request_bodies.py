"""Abuse corpus for request bodies: every content type, deep variables, deep documents; coded, never a 500.

A real gateway under uvicorn on port 0 whose sources are one recording server: every refused request must leave it
untouched (its health endpoint aside, which the gateway probes on its own), and one request that does ask a source
shows the recording works. The measurements themselves (`gateway/nesting.py`) are checked against a reference on
generated values, and for time on inputs built to make a careless pattern backtrack.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from gateway.graphql_request import (
    DOCUMENT_NESTED_TOO_DEEPLY,
    MAX_DOCUMENT_NESTING,
    NESTED_TOO_DEEPLY,
    NOT_JSON,
    NOT_JSON_CONTENT,
    BadRequest,
    is_json_content_type,
    parse_graphql_request,
)
from gateway.nesting import document_nests_deeper_than, json_brackets_balanced, json_nests_deeper_than
from gateway.operation_check import OperationRefused
from gateway.settings import Limits
from tests.gateway.serving import serving
from tests.gateway.test_http import config

LIMIT = Limits.max_variable_depth  # the gateway below runs with the default
BIG_BODY = (
    1_000_000  # room for a 100,000-deep object (600 KB), so that the nesting check, not the size limit, answers it
)
ASKS_THE_CMS = '{ child(cmsId: "C000001") { id } }'
ME = "{ me { id } }"

ODD_CONTENT_TYPES = [
    "application/jsonp",
    "application/jsonx",
    "application/json-seq",
    "application/graphql",
    "application/graphql-response+json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=----x",
    "text/plain",
    "text/json",
    "application/json;charset=latin-1",
    "application/json; charset=utf-16",
    "application/json; charset=utf-8; charset=iso-8859-1",
    "application/json; utf-8",
    "application/json, text/plain",
    "",
    None,  # no Content-Type at all
]
JSON_CONTENT_TYPES = [
    "application/json",
    "APPLICATION/JSON",
    "Application/Json;Charset=utf-8",
    "application/json ; charset=UTF-8",
    'application/json; charset="utf-8"',
    "application/json;",
    "application/json; profile=x",
]
# Bodies that crashed some reader somewhere: not UTF-8, JSON but not an object, GraphQL text, a form, nothing.
ODD_BODIES = [
    json.dumps({"query": ASKS_THE_CMS}).encode(),
    b"\xff\xfe\x00{",
    b"[1]",
    b"null",
    ASKS_THE_CMS.encode(),
    b"query=%7B+me+%7B+id+%7D+%7D",
    b"",
]


def nested_list(depth: int) -> str:
    """JSON text of an array `depth` deep: `[[[]]]` is 3."""
    return "[" * depth + "]" * depth


def nested_object(depth: int) -> str:
    """JSON text of an object `depth` deep: `{"a": {"a": {}}}` is 3."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


def body_with(query: str, **members: str) -> bytes:
    """A request body with the query and other members given as raw JSON text (too deep for `json.dumps`)."""
    parts = [f'"query": {json.dumps(query)}', *(f'"{name}": {text}' for name, text in members.items())]
    return ("{" + ", ".join(parts) + "}").encode()


@dataclass
class Recorder:
    """What the gateway asked the sources, health probes left out."""

    paths: list[str]


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, Recorder]]:
    """One server on port 0 standing in for every source: it records each request and answers 503."""
    seen = Recorder(paths=[])

    async def record(request: web.Request) -> web.StreamResponse:
        if not request.path.endswith("/health"):
            seen.paths.append(request.path)
        return web.json_response({"error": "unavailable"}, status=503)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", seen
    await runner.cleanup()


Gateway = tuple[str, aiohttp.ClientSession, Recorder]


@pytest.fixture
async def gateway(recorder: tuple[str, Recorder]) -> AsyncIterator[Gateway]:
    source_url, seen = recorder
    settings = config(
        cms={"system": "LCS", "kind": "cms_rest", "url": source_url, "timeout_s": 0.5, "retries": 0},
        sources=[
            {"service": "HOUSING", "system": "Homes", "kind": "housing_rest", "url": source_url, "timeout_s": 0.5}
        ],
        limits={"max_body_bytes": BIG_BODY},
    )
    async with serving(settings) as (url, http):
        yield url, http, seen


async def send(gateway: Gateway, body: bytes, content_type: str | None = "application/json") -> tuple[int, Any]:
    url, http, _ = gateway
    headers: Mapping[str, str] = {} if content_type is None else {"Content-Type": content_type}
    async with http.post(f"{url}/graphql", data=body, headers=headers, skip_auto_headers=["Content-Type"]) as response:
        text = await response.text()
        assert response.headers["Content-Type"].startswith("application/json"), text
        assert "Traceback" not in text and 'File "' not in text, text
        return response.status, json.loads(text)


def only_error(answer: Any) -> dict[str, Any]:
    assert answer["data"] is None, answer
    (error,) = answer["errors"]
    assert isinstance(error, dict)
    return error


def coded(answer: Any) -> set[str]:
    """The codes of every error in the answer; each error must have one."""
    return {error["extensions"]["code"] for error in answer.get("errors") or ()}


# Content types ---------------------------------------------------------------------------------------------------


async def test_only_application_json_is_read_and_nothing_else_reaches_a_parser(gateway: Gateway) -> None:
    for content_type in ODD_CONTENT_TYPES:
        for body in ODD_BODIES:
            status, answer = await send(gateway, body, content_type)
            case = (content_type, body)
            assert status == 415, case
            assert only_error(answer) == {"message": NOT_JSON_CONTENT, "extensions": {"code": "BAD_USER_INPUT"}}, case
    assert gateway[2].paths == []


async def test_application_json_is_read_in_any_case_with_a_utf8_charset(gateway: Gateway) -> None:
    for content_type in JSON_CONTENT_TYPES:
        status, answer = await send(gateway, json.dumps({"query": ME}).encode(), content_type)
        assert (status, answer) == (200, {"data": {"me": {"id": "developer"}}}), content_type


def test_the_content_type_decision() -> None:
    for content_type in ODD_CONTENT_TYPES:
        assert not is_json_content_type(content_type), content_type
    for content_type in JSON_CONTENT_TYPES:
        assert is_json_content_type(content_type), content_type


async def test_the_recorder_sees_a_request_that_does_ask_a_source(gateway: Gateway) -> None:
    status, answer = await send(gateway, json.dumps({"query": ASKS_THE_CMS}).encode())
    assert status == 200
    assert coded(answer) == {"SOURCE_UNAVAILABLE"}
    assert gateway[2].paths, "the recorder missed a source call: the 'no source touched' checks would prove nothing"


# Deep variables and bodies ---------------------------------------------------------------------------------------


async def test_variables_nested_to_the_limit_are_read(gateway: Gateway) -> None:
    for value in (nested_list(LIMIT), nested_object(LIMIT)):
        status, answer = await send(gateway, body_with(ME, variables=f'{{"unused": {value}}}'))
        assert (status, answer) == (200, {"data": {"me": {"id": "developer"}}}), value
    query = "query($ids: [ID!]!) { children(cmsIds: $ids) { id } }"
    status, answer = await send(gateway, body_with(query, variables=f'{{"ids": {nested_list(LIMIT)}}}'))
    assert status == 200 and coded(answer) == {"BAD_USER_INPUT"}, answer  # not a list of ids: coerced, refused


@pytest.mark.parametrize("depth", [LIMIT + 1, 5_000, 100_000])
async def test_variables_nested_beyond_the_limit_are_refused_naming_it(gateway: Gateway, depth: int) -> None:
    query = "query($ids: [ID!]!) { children(cmsIds: $ids) { id } }"
    for value in (nested_list(depth), nested_object(depth)):
        status, answer = await send(gateway, body_with(query, variables=f'{{"ids": {value}}}'))
        assert status == 400, (depth, answer)
        assert only_error(answer) == {
            "message": NESTED_TOO_DEEPLY.format(limit=LIMIT),
            "extensions": {"code": "BAD_USER_INPUT"},
        }
        assert str(LIMIT) in answer["errors"][0]["message"]
    assert gateway[2].paths == []


@pytest.mark.parametrize("member", ["extensions", "somethingElse"])
async def test_the_whole_body_is_bounded_not_only_variables(gateway: Gateway, member: str) -> None:
    for depth in (LIMIT + 2, 5_000):
        status, answer = await send(gateway, body_with(ASKS_THE_CMS, **{member: f'{{"a": {nested_list(depth)}}}'}))
        assert status == 400, (member, depth, answer)
        assert only_error(answer)["message"] == NESTED_TOO_DEEPLY.format(limit=LIMIT)
    assert gateway[2].paths == []


async def test_a_deep_body_that_never_closes_is_not_json(gateway: Gateway) -> None:
    status, answer = await send(gateway, body_with(ME)[:-1] + b', "variables": {"x": ' + b"[" * 5_000)
    assert status == 400
    assert only_error(answer)["message"] == NOT_JSON
    assert gateway[2].paths == []


async def test_brackets_inside_strings_are_not_nesting(gateway: Gateway) -> None:
    tricky = '"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{"'
    status, answer = await send(gateway, body_with(ME, variables=f'{{"x": {tricky}}}', extensions=f'{{"y": {tricky}}}'))
    assert (status, answer) == (200, {"data": {"me": {"id": "developer"}}}), answer


# Deep documents --------------------------------------------------------------------------------------------------


def list_literal(depth: int) -> str:
    return "[" * depth + '"C000001"' + "]" * depth


def object_literal(depth: int) -> str:
    return "{familyName: " * depth + '"SMITH"' + "}" * depth


def list_type(depth: int) -> str:
    return "[" * depth + "ID" + "]" * depth


def selections(depth: int) -> str:
    return "{ me " * depth + "{ id }" + " }" * depth


# Each document nests exactly `depth + extra` brackets deep (its own `{`, argument and definition parentheses).
DOCUMENTS: dict[str, tuple[Callable[[int], str], int]] = {
    "a list literal in an argument": (lambda d: f"{{ children(cmsIds: {list_literal(d)}) {{ id }} }}", 2),
    "an input object literal": (lambda d: f"{{ searchPeople(input: {object_literal(d)}) {{ totalCount }} }}", 2),
    "a list type of a variable": (lambda d: f"query($x: {list_type(d)}) {{ children(cmsIds: $x) {{ id }} }}", 1),
    "a default value": (lambda d: f"query($x: [ID!] = {list_literal(d)}) {{ children(cmsIds: $x) {{ id }} }}", 1),
    "a directive argument": (lambda d: f"{{ me @include(if: {list_literal(d)}) {{ id }} }}", 2),
    "a fragment": (lambda d: f"{{ ...F }} fragment F on Query {{ children(cmsIds: {list_literal(d)}) {{ id }} }}", 2),
    "selections": (lambda d: selections(d), 1),
}


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
async def test_a_document_at_the_nesting_limit_reaches_graphql_and_is_answered_coded(
    gateway: Gateway, kind: str
) -> None:
    build, extra = DOCUMENTS[kind]
    status, answer = await send(gateway, json.dumps({"query": build(MAX_DOCUMENT_NESTING - extra)}).encode())
    assert status in (200, 400), answer
    assert "errors" in answer and coded(answer) <= {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}, answer
    assert DOCUMENT_NESTED_TOO_DEEPLY.format(limit=MAX_DOCUMENT_NESTING) not in json.dumps(answer)


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
async def test_a_document_nested_beyond_the_limit_is_refused_before_parsing(gateway: Gateway, kind: str) -> None:
    build, extra = DOCUMENTS[kind]
    for depth in (MAX_DOCUMENT_NESTING - extra + 1, 1_000, 20_000):
        status, answer = await send(gateway, json.dumps({"query": build(depth)}).encode())
        assert status == 400, (kind, depth, answer)
        assert only_error(answer) == {
            "message": DOCUMENT_NESTED_TOO_DEEPLY.format(limit=MAX_DOCUMENT_NESTING),
            "extensions": {"code": "QUERY_TOO_COMPLEX"},
        }
    assert gateway[2].paths == []


async def test_brackets_in_strings_and_comments_of_a_document_are_not_nesting(gateway: Gateway) -> None:
    deep = "[" * 200
    query = f'{{ me {{ id }} # {deep}\n me2: me {{ name }} child(cmsId: "{deep}") {{ id }} }}'
    block = f'query {{ child(cmsId: """ {deep} \\""" {deep} """) {{ id }} }}'
    for document in (query, block):
        status, answer = await send(gateway, json.dumps({"query": document}).encode())
        assert status == 200, answer
        assert DOCUMENT_NESTED_TOO_DEEPLY.format(limit=MAX_DOCUMENT_NESTING) not in json.dumps(answer)
        assert coded(answer) <= {"BAD_USER_INPUT"}, answer


# The measurements, without HTTP -------------------------------------------------------------------------------------


def test_the_variable_limit_is_the_configured_one() -> None:
    body = body_with(ME, variables=f'{{"x": {nested_list(3)}}}')
    assert parse_graphql_request(body, max_variable_depth=3).variables == {"x": [[[]]]}
    with pytest.raises(BadRequest, match=r"at most 2 levels"):
        parse_graphql_request(body, max_variable_depth=2)
    with pytest.raises(OperationRefused):
        parse_graphql_request(body_with(selections(MAX_DOCUMENT_NESTING)), max_variable_depth=3)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(alphabet='[]{}"\\ab\n', max_size=6)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(alphabet='[]{}"\\a', max_size=4), inner, max_size=3)
    ),
    max_leaves=20,
)


def reference_depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((reference_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((reference_depth(v) for v in value.values()), default=0)
    return 0


@given(value=json_values, ascii_only=st.booleans())
def test_json_nesting_agrees_with_the_parsed_value(value: object, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    depth = reference_depth(value)
    assert json_brackets_balanced(text)
    assert not json_nests_deeper_than(text, depth)
    assert depth == 0 or json_nests_deeper_than(text, depth - 1)


@pytest.mark.parametrize(
    "text",
    [
        '"\\"' * 30_000,  # strings that never close, each starting where the last one's escape was
        '"' * 64_001,
        '"""\\"""' * 10_000,  # block strings that never close
        '"#"""[' * 12_000,
        "#" * 64_000,
        "[]" * 32_000,
    ],
)
def test_measuring_is_linear_on_text_built_to_make_a_pattern_backtrack(text: str) -> None:
    started = time.perf_counter()
    json_nests_deeper_than(text, LIMIT)
    json_brackets_balanced(text)
    document_nests_deeper_than(text, MAX_DOCUMENT_NESTING)
    assert time.perf_counter() - started < 0.5  # about 10 ms; quadratic would be minutes
