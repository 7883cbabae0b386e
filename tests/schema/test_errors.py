"""Error shaping: unexpected errors are masked, and nothing an error carries reaches the logs."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from resolvers.errors import GatewayError
from schema.errors import INTERNAL_MESSAGE, log_errors, shape


def raised(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:
        return caught


def test_an_unexpected_exception_is_masked_as_internal() -> None:
    error = GraphQLError("'Smith'", path=["child", "name"], original_error=raised(KeyError("Smith")))
    shaped = shape(error)
    assert shaped.message == INTERNAL_MESSAGE
    assert shaped.extensions == {"code": "INTERNAL"}
    assert shaped.path == ["child", "name"]


def test_a_gateway_error_keeps_its_safe_message_and_code() -> None:
    error = GraphQLError("x", path=["child"], original_error=GatewayError("No child with that id.", "NOT_FOUND"))
    shaped = shape(error)
    assert (shaped.message, shaped.extensions) == ("No child with that id.", {"code": "NOT_FOUND"})


def test_errors_before_execution_are_the_clients_to_fix() -> None:
    assert shape(GraphQLError("Syntax Error: Expected Name")).extensions == {"code": "BAD_USER_INPUT"}
    too_deep = GraphQLError("'q' exceeds maximum operation depth of 6")
    assert shape(too_deep).extensions == {"code": "QUERY_TOO_COMPLEX"}


def test_a_crash_before_execution_is_ours_not_the_clients() -> None:
    crash = GraphQLError("max() arg is an empty sequence", original_error=raised(ValueError("max() arg")))
    assert shape(crash).extensions == {"code": "INTERNAL"}
    assert shape(crash).message == INTERNAL_MESSAGE
    coercion = GraphQLError("Variable '$dob' got invalid value 'x'", original_error=raised(ValueError("bad date")))
    assert shape(coercion).extensions == {"code": "BAD_USER_INPUT"}


def test_logged_errors_hold_neither_message_nor_exception_text(caplog: pytest.LogCaptureFixture) -> None:
    secret = "Amelia Smith 2014-03-09"
    errors = [
        GraphQLError(secret, path=["child"], original_error=raised(ValueError(secret))),
        GraphQLError(secret, path=["node"], original_error=GatewayError(secret, "NOT_FOUND")),
        GraphQLError(secret),
    ]
    with caplog.at_level(logging.DEBUG):
        log_errors(errors)
    assert "ValueError" in caplog.text  # the type, and the frames, are logged
    assert "Smith" not in caplog.text and "2014" not in caplog.text
