"""Conditional (panel, two-way fixed effects) beta-convergence through the TWFE estimator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy.errors import DimensionError, InvalidOptionError
from countyeconomy.indicators._common import (
    ArrayInput,
    ValueCheckError,
    ZeroPolicy,
    align_like,
    as_dataarray,
)
from countyeconomy.indicators._inequality_kernels import prepare, xlog

__all__ = ["PanelBetaConvergence", "conditional_beta_convergence"]


@dataclass(frozen=True)
class PanelBetaConvergence:
    r"""Panel beta-convergence with county and year fixed effects (eager; numbers are floats).

    ``speed`` is :math:`\lambda=-\ln(1+\beta)/\Delta t` per time unit, ``half_life`` is
    :math:`\ln 2/\lambda`; ``result`` is the full fitted TWFE result (``summary()``,
    ``with_vcov()``, ``to_frame()``).
    """

    beta: float
    std_error: float
    p_value: float
    speed: float
    half_life: float
    nobs: int
    step: float
    result: Any

    def to_frame(self) -> pd.DataFrame:
        """The TWFE coefficient table (term, estimate, std_error, statistic, p_value, CI)."""
        frame: pd.DataFrame = self.result.to_frame()
        return frame


@renamed_kwargs("conditional_beta_convergence", controls="covariates")
def conditional_beta_convergence(
    values: ArrayInput,
    *,
    covariates: Mapping[str, ArrayInput] | None = None,
    dim: str = "county",
    time_dim: str = "year",
    vcov: Any = None,
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> PanelBetaConvergence:
    r"""Conditional beta-convergence: growth on the log level with two-way fixed effects.

    .. math:: \frac{\ln y_{i,t+1}-\ln y_{it}}{\Delta t}=\beta\ln y_{it}+X_{it}'\gamma
              +\mu_i+\eta_t+\varepsilon_{it},\qquad \lambda=-\frac{\ln(1+\beta\Delta t)}{\Delta t}

    estimated with :func:`countyeconomy.estimators.twfe.twfe` (default covariance: clustered by
    county). Fixed-effect beta has Nickell bias when T is short and is mechanically more negative
    than the cross-section beta; report sigma-convergence beside it. This function computes
    (it is not lazy). Periods must be equally spaced.

    Parameters
    ----------
    values : DataArray or pandas
        Per-capita income over ``dim`` x ``time_dim``.
    covariates : mapping of name to DataArray/pandas, optional
        Covariates :math:`X_{it}` with the same labels (dated t, like the level).
    vcov : optional
        Passed to ``twfe`` (``"iid"``, ``"hc1"``, ``Cluster(...)``); None keeps its default.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rng = np.random.default_rng(0)
    >>> y = xr.DataArray(np.exp(rng.normal(size=(40, 6)).cumsum(axis=1) * 0.1 + 5),
    ...                  dims=("county", "year"),
    ...                  coords={"county": [f"c{i}" for i in range(40)], "year": range(2010, 2016)})
    >>> res = conditional_beta_convergence(y)
    >>> res.nobs
    200

    References
    ----------
    Islam, N. (1995). Growth empirics: a panel data approach. *Quarterly Journal of Economics*
    110(4), 1127-1170.
    """
    from countyeconomy.estimators.twfe import twfe  # estimator layer, imported on use

    y, w, _, complete = prepare(values, None, dim, zero_policy, skipna=skipna)
    if not bool(complete.all()):
        raise ValueCheckError(
            "values has missing county-years; pass skipna=True to leave those observations out "
            "(twfe then reports how many rows it used)."
        )
    if set(y.dims) != {dim, time_dim}:
        raise DimensionError(f"values must have exactly the dims {(dim, time_dim)}; got {y.dims}.")
    y = y.where(w > 0).transpose(dim, time_dim)
    times = np.asarray(y[time_dim].values, dtype=float)
    steps = np.diff(times)
    if steps.size == 0 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise DimensionError(f"{time_dim!r} must have at least two equally spaced, rising periods.")
    step = float(steps[0])
    log_y = xlog(y)
    growth = (log_y.shift({time_dim: -1}) - log_y) / step
    data = {"growth": growth, "log_y": log_y}
    for name, obj in (covariates or {}).items():
        if name in data or not name.isidentifier():
            raise InvalidOptionError(f"control name {name!r} must be a new Python identifier.")
        c, _ = as_dataarray(obj, name=name)
        data[name] = align_like(c.astype(float), y, name=name, like_name="values").broadcast_like(y)
    frame = xr.Dataset(data).compute().to_dataframe().reset_index()
    frame = frame.rename(columns={dim: "county", time_dim: "year"}).dropna()
    rhs = " + ".join(["log_y", *(covariates or {})])
    kwargs: dict[str, Any] = {"county": "county", "year": "year"}
    if vcov is not None:
        kwargs["vcov"] = vcov
    res = twfe(frame, f"growth ~ {rhs} | county + year", **kwargs)
    beta = float(res.params["log_y"])
    speed = -np.log1p(beta * step) / step if -1.0 < beta * step < 0 else float("nan")
    return PanelBetaConvergence(
        beta=beta,
        std_error=float(res.std_errors["log_y"]),
        p_value=float(res.pvalues["log_y"]),
        speed=float(speed),
        half_life=float(np.log(2.0) / speed),
        nobs=int(res.nobs),
        step=step,
        result=res,
    )
