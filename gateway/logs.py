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


def hold_data_echoing_loggers() -> None:
    for name in DATA_ECHOING_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hold_data_echoing_loggers()
