"""The shared HTTP transport against a small real aiohttp upstream on port 0 whose behaviour each test sets."""

import asyncio
import logging
import time
from collections.abc import Awaitable

import aiohttp
import pytest
from aiohttp import web

from sources.adapter import SourceUnavailable
from sources.circuit import CircuitBreaker
from sources.http import HttpTransport
from sources.settings import SourceSettings
from tests.sources.upstream import Handler, Upstream


def transport(
    upstream: Upstream, session: aiohttp.ClientSession, *, breaker: CircuitBreaker | None = None, **settings: object
) -> HttpTransport:
    values: dict[str, object] = {"timeout_s": 1.0, "retries": 1} | settings
    config = SourceSettings(
        service=None,
        system="Test System",
        kind="housing_rest",
        url=upstream.url,
        **values,  # type: ignore[arg-type]
    )
    return HttpTransport(config, session, breaker=breaker or CircuitBreaker(failure_threshold=100), backoff_s=0.01)


async def reason_of(call: Awaitable[object]) -> str:
    with pytest.raises(SourceUnavailable) as raised:
        await call
    return raised.value.reason


async def test_decodes_json(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    assert await transport(upstream, session).get_json("op", "/x") == {"ok": True}


async def test_503_retried_for_idempotent_calls_only(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    async def down(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, text="down")

    upstream.handler = down
    http = transport(upstream, session, retries=2)
    assert await reason_of(http.get_json("op", "/x")) == "HTTP 503"
    assert upstream.requests == 3
    upstream.requests = 0
    assert await reason_of(http.post_json("op", "/x", {}, idempotent=False)) == "HTTP 503"
    assert upstream.requests == 1


async def test_4xx_is_not_retried(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    async def too_large(request: web.Request) -> web.StreamResponse:
        return web.Response(status=413)

    upstream.handler = too_large
    assert await reason_of(transport(upstream, session).post_json("op", "/x", {}, idempotent=True)) == "HTTP 413"
    assert upstream.requests == 1


async def test_429_is_retried_after_retry_after(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    async def throttle_once(request: web.Request) -> web.StreamResponse:
        if upstream.requests == 1:
            return web.Response(status=429, headers={"Retry-After": "0"})
        return web.json_response({"results": []})

    upstream.handler = throttle_once
    answer = await transport(upstream, session).post_json("op", "/x", {"q": 1}, idempotent=True)
    assert answer == {"results": []}
    assert upstream.requests == 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>Service error</body></html>", "text/html"),
        ('{"results": [{"ref": "0", "cli', "application/json"),
        ("\xff\xfe garbage", "application/json"),
    ],
)
async def test_garbage_is_malformed(
    upstream: Upstream, session: aiohttp.ClientSession, body: str, content_type: str
) -> None:
    async def garbage(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body.encode("latin-1"), content_type=content_type)

    upstream.handler = garbage
    assert await reason_of(transport(upstream, session).get_json("op", "/x")) == "malformed response"


async def _never(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def _stalls(request: web.Request) -> web.StreamResponse:
    # The headers and part of the body, then nothing: the transport's own bound ends the read (aiohttp's timeouts
    # are left off for source calls).
    response = web.StreamResponse(headers={"Content-Type": "application/json", "Content-Length": "100"})
    await response.prepare(request)
    await response.write(b'{"results": [')
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("hangs", [_never, _stalls], ids=["never answers", "stalls mid-answer"])
async def test_a_source_that_hangs_times_out_within_the_timeout(
    upstream: Upstream, session: aiohttp.ClientSession, hangs: Handler
) -> None:
    upstream.handler = hangs
    started = time.monotonic()
    assert await reason_of(transport(upstream, session, timeout_s=0.3, retries=3).get_json("op", "/x")) == "timed out"
    assert time.monotonic() - started < 0.6


async def test_concurrency_is_bounded(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    async def slowish(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.05)
        return web.json_response({})

    upstream.handler = slowish
    http = transport(upstream, session, max_concurrency=2)
    await asyncio.gather(*(http.get_json("op", "/x") for _ in range(8)))
    assert upstream.requests == 8
    assert upstream.max_in_flight == 2


async def test_circuit_breaker_fails_fast_then_half_opens(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    async def down(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    upstream.handler = down
    http = transport(upstream, session, retries=0, breaker=CircuitBreaker(failure_threshold=2, cooldown_s=0.2))
    for _ in range(2):
        assert await reason_of(http.get_json("op", "/x")) == "HTTP 500"
    assert await reason_of(http.get_json("op", "/x")) == "circuit open"
    assert upstream.requests == 2  # failed fast without calling

    await asyncio.sleep(0.25)
    upstream.handler = upstream.ok
    assert http.breaker.state == "half_open"
    assert await http.get_json("op", "/x") == {"ok": True}  # the trial call closes it
    assert http.breaker.state == "closed"


async def test_observer_and_logs_carry_no_url_or_query(
    upstream: Upstream, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[str, str, float, str]] = []

    async def down(request: web.Request) -> web.StreamResponse:
        return web.Response(status=503, text="Smith not available")

    upstream.handler = down
    config = SourceSettings(service=None, system="Test System", kind="housing_rest", url=upstream.url, retries=1)
    http = HttpTransport(config, session, observer=lambda *call: seen.append(call), backoff_s=0.01)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceUnavailable) as raised:
        await http.get_json("tenants.search", "/api/tenants/search", [("surname", "SMITH"), ("dob", "01/02/1970")])
    assert str(raised.value) == "Test System: HTTP 503"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert [(system, op, outcome) for system, op, _, outcome in seen] == [
        ("Test System", "tenants.search", "http_error"),
        ("Test System", "tenants.search", "http_error"),
    ]
    assert "SMITH" not in caplog.text.upper() and "1970" not in caplog.text and "/api" not in caplog.text


async def test_the_breaker_counts_calls_not_retries_and_ignores_refused_requests(
    upstream: Upstream, session: aiohttp.ClientSession
) -> None:
    statuses = iter([503, 503, 503, 400, 400, 400])

    async def failing(request: web.Request) -> web.StreamResponse:
        return web.Response(status=next(statuses))

    upstream.handler = failing
    http = transport(upstream, session, retries=2, breaker=CircuitBreaker(failure_threshold=2, cooldown_s=60))
    assert await reason_of(http.get_json("op", "/x")) == "HTTP 503"
    assert upstream.requests == 3 and http.breaker.state == "closed"
    for _ in range(3):
        assert await reason_of(http.get_json("op", "/x")) == "HTTP 400"
    assert http.breaker.state == "closed"


async def test_one_request_holds_at_most_its_share_of_the_slots(
    upstream: Upstream, session: aiohttp.ClientSession
) -> None:
    """A big request's calls wait in its own queue beyond its share: another request's call is sent at once."""
    from resolvers.deadline import RequestDeadline

    release = asyncio.Event()

    async def held(request: web.Request) -> web.StreamResponse:
        if request.query.get("who") == "big":
            await release.wait()
        return web.json_response({"ok": True})

    upstream.handler = held
    http = transport(upstream, session, max_concurrency=4, max_concurrency_per_request=3, timeout_s=5.0)
    big, small = RequestDeadline.starting_now(5.0), RequestDeadline.starting_now(5.0)

    async def calls(who: str, count: int) -> list[object]:
        return list(await asyncio.gather(*(http.get_json("op", "/x", [("who", who)]) for _ in range(count))))

    bulk = asyncio.ensure_future(big.call("Test System", lambda keys: calls("big", len(keys)), list(range(10))))
    while upstream.in_flight < 3:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert upstream.in_flight == 3  # its share, not all four slots, though seven more calls wait
    started = time.perf_counter()
    assert await small.call("Test System", lambda keys: calls("small", len(keys)), [1]) == [{"ok": True}]
    assert time.perf_counter() - started < 1.0  # not behind the big request's queue
    release.set()
    assert len(await bulk) == 10
    assert upstream.max_in_flight == 4


def test_the_default_share_is_three_quarters() -> None:
    def settings(**values: object) -> SourceSettings:
        return SourceSettings(service=None, system="S", kind="housing_rest", url="http://x", **values)  # type: ignore[arg-type]

    assert settings(max_concurrency=64).per_request == 48
    assert settings(max_concurrency=1).per_request == 1
    assert settings(max_concurrency=8, max_concurrency_per_request=20).per_request == 8
