"""Argument checks of :func:`~countyeconomy.psm_did`; each error names the argument."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import check_option
from countyeconomy.errors import FormulaError, InvalidOptionError
from countyeconomy.panel import Panel
from countyeconomy.robustness._common import describe_values

__all__ = ["MatchMethod", "check_data", "check_options"]

MatchMethod = Literal["nearest", "kernel", "radius"]


def check_options(
    method: str, k: object, caliper: object, bandwidth: object, by_year: object
) -> None:
    check_option("method", method, MatchMethod)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidOptionError(f"k={k!r} must be a positive integer.")
    for name, v in (("bandwidth", bandwidth), ("caliper", caliper)):
        if v is None and name == "caliper":
            continue
        ok = isinstance(v, int | float | np.number) and not isinstance(v, bool)
        if not ok or not np.isfinite(float(v)) or float(v) <= 0:  # type: ignore[arg-type]
            raise InvalidOptionError(f"{name}={v!r} must be a positive number.")
    if not isinstance(by_year, bool):
        raise InvalidOptionError(f"by_year={by_year!r} must be True or False.")


def check_data(panel: Panel, outcome: str, treatment: str, covariates: tuple[str, ...]) -> None:
    cols = panel.frame.columns
    roles = [("outcome", outcome), ("treatment", treatment)]
    roles += [("covariates", c) for c in covariates]
    missing = [f"{v!r} ({role})" for role, v in roles if not isinstance(v, str) or v not in cols]
    if missing:
        raise FormulaError(
            f"psm_did: unknown column(s) {', '.join(missing)}; the data has columns "
            f"{describe_values(sorted(map(str, cols)), limit=20)}."
        )
    if not covariates:
        raise InvalidOptionError(
            "covariates=() is empty; psm_did needs at least one covariate for the propensity score."
        )
    text = [c for c in covariates if not pd.api.types.is_numeric_dtype(panel.frame[c])]
    if text:
        raise FormulaError(f"covariates {text} must be numeric columns.")
