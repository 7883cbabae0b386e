"""The one shape of every error the gateway's HTTP layer answers itself: GraphQL's, with an `extensions.code`.

Why: a client (a front end, an integration) handles one shape whatever went wrong, a refused token or a body too
large as much as a field that failed, and never has to parse plain text or HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse


def error_response(status: int, message: str, code: str, *, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """`{"data": null, "errors": [{"message": ..., "extensions": {"code": ...}}]}` with this HTTP status."""
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=dict(headers or {}),
    )
