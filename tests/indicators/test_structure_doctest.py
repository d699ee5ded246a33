"""Run the docstring examples of the structure modules (pytest does not collect package doctests)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "countyeconomy.indicators.structure",
    "countyeconomy.indicators._upgrading",
    "countyeconomy.indicators._agglomeration",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
