"""One error hierarchy for countyeconomy.

Every error raised for bad user input is a subclass of :class:`CountyEconomyError`. Messages name the
column, county or year at fault and say what would be valid.
"""

from __future__ import annotations

__all__ = [
    "CountyEconomyError",
    "CountyEconomyWarning",
    "DataNotFoundError",
    "DimensionError",
    "FormulaError",
    "IdentificationError",
    "InputTypeError",
    "InvalidOptionError",
    "MixedCodeTypesWarning",
    "NonNumericError",
    "PanelStructureError",
    "RegistryError",
    "RowsDroppedWarning",
    "TreatmentTimingError",
    "UndefinedValueWarning",
    "UnknownNameError",
    "WeightsError",
    "YearGapWarning",
]


class CountyEconomyError(Exception):
    """Base class of every error countyeconomy raises for bad input."""


class PanelStructureError(CountyEconomyError, ValueError):
    """Keys of a county x year panel are duplicated, missing or of the wrong type."""


class FormulaError(CountyEconomyError, ValueError):
    """A model formula cannot be parsed or names an unknown column."""


class IdentificationError(CountyEconomyError, ValueError):
    """A parameter is not identified (no variation, one cluster, empty sample...)."""


class InvalidOptionError(CountyEconomyError, ValueError):
    """An option is not one of the allowed values."""


class TreatmentTimingError(CountyEconomyError, ValueError):
    """Treatment timing is inconsistent (switches off, not 0/1, ...)."""


class WeightsError(CountyEconomyError, ValueError):
    """Regression or aggregation weights are negative, missing or all zero."""


class DimensionError(CountyEconomyError, ValueError):
    """Labelled arrays do not have the dimensions a function needs."""


class DataNotFoundError(CountyEconomyError, FileNotFoundError):
    """A dataset is neither in the local mirror nor downloadable."""


class RegistryError(CountyEconomyError, ValueError):
    """A county code or name cannot be resolved in the code registry."""


class NonNumericError(CountyEconomyError, ValueError):
    """A numeric column holds text that is not a number (``"n/a"``, ``"1,234.5"``).

    The message names the column, the first offending values and rows, and the fix.
    """


class InputTypeError(CountyEconomyError, TypeError):
    """An argument is of the wrong type (a DataFrame where a Dataset or a result is expected)."""


class UnknownNameError(CountyEconomyError, KeyError):
    """A name looked up in a result (a check, a term, an estimator) does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CountyEconomyWarning(UserWarning):
    """Base class of countyeconomy warnings."""


class RowsDroppedWarning(CountyEconomyWarning):
    """Rows were dropped (missing values, singletons, unmatched codes); the count is in the message."""


class MixedCodeTypesWarning(CountyEconomyWarning):
    """A county code is spelled two ways (``100000`` and ``"100000"``); they were made one code."""


class YearGapWarning(CountyEconomyWarning):
    """A calendar year is missing for every county; base periods after it span two years."""


class UndefinedValueWarning(CountyEconomyWarning):
    """An indicator is undefined (0/0) in some cells; the count and examples are in the message."""
