"""Inequality indicators: urban-rural gap, Theil, Gini, Dagum, CV and Williamson.

Every function takes xarray DataArrays with named dims (pandas accepted and returned as pandas)
and evaluates lazily on dask-backed input. See ``docs/methods/inequality.md``.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import DimensionError
from countyeconomy.indicators._common import (
    ArrayInput,
    ZeroPolicy,
    apply_zero_policy,
    as_dataarray,
    restore,
)
from countyeconomy.indicators._dagum import DagumDecomposition, dagum_decomposition
from countyeconomy.indicators._gini import (
    GiniSourceDecomposition,
    gini,
    gini_source_decomposition,
    grouped_gini,
)
from countyeconomy.indicators._inequality_kernels import prepare, xsqrt
from countyeconomy.indicators._theil import (
    NestedTheilDecomposition,
    PopulationBasis,
    TheilDecomposition,
    nested_theil_decomposition,
    theil,
    theil_decomposition,
    urban_rural_theil,
)

__all__ = [
    "DagumDecomposition",
    "GiniSourceDecomposition",
    "NestedTheilDecomposition",
    "PopulationBasis",
    "TheilDecomposition",
    "coefficient_of_variation",
    "dagum_decomposition",
    "gini",
    "gini_source_decomposition",
    "grouped_gini",
    "nested_theil_decomposition",
    "theil",
    "theil_decomposition",
    "urban_rural_ratio",
    "urban_rural_theil",
    "williamson_index",
]

GapKind = Literal["ratio", "difference"]


def urban_rural_ratio(
    urban_income: ArrayInput,
    rural_income: ArrayInput,
    *,
    kind: GapKind = "ratio",
    zero_policy: ZeroPolicy = "raise",
) -> xr.DataArray | pd.Series[Any]:
    r"""Urban-rural income gap, element by element: :math:`\bar y^u/\bar y^r` or :math:`\bar y^u-\bar y^r`.

    Per-capita disposable incomes (rural net income 纯收入 before the 2013 survey reform). Deflate
    each side with its own CPI first for a real gap. The ratio ignores population; see
    :func:`urban_rural_theil` for a population-aware measure.

    Parameters
    ----------
    urban_income, rural_income : DataArray or pandas
        Same dims and labels (for example county x year).
    kind : {"ratio", "difference"}
        Relative or absolute gap.
    zero_policy : {"raise", "mask", "allow"}
        What to do with zero incomes (negative incomes always raise).

    Examples
    --------
    >>> import xarray as xr
    >>> u = xr.DataArray([51821.0], dims="year", coords={"year": [2023]})
    >>> r = xr.DataArray([21691.0], dims="year", coords={"year": [2023]})
    >>> round(float(urban_rural_ratio(u, r)[0]), 3)
    2.389

    References
    ----------
    National Bureau of Statistics of China, *China Statistical Yearbook* (urban and rural household
    survey).
    """
    gap = check_option("kind", kind, GapKind)
    u, from_pandas = as_dataarray(urban_income, name="urban_income")
    r, fp = as_dataarray(rural_income, name="rural_income")
    u = apply_zero_policy(u.astype(float), zero_policy, name="urban_income")
    r = apply_zero_policy(r.astype(float), zero_policy, name="rural_income")
    try:
        u, r = xr.align(u, r, join="exact")
    except ValueError as exc:
        raise DimensionError(
            f"urban_income and rural_income have different labels: {exc}"
        ) from None
    out = (u / r if gap == "ratio" else u - r).rename(f"urban_rural_{gap}")
    return restore(out, from_pandas or fp)


def coefficient_of_variation(
    values: ArrayInput,
    *,
    dim: str = "county",
    ddof: int = 0,
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Unweighted coefficient of variation :math:`CV=s/\bar y` across ``dim``.

    .. math:: s=\sqrt{\frac{1}{n-\mathrm{ddof}}\sum_i(y_i-\bar y)^2}

    ``ddof=0`` (default) is the population form; ``ddof=1`` the sample form Stata's ``sd`` uses.
    Missing values make the result NaN unless ``skipna=True`` leaves them out (as everywhere in
    this module).

    Examples
    --------
    >>> import xarray as xr
    >>> round(float(coefficient_of_variation(xr.DataArray([1.0, 2, 3, 4], dims="county"))), 6)
    0.447214

    References
    ----------
    Williamson, J. G. (1965). Regional inequality and the process of national development.
    *Economic Development and Cultural Change* 13(4), 1-84.
    """
    y, w, from_pandas, complete = prepare(values, None, dim, zero_policy, skipna=skipna)
    y = y.where(w > 0)
    out = (y.std(dim, ddof=ddof) / y.mean(dim)).where(complete).rename("cv")
    out.attrs.update(ddof=ddof)
    return restore(out, from_pandas)


def williamson_index(
    values: ArrayInput,
    weights: ArrayInput,
    *,
    dim: str = "county",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Population-weighted coefficient of variation (Williamson 1965).

    .. math:: V_w=\frac{1}{\bar y}\sqrt{\sum_i\frac{p_i}{P}(y_i-\bar y)^2},\qquad
              \bar y=\sum_i\frac{p_i}{P}y_i

    with :math:`p_i` the population of unit *i* and :math:`P=\sum_i p_i`; the mean is the
    population-weighted mean (not the simple mean of per-capita values).

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([1.0, 2, 3, 4], dims="county")
    >>> p = xr.DataArray([1.0, 1, 1, 1], dims="county")
    >>> round(float(williamson_index(y, p)), 6)
    0.447214

    References
    ----------
    Williamson, J. G. (1965). *Economic Development and Cultural Change* 13(4), 1-84.
    """
    y, w, from_pandas, complete = prepare(values, weights, dim, zero_policy, skipna=skipna)
    total = w.sum(dim)
    mean = (w * y).sum(dim) / total
    var = (w * (y - mean) ** 2).sum(dim) / total
    out = (xsqrt(var) / mean).where(complete).rename("williamson")
    return restore(out, from_pandas)
