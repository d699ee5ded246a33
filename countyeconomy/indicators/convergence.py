"""Convergence: sigma and beta convergence, kernel densities over time, Markov transitions.

Functions take a county x year DataArray (pandas accepted) and evaluate lazily on dask input.
See ``docs/methods/convergence.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import DimensionError, InvalidOptionError
from countyeconomy.indicators._beta_panel import (
    PanelBetaConvergence,
    conditional_beta_convergence,
)
from countyeconomy.indicators._common import ArrayInput, ZeroPolicy, require_dims, restore
from countyeconomy.indicators._inequality_kernels import over_core, prepare, xlog, xsqrt
from countyeconomy.indicators._markov import MarkovTransition, markov_transition

__all__ = [
    "BetaConvergence",
    "KernelDensity",
    "MarkovTransition",
    "PanelBetaConvergence",
    "beta_convergence",
    "conditional_beta_convergence",
    "kernel_density",
    "markov_transition",
    "sigma_convergence",
]

SigmaKind = Literal["log_sd", "cv"]
BetaVcov = Literal["iid", "HC1"]


def sigma_convergence(
    values: ArrayInput,
    *,
    dim: str = "county",
    kind: SigmaKind = "log_sd",
    ddof: int = 0,
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Cross-sectional dispersion per period; a falling series is sigma-convergence.

    .. math:: \sigma_t=\sqrt{\frac{1}{N-\mathrm{ddof}}\sum_i(\ln y_{it}-\overline{\ln y_t})^2}
              \quad(\text{kind="log\_sd"}),\qquad CV_t=s_t/\bar y_t\quad(\text{kind="cv"}).

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([[1.0, 2.0], [4.0, 3.0]], dims=("county", "year"),
    ...                  coords={"year": [2000, 2001]})
    >>> [round(v, 4) for v in sigma_convergence(y).values.tolist()]
    [0.6931, 0.2027]

    References
    ----------
    Barro, R. J. & Sala-i-Martin, X. (1992). Convergence. *Journal of Political Economy* 100(2),
    223-251.
    """
    sigma_kind = check_option("kind", kind, SigmaKind)
    y, w, from_pandas, complete = prepare(values, None, dim, zero_policy, skipna=skipna)
    y = y.where(w > 0)
    if sigma_kind == "log_sd":
        out = xlog(y).std(dim, ddof=ddof)
    else:
        out = y.std(dim, ddof=ddof) / y.mean(dim)
    out = out.where(complete).rename(f"sigma_{sigma_kind}")
    out.attrs.update(kind=sigma_kind, ddof=ddof)
    return restore(out, from_pandas)


@dataclass(frozen=True)
class BetaConvergence:
    r"""Absolute beta-convergence regression :math:`g_i=\alpha+\beta\ln y_{i0}+\varepsilon_i`.

    Fields are DataArrays (0-d for a county x year input; lazy on dask input). ``speed`` is
    :math:`\lambda=-\ln(1+T\beta)/T` and ``half_life`` :math:`\ln 2/\lambda` (NaN unless
    :math:`-1/T<\beta<0`).
    """

    beta: xr.DataArray
    intercept: xr.DataArray
    std_error: xr.DataArray
    t_stat: xr.DataArray
    p_value: xr.DataArray
    r_squared: xr.DataArray
    nobs: xr.DataArray
    speed: xr.DataArray
    half_life: xr.DataArray
    periods: float
    vcov: str

    def to_frame(self) -> pd.DataFrame:
        """One row per slice: beta, std_error, t_stat, p_value, intercept, r2, nobs, speed, ..."""
        ds = xr.Dataset(
            {
                "beta": self.beta,
                "std_error": self.std_error,
                "t_stat": self.t_stat,
                "p_value": self.p_value,
                "intercept": self.intercept,
                "r_squared": self.r_squared,
                "nobs": self.nobs,
                "speed": self.speed,
                "half_life": self.half_life,
            }
        ).compute()
        return ds.expand_dims("_row").to_dataframe().reset_index().drop(columns="_row")


