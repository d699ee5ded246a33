"""Industrial structure and specialisation: location quotient, HHI, Krugman, Ellison-Glaeser.

Inputs are employment (or value added) arrays with a region dim (default ``"county"``) and a sector
dim (default ``"sector"``); any other dims (``"year"``, ...) are carried along. Missing values
propagate (a county with a missing sector gets a missing index); negative or infinite values raise
:class:`countyeconomy.indicators.ValueCheckError`, lazily for dask-backed input. Upgrading,
rationalisation and transfer indices live in :mod:`countyeconomy.indicators._upgrading` and are
re-exported here.
"""

from __future__ import annotations

from typing import Any, Literal, overload

import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import DimensionError, InvalidOptionError
from countyeconomy.indicators._agglomeration import (
    EllisonGlaeser,
    ellison_glaeser,
    ellison_glaeser_from_plants,
)
from countyeconomy.indicators._common import (
    PandasInput,
    align_like,
    as_dataarray,
    check_nonnegative,
    employment_array,
    require_dims,
    restore,
    shares,
)
from countyeconomy.indicators._undefined import announce_undefined
from countyeconomy.indicators._upgrading import (
    RationalizationKind,
    RationalizationSign,
    ShiftShare,
    UpgradingKind,
    industry_transfer,
    rationalization,
    shift_share,
    structure_upgrading,
)

__all__ = [
    "EllisonGlaeser",
    "HHIKind",
    "RationalizationKind",
    "RationalizationSign",
    "ShiftShare",
    "UpgradingKind",
    "ellison_glaeser",
    "ellison_glaeser_from_plants",
    "hhi",
    "industry_transfer",
    "krugman",
    "krugman_bilateral",
    "location_quotient",
    "rationalization",
    "shift_share",
    "structure_upgrading",
]

HHIKind = Literal["raw", "normalized"]


def _reference_shares(
    da: xr.DataArray, reference: object, region_dim: str, sector_dim: str
) -> xr.DataArray:
    if reference is None:
        return shares(da.sum(region_dim, skipna=False), sector_dim)
    ref, _ = as_dataarray(reference, name="reference", column_dim=sector_dim)
    require_dims(ref, [sector_dim], name="reference")
    align_like(ref, da, name="reference", like_name="x")
    return shares(check_nonnegative(ref, name="reference"), sector_dim)


@overload
def location_quotient(
    x: xr.DataArray,
    *,
    region_dim: str = ...,
    sector_dim: str = ...,
    reference: object = ...,
) -> xr.DataArray: ...
@overload
def location_quotient(
    x: PandasInput,
    *,
    region_dim: str = ...,
    sector_dim: str = ...,
    reference: object = ...,
) -> pd.Series[Any]: ...
def location_quotient(
    x: xr.DataArray | PandasInput,
    *,
    region_dim: str = "county",
    sector_dim: str = "sector",
    reference: object = None,
) -> xr.DataArray | pd.Series[Any]:
    r"""Location quotient of each sector in each region.

    .. math:: LQ_{ij} = \frac{e_{ij} / e_i}{E_j / E}

    with :math:`e_{ij}` employment of sector *j* in region *i*, :math:`e_i = \sum_j e_{ij}` and
    :math:`E_j / E` the reference economy's sector share. LQ > 1 means region *i* is specialised in
    sector *j* (1.25 or 1.5 are common "leading industry" cut-offs).

    Parameters
    ----------
    x : DataArray, Series or DataFrame
        Non-negative employment or value added with dims ``region_dim`` and ``sector_dim``. A wide
        DataFrame has regions in the index and sectors in the columns.
    region_dim, sector_dim : str
        Names of the region and sector dims.
    reference : DataArray or Series, optional
        Reference economy's sector totals with dim ``sector_dim`` (and optionally others of ``x``,
        e.g. ``year``, or ``region_dim`` for a per-county province total). Default: the sum of ``x``
        over ``region_dim`` (the regions in ``x`` make up the nation).

    Returns
    -------
    DataArray or Series
        Same dims as ``x``. NaN where a region's total or the reference share is zero (0/0);
        those cells are counted and named in an
        :class:`~countyeconomy.errors.UndefinedValueWarning` (per chunk, when computed, for
        dask input).

    References
    ----------
    Isard, W. (1960). *Methods of Regional Analysis*. MIT Press. Implemented as ``LQ`` in the R
    package mathmodels.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[1000, 3000], [1000, 5000]], dims=("county", "sector"),
    ...                  coords={"county": ["A", "B"], "sector": ["farm", "other"]})
    >>> location_quotient(e).round(4).values.tolist()
    [[1.25, 0.9375], [0.8333, 1.0417]]
    """
    da, from_pandas = employment_array(x, region_dim, sector_dim)
    ref = _reference_shares(da, reference, region_dim, sector_dim)
    lq = (shares(da, sector_dim) / ref.where(ref != 0)).rename("location_quotient")
    lq = announce_undefined(
        lq,
        lq.isnull() & da.notnull(),
        subject="location_quotient",
        reason=f"a {region_dim} with zero total or a {sector_dim} with zero reference total",
    )
    return restore(lq, from_pandas)


