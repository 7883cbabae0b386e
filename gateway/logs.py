"""Logging that never holds personal data.

The gateway's own loggers never put names, dates of birth, addresses or search terms in a message. Some libraries
do at DEBUG level: aiosqlite logs every statement with its parameters (a school look-up's surnames and dates of
birth). Those loggers are held at INFO or above whatever the root level, so turning on DEBUG to chase a problem
cannot leak a child's details into the logs.
"""

from __future__ import annotations

import logging

# Loggers that echo the data they handle at DEBUG level.
DATA_ECHOING_LOGGERS = ("aiosqlite",)
# Loggers switched off entirely: uvicorn's access log prints each request's path with its query string (a query
# sent over GET, search terms and all). uvicorn's `access_log=False` only removes its handlers, so a handler an
# operator's logging configuration or a monitoring agent attaches later would bring it back. A filter that drops
# every record stays on the logger whatever handlers, levels or `dictConfig` (which uvicorn runs, and which
# re-enables a disabled logger) do later. The gateway logs each request itself, without the path's query.
SILENCED_LOGGERS = ("uvicorn.access",)


class _DropEverything(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


_DROP = _DropEverything()


def hold_data_echoing_loggers() -> None:
    for name in DATA_ECHOING_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    for name in SILENCED_LOGGERS:
        logger = logging.getLogger(name)
        if _DROP not in logger.filters:
            logger.addFilter(_DROP)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hold_data_echoing_loggers()
