"""Gini coefficient: weighted from unit records, from grouped data, and by income source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import FloatArray
from countyeconomy.indicators._common import (
    ArrayInput,
    ZeroPolicy,
    as_dataarray,
    check_nonnegative,
    require_dims,
    restore,
)
from countyeconomy.indicators._inequality_kernels import (
    over_core,
    prepare,
    tidy_frame,
    weighted_gini_kernel,
)

__all__ = ["GiniSourceDecomposition", "gini", "gini_source_decomposition", "grouped_gini"]


def gini(
    values: ArrayInput,
    *,
    weights: ArrayInput | None = None,
    dim: str = "county",
    correction: bool = False,
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Gini coefficient of ``values`` across ``dim``, optionally population-weighted.

    .. math:: G=\frac{\sum_i\sum_j w_iw_j\,|y_i-y_j|}{2W^2\mu},\qquad W=\sum_i w_i,\quad
              \mu=\frac{\sum_i w_iy_i}{W}

    computed in :math:`O(n\log n)` by sorting. With ``correction=True`` the result is multiplied
    by :math:`n/(n-1)`, where :math:`n` is the number of non-missing units (not the weight sum);
    the uncorrected form is invariant to replicating the population, the corrected one is not.
    Unweighted and uncorrected it equals PySAL's ``inequality.gini.Gini``.

    Parameters
    ----------
    values : DataArray or pandas Series/DataFrame
        Incomes with a dim ``dim``.
    weights : optional
        Population over ``dim`` (and optionally other dims of ``values``); must not be missing.
    dim : str
        Dim to measure across; the kernel needs it in one chunk (dask rechunks it if not).
    correction : bool
        Apply the small-sample factor :math:`n/(n-1)`.
    zero_policy : {"raise", "mask", "allow"}
        Zeros raise unless "mask" (leave them out) or "allow" (keep them). Negatives always raise.
    skipna : bool
        Missing values make the result NaN for that slice (default), or are left out if True.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="county")
    >>> float(gini(y))
    0.25
    >>> round(float(gini(y, correction=True)), 6)
    0.333333

    References
    ----------
    Lerman, R. I. & Yitzhaki, S. (1984). A note on the calculation and interpretation of the Gini
    index. *Economics Letters* 15, 363-368.
    """
    y, w, from_pandas, complete = prepare(values, weights, dim, zero_policy, skipna=skipna)
    out = over_core(weighted_gini_kernel, y, w, dim=dim).where(complete)
    if correction:
        n = (w > 0).sum(dim)
        out = out * n / (n - 1)
    out = out.rename("gini")
    out.attrs.update(weighted=weights is not None, correction=correction)
    return restore(out, from_pandas)


def _trapezoid_kernel(mean: FloatArray, pop: FloatArray) -> FloatArray:
    order = np.argsort(mean, axis=-1, kind="stable")
    m = np.take_along_axis(mean, order, axis=-1)
    p = np.take_along_axis(pop, order, axis=-1)
    pshare = p / p.sum(axis=-1, keepdims=True)
    income = m * p
    lorenz = np.cumsum(income, axis=-1) / income.sum(axis=-1, keepdims=True)
    previous = np.concatenate([np.zeros_like(lorenz[..., :1]), lorenz[..., :-1]], axis=-1)
    out: FloatArray = 1.0 - np.sum(pshare * (lorenz + previous), axis=-1)
    return out