@overload
def hhi(x: xr.DataArray, *, sector_dim: str = ..., kind: str = ...) -> xr.DataArray: ...
@overload
def hhi(x: PandasInput, *, sector_dim: str = ..., kind: str = ...) -> pd.Series[Any]: ...
def hhi(
    x: xr.DataArray | PandasInput, *, sector_dim: str = "sector", kind: str = "raw"
) -> xr.DataArray | pd.Series[Any]:
    r"""Herfindahl-Hirschman concentration index over sectors (or firms).

    .. math:: HHI = \sum_k s_k^2, \qquad HHI^* = \frac{HHI - 1/K}{1 - 1/K}

    with :math:`s_k` the share of sector *k* and *K* the length of ``sector_dim``. The raw index
    lies in :math:`[1/K, 1]`, the normalised one in :math:`[0, 1]`. Compare only the normalised
    index across units with different *K*; 1/HHI is a diversity measure.

    Parameters
    ----------
    x : DataArray, Series or DataFrame
        Non-negative employment (or sales) with dim ``sector_dim``; other dims are kept.
    sector_dim : str
        The dim the shares are taken over.
    kind : {"raw", "normalized"}
        Raw HHI or the normalised :math:`HHI^*` (needs :math:`K \ge 2`).

    Returns
    -------
    DataArray or Series
        ``x``'s dims without ``sector_dim``; NaN where a value is missing, and where the total
        is zero (0/0: counted and named in an
        :class:`~countyeconomy.errors.UndefinedValueWarning`).

    References
    ----------
    Hirschman, A. O. (1964). The paternity of an index. *American Economic Review* 54(5), 761.
    ``HHI(x, scaled=TRUE)`` in the R package mathmodels gives the normalised form.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([50, 30, 20], dims="sector")
    >>> round(float(hhi(x)), 4), round(float(hhi(x, kind="normalized")), 4)
    (0.38, 0.07)
    """
    check_option("kind", kind, HHIKind)
    da, from_pandas = employment_array(x, None, sector_dim)
    value = (shares(da, sector_dim) ** 2).sum(sector_dim, skipna=False)
    if kind == "normalized":
        k = da.sizes[sector_dim]
        if k < 2:
            raise DimensionError(
                f"kind='normalized' needs at least 2 labels along {sector_dim!r}; x has {k}."
            )
        value = (value - 1 / k) / (1 - 1 / k)
    value = announce_undefined(
        value.rename("hhi"),
        value.isnull() & da.notnull().all(sector_dim),
        subject="hhi",
        reason=f"the total over {sector_dim!r} is zero",
    )
    return restore(value, from_pandas)


