"""The load generator: simulated clients, each signed in as its own user, asking for one child after another.

Each client is a closed loop (the next request when the last one is answered, no think time), asks for children in
its own seeded random order, and honours `Retry-After` on a 503 or a 429, as a well-behaved client does: it
waits that long (at most until the run ends) before asking again. A client that ignores it only adds more refusals,
which are cheap; one that honours it shows what the refusals cost the people waiting.

Every answer is kept as an `Answer`: when it was asked (seconds since the run began), how long it took, and its
`Judgement` against the child's baseline (`benchmarks.load_answers`). Bodies are not kept.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from auth.demo_issuer import mint_token
from auth.principal import Role
from benchmarks.load_answers import Judgement, Picture, judge
from gateway.graphiql import EXAMPLE_QUERY

PURPOSE = "ASSESSMENT"
CLIENT_TIMEOUT_S = 60.0  # far beyond any deadline: an answer this late is a hang, reported as status 0
NO_ANSWER = 0  # the status of a request that got no HTTP answer (connection refused or reset, client timeout)


@dataclass(frozen=True)
class Client:
    name: str
    headers: Mapping[str, str]
    pause_s: float = 0.0  # think time after each answer: 0 for the load, more for a probe that only watches


@dataclass(frozen=True)
class Answer:
    started: float  # seconds since the run began
    seconds: float
    cms_id: str
    judgement: Judgement

    @property
    def finished(self) -> float:
        return self.started + self.seconds


def demo_clients(
    key_file: Path, count: int, prefix: str, *, pause_s: float = 0.0, ttl_s: int = 6 * 3600
) -> list[Client]:
    """`count` clients, each a social worker of their own (`<prefix>-001`, ...) with a token from the demo's key,
    so each has their own per-principal rate limits, as `count` people at their desks would."""
    clients = []
    for i in range(1, count + 1):
        user_id = f"{prefix}-{i:03d}"
        token = mint_token(key_file, role=Role.SOCIAL_WORKER, user_id=user_id, name=f"Load {user_id}", ttl_s=ttl_s)
        clients.append(Client(user_id, {"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE}, pause_s))
    return clients


def anonymous_clients(count: int) -> list[Client]:
    """Clients with a purpose and no token: for a gateway with development sign-in (one identity for all)."""
    return [Client(f"client-{i:03d}", {"X-Purpose": PURPOSE}) for i in range(1, count + 1)]


async def ask(
    session: aiohttp.ClientSession, url: str, client: Client, cms_id: str, baseline: Picture | None
) -> tuple[Judgement, float]:
    """One family-context query: its judgement, and the Retry-After it carried (0 when none)."""
    request = {"query": EXAMPLE_QUERY, "variables": {"cmsId": cms_id}}
    try:
        async with session.post(f"{url}/graphql", json=request, headers=dict(client.headers)) as response:
            raw = await response.read()
            status = response.status
            retry_after = _seconds(response.headers.get("Retry-After"))
    except (aiohttp.ClientError, TimeoutError):
        return Judgement(status=NO_ANSWER, non_coded=True), 0.0
    try:
        body: object = json.loads(raw)
    except ValueError:
        body = None
    return judge(status, body, baseline), retry_after


async def drive(
    session: aiohttp.ClientSession,
    url: str,
    clients: Sequence[Client],
    children: Sequence[str],
    baselines: Mapping[str, Picture],
    *,
    seconds: float,
    seed: int = 1,
    honour_retry_after: bool = True,
    began: float | None = None,
) -> list[Answer]:
    """Run every client for `seconds` from `began` (a `time.perf_counter()` reading; default now). Requests still
    in flight at the end are awaited, not cut off. Each client waits its `pause_s` after every answer, or the
    answer's `Retry-After` if that is longer (with `honour_retry_after`)."""
    began = time.perf_counter() if began is None else began
    ends = began + seconds
    answers: list[Answer] = []

    async def run(index: int, client: Client) -> None:
        order = random.Random(seed * 100_003 + index)
        while (now := time.perf_counter()) < ends:
            cms_id = order.choice(children)
            judgement, retry_after = await ask(session, url, client, cms_id, baselines.get(cms_id))
            answers.append(Answer(now - began, time.perf_counter() - now, cms_id, judgement))
            wait = client.pause_s
            if honour_retry_after and judgement.status in (429, 503):
                wait = max(wait, retry_after)
            if wait:
                await asyncio.sleep(max(0.0, min(wait, ends - time.perf_counter())))

    await asyncio.gather(*(run(i, client) for i, client in enumerate(clients)))
    answers.sort(key=lambda a: a.started)
    return answers


def client_session(concurrency: int) -> aiohttp.ClientSession:
    """One connection per client (and a few spare), never a proxy; a hang shows as status 0, not a stuck run."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency + 8, limit_per_host=concurrency + 8),
        timeout=aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S),
    )


async def fetch_baselines(
    session: aiohttp.ClientSession, url: str, clients: Sequence[Client], children: Sequence[str]
) -> dict[str, Picture]:
    """Every child's answer with every source healthy, asked by `clients` in turn. An answer that is not clean
    (an error, an UNAVAILABLE check) is asked again, up to three times; then the run stops: no baseline, no
    comparison."""
    baselines: dict[str, Picture] = {}
    queue = list(children)

    async def worker(client: Client) -> None:
        while queue:
            cms_id = queue.pop()
            for _ in range(3):
                picture = await _clean_picture(session, url, client, cms_id)
                if picture is not None:
                    baselines[cms_id] = picture
                    break
            else:
                raise RuntimeError(f"no clean answer for {cms_id} with every source healthy")

    await asyncio.gather(*(worker(client) for client in clients))
    return baselines


async def _clean_picture(session: aiohttp.ClientSession, url: str, client: Client, cms_id: str) -> Picture | None:
    request = {"query": EXAMPLE_QUERY, "variables": {"cmsId": cms_id}}
    async with session.post(f"{url}/graphql", json=request, headers=dict(client.headers)) as response:
        if response.status != 200:
            await asyncio.sleep(1.0)
            return None
        body = await response.json()
    child = (body.get("data") or {}).get("child")
    if body.get("errors") or child is None:
        return None
    picture = Picture.of(child)
    return picture if picture.clean else None


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value is not None else 0.0
    except ValueError:
        return 0.0
