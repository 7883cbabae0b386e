from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from sandbox.runner import RunningSandbox, start_sandbox
from tests.sources.upstream import Upstream, serving_upstream


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    async with start_sandbox(tmp_path / "sandbox", seed=3, households=40) as running:
        yield running


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    async for running in serving_upstream():
        yield running