def beta_convergence(
    values: ArrayInput,
    *,
    dim: str = "county",
    time_dim: str = "year",
    start: Any = None,
    end: Any = None,
    vcov: BetaVcov = "iid",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> BetaConvergence:
    r"""Absolute (unconditional) beta-convergence by cross-section OLS.

    .. math:: \frac{1}{T}\ln\frac{y_{i,\mathrm{end}}}{y_{i,\mathrm{start}}}
              =\alpha+\beta\ln y_{i,\mathrm{start}}+\varepsilon_i,\qquad
              \lambda=-\frac{\ln(1+T\beta)}{T},\quad t_{1/2}=\frac{\ln 2}{\lambda}

    :math:`T` is ``end - start`` in the units of the time coordinate (positions if it is not
    numeric). A county missing either endpoint makes the result NaN, unless ``skipna=True``
    leaves it out (``nobs`` counts the counties used).
    ``vcov="iid"`` gives the classical standard error, ``"HC1"`` White's with n/(n-2). For
    conditional beta with two-way fixed effects see :func:`conditional_beta_convergence`.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([[1.0, 4.0], [2.0, 5.0], [4.0, 7.0], [8.0, 9.0]],
    ...                  dims=("county", "year"), coords={"year": [2000, 2010]})
    >>> res = beta_convergence(y)
    >>> bool(res.beta < 0), round(float(res.half_life), 1)
    (True, 7.6)

    References
    ----------
    Barro, R. J. & Sala-i-Martin, X. (1992). *Journal of Political Economy* 100(2), 223-251.
    """
    cov_kind = check_option("vcov", vcov, BetaVcov)
    y, w, _, complete = prepare(values, None, dim, zero_policy, skipna=skipna)
    require_dims(y, [time_dim], name="values")
    y = y.where(w > 0)
    times = y[time_dim].values if time_dim in y.coords else np.arange(y.sizes[time_dim])
    first = times[0] if start is None else start
    last = times[-1] if end is None else end
    for label, t in (("start", first), ("end", last)):
        if t not in list(times):
            raise DimensionError(f"{label}={t!r} is not a label of {time_dim!r}.")
    span = _span(times, first, last)
    if span <= 0:
        raise InvalidOptionError(f"end={last!r} must come after start={first!r}.")

    def at(t: Any) -> xr.DataArray:
        if time_dim in y.coords:
            return y.sel({time_dim: t}, drop=True)
        return y.isel({time_dim: int(t)}, drop=True)

    x = xlog(at(first))
    g = (xlog(at(last)) - x) / span
    ok = (x.notnull() & g.notnull()).astype(float)
    valid = (
        complete.sel({time_dim: [first, last]})
        if time_dim in complete.coords
        else complete.isel({time_dim: [int(first), int(last)]})
    ).all(time_dim)
    return _ols(x.fillna(0.0), g.fillna(0.0), ok, valid, dim, span, cov_kind)


def _span(times: np.ndarray, first: Any, last: Any) -> float:
    if np.issubdtype(np.asarray(times).dtype, np.number):
        return float(last - first)
    pos = list(times)
    return float(pos.index(last) - pos.index(first))


def _ols(
    x: xr.DataArray,
    g: xr.DataArray,
    ok: xr.DataArray,
    valid: xr.DataArray,
    dim: str,
    span: float,
    cov: str,
) -> BetaConvergence:
    n = ok.sum(dim)
    xbar, gbar = (ok * x).sum(dim) / n, (ok * g).sum(dim) / n
    dx, dg = ok * (x - xbar), ok * (g - gbar)
    sxx = (dx**2).sum(dim)
    beta = ((dx * dg).sum(dim) / sxx).where(valid)
    alpha = gbar - beta * xbar
    resid = dg - beta * dx
    rss = (resid**2).sum(dim)
    if cov == "iid":
        se = xsqrt(rss / (n - 2) / sxx)
    else:
        se = xsqrt((dx**2 * resid**2).sum(dim) / sxx**2 * n / (n - 2))
    t = beta / se
    from scipy import special

    p = 2.0 * special.stdtr(n - 2, -abs(t))
    defined = (beta < 0) & (1.0 + span * beta > 0)
    speed = -xlog((1.0 + span * beta).where(defined)) / span
    return BetaConvergence(
        beta=beta,
        intercept=alpha,
        std_error=se,
        t_stat=t,
        p_value=p,
        r_squared=1.0 - rss / (dg**2).sum(dim),
        nobs=n,
        speed=speed,
        half_life=np.log(2.0) / speed,
        periods=span,
        vcov=cov,
    )


@dataclass(frozen=True)
class KernelDensity:
    """Gaussian kernel density per slice: ``density`` (dims ``value`` + others) and ``bandwidth``."""

    density: xr.DataArray
    bandwidth: xr.DataArray
    log: bool

    def to_frame(self) -> pd.DataFrame:
        """Long table: value, other dims (e.g. year), density."""
        return self.density.compute().to_dataframe(name="density").reset_index()


def _silverman(y: FloatArray) -> float:
    y = y[~np.isnan(y)]
    if y.size < 2:
        return float("nan")
    q75, q25 = np.percentile(y, [75, 25])
    spread = min(float(np.std(y, ddof=1)), float(q75 - q25) / 1.34)
    return float(0.9 * spread * y.size ** (-0.2))


def _kde_kernel(
    y: FloatArray, grid: FloatArray, bandwidth: float | None
) -> tuple[FloatArray, FloatArray]:
    batch = y.shape[:-1]
    flat = y.reshape(-1, y.shape[-1])
    dens = np.empty((flat.shape[0], grid.size))
    bws = np.empty(flat.shape[0])
    for r, row in enumerate(flat):
        row = row[~np.isnan(row)]
        h = _silverman(row) if bandwidth is None else bandwidth
        acc = np.zeros(grid.size)
        for lo in range(0, row.size, 4096):
            z = (grid[None, :] - row[lo : lo + 4096, None]) / h
            acc += np.exp(-0.5 * z**2).sum(axis=0)
        dens[r] = acc / (row.size * h * np.sqrt(2.0 * np.pi))
        bws[r] = h
    return dens.reshape((*batch, grid.size)), bws.reshape(batch)


def kernel_density(
    values: ArrayInput,
    *,
    dim: str = "county",
    grid: ArrayInput | np.ndarray | None = None,
    n_points: int = 256,
    bandwidth: Literal["silverman"] | float = "silverman",
    log: bool = False,
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> KernelDensity:
    r"""Gaussian kernel density of ``values`` across ``dim``, for each other slice (e.g. year).

    .. math:: \hat f(x)=\frac{1}{Nh}\sum_i\phi\Big(\frac{x-X_i}{h}\Big),\qquad
              h=0.9\min\big(\hat\sigma,\mathrm{IQR}/1.34\big)N^{-1/5}\ \text{(Silverman)}

    The bandwidth used for each slice is returned (software defaults differ: R ``bw.nrd0`` is this
    rule, scipy uses Scott's, Stata's ``kdensity`` Epanechnikov). Pass ``grid=`` to stay fully lazy;
    without it the grid spans the data range (min and max are computed) padded by 10%.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([1.0, 2.0, 2.5, 3.0, 5.0], dims="county")
    >>> kde = kernel_density(y, grid=[0.0, 2.5, 5.0])
    >>> round(float(kde.bandwidth), 4), [round(v, 4) for v in kde.density.values.tolist()]
    (0.4868, [0.0199, 0.3588, 0.1639])

    References
    ----------
    Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*. Chapman & Hall,
    eq. 3.31.
    """
    y, w, from_pandas, complete = prepare(values, None, dim, zero_policy, skipna=skipna)
    y = y.where(w > 0)
    if log:
        y = xlog(y)
    if isinstance(bandwidth, str):
        check_option("bandwidth", bandwidth, ("silverman",))
        h: float | None = None
    elif not bandwidth > 0:
        raise InvalidOptionError(f"bandwidth={bandwidth!r} must be 'silverman' or positive.")
    else:
        h = float(bandwidth)
    if grid is None:
        lo, hi = float(y.min()), float(y.max())
        pad = 0.1 * (hi - lo)
        points = np.linspace(lo - pad, hi + pad, n_points)
    else:
        points = np.asarray(grid, dtype=float).ravel()
    dens, bws = over_core(
        _kde_kernel,
        y,
        dim=dim,
        out_core=[["value"], []],
        out_sizes={"value": points.size},
        kwargs={"grid": points, "bandwidth": h},
    )
    del from_pandas
    return KernelDensity(
        density=dens.where(complete).assign_coords(value=points).rename("density"),
        bandwidth=bws.where(complete).rename("bandwidth"),
        log=log,
    )
