"""A garbled upstream never produces half a person: any `MalformedRecord` fails the whole call."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sources.adapter import SourceUnavailable
from sources.http import MALFORMED_RESPONSE
from sources.mappers.native import MalformedRecord

logger = logging.getLogger(__name__)


@contextmanager
def reading(system: str, reason: str = MALFORMED_RESPONSE) -> Iterator[None]:
    """Within this block a `MalformedRecord` becomes `SourceUnavailable(system, reason)`.

    The log names the field that could not be read, never its value.
    """
    try:
        yield
    except MalformedRecord as error:
        logger.warning("%s: unreadable record (%s)", system, error.field)
        raise SourceUnavailable(system, reason) from None
