"""A real gateway under uvicorn on loopback port 0 for a test, and an HTTP client for it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

from gateway.app import create_app
from gateway.server import serve_in_process
from gateway.settings import parse_authority


@contextlib.asynccontextmanager
async def serving(settings: Mapping[str, Any], **app_options: Any) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    """`(base URL, client session)` of a gateway built from `settings` (raw TOML-like data), stopped on exit."""
    app = create_app(parse_authority(settings), **app_options)
    async with serve_in_process(app) as server, aiohttp.ClientSession() as http:
        yield server.url, http
