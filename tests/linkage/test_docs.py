"""The examples in the package's docstrings run as written."""

import datetime
import doctest
import importlib

import pytest

from linkage import Demographics


@pytest.mark.parametrize(
    "module",
    [
        "linkage",
        "linkage.scoring",
        "linkage.thresholds",
        "linkage.blocking",
        "linkage.normalise",
        "linkage.dates",
        "linkage.diminutives",
        "linkage.demographics",
        "linkage.cluster",
    ],
)
def test_docstring_examples(module: str) -> None:
    imported = importlib.import_module(module)
    names = vars(imported) | {"datetime": datetime, "Demographics": Demographics}
    result = doctest.testmod(imported, extraglobs=names, optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 0
    assert result.failed == 0
