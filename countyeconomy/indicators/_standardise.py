"""Orientation and min-max standardisation of indicators, shared by the composite indices.

Re-exported from :mod:`countyeconomy.indicators.composite`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, Literal, TypeAlias, overload

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import DimensionError, InvalidOptionError
from countyeconomy.indicators._common import (
    PandasInput,
    as_dataarray,
    check_values,
    require_dims,
    restore,
)

__all__ = [
    "Direction",
    "IndicatorInput",
    "Scope",
    "Standardisation",
    "indicator_array",
    "positive_directions",
    "reduce_dims",
    "standardise",
    "standardise_array",
]

Direction = Literal["+", "-"]
Scope = Literal["panel", "year"]
Standardisation = Literal["minmax", "rescale"]
IndicatorInput: TypeAlias = "xr.DataArray | PandasInput"


def indicator_array(x: IndicatorInput, indicator_dim: str) -> xr.DataArray:
    da, _ = as_dataarray(x, name="x", column_dim=indicator_dim)
    require_dims(da, [indicator_dim], name="x", hint="Name it with indicator_dim=.")
    if indicator_dim not in da.indexes:
        raise DimensionError(
            f"dim {indicator_dim!r} of x needs labels (a coordinate) naming each "
            "indicator, so that directions and weights can refer to them."
        )
    if da.ndim < 2:
        raise DimensionError(f"x needs an observation dim besides {indicator_dim!r}.")
    return check_values(
        da,
        lambda b: ~np.isfinite(b),
        name="x",
        problem="missing or infinite value(s); composite indices need complete data, so drop or "
        "impute them first",
    )


def positive_directions(
    da: xr.DataArray, directions: Mapping[Hashable, str], indicator_dim: str
) -> xr.DataArray:
    """Boolean DataArray over ``indicator_dim``: True for "+" indicators."""
    if not isinstance(directions, Mapping):
        raise InvalidOptionError("directions must be a mapping {indicator: '+' or '-'}.")
    labels = list(da.indexes[indicator_dim])
    missing = [lab for lab in labels if lab not in directions]
    extra = [key for key in directions if key not in labels]
    if missing or extra:
        raise DimensionError(
            f"directions must give '+' or '-' for every {indicator_dim!r} label {labels}; "
            f"missing {missing}, unknown {extra}."
        )
    for lab in labels:
        if directions[lab] not in ("+", "-"):
            raise InvalidOptionError(
                f"direction of indicator {lab!r} is {directions[lab]!r}; valid: '+' (benefit) or "
                "'-' (cost)."
            )
    flags = [directions[lab] == "+" for lab in labels]
    return xr.DataArray(flags, dims=indicator_dim, coords={indicator_dim: labels})


def reduce_dims(da: xr.DataArray, indicator_dim: str, scope: str, time_dim: str) -> list[Hashable]:
    check_option("scope", scope, Scope)
    keep = {indicator_dim}
    if scope == "year":
        require_dims(da, [time_dim], name="x", hint="scope='year' needs it; set time_dim=.")
        keep.add(time_dim)
    dims = [d for d in da.dims if d not in keep]
    if not dims:
        raise DimensionError(f"scope={scope!r} leaves no observation dim of x {tuple(da.dims)}.")
    return dims


def standardise_array(
    da: xr.DataArray,
    positive: xr.DataArray,
    dims: list[Hashable],
    standardisation: str,
    shift: float | None,
    bounds: tuple[float, float] | None,
) -> xr.DataArray:
    check_option("standardisation", standardisation, Standardisation)
    if standardisation == "minmax" and bounds is not None:
        raise InvalidOptionError("bounds= applies to standardisation='rescale' only.")
    if standardisation == "rescale" and shift is not None:
        raise InvalidOptionError("shift= applies to standardisation='minmax' only.")
    lo, hi = da.min(dims), da.max(dims)
    span = hi - lo
    up = (da - lo) / span.where(span != 0)
    z = up.where(positive, 1 - up).where(span != 0, 0.0)
    if standardisation == "minmax":
        shift = 1e-4 if shift is None else shift
        if not shift >= 0:
            raise InvalidOptionError(f"shift={shift!r} must be a number >= 0.")
        return z + shift
    a, b = (0.002, 0.996) if bounds is None else bounds
    if not 0 <= a < b:
        raise InvalidOptionError(f"bounds={bounds!r} must satisfy 0 <= a < b.")
    return a + (b - a) * z


@overload
def standardise(
    x: xr.DataArray,
    *,
    directions: Mapping[Hashable, str],
    indicator_dim: str = ...,
    scope: str = ...,
    time_dim: str = ...,
    standardisation: str = ...,
    shift: float | None = ...,
    bounds: tuple[float, float] | None = ...,
) -> xr.DataArray: ...
@overload
def standardise(
    x: PandasInput,
    *,
    directions: Mapping[Hashable, str],
    indicator_dim: str = ...,
    scope: str = ...,
    time_dim: str = ...,
    standardisation: str = ...,
    shift: float | None = ...,
    bounds: tuple[float, float] | None = ...,
) -> pd.Series[Any]: ...
def standardise(
    x: IndicatorInput,
    *,
    directions: Mapping[Hashable, str],
    indicator_dim: str = "indicator",
    scope: str = "panel",
    time_dim: str = "year",
    standardisation: str = "minmax",
    shift: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> xr.DataArray | pd.Series[Any]:
    r"""Orient and min-max standardise indicators (the first step of the entropy method).

    .. math:: x'_{ij} = \frac{x_{ij} - \min_j}{\max_j - \min_j}\ (+),\qquad
              x'_{ij} = \frac{\max_j - x_{ij}}{\max_j - \min_j}\ (-)

    then ``standardisation="minmax"`` adds ``shift`` (default :math:`10^{-4}`) and
    ``standardisation="rescale"`` maps to ``bounds`` :math:`[a, b]` (default [0.002, 0.996]):
    :math:`a + (b - a) x'`. Minimum and maximum are taken over the whole panel (``scope="panel"``,
    comparable across years) or within each ``time_dim`` label (``scope="year"``). An indicator
    with no variation gets :math:`x' = 0` before the shift.

    References
    ----------
    R ``mathmodels::entropy_weight`` (rescale to [0.002, 0.996]); 杨丽, 孙之淳 (2015). 基于熵值法的
    西部新型城镇化发展水平测评. 经济问题 (3), 115-119 (panel min-max).

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[3, 10], [5, 20], [2, 15], [7, 25]], dims=("county", "indicator"),
    ...                  coords={"indicator": ["x1", "x2"]})
    >>> standardise(x, directions={"x1": "+", "x2": "-"}, shift=0).round(4).values.tolist()
    [[0.2, 1.0], [0.6, 0.3333], [0.0, 0.6667], [1.0, 0.0]]
    """
    da = indicator_array(x, indicator_dim)
    positive = positive_directions(da, directions, indicator_dim)
    dims = reduce_dims(da, indicator_dim, scope, time_dim)
    out = standardise_array(da, positive, dims, standardisation, shift, bounds)
    return restore(out.rename("standardised"), not isinstance(x, xr.DataArray))
