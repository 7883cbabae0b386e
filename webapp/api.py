"""Calling the gateway's own `/graphql`, in-process: the same ASGI app a browser or an integrator reaches, with
its middleware, admission control, sign-in, access policy and audit trail, so the page has no back door.

Every call carries the signed-in user's bearer token, the purpose and case reference they gave (`X-Purpose`,
`X-Case-Reference`), the operation's persisted-query hash, and the page request's id (so the gateway's logs and
audit records of a page view share one `X-Request-Id`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2
from starlette.requests import Request
from starlette.types import ASGIApp

from webapp.operations import operation

# The in-process address: never on the network; the gateway sees a loopback client.
BASE_URL = "http://gateway.internal"


@dataclass(frozen=True)
class ApiError:
    message: str
    code: str | None
    path: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class ApiResult:
    status: int
    data: Mapping[str, Any] | None
    errors: tuple[ApiError, ...] = field(default=())

    @property
    def unauthenticated(self) -> bool:
        return self.status == 401 or any(e.code == "UNAUTHENTICATED" for e in self.errors)

    def error_codes(self) -> set[str]:
        return {e.code for e in self.errors if e.code}


class GraphQLClient:
    def __init__(self, app: ASGIApp, *, timeout_s: float = 30.0) -> None:
        self._client = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app, client=("127.0.0.1", 0)), base_url=BASE_URL, timeout=timeout_s
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def run(
        self,
        name: str,
        variables: Mapping[str, Any],
        *,
        token: str,
        purpose: str | None,
        case_reference: str | None,
        request_id: str | None = None,
    ) -> ApiResult:
        op = operation(name)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if purpose:
            headers["X-Purpose"] = purpose
        if case_reference:
            headers["X-Case-Reference"] = case_reference
        if request_id:
            headers["X-Request-Id"] = request_id
        body = {
            "query": op.document,
            "operationName": name,
            "variables": dict(variables),
            "extensions": op.extensions(),
        }
        response = await self._client.post("/graphql", content=json.dumps(body), headers=headers)
        try:
            payload = response.json()
        except ValueError:
            return ApiResult(status=response.status_code, data=None, errors=(ApiError("Not a GraphQL answer.", None),))
        return ApiResult(
            status=response.status_code,
            data=payload.get("data") if isinstance(payload, dict) else None,
            errors=tuple(_errors(payload.get("errors") if isinstance(payload, dict) else None)),
        )


def _errors(raw: object) -> list[ApiError]:
    if not isinstance(raw, list):
        return []
    found = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        extensions = item.get("extensions") if isinstance(item.get("extensions"), dict) else {}
        code = extensions.get("code") if isinstance(extensions, dict) else None
        path = item.get("path")
        steps = tuple(step for step in path if isinstance(step, str | int)) if isinstance(path, list) else ()
        found.append(ApiError(message=str(item.get("message", "")), code=code, path=steps))
    return found


class InProcessClient:
    """The in-process GraphQL client, made on first use from the request's own app (the gateway that mounts the
    page): the page then reaches `/graphql` through exactly the stack every other caller does."""

    def __init__(self) -> None:
        self._client: GraphQLClient | None = None

    def of(self, request: Request) -> GraphQLClient:
        if self._client is None:
            self._client = GraphQLClient(request.scope["app"])
        return self._client
