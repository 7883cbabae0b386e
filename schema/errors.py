"""Shaping the response's errors: every error gets an `extensions.code`, nothing unexpected leaks.

* an error a resolver raised on purpose (`GatewayError`), or a denial (`AccessDenied`), keeps its safe message
  and code; a denial of the same field in every item of a list is reported once, at the first item's path;
* a query the server refused before running it (syntax, validation, limits) is the client's to fix:
  `BAD_USER_INPUT`, or `QUERY_TOO_COMPLEX` for the size limits;
* each source that failed during the request is reported once, `SOURCE_UNAVAILABLE`, naming the service;
* a request whose deadline cut sources off gets one `DEADLINE_EXCEEDED` error naming them (not one
  `SOURCE_UNAVAILABLE` each: running out of time is not the sources' fault);
* anything else is a bug: masked as `INTERNAL` with a fixed message;
* with suggestions off, "Did you mean ...?" is cut from every message (it reveals the schema's names).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from auth.access import AccessDenied
from resolvers.context import RequestContext
from resolvers.deadline import RequestDeadline
from resolvers.errors import (
    BAD_USER_INPUT,
    DEADLINE_EXCEEDED,
    FORBIDDEN,
    INTERNAL,
    PURPOSE_REQUIRED,
    QUERY_TOO_COMPLEX,
    SOURCE_UNAVAILABLE,
    GatewayError,
)
from sources.deadline import DEADLINE_EXCEEDED as OUT_OF_TIME

log = logging.getLogger("family_context.errors")

INTERNAL_MESSAGE = "Something went wrong on our side. The error has been logged; please try again."
SOURCE_MESSAGE = "{system} is unavailable ({reason}); its part of the answer is missing."
DEADLINE_MESSAGE = (
    "The request ran out of time ({timeout_s:g} s): {systems} had not answered by then; their part of the answer "
    "is missing. Try again, or ask for less at once."
)

# Messages of strawberry's and graphql-core's size limits (depth, aliases, tokens).
_LIMIT_MARKERS = ("exceeds maximum operation depth", "aliases found. Allowed", "Document contains more than")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_DENIALS = (FORBIDDEN, PURPOSE_REQUIRED)


def error_code(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, GatewayError | AccessDenied):
        return original.code
    if error.extensions and isinstance(error.extensions.get("code"), str):
        return str(error.extensions["code"])
    if error.path is None and _is_about_the_request(error):
        # Raised before execution: the document or its variables (syntax, validation, a Date that is no date).
        if any(marker in error.message for marker in _LIMIT_MARKERS):
            return QUERY_TOO_COMPLEX
        return BAD_USER_INPUT
    return INTERNAL


def _is_about_the_request(error: GraphQLError) -> bool:
    """A pre-execution error that describes the client's document or variables, not a crash of ours."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError) or error.message.startswith("Variable '$")


def shape(error: GraphQLError) -> GraphQLError:
    code = error_code(error)
    original = error.original_error
    if isinstance(original, GatewayError | AccessDenied):
        return GraphQLError(original.message, error.nodes, path=error.path, extensions=original.extensions)
    if code == INTERNAL:
        return GraphQLError(INTERNAL_MESSAGE, error.nodes, path=error.path, extensions={"code": INTERNAL})
    return GraphQLError(
        error.message, error.nodes, path=error.path, extensions={**(error.extensions or {}), "code": code}
    )


class ErrorShaping(SchemaExtension):
    """Adds one error per failed source, then shapes every error (see the module docstring)."""

    def __init__(self, *, suggestions: bool = True) -> None:
        super().__init__()
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        errors = list(result.errors or [])
        context = self.execution_context.context
        if isinstance(context, RequestContext):
            errors.extend(
                GraphQLError(
                    SOURCE_MESSAGE.format(system=f.system, reason=f.reason),
                    extensions={
                        "code": SOURCE_UNAVAILABLE,
                        "service": f.service.value if f.service else None,
                        "system": f.system,
                    },
                )
                for f in context.failures
                if f.reason != OUT_OF_TIME
            )
            errors.extend(deadline_errors(context.deadline))
            for error in errors:
                if isinstance(error.original_error, AccessDenied):
                    context.access.denied(error.original_error.denied)
        shaped = once_per_field([shape(e) for e in errors])
        if not self.suggestions:
            for error in shaped:
                error.message = without_suggestions(error.message)
        result.errors = shaped or None


def deadline_errors(deadline: RequestDeadline) -> list[GraphQLError]:
    """One error when the request's deadline cut sources off, naming them; none when it did not."""
    if not deadline.exceeded:
        return []
    systems = deadline.cut_off
    message = DEADLINE_MESSAGE.format(timeout_s=deadline.timeout_s or 0, systems=", ".join(systems))
    return [GraphQLError(message, extensions={"code": DEADLINE_EXCEEDED, "systems": list(systems)})]


def once_per_field(errors: list[GraphQLError]) -> list[GraphQLError]:
    """A field withheld in every item of a list (each member's police details, say) is reported once, at its
    first path. A refused list item (a child out of reach in `children`) keeps its own error at its index."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    kept = []
    for error in errors:
        code = (error.extensions or {}).get("code")
        if code in _DENIALS and error.path and isinstance(error.path[-1], str):
            key = (str(code), tuple(p for p in error.path if isinstance(p, str)))
            if key in seen:
                continue
            seen.add(key)
        kept.append(error)
    return kept


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


def shape_all(errors: list[GraphQLError] | None) -> list[GraphQLError] | None:
    """The last word on any result's errors, however they arose (some arise outside every extension)."""
    return [e if _is_shaped(e) else shape(e) for e in errors] if errors else errors


def _is_shaped(error: GraphQLError) -> bool:
    return error.original_error is None and bool(error.extensions) and "code" in (error.extensions or {})


def log_errors(errors: list[GraphQLError]) -> None:
    """Log errors without their messages (which can echo personal data): code, path and exception type only."""
    for error in errors:
        code = error_code(error)
        original = error.original_error
        if code == INTERNAL and original is not None:
            # The frames, never the exception's message: messages can hold the values being processed.
            frames = "".join(traceback.format_tb(original.__traceback__))
            log.error("internal error at %s: %s\n%s", _path(error), type(original).__name__, frames)
        else:
            log.info("request error %s at %s", code, _path(error))


def _path(error: GraphQLError) -> str:
    return ".".join(str(p) for p in error.path) if error.path else "-"
