"""Industrial-structure upgrading, Gan rationalisation, industry transfer and shift-share.

Re-exported from :mod:`countyeconomy.indicators.structure`; see that module for conventions.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, overload

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import DimensionError
from countyeconomy.indicators._common import (
    PandasInput,
    align_like,
    apply_zero_policy,
    as_dataarray,
    check_nonnegative,
    require_dims,
    restore,
    shares,
    xlogy,
)

__all__ = [
    "RationalizationKind",
    "RationalizationSign",
    "ShiftShare",
    "UpgradingKind",
    "industry_transfer",
    "rationalization",
    "shift_share",
    "structure_upgrading",
]

UpgradingKind = Literal["ratio", "level"]
RationalizationKind = Literal["theil", "deviation"]
RationalizationSign = Literal["raw", "negative", "inverse", "exp_negative"]

THREE_SECTORS: tuple[str, str, str] = ("primary", "secondary", "tertiary")


def _select_sectors(
    da: xr.DataArray, sectors: Sequence[Hashable], sector_dim: str, name: str
) -> xr.DataArray:
    labels = da.indexes[sector_dim] if sector_dim in da.indexes else pd.Index([])
    missing = [s for s in sectors if s not in labels]
    if missing:
        raise DimensionError(
            f"{name} has no {sector_dim!r} label(s) {missing}; its labels are {list(labels)}. "
            "Pass sectors= naming the labels in order primary, secondary, tertiary."
        )
    return da.sel({sector_dim: list(sectors)})


@overload
def structure_upgrading(
    x: xr.DataArray,
    *,
    kind: str = ...,
    sector_dim: str = ...,
    sectors: Sequence[Hashable] = ...,
) -> xr.DataArray: ...
@overload
def structure_upgrading(
    x: PandasInput,
    *,
    kind: str = ...,
    sector_dim: str = ...,
    sectors: Sequence[Hashable] = ...,
) -> pd.Series[Any]: ...
def structure_upgrading(
    x: xr.DataArray | PandasInput,
    *,
    kind: str = "ratio",
    sector_dim: str = "sector",
    sectors: Sequence[Hashable] = THREE_SECTORS,
) -> xr.DataArray | pd.Series[Any]:
    r"""Industrial-structure upgrading (产业结构高级化).

    .. math:: TS = \frac{Y_3}{Y_2} \quad (\text{kind="ratio"}), \qquad
              ISU = \sum_{m=1}^{3} m \cdot s_m = s_1 + 2 s_2 + 3 s_3 \in [1, 3]
              \quad (\text{kind="level"})

    with :math:`Y_m` value added of the primary, secondary and tertiary sector and
    :math:`s_m = Y_m / (Y_1 + Y_2 + Y_3)`.

    Parameters
    ----------
    x : DataArray, Series or DataFrame
        Non-negative value added with dim ``sector_dim``.
    kind : {"ratio", "level"}
        Tertiary/secondary ratio (Gan, Zheng & Yu 2011) or the weighted level coefficient.
    sectors : sequence of three labels
        The labels of the primary, secondary and tertiary sector along ``sector_dim``.

    Returns
    -------
    DataArray or Series
        ``x``'s dims without ``sector_dim``; the ratio is NaN where secondary value added is 0.

    References
    ----------
    干春晖, 郑若谷, 余典范 (2011). 中国产业结构变迁对经济增长和波动的影响. 经济研究 46(5), 4-16.
    徐敏, 姜勇 (2015). 中国产业结构升级能缩小城乡消费差距吗? 数量经济技术经济研究 32(3), 3-21.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([10.0, 40.0, 50.0], dims="sector",
    ...                  coords={"sector": ["primary", "secondary", "tertiary"]})
    >>> float(structure_upgrading(y)), float(structure_upgrading(y, kind="level"))
    (1.25, 2.4)
    """
    check_option("kind", kind, UpgradingKind)
    if len(sectors) != 3:
        raise DimensionError(
            f"sectors must name 3 labels (primary, secondary, tertiary); got {sectors}."
        )
    da, from_pandas = as_dataarray(x, name="x", column_dim=sector_dim)
    require_dims(da, [sector_dim], name="x", hint="Name it with sector_dim=.")
    da = check_nonnegative(_select_sectors(da, sectors, sector_dim, "x"), name="x")
    if kind == "ratio":
        secondary = da.sel({sector_dim: sectors[1]}, drop=True)
        tertiary = da.sel({sector_dim: sectors[2]}, drop=True)
        out = tertiary / secondary.where(secondary != 0)
    else:
        m = xr.DataArray([1.0, 2.0, 3.0], dims=sector_dim, coords={sector_dim: list(sectors)})
        out = (m * shares(da, sector_dim)).sum(sector_dim, skipna=False)
    return restore(out.rename(f"upgrading_{kind}"), from_pandas)


@overload
def rationalization(
    output: xr.DataArray,
    employment: xr.DataArray | PandasInput,
    *,
    kind: str = ...,
    sign: str = ...,
    sector_dim: str = ...,
    zero_policy: str = ...,
) -> xr.DataArray: ...
@overload
def rationalization(
    output: PandasInput,
    employment: xr.DataArray | PandasInput,
    *,
    kind: str = ...,
    sign: str = ...,
    sector_dim: str = ...,
    zero_policy: str = ...,
) -> pd.Series[Any]: ...
def rationalization(
    output: xr.DataArray | PandasInput,
    employment: xr.DataArray | PandasInput,
    *,
    kind: str = "theil",
    sign: str = "raw",
    sector_dim: str = "sector",
    zero_policy: str = "raise",
) -> xr.DataArray | pd.Series[Any]:
    r"""Industrial-structure rationalisation (产业结构合理化), Gan's Theil index TL.

    .. math:: TL = \sum_m \frac{Y_m}{Y} \ln\Big(\frac{Y_m / Y}{L_m / L}\Big) \ge 0
              \quad (\text{kind="theil"}), \qquad
              E = \sum_m \Big|\frac{Y_m / Y}{L_m / L} - 1\Big| \quad (\text{kind="deviation"})

    with :math:`Y_m` output and :math:`L_m` employment of sector *m*. 0 means output and employment
    structures coincide; larger means *less* rational. The sign convention is explicit:

    - ``sign="raw"``: TL itself (larger = less rational);
    - ``sign="negative"``: :math:`-TL` (larger = more rational; preferred);
    - ``sign="inverse"``: :math:`1/TL` (vendor data's 合理化; ``inf`` where TL = 0);
    - ``sign="exp_negative"``: :math:`\exp(-TL) \in (0, 1]`.

    Parameters
    ----------
    output, employment : DataArray, Series or DataFrame
        Non-negative output and employment with the same dims, including ``sector_dim``.
    kind : {"theil", "deviation"}
        Gan's TL or the older structural-deviation index E.
    sign : {"raw", "negative", "inverse", "exp_negative"}
        Sign convention (see above); always report which one you used.
    zero_policy : {"raise", "mask", "allow"}
        Zeros in either input raise by default. ``"mask"`` drops such sectors from the sum;
        ``"allow"`` uses :math:`0 \ln 0 = 0` and gives ``inf`` where :math:`L_m = 0 < Y_m`.

    References
    ----------
    干春晖, 郑若谷, 余典范 (2011). 中国产业结构变迁对经济增长和波动的影响. 经济研究 46(5), 4-16.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([20.0, 40.0, 40.0], dims="sector")
    >>> l = xr.DataArray([50.0, 25.0, 25.0], dims="sector")
    >>> round(float(rationalization(y, l)), 4)
    0.1927
    >>> round(float(rationalization(y, l, kind="deviation")), 4)
    1.8
    """
    check_option("kind", kind, RationalizationKind)
    check_option("sign", sign, RationalizationSign)
    y, from_pandas = as_dataarray(output, name="output", column_dim=sector_dim)
    lab, _ = as_dataarray(employment, name="employment", column_dim=sector_dim)
    require_dims(y, [sector_dim], name="output", hint="Name it with sector_dim=.")
    if set(y.dims) != set(lab.dims):
        raise DimensionError(
            f"output has dims {tuple(y.dims)} but employment has dims {tuple(lab.dims)}; "
            "they must match."
        )
    align_like(lab, y, name="employment", like_name="output")
    y = apply_zero_policy(y, zero_policy, name="output")
    lab = apply_zero_policy(lab, zero_policy, name="employment")
    sy = shares(y, sector_dim)
    sl = shares(lab, sector_dim)
    skip = zero_policy == "mask"
    if kind == "theil":
        terms = xlogy(sy, sy) - xlogy(sy, sl)
    else:
        terms = abs(sy / sl - 1)
    index = terms.sum(sector_dim, skipna=skip, min_count=1 if skip else None)
    if sign == "negative":
        index = -index
    elif sign == "inverse":
        index = (1 / index.where(index != 0)).where(index != 0, np.inf)
    elif sign == "exp_negative":
        index = cast(xr.DataArray, np.exp(-index))
    return restore(index.rename(f"rationalization_{kind}_{sign}"), from_pandas)


@overload
def industry_transfer(
    x: xr.DataArray, *, region_dim: str = ..., time_dim: str = ...
) -> xr.DataArray: ...
@overload
def industry_transfer(
    x: PandasInput, *, region_dim: str = ..., time_dim: str = ...
) -> pd.Series[Any]: ...
def industry_transfer(
    x: xr.DataArray | PandasInput, *, region_dim: str = "county", time_dim: str = "year"
) -> xr.DataArray | pd.Series[Any]:
    r"""Industry-transfer index: change in a region's share of the industry's total.

    .. math:: \Delta s_{ik,t} = s_{ik,t} - s_{ik,t-1}, \qquad s_{ik,t} = e_{ik,t} / \sum_i e_{ik,t}

    Positive values mean industry *k* moves into region *i*. Differences are taken between
    consecutive labels of ``time_dim`` (the first label is dropped); sectors or other dims are kept.

    References
    ----------
    Common in the Chinese industrial-transfer literature, e.g. 刘红光, 王云平, 季璐 (2014).
    中国区域间产业转移特征、机理与模式研究. 经济地理 34(1), 102-107.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[10, 20], [30, 20]], dims=("county", "year"),
    ...                  coords={"county": ["A", "B"], "year": [2010, 2020]})
    >>> industry_transfer(e).values.tolist()
    [[0.25], [-0.25]]
    """
    da, from_pandas = as_dataarray(x, name="x", column_dim=time_dim)
    require_dims(
        da, [region_dim, time_dim], name="x", hint="Name them with region_dim=, time_dim=."
    )
    da = check_nonnegative(da, name="x")
    out = shares(da, region_dim).diff(time_dim)
    return restore(out.rename("industry_transfer"), from_pandas)


@dataclass(frozen=True)
class ShiftShare:
    """Shift-share decomposition of each region's change in sector employment.

    ``change = national_share + industry_mix + competitive`` holds exactly, cell by cell
    (region x sector, plus any other dims).

    Attributes
    ----------
    change : DataArray
        :math:`\\Delta E_{ik} = E_{ik,1} - E_{ik,0}`.
    national_share : DataArray
        :math:`E_{ik,0}\\, g_N`: growth had the region grown like the nation.
    industry_mix : DataArray
        :math:`E_{ik,0} (g_{N,k} - g_N)`: the sector's national growth above the average.
    competitive : DataArray
        :math:`\\Delta E_{ik} - E_{ik,0} g_{N,k}`: the region's own (competitive) effect.
    """

    change: xr.DataArray
    national_share: xr.DataArray
    industry_mix: xr.DataArray
    competitive: xr.DataArray

    def to_frame(self, *, by_sector: bool = False) -> pd.DataFrame:
        """Table of the components (summed over sectors unless ``by_sector``) and their shares.

        The ``*_share`` columns divide each component by ``change`` (NaN where it is 0).
        """
        parts = {
            "change": self.change,
            "national_share": self.national_share,
            "industry_mix": self.industry_mix,
            "competitive": self.competitive,
        }
        if not by_sector:
            dim = self.change.attrs["sector_dim"]
            parts = {k: v.sum(dim, skipna=False) for k, v in parts.items()}
        frame = xr.Dataset(parts).to_dataframe()[list(parts)]
        change = frame["change"].where(frame["change"] != 0)
        for key in ("national_share", "industry_mix", "competitive"):
            frame[f"{key}_share"] = frame[key] / change
        return frame


def shift_share(
    x: xr.DataArray | PandasInput,
    *,
    start: object,
    end: object,
    region_dim: str = "county",
    sector_dim: str = "sector",
    time_dim: str = "year",
) -> ShiftShare:
    r"""Classic shift-share decomposition of regional employment change between two years.

    .. math:: \Delta E_{ik} = \underbrace{E_{ik,0}\,g_N}_{\text{national share}}
              + \underbrace{E_{ik,0}(g_{N,k} - g_N)}_{\text{industry mix}}
              + \underbrace{E_{ik,0}(r_{ik} - g_{N,k})}_{\text{competitive}}

    with :math:`g_N` national growth, :math:`g_{N,k}` national growth of sector *k* and
    :math:`r_{ik}` the region's own growth in sector *k*; the nation is the sum over ``region_dim``.

    References
    ----------
    Dunn, E. S. (1960). A statistical and analytical technique for regional analysis. *Papers and
    Proceedings of the Regional Science Association* 6, 97-112.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[[10, 20], [10, 10]], [[10, 10], [10, 20]]],
    ...                  dims=("county", "sector", "year"), coords={"year": [2010, 2020]})
    >>> ss = shift_share(e, start=2010, end=2020)
    >>> ss.competitive.values.tolist()
    [[5.0, -5.0], [-5.0, 5.0]]
    """
    da, _ = as_dataarray(x, name="x", column_dim=time_dim)
    require_dims(
        da, [region_dim, sector_dim, time_dim], name="x", hint="Name them with *_dim= arguments."
    )
    years = da.indexes[time_dim] if time_dim in da.indexes else pd.Index([])
    missing = [lab for lab in (start, end) if lab not in years]
    if missing:
        raise DimensionError(f"{time_dim} label(s) {missing} not in x; it has {list(years)}.")
    da = check_nonnegative(da, name="x")
    e0 = da.sel({time_dim: start}, drop=True)
    e1 = da.sel({time_dim: end}, drop=True)
    n0, n1 = e0.sum(region_dim, skipna=False), e1.sum(region_dim, skipna=False)
    tot0 = n0.sum(sector_dim, skipna=False)
    g_all = n1.sum(sector_dim, skipna=False) / tot0.where(tot0 != 0) - 1
    g_sector = n1 / n0.where(n0 != 0) - 1
    change = e1 - e0
    attrs = {"sector_dim": sector_dim}
    return ShiftShare(
        change=change.rename("change").assign_attrs(attrs),
        national_share=(e0 * g_all).rename("national_share"),
        industry_mix=(e0 * (g_sector - g_all)).rename("industry_mix"),
        competitive=(change - e0 * g_sector).rename("competitive"),
    )
