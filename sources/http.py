"""The HTTP transport shared by every HTTP adapter.

One `HttpTransport` per configured source, on the gateway's one `aiohttp.ClientSession`. Each call:

* waits for one of `max_concurrency` slots, the gateway's own bound on calls in flight to the source, for at most
  the time its request has left (`sources/deadline.py`; a call outside any request, such as a probe, waits at
  most `timeout_s`). A request holds at most `max_concurrency_per_request` of them at once (its share,
  `sources/request_share.py`), so one big request leaves slots for the others. The wait is the gateway's queue,
  not the source's slowness: it is never charged to the source;
* once sent, is bounded by `timeout_s` as a whole (every attempt and every backoff), or by the request's deadline
  when that comes first: min(the source's timeout, the time left), never more;
* is retried (`retries` extra attempts, short backoff) only when the caller marks it idempotent, and only on a
  connection error, HTTP 5xx or HTTP 429;
* goes through a per-process circuit breaker that counts only what the source itself did: a timeout after the
  request was sent, errors, garbage. A wait for a slot, a cut-off by the request's deadline and a cancellation
  count neither way (otherwise one big request, or many at once, would open the breaker of a healthy source);
* answers decoded JSON, or raises `SourceUnavailable` with a fixed reason ("timed out", "HTTP 503",
  "malformed response", "connection failed", "circuit open", "deadline exceeded", "gateway busy").

Bodies are encoded and decoded with orjson (several times faster than the standard library's `json` on the
sources' answers, which the gateway reads thousands of per `children` request). Neither exceptions nor logs carry
URLs (housing searches put names in the query string) or bodies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Literal

import aiohttp
import orjson
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind

from sources import deadline, request_share, spans
from sources.adapter import SourceUnavailable
from sources.circuit import CircuitBreaker
from sources.deadline import DEADLINE_EXCEEDED
from sources.model import SourceHealth
from sources.observe import Outcome, UpstreamObserver
from sources.settings import SourceSettings

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("family_context.sources")

TIMED_OUT = "timed out"
MALFORMED_RESPONSE = "malformed response"
CONNECTION_FAILED = "connection failed"
CIRCUIT_OPEN = "circuit open"
GATEWAY_BUSY = "gateway busy"  # a call outside any request found no free slot within the source's timeout

MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_RETRY_AFTER_S = 1.0

QueryParams = Sequence[tuple[str, str]]
# Every call is bounded here (`_attempts`: the source's timeout or the request's deadline, whichever is sooner), so
# aiohttp's own timeout is left off for these requests: with one, it arms a loop timer and a timer context for each
# request (0.7% of a family query's instructions, measured; a `children(500)` request makes about a thousand calls).
_BOUNDED_BY_CALLER = aiohttp.ClientTimeout(total=None, connect=None, sock_read=None, sock_connect=None)
_JSON_HEADERS = {"Content-Type": "application/json"}
_SOURCE_FAULTS = frozenset({TIMED_OUT, MALFORMED_RESPONSE, CONNECTION_FAILED})
_CALLERS_REASONS = frozenset({DEADLINE_EXCEEDED, GATEWAY_BUSY})  # not the source's doing
# Besides the sources' own outcomes: an attempt cut off by the request's deadline, or cancelled by its caller.
CallOutcome = Outcome | Literal["deadline", "cancelled"]


def http_error(status: int) -> str:
    """The reason for an HTTP error status: 'HTTP 503'."""
    return f"HTTP {status}"


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class HttpTransport:
    """JSON over HTTP to one source system.

    >>> transport = HttpTransport(settings, session, observer=metrics.observe)
    >>> body = await transport.post_json("clients.match", "/api/clients/match", {...}, idempotent=True)
    """

    def __init__(
        self,
        settings: SourceSettings,
        session: aiohttp.ClientSession,
        *,
        observer: UpstreamObserver | None = None,
        breaker: CircuitBreaker | None = None,
        backoff_s: float = 0.05,
    ) -> None:
        if not settings.url:
            raise ValueError(f"source {settings.system!r} needs a url")
        if settings.timeout_s <= 0:
            raise ValueError(f"source {settings.system!r}: timeout_s must be positive")
        if settings.max_concurrency < 1:
            raise ValueError(f"source {settings.system!r}: max_concurrency must be at least 1")
        if settings.retries < 0:
            raise ValueError(f"source {settings.system!r}: retries must not be negative")
        self.system = settings.system
        self._base_url = settings.url.rstrip("/")
        self._session = session
        self._timeout_s = settings.timeout_s
        self._retries = settings.retries
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self._per_request = settings.per_request
        self._observer = observer
        self._breaker = breaker if breaker is not None else CircuitBreaker()
        self._backoff_s = backoff_s

    @property
    def breaker(self) -> CircuitBreaker:
        return self._breaker

    async def get_json(
        self, operation: str, path: str, params: QueryParams = (), *, allow_not_found: bool = False
    ) -> object | None:
        """GET (always idempotent). With `allow_not_found`, HTTP 404 answers None."""
        return await self._call(operation, "GET", path, params, None, True, allow_not_found)

    async def post_json(self, operation: str, path: str, body: Mapping[str, object], *, idempotent: bool) -> object:
        """POST a JSON body. Mark read-only batch POSTs `idempotent=True` to allow retries."""
        return await self._call(operation, "POST", path, (), body, idempotent, False)

    async def _call(
        self,
        operation: str,
        method: str,
        path: str,
        params: QueryParams,
        body: Mapping[str, object] | None,
        idempotent: bool,
        allow_not_found: bool,
    ) -> object | None:
        if self._breaker.state == "open":
            self._observe(operation, 0.0, "circuit_open")
            raise SourceUnavailable(self.system, CIRCUIT_OPEN)
        request_deadline = deadline.current()
        share = request_share.share(self, self._per_request)
        await self._take_slot(operation, request_deadline, share)
        try:
            # Asked once the call can be sent: in half-open, the trial is the call that talks to the source.
            if not self._breaker.allow():
                self._observe(operation, 0.0, "circuit_open")
                raise SourceUnavailable(self.system, CIRCUIT_OPEN)
            return await self._judged(
                operation, method, path, params, body, idempotent, allow_not_found, request_deadline
            )
        finally:
            self._slots.release()
            if share is not None:
                share.release()

    async def _take_slot(self, operation: str, request_deadline: float | None, share: asyncio.Semaphore | None) -> None:
        """Wait for the request's share, then a shared slot, until the request's deadline (outside a request: the
        source's timeout). Both are taken, or neither."""
        loop = asyncio.get_running_loop()
        if request_deadline is not None and loop.time() >= request_deadline:
            raise SourceUnavailable(self.system, DEADLINE_EXCEEDED)
        if not self._slots.locked() and (share is None or not share.locked()):
            # Both free (the usual case): taken at once, without arming a timer that could never fire.
            if share is not None:
                await share.acquire()
            await self._slots.acquire()
            return
        bound = request_deadline if request_deadline is not None else loop.time() + self._timeout_s
        holding_share = False
        try:
            async with asyncio.timeout_at(bound):
                if share is not None:
                    await share.acquire()
                    holding_share = True
                await self._slots.acquire()
        except TimeoutError:
            if holding_share and share is not None:
                share.release()
            reason = DEADLINE_EXCEEDED if request_deadline is not None else GATEWAY_BUSY
            logger.info("%s on %s: no free slot in time (%s)", operation, self.system, reason)
            raise SourceUnavailable(self.system, reason) from None
        except BaseException:
            if holding_share and share is not None:
                share.release()
            raise

    async def _judged(
        self,
        operation: str,
        method: str,
        path: str,
        params: QueryParams,
        body: Mapping[str, object] | None,
        idempotent: bool,
        allow_not_found: bool,
        request_deadline: float | None,
    ) -> object | None:
        """The call, sent, with its outcome told to the breaker when it is the source's doing.

        The breaker counts calls, not attempts: one call's retries are one failure.
        """
        loop = asyncio.get_running_loop()
        sent_at = loop.time()
        own_limit = sent_at + self._timeout_s
        limit = own_limit if request_deadline is None else min(own_limit, request_deadline)
        try:
            answer = await self._attempts(
                operation, method, path, params, body, idempotent, allow_not_found, sent_at, limit, limit < own_limit
            )
        except SourceUnavailable as failure:
            if failure.reason in _CALLERS_REASONS:
                self._breaker.record_abandoned()
            elif (
                failure.reason in _SOURCE_FAULTS or failure.reason.startswith("HTTP 5") or failure.reason == "HTTP 429"
            ):
                self._breaker.record_failure()
            else:
                self._breaker.record_success()  # it answered: our request was refused (400, 413)
            raise
        except asyncio.CancelledError:
            # The caller gave up (the request's deadline, a sibling chunk's failure, the client went away).
            past_deadline = request_deadline is not None and loop.time() >= request_deadline
            self._observe(operation, loop.time() - sent_at, "deadline" if past_deadline else "cancelled")
            self._breaker.record_abandoned()
            raise
        self._breaker.record_success()
        return answer

    async def _attempts(
        self,
        operation: str,
        method: str,
        path: str,
        params: QueryParams,
        body: Mapping[str, object] | None,
        idempotent: bool,
        allow_not_found: bool,
        sent_at: float,
        limit: float,
        cut_by_deadline: bool,
    ) -> object | None:
        """Every attempt and backoff within `limit`: the source's timeout, or the request's deadline if sooner."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(limit):
                attempts = 1 + (self._retries if idempotent else 0)
                for attempt in range(attempts):
                    try:
                        return await self._attempt(operation, method, path, params, body, allow_not_found)
                    except _Retryable as failure:
                        last = attempt == attempts - 1
                        delay = self._delay(attempt, failure.retry_after_s)
                        if last or loop.time() + delay >= limit:
                            raise SourceUnavailable(self.system, failure.reason) from None
                        logger.info("retrying %s on %s: %s", operation, self.system, failure.reason)
                        await asyncio.sleep(delay)
        except TimeoutError:
            if cut_by_deadline:
                self._observe(operation, loop.time() - sent_at, "deadline")
                logger.info("%s on %s: %s", operation, self.system, DEADLINE_EXCEEDED)
                raise SourceUnavailable(self.system, DEADLINE_EXCEEDED) from None
            self._observe(operation, self._timeout_s, "timeout")
            logger.warning("%s on %s: %s", operation, self.system, TIMED_OUT)
            raise SourceUnavailable(self.system, TIMED_OUT) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), MAX_RETRY_AFTER_S)
        return float(self._backoff_s * (2**attempt))

    async def _attempt(
        self,
        operation: str,
        method: str,
        path: str,
        params: QueryParams,
        body: Mapping[str, object] | None,
        allow_not_found: bool,
    ) -> object | None:
        started = time.perf_counter()
        # One span per attempt, continuing the request's trace, which the source receives as W3C `traceparent`.
        # Attributes are the system and the operation's fixed name, never the URL (it can hold names).
        with spans.span(
            _tracer,
            f"{self.system} {operation}",
            kind=SpanKind.CLIENT,
            attributes={"family_context.source": self.system, "family_context.operation": operation},
        ) as span:
            headers = spans.trace_headers()
            return await self._sent(operation, method, path, params, body, allow_not_found, started, headers, span)

    async def _sent(
        self,
        operation: str,
        method: str,
        path: str,
        params: QueryParams,
        body: Mapping[str, object] | None,
        allow_not_found: bool,
        started: float,
        headers: dict[str, str],
        span: Span,
    ) -> object | None:
        try:
            data = None
            if body is not None:
                data = orjson.dumps(body)
                headers = {**headers, **_JSON_HEADERS}
            async with self._session.request(
                method,
                self._base_url + path,
                params=list(params) or None,
                data=data,
                headers=headers or None,
                timeout=_BOUNDED_BY_CALLER,
            ) as response:
                span.set_attribute("http.response.status_code", response.status)
                status = response.status
                if allow_not_found and status == 404:
                    self._observe(operation, time.perf_counter() - started, "not_found")
                    return None
                if status == 429 or status >= 500:
                    self._failed(operation, started, "throttled" if status == 429 else "http_error", status)
                    raise _Retryable(http_error(status), _retry_after(response.headers.get("Retry-After")))
                if status >= 400:
                    # Our request was refused (400, 404, 413): the source itself is fine.
                    self._observe(operation, time.perf_counter() - started, "http_error")
                    logger.warning("%s on %s: %s", operation, self.system, http_error(status))
                    raise SourceUnavailable(self.system, http_error(status))
                raw = await _read_limited(response)
                content_type = response.content_type
        except aiohttp.ClientError:
            self._failed(operation, started, "connection_error", None)
            raise _Retryable(CONNECTION_FAILED) from None
        try:
            if raw is None or "json" not in content_type:
                raise ValueError("not JSON")
            decoded: object = orjson.loads(raw)
        except ValueError:  # includes orjson.JSONDecodeError (malformed JSON, or not UTF-8)
            self._failed(operation, started, "malformed", None)
            raise SourceUnavailable(self.system, MALFORMED_RESPONSE) from None
        self._observe(operation, time.perf_counter() - started, "ok")
        return decoded

    def _failed(self, operation: str, started: float, outcome: Outcome, status: int | None) -> None:
        self._observe(operation, time.perf_counter() - started, outcome)
        reason = http_error(status) if status is not None else outcome
        logger.warning("%s on %s failed: %s", operation, self.system, reason)

    def _observe(self, operation: str, seconds: float, outcome: CallOutcome) -> None:
        """Tell the observer; a broken metrics hook never breaks a look-up."""
        if self._observer is None:
            return
        try:
            self._observer(self.system, operation, seconds, outcome)
        except Exception:
            logger.exception("upstream observer failed")


async def _read_limited(response: aiohttp.ClientResponse) -> bytes | None:
    """The body, or None when it is larger than any answer we expect."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


async def probe(transport: HttpTransport, path: str = "/health") -> SourceHealth:
    """UP when the source answers its health endpoint, DOWN otherwise (including an open circuit)."""
    try:
        await transport.get_json("health", path)
    except SourceUnavailable:
        return SourceHealth.DOWN
    return SourceHealth.UP
