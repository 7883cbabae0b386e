"""Shared fixtures: one population per module (generation is the slow part), a running sandbox per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from sandbox.population import Population, generate
from sandbox.runner import RunningSandbox, start_sandbox

SEED = 7
HOUSEHOLDS = 300


@pytest.fixture(scope="module")
def population() -> Population:
    return generate(SEED, HOUSEHOLDS)


@pytest.fixture
async def sandbox(tmp_path: Path, population: Population) -> AsyncIterator[RunningSandbox]:
    async with start_sandbox(tmp_path, seed=SEED, population=population) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session
