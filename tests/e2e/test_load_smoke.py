"""A few seconds of load on the real stack: overload is answered with coded refusals, never with missing data.

32 clients ask for the family-context query (`gateway.graphiql.EXAMPLE_QUERY`) as fast as they are answered, against
a gateway that admits 4 requests at a time and queues 4 more, so most requests meet a full process. With every
source healthy, each answer must be a 200 with the child whole (every check as in the child's answer asked alone
beforehand, no error) or a coded refusal (503 `OVERLOADED`, 429 `RATE_LIMITED`); never a `child: null`, a check
`UNAVAILABLE`, an uncoded error or a 500; and no source's circuit breaker may open. `make loadtest` measures the
same at scale, with the gateway in its own process (`benchmarks/loadtest.py`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from benchmarks.load_answers import verdict
from benchmarks.load_client import anonymous_clients, client_session, drive, fetch_baselines
from tests.e2e.conftest import Stack, running_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

CLIENTS = 32
SECONDS = 3.0
CHILDREN = [f"C{i:06d}" for i in range(1, 21)]
LIMITS = {
    "max_concurrent_requests": 4,
    "max_queued_requests": 4,
    # One development identity asks for everyone here: the per-principal limits would turn most answers into 429s
    # (coded, and allowed below) and leave overload, the subject of this test, little to do.
    "rate_requests_per_minute": 1_000_000,
    "rate_cost_per_minute": 1_000_000_000,
}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    workdir = Path(tmp_path_factory.mktemp("load-smoke"))
    async with running_stack(workdir, households=40, config_changes={"limits": LIMITS}) as running:
        yield running


async def test_overload_is_refused_with_a_code_and_never_answered_with_missing_data(stack: Stack) -> None:
    async with client_session(CLIENTS) as session:
        baselines = await fetch_baselines(session, stack.url, anonymous_clients(2), CHILDREN)
        answers = await drive(session, stack.url, anonymous_clients(CLIENTS), CHILDREN, baselines, seconds=SECONDS)

    verdicts = Counter(verdict(answer.judgement) for answer in answers)
    statuses = Counter(answer.judgement.status for answer in answers)
    assert set(statuses) <= {200, 503, 429}, statuses
    assert not [a for a in answers if a.judgement.non_coded or a.judgement.internal]
    assert set(verdicts) <= {"whole", "overloaded", "rate_limited"}, verdicts
    assert verdicts["child_null"] == 0
    assert verdicts["whole"] >= 20, verdicts  # the process kept answering at its bound
    assert verdicts["overloaded"] >= 10, verdicts  # and the overload was its answer, at once
    refused_at_once = [a.seconds for a in answers if a.judgement.status == 503]
    assert max(refused_at_once) < 1.0  # queue full: 503 at once, not after a timeout
    assert await stack.metric("family_context_upstream_requests_total", outcome="circuit_open") == 0
    assert await stack.metric("family_context_graphql_requests_total", status="500") == 0
