"""Estimators: one per module, each returning a frozen result with the common protocol."""

from countyeconomy.estimators._coefs import COLUMNS, CoefTable, Summary
from countyeconomy.estimators._formula import ParsedFormula, parse_formula
from countyeconomy.estimators._linear import FitInfo, LinearResultBase
from countyeconomy.estimators.iv import FirstStage, IVResult, iv
from countyeconomy.estimators.twfe import TWFEResult, twfe

__all__ = [
    "COLUMNS",
    "CoefTable",
    "FirstStage",
    "FitInfo",
    "IVResult",
    "LinearResultBase",
    "ParsedFormula",
    "Summary",
    "TWFEResult",
    "iv",
    "parse_formula",
    "twfe",
]
