"""The examples in the docstrings of the modules the trained model added to run as written."""

from __future__ import annotations

import datetime
import doctest
import importlib

import pytest

from linkage import Demographics


@pytest.mark.parametrize("module", ["linkage.postcodes", "linkage.diminutives"])
def test_docstring_examples(module: str) -> None:
    imported = importlib.import_module(module)
    names = vars(imported) | {"datetime": datetime, "Demographics": Demographics}
    result = doctest.testmod(imported, extraglobs=names, optionflags=doctest.ELLIPSIS, report=True)
    assert result.attempted > 0
    assert result.failed == 0