@overload
def krugman(
    x: xr.DataArray,
    *,
    region_dim: str = ...,
    sector_dim: str = ...,
    reference: object = ...,
    exclude_self: bool = ...,
) -> xr.DataArray: ...
@overload
def krugman(
    x: PandasInput,
    *,
    region_dim: str = ...,
    sector_dim: str = ...,
    reference: object = ...,
    exclude_self: bool = ...,
) -> pd.Series[Any]: ...
def krugman(
    x: xr.DataArray | PandasInput,
    *,
    region_dim: str = "county",
    sector_dim: str = "sector",
    reference: object = None,
    exclude_self: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Krugman specialisation index of each region against a reference economy.

    .. math:: KSI_i = \sum_k |s_{ik} - \bar s_k| \in [0, 2]

    with :math:`s_{ik}` the share of sector *k* in region *i* and :math:`\bar s_k` the reference
    share. 0 means the region's structure equals the reference.

    Parameters
    ----------
    x : DataArray, Series or DataFrame
        Non-negative employment with dims ``region_dim`` and ``sector_dim``.
    region_dim, sector_dim : str
        Names of the region and sector dims.
    reference : DataArray or Series, optional
        Reference sector totals (see :func:`location_quotient`). Default: all regions in ``x``.
    exclude_self : bool
        With the default reference, compare each region with the rest of the regions,
        :math:`\bar s_k = (E_k - e_{ik}) / (E - e_i)`, which removes the bias towards large regions.
        Not allowed together with ``reference``.

    Returns
    -------
    DataArray or Series
        ``x``'s dims without ``sector_dim``.

    References
    ----------
    Krugman, P. (1991). *Geography and Trade*. MIT Press. Stata ``ksi`` (Ansari 2013);
    R ``EconGeo::krugman_index``.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[1, 3], [1, 5]], dims=("county", "sector"))
    >>> krugman(e).round(4).values.tolist()
    [0.1, 0.0667]
    """
    da, from_pandas = employment_array(x, region_dim, sector_dim)
    if exclude_self:
        if reference is not None:
            raise InvalidOptionError(
                "exclude_self=True compares with the other regions of x; "
                "pass either reference= or exclude_self=True, not both."
            )
        ref = shares(da.sum(region_dim, skipna=False) - da, sector_dim)
    else:
        ref = _reference_shares(da, reference, region_dim, sector_dim)
    ksi = abs(shares(da, sector_dim) - ref).sum(sector_dim, skipna=False)
    return restore(ksi.rename("krugman"), from_pandas)


def krugman_bilateral(
    x: xr.DataArray | PandasInput,
    *,
    region_dim: str = "county",
    sector_dim: str = "sector",
) -> xr.DataArray:
    r"""Bilateral Krugman dissimilarity between every pair of regions.

    .. math:: K_{ij} = \sum_k |s_{ik} - s_{jk}| \in [0, 2]

    Used for the structural similarity of a transferring and a receiving region.

    Returns
    -------
    DataArray
        Dims ``region_dim`` and ``f"{region_dim}_other"`` (plus the other dims of ``x``); symmetric
        with a zero diagonal. Memory grows with the square of the number of regions.

    References
    ----------
    Krugman, P. (1991). *Geography and Trade*. MIT Press.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[1, 3], [1, 1]], dims=("county", "sector"),
    ...                  coords={"county": ["A", "B"]})
    >>> krugman_bilateral(e).values.tolist()
    [[0.0, 0.5], [0.5, 0.0]]
    """
    da, _ = employment_array(x, region_dim, sector_dim)
    other = f"{region_dim}_other"
    if other in da.dims:
        raise DimensionError(f"x already has a dim named {other!r}; rename it first.")
    s = shares(da, sector_dim)
    dist = abs(s - s.rename({region_dim: other})).sum(sector_dim, skipna=False)
    return dist.rename("krugman_bilateral")
