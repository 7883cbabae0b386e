"""The request deadline and the breaker's accounting, against a real aiohttp upstream on port 0.

What the breaker may count is what the source itself did: a wait for one of the gateway's own slots, a cut-off by
the request's deadline and a cancellation are not the source's doing (a load test once opened the breakers of
healthy sources that way).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import aiohttp
import pytest
from aiohttp import web

from resolvers.deadline import RequestDeadline
from sources import deadline
from sources.adapter import SourceUnavailable
from sources.circuit import CircuitBreaker
from sources.http import HttpTransport
from sources.settings import SourceSettings
from tests.sources.test_http import reason_of
from tests.sources.upstream import Upstream

Seen = list[tuple[str, str, float, str]]


def transport(
    upstream: Upstream, session: aiohttp.ClientSession, breaker: CircuitBreaker, seen: Seen, **settings: object
) -> HttpTransport:
    values: dict[str, object] = {"timeout_s": 1.0, "retries": 0} | settings
    config = SourceSettings(service=None, system="Test System", kind="housing_rest", url=upstream.url, **values)  # type: ignore[arg-type]
    return HttpTransport(config, session, breaker=breaker, observer=lambda *call: seen.append(call), backoff_s=0.01)


def in_seconds(seconds: float) -> float:
    return asyncio.get_running_loop().time() + seconds


async def hang(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def test_waiting_for_a_slot_is_not_charged_to_a_healthy_source(
    upstream: Upstream, session: aiohttp.ClientSession
) -> None:
    async def steady(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(0.05)
        return web.json_response({"ok": True})

    upstream.handler = steady
    seen: Seen = []
    breaker = CircuitBreaker(failure_threshold=1)
    # One slot, a 0.15 s timeout, 12 calls at once: the last waits ~0.55 s for its slot, far beyond the timeout.
    http = transport(upstream, session, breaker, seen, timeout_s=0.15, max_concurrency=1)
    with deadline.within(in_seconds(5.0)):
        answers = await asyncio.gather(*(http.get_json("op", "/x") for _ in range(12)))
    assert answers == [{"ok": True}] * 12
    assert upstream.max_in_flight == 1
    assert breaker.state == "closed"
    assert {outcome for *_, outcome in seen} == {"ok"}


async def test_the_wait_for_a_slot_is_bounded_by_the_deadline_and_not_charged(
    upstream: Upstream, session: aiohttp.ClientSession
) -> None:
    upstream.handler = hang
    seen: Seen = []
    breaker = CircuitBreaker(failure_threshold=1)
    http = transport(upstream, session, breaker, seen, timeout_s=5.0, max_concurrency=1)
    holder = asyncio.create_task(http.get_json("op", "/x"))  # takes the only slot and hangs
    await asyncio.sleep(0.05)
    started = time.monotonic()
    with deadline.within(in_seconds(0.2)):
        assert await reason_of(http.get_json("op", "/x")) == "deadline exceeded"
    assert 0.15 < time.monotonic() - started < 0.5
    assert upstream.requests == 1  # the second call never reached the source
    assert breaker.state == "closed" and seen == []
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    assert breaker.state == "closed"
    assert [outcome for *_, outcome in seen] == ["cancelled"]


async def test_a_calls_timeout_is_capped_by_the_time_the_request_has_left(
    upstream: Upstream, session: aiohttp.ClientSession
) -> None:
    upstream.handler = hang
    seen: Seen = []
    breaker = CircuitBreaker(failure_threshold=1)
    http = transport(upstream, session, breaker, seen, timeout_s=5.0, retries=2)
    started = time.monotonic()
    with deadline.within(in_seconds(0.25)):
        assert await reason_of(http.get_json("op", "/x")) == "deadline exceeded"
    assert 0.2 < time.monotonic() - started < 0.6
    assert breaker.state == "closed"  # cut off by the request, not the source's fault
    assert [outcome for *_, outcome in seen] == ["deadline"]


async def test_the_sources_own_timeout_still_counts(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    upstream.handler = hang
    seen: Seen = []
    breaker = CircuitBreaker(failure_threshold=1)
    http = transport(upstream, session, breaker, seen, timeout_s=0.2)
    started = time.monotonic()
    with deadline.within(in_seconds(5.0)):
        assert await reason_of(http.get_json("op", "/x")) == "timed out"
    assert time.monotonic() - started < 0.5
    assert breaker.state == "open"
    assert [outcome for *_, outcome in seen] == ["timeout"]


async def test_a_half_open_trial_cut_off_by_the_deadline_lets_the_next_call_try(
    upstream: Upstream, session: aiohttp.ClientSession
) -> None:
    async def down(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500)

    upstream.handler = down
    breaker = CircuitBreaker(failure_threshold=1, cooldown_s=0.3)
    http = transport(upstream, session, breaker, [])
    assert await reason_of(http.get_json("op", "/x")) == "HTTP 500"
    await asyncio.sleep(0.35)
    assert breaker.state == "half_open"
    upstream.handler = hang
    with deadline.within(in_seconds(0.05)):
        assert await reason_of(http.get_json("op", "/x")) == "deadline exceeded"  # the trial, abandoned
    upstream.handler = upstream.ok
    assert await http.get_json("op", "/x") == {"ok": True}  # a new trial at once, not after another cooldown
    assert breaker.state == "closed"


async def test_a_call_after_the_deadline_is_not_made(upstream: Upstream, session: aiohttp.ClientSession) -> None:
    http = transport(upstream, session, CircuitBreaker(failure_threshold=1), [])
    with deadline.within(in_seconds(-0.01)):
        assert await reason_of(http.get_json("op", "/x")) == "deadline exceeded"
    assert upstream.requests == 0


async def test_the_request_deadline_cuts_off_any_adapter_and_gives_up_on_it() -> None:
    """The loaders' wrapper: also bounds sources that do not read the deadline (a file, a database)."""
    calls: list[str] = []

    async def stuck(keys: Sequence[str]) -> list[str]:
        calls.append("stuck")
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    request = RequestDeadline.starting_now(0.2)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        await request.call("Files", stuck, ["a"])
    assert raised.value.reason == "deadline exceeded"
    assert 0.15 < time.monotonic() - started < 0.5
    assert request.exceeded and request.cut_off == ("Files",)
    with pytest.raises(SourceUnavailable):
        await request.call("Files", stuck, ["b"])
    assert calls == ["stuck"]  # not asked again in the same request