def grouped_gini(
    mean_income: ArrayInput,
    population: ArrayInput,
    *,
    dim: str = "group",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Gini from grouped data (e.g. income quintiles) by the Lorenz-curve trapezoid rule.

    Groups are sorted by mean income; :math:`P_k` is group *k*'s population share and
    :math:`L_k` the cumulative income share up to and including *k*:

    .. math:: G=1-\sum_{k=1}^K P_k\,(L_k+L_{k-1}),\qquad L_0=0.

    Within-group dispersion is ignored, so this understates the unit-record Gini.

    Parameters
    ----------
    mean_income : DataArray or pandas
        Per-capita income of each group, with the group dim ``dim``.
    population : DataArray or pandas
        Population (or population share) of each group; only shares matter.

    Examples
    --------
    >>> import xarray as xr
    >>> inc = xr.DataArray([5.0, 10.0, 15.0, 25.0, 45.0], dims="group")
    >>> pop = xr.DataArray([1.0, 1.0, 1.0, 1.0, 1.0], dims="group")
    >>> round(float(grouped_gini(inc, pop)), 6)
    0.38

    References
    ----------
    Cowell, F. A. (2011). *Measuring Inequality*, 3rd ed., Oxford University Press, ch. 5.
    """
    m, w, from_pandas, complete = prepare(
        mean_income, population, dim, zero_policy, skipna=skipna, name="mean_income"
    )
    out = over_core(_trapezoid_kernel, m, w, dim=dim).where(complete).rename("gini")
    return restore(out, from_pandas)


def _source_kernel(y: FloatArray, x: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per batch row: G and, per source, (share S_k, Gini G_k, concentration C_k).

    Shapes: ``y``, ``w`` (..., n); ``x`` (..., n, K). Returns (...,) and (..., K, 3).
    """
    batch = y.shape[:-1]
    n, k = x.shape[-2:]
    yf, wf, xf = y.reshape(-1, n), w.reshape(-1, n), x.reshape(-1, n, k)
    g_out = np.empty(yf.shape[0])
    s_out = np.empty((yf.shape[0], k, 3))
    for r in range(yf.shape[0]):
        yy, ww, xx = yf[r], wf[r], xf[r]
        order = np.argsort(yy, kind="stable")
        cum = np.cumsum(ww[order])
        total_w = cum[-1]
        f_sorted = (cum - ww[order] / 2.0) / total_w
        _, tie = np.unique(yy[order], return_inverse=True)
        tie_w = np.bincount(tie, weights=ww[order])
        tie_f = np.bincount(tie, weights=ww[order] * f_sorted) / np.where(tie_w > 0, tie_w, 1.0)
        f = np.empty(n)
        f[order] = np.where(tie_w[tie] > 0, tie_f[tie], f_sorted)
        mu = np.sum(ww * yy) / total_w
        mu_k = ww @ xx / total_w
        cov_k = (ww * (f - 0.5)) @ xx / total_w
        g_out[r] = 2.0 * np.sum(ww * yy * (f - 0.5)) / total_w / mu
        s_out[r, :, 0] = mu_k / mu
        s_out[r, :, 1] = weighted_gini_kernel(xx.T, np.broadcast_to(ww, (k, n)))
        with np.errstate(invalid="ignore", divide="ignore"):
            s_out[r, :, 2] = 2.0 * cov_k / mu_k
    return g_out.reshape(batch), s_out.reshape((*batch, k, 3))


@dataclass(frozen=True)
class GiniSourceDecomposition:
    r"""Lerman-Yitzhaki decomposition :math:`G=\sum_k S_kG_kR_k` (fields are DataArrays).

    Per source (dim ``source``): ``source_share`` :math:`S_k`, ``source_gini`` :math:`G_k`,
    ``gini_correlation`` :math:`R_k`, ``contribution`` :math:`S_kG_kR_k` (sums to ``gini``) and
    ``marginal_effect`` :math:`S_kG_kR_k/G-S_k`, the relative change of G when source *k* grows 1%.
    """

    gini: xr.DataArray
    source_share: xr.DataArray
    source_gini: xr.DataArray
    gini_correlation: xr.DataArray
    contribution: xr.DataArray
    marginal_effect: xr.DataArray

    @property
    def contribution_share(self) -> xr.DataArray:
        """Each source's share of the total Gini."""
        return self.contribution / self.gini

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per source (and other dims) with S, G, R, contribution, share."""
        ds = xr.Dataset(
            {
                "source_share": self.source_share,
                "source_gini": self.source_gini,
                "gini_correlation": self.gini_correlation,
                "contribution": self.contribution,
                "contribution_share": self.contribution_share,
                "marginal_effect": self.marginal_effect,
            }
        ).compute()
        return ds.to_dataframe().reset_index()

    def summary_frame(self) -> pd.DataFrame:
        """Total Gini as a tidy table (component, other dims, value, share)."""
        return tidy_frame({"gini": self.gini}, self.gini)


def gini_source_decomposition(
    sources: ArrayInput,
    *,
    weights: ArrayInput | None = None,
    dim: str = "county",
    source_dim: str = "source",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> GiniSourceDecomposition:
    r"""Lerman-Yitzhaki (1985) decomposition of the Gini of total income by income source.

    Total income is :math:`y=\sum_k x_k`. With :math:`F` the (weighted, tie-averaged) rank of
    :math:`y` and :math:`\mu_k` the mean of source *k*:

    .. math:: G=\sum_k S_kG_kR_k,\quad S_k=\frac{\mu_k}{\mu},\quad
              R_k=\frac{\operatorname{cov}(x_k,F(y))}{\operatorname{cov}(x_k,F(x_k))},\quad
              S_kG_kR_k=\frac{2\operatorname{cov}(x_k,F(y))}{\mu}.

    Sources must be non-negative (zeros are fine); total income follows ``zero_policy``.

    Examples
    --------
    >>> import xarray as xr
    >>> x = xr.DataArray([[1.0, 0.0], [2.0, 1.0], [3.0, 1.0], [4.0, 4.0]],
    ...                  dims=("county", "source"), coords={"source": ["wage", "farm"]})
    >>> d = gini_source_decomposition(x)
    >>> abs(round(float(d.contribution.sum() - d.gini), 12))
    0.0

    References
    ----------
    Lerman, R. I. & Yitzhaki, S. (1985). Income inequality effects by income source: a new approach
    and applications to the United States. *Review of Economics and Statistics* 67(1), 151-156.
    """
    x, _ = as_dataarray(sources, name="sources")
    require_dims(x, [dim, source_dim], name="sources")
    x = check_nonnegative(x.astype(float), name="sources")
    y, w, _, complete = prepare(
        x.sum(source_dim, skipna=False), weights, dim, zero_policy, skipna=skipna, name="total"
    )
    x = x.where(w > 0, 0.0)
    g, parts = xr.apply_ufunc(
        _source_kernel,
        y,
        x,
        w,
        input_core_dims=[[dim], [dim, source_dim], [dim]],
        output_core_dims=[[], [source_dim, "_stat"]],
        dask="parallelized",
        output_dtypes=[float, float],
        dask_gufunc_kwargs={"allow_rechunk": True, "output_sizes": {"_stat": 3}},
    )
    g, parts = g.where(complete), parts.where(complete)
    share, g_k, conc = (parts.isel(_stat=i, drop=True) for i in range(3))
    contribution = share * conc
    return GiniSourceDecomposition(
        gini=g.rename("gini"),
        source_share=share,
        source_gini=g_k,
        gini_correlation=conc / g_k,
        contribution=contribution,
        marginal_effect=contribution / g - share,
    )
