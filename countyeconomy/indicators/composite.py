"""Composite indices: entropy weights, weighted composite scores, TOPSIS (and, re-exported from
:mod:`countyeconomy.indicators._coupling`, coupling coordination and Martin resilience).

Indicator data is one array with an indicator dim (default ``"indicator"``) whose labels name the
indicators, plus any observation dims (``"county"``, ``"year"``, ...). A wide DataFrame with
indicators in the columns works too. Every indicator needs a direction: ``"+"`` (more is better) or
``"-"`` (less is better); a missing or unknown direction raises. Functions returning one array give
pandas back for pandas input; multi-part results are frozen records of DataArrays whose
``.to_frame()`` gives a pandas table.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import DimensionError, WeightsError
from countyeconomy.indicators._common import (
    PandasInput,
    align_like,
    as_dataarray,
    check_values,
    require_dims,
    restore,
    xlogy,
)
from countyeconomy.indicators._coupling import (
    COUPLING_LEVELS,
    CouplingCoordination,
    ResilienceKind,
    coupling_coordination,
    resilience,
)
from countyeconomy.indicators._standardise import (
    Direction,
    IndicatorInput,
    Scope,
    Standardisation,
    indicator_array,
    positive_directions,
    reduce_dims,
    standardise,
    standardise_array,
)
from countyeconomy.indicators._undefined import announce_undefined

__all__ = [
    "COUPLING_LEVELS",
    "CouplingCoordination",
    "Direction",
    "EntropyWeights",
    "ResilienceKind",
    "Scope",
    "Standardisation",
    "Topsis",
    "TopsisNormalisation",
    "composite_index",
    "coupling_coordination",
    "entropy_weights",
    "resilience",
    "standardise",
    "topsis",
]

TopsisNormalisation = Literal["vector", "minmax"]


@dataclass(frozen=True)
class EntropyWeights:
    """Entropy-method weights and the quantities behind them.

    Attributes
    ----------
    weights : DataArray
        :math:`w_j` over the indicator dim (and ``year`` with ``scope="year"``); they sum to 1.
    entropy, divergence : DataArray
        :math:`e_j` and :math:`d_j = 1 - e_j`, same dims as ``weights``.
    standardised : DataArray
        :math:`x'_{ij}` with the dims of the input.
    scores : DataArray
        :math:`S_i = \\sum_j w_j x'_{ij}` (multiply by 100 for the 0-100 scale of some papers).
    """

    weights: xr.DataArray
    entropy: xr.DataArray
    divergence: xr.DataArray
    standardised: xr.DataArray
    scores: xr.DataArray

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator (and year): entropy, divergence, weight (= share of divergence)."""
        ds = xr.Dataset(
            {"entropy": self.entropy, "divergence": self.divergence, "weight": self.weights}
        )
        return ds.to_dataframe()