async def test_the_request_does_not_wait_for_a_cut_off_call_to_wind_down() -> None:
    """A database connection closes only once the statement holding its thread returns: the request's answer
    does not wait for that."""
    released = asyncio.Event()
    wound_down: list[bool] = []

    async def slow_to_cancel(keys: Sequence[str]) -> list[str]:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await released.wait()
            wound_down.append(True)
            raise
        raise AssertionError("unreachable")

    request = RequestDeadline.starting_now(0.2)
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as raised:
        await request.call("Database", slow_to_cancel, ["a"])
    assert raised.value.reason == "deadline exceeded"
    assert time.monotonic() - started < 0.5 and not wound_down
    released.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert wound_down == [True]


async def test_a_source_that_timed_out_is_not_asked_again_in_the_request() -> None:
    calls: list[str] = []

    async def timing_out(keys: Sequence[str]) -> list[str]:
        calls.append("asked")
        raise SourceUnavailable("Slow", "timed out")

    async def fine(keys: Sequence[str]) -> list[str]:
        return list(keys)

    request = RequestDeadline.starting_now(5.0)
    for _ in range(3):
        with pytest.raises(SourceUnavailable) as raised:
            await request.call("Slow", timing_out, ["a"])
        assert raised.value.reason == "timed out"
    assert calls == ["asked"]
    assert await request.call("Other", fine, ["a"]) == ["a"]
    assert not request.exceeded  # the source's own timeout is not the request running out of time


async def test_the_deadline_reaches_the_tasks_an_adapter_starts() -> None:
    async def reads_deadline(keys: Sequence[str]) -> list[float | None]:
        return list(await asyncio.gather(*(asyncio.ensure_future(_current()) for _ in keys)))

    request = RequestDeadline.starting_now(1.0)
    assert await request.call("Any", reads_deadline, ["a", "b"]) == [request.at, request.at]
    assert deadline.current() is None  # and does not leak out of the call


async def _current() -> float | None:
    return deadline.current()