def entropy_weights(
    x: IndicatorInput,
    *,
    directions: Mapping[Hashable, str],
    indicator_dim: str = "indicator",
    scope: str = "panel",
    time_dim: str = "year",
    standardisation: str = "minmax",
    shift: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> EntropyWeights:
    r"""Entropy weight method (熵值法), cross-section or panel.

    After :func:`standardise`:

    .. math:: p_{ij} = \frac{x'_{ij}}{\sum_i x'_{ij}},\quad
              e_j = -\frac{1}{\ln n}\sum_i p_{ij}\ln p_{ij},\quad
              d_j = 1 - e_j,\quad w_j = \frac{d_j}{\sum_j d_j}

    with *n* the number of observations. ``scope="panel"`` (面板熵值法) pools all county-years
    (:math:`n = NT`) so that scores are comparable across years; ``scope="year"`` gives one set of
    weights per year. The shift constant moves weights in the 4th decimal; report it.

    Parameters
    ----------
    x : DataArray or DataFrame
        Complete indicator data with dim ``indicator_dim`` (labelled) and observation dims.
    directions : mapping
        ``{indicator: "+" or "-"}`` for every indicator.
    scope : {"panel", "year"}
        Pool the panel, or standardise and weight within each ``time_dim`` label.
    standardisation : {"minmax", "rescale"}
        Min-max plus ``shift`` (default 1e-4), or rescale to ``bounds`` (default [0.002, 0.996],
        as in the R package mathmodels).

    References
    ----------
    Shannon, C. E. (1948); for the panel version 杨丽, 孙之淳 (2015). 基于熵值法的西部新型城镇化
    发展水平测评. 经济问题 (3), 115-119. R ``mathmodels::entropy_weight``.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[3, 10], [5, 20], [2, 15], [7, 25]], dims=("county", "indicator"),
    ...                  coords={"indicator": ["x1", "x2"]})
    >>> ew = entropy_weights(x, directions={"x1": "+", "x2": "-"}, standardisation="rescale")
    >>> ew.weights.round(6).values.tolist()
    [0.545262, 0.454738]
    """
    da = indicator_array(x, indicator_dim)
    positive = positive_directions(da, directions, indicator_dim)
    dims = reduce_dims(da, indicator_dim, scope, time_dim)
    n = int(np.prod([da.sizes[d] for d in dims]))
    if n < 2:
        raise DimensionError(
            f"entropy weights need at least 2 observations per indicator; got {n}."
        )
    z = standardise_array(da, positive, dims, standardisation, shift, bounds)
    total = z.sum(dims)
    p = (z / total.where(total != 0)).where(total != 0, 1.0 / n)
    entropy = -xlogy(p, p).sum(dims) / np.log(n)
    divergence = 1 - entropy
    dsum = divergence.sum(indicator_dim)
    weights = divergence / dsum.where(dsum != 0)
    scores = (weights * z).sum(indicator_dim)
    return EntropyWeights(
        weights=weights.rename("weight"),
        entropy=entropy.rename("entropy"),
        divergence=divergence.rename("divergence"),
        standardised=z.rename("standardised"),
        scores=scores.rename("score"),
    )


def _weights(weights: object, da: xr.DataArray, indicator_dim: str) -> xr.DataArray:
    if isinstance(weights, EntropyWeights):
        w = weights.weights
    elif isinstance(weights, Mapping):
        labels = list(da.indexes[indicator_dim])
        missing = [lab for lab in labels if lab not in weights]
        extra = [key for key in weights if key not in labels]
        if missing or extra:
            raise WeightsError(
                f"weights must give one value per indicator {labels}; missing {missing}, "
                f"unknown {extra}."
            )
        values = [float(weights[lab]) for lab in labels]
        w = xr.DataArray(values, dims=indicator_dim, coords={indicator_dim: labels})
    else:
        w, _ = as_dataarray(weights, name="weights")
    require_dims(w, [indicator_dim], name="weights")
    align_like(w, da, name="weights", like_name="x")
    return check_values(
        w,
        lambda b: ~np.isfinite(b) | (b < 0),
        name="weights",
        problem="negative, missing or infinite value(s); weights must be >= 0",
        error=WeightsError,
    )


@overload
def composite_index(
    x: xr.DataArray,
    *,
    weights: object,
    directions: Mapping[Hashable, str],
    indicator_dim: str = ...,
    scope: str = ...,
    time_dim: str = ...,
    standardisation: str = ...,
    shift: float | None = ...,
    bounds: tuple[float, float] | None = ...,
) -> xr.DataArray: ...
@overload
def composite_index(
    x: PandasInput,
    *,
    weights: object,
    directions: Mapping[Hashable, str],
    indicator_dim: str = ...,
    scope: str = ...,
    time_dim: str = ...,
    standardisation: str = ...,
    shift: float | None = ...,
    bounds: tuple[float, float] | None = ...,
) -> pd.Series[Any]: ...
def composite_index(
    x: IndicatorInput,
    *,
    weights: object,
    directions: Mapping[Hashable, str],
    indicator_dim: str = "indicator",
    scope: str = "panel",
    time_dim: str = "year",
    standardisation: str = "minmax",
    shift: float | None = None,
    bounds: tuple[float, float] | None = None,
) -> xr.DataArray | pd.Series[Any]:
    r"""Weighted composite score :math:`S_i = \sum_j w_j x'_{ij}` of standardised indicators.

    ``x`` is standardised with :func:`standardise` (same options). ``weights`` is a mapping
    ``{indicator: w}``, a DataArray or Series over ``indicator_dim`` (optionally also ``year``), or
    an :class:`EntropyWeights`; weights are used as given (not renormalised).

    References
    ----------
    OECD & JRC (2008). *Handbook on Constructing Composite Indicators: Methodology and User Guide*.
    OECD Publishing.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[3, 10], [5, 20], [7, 25]], dims=("county", "indicator"),
    ...                  coords={"indicator": ["a", "b"]})
    >>> composite_index(x, weights={"a": 0.5, "b": 0.5}, directions={"a": "+", "b": "-"},
    ...                 shift=0).round(4).values.tolist()
    [0.5, 0.4167, 0.5]
    """
    da = indicator_array(x, indicator_dim)
    positive = positive_directions(da, directions, indicator_dim)
    dims = reduce_dims(da, indicator_dim, scope, time_dim)
    w = _weights(weights, da, indicator_dim)
    z = standardise_array(da, positive, dims, standardisation, shift, bounds)
    out = (w * z).sum(indicator_dim).rename("composite_index")
    return restore(out, not isinstance(x, xr.DataArray))


@dataclass(frozen=True)
class Topsis:
    """TOPSIS result: closeness :math:`C_i \\in [0, 1]` and its parts.

    Attributes
    ----------
    closeness : DataArray
        :math:`C_i = D^-_i / (D^+_i + D^-_i)`; 1 is the ideal. NaN if :math:`D^+ = D^- = 0`
        (identical alternatives), counted and named in an
        :class:`~countyeconomy.errors.UndefinedValueWarning`.
    distance_ideal, distance_anti : DataArray
        :math:`D^+_i`, :math:`D^-_i`.
    ideal, anti_ideal : DataArray
        Ideal and anti-ideal points over the indicator dim (pooled over the panel).
    """

    closeness: xr.DataArray
    distance_ideal: xr.DataArray
    distance_anti: xr.DataArray
    ideal: xr.DataArray
    anti_ideal: xr.DataArray

    def to_frame(self) -> pd.DataFrame:
        """One row per observation: distance_ideal, distance_anti, closeness."""
        ds = xr.Dataset(
            {
                "distance_ideal": self.distance_ideal,
                "distance_anti": self.distance_anti,
                "closeness": self.closeness,
            }
        )
        return ds.to_dataframe()


def topsis(
    x: IndicatorInput,
    *,
    weights: object,
    directions: Mapping[Hashable, str],
    indicator_dim: str = "indicator",
    normalisation: str = "vector",
) -> Topsis:
    r"""TOPSIS closeness to the ideal solution, with ideal points pooled over the panel.

    .. math:: z_{ij} = w_j r_{ij},\quad Z^{\pm}_j = \max_i / \min_i z_{ij},\quad
              D^{\pm}_i = \sqrt{\textstyle\sum_j (z_{ij} - Z^{\pm}_j)^2},\quad
              C_i = \frac{D^-_i}{D^+_i + D^-_i}

    ``normalisation="vector"``: :math:`r_{ij} = x_{ij} / \sqrt{\sum_i x_{ij}^2}` and, for ``"-"``
    indicators, :math:`Z^+` is the minimum. ``normalisation="minmax"``: :math:`r_{ij} = x'_{ij}`
    oriented as in :func:`standardise` (no shift). All observation dims (county and year) are
    pooled, so closeness is comparable across years.

    References
    ----------
    Hwang, C.-L. & Yoon, K. (1981). *Multiple Attribute Decision Making*. Springer.
    R ``mathmodels::topsis``.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], dims=("county", "indicator"),
    ...                  coords={"indicator": ["a", "b"]})
    >>> res = topsis(x, weights={"a": 0.5, "b": 0.5}, directions={"a": "+", "b": "+"})
    >>> res.closeness.round(4).values.tolist()
    [0.0, 0.5, 1.0]
    """
    check_option("normalisation", normalisation, TopsisNormalisation)
    da = indicator_array(x, indicator_dim)
    positive = positive_directions(da, directions, indicator_dim)
    dims = reduce_dims(da, indicator_dim, "panel", "")
    w = _weights(weights, da, indicator_dim)
    if normalisation == "vector":
        norm = ((da**2).sum(dims)) ** 0.5
        r = (da / norm.where(norm != 0)).where(norm != 0, 0.0)
        z = w * r
        zmax, zmin = z.max(dims), z.min(dims)
        ideal = zmax.where(positive, zmin)
        anti = zmin.where(positive, zmax)
    else:
        z = w * standardise_array(da, positive, dims, "minmax", 0.0, None)
        ideal, anti = z.max(dims), z.min(dims)
    d_plus = ((z - ideal) ** 2).sum(indicator_dim) ** 0.5
    d_minus = ((z - anti) ** 2).sum(indicator_dim) ** 0.5
    denom = d_plus + d_minus
    closeness = announce_undefined(
        (d_minus / denom.where(denom != 0)).rename("closeness"),
        denom == 0,
        subject="topsis closeness",
        reason="the observation is at both the ideal and the anti-ideal point: the "
        "alternatives are identical on every weighted indicator",
        unit="observation(s)",
    )
    return Topsis(
        closeness=closeness,
        distance_ideal=d_plus.rename("distance_ideal"),
        distance_anti=d_minus.rename("distance_anti"),
        ideal=ideal.rename("ideal"),
        anti_ideal=anti.rename("anti_ideal"),
    )
