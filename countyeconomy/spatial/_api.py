"""Public fixed-effects spatial panel estimators: ``sar_panel``, ``sdm_panel``, ``sem_panel``,
``sdem_panel``."""

from __future__ import annotations

from concurrent.futures import Executor

import pandas as pd

from countyeconomy._typing import SeedLike
from countyeconomy.panel import Panel
from countyeconomy.spatial._models import SpatialPanelResult, fit_spatial_panel
from countyeconomy.spatial._weights import SpatialWeights

__all__ = ["sar_panel", "sdem_panel", "sdm_panel", "sem_panel"]

_COMMON = """
    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel`, or a DataFrame with keys ``county=`` and ``year=``.
        Counties not in ``spatial_weights`` are dropped (counted in ``info.dropped``, announced);
        the rest must be a complete balanced panel covering every county of the weights.
    formula
        ``"y ~ x1 + x2 | county + year"``: plain column names; after ``|`` the fixed effects,
        ``county``, ``year`` or ``county + year`` (the panel's key names are accepted too).
    spatial_weights
        A :class:`~countyeconomy.spatial.SpatialWeights` over the panel's county codes.
    county, year
        Key columns of a DataFrame (default ``"county"``, ``"year"``).
    bias_correction
        Lee and Yu's (2010) transformation approach (see :mod:`countyeconomy.spatial._ml`);
        default ``None``: on for two-way effects, off otherwise. Reported in
        ``info.bias_correction``. With county effects only it rescales ``sigma2`` by ``T/(T-1)``.
    draws
        Parameter draws for the simulated standard errors of the LeSage-Pace effects (lag
        models; ``0``: delta method only). Error models' effects are exact linear combinations.
    traces
        Lag models with ``draws > 0``: how the simulated draws get ``tr (I - rho W)^-1`` and
        ``tr (I - rho W)^-1 W``. ``"eigenvalues"`` (exact; ``O(N^3)`` once, about 10 s at
        2,800 counties); ``"powers"``: the series ``sum_k rho^k tr(W^k)`` with every trace exact
        (sparse then dense products); ``"mc"``: exact traces of the low powers and Monte-Carlo
        ones (seeded by ``seed``) of the high powers; ``None`` (default): ``"eigenvalues"`` up to
        500 counties, ``"mc"`` above. The series need row-standardised weights; their truncation
        error bound and Monte-Carlo standard error are in ``info.extra`` (``effects_trace_*``).
        The point estimates of the effects are exact whatever this is.
    level
        Confidence level of the effects' intervals.
    seed, executor, progress
        The resampling engine's options (conventions table).

    Returns
    -------
    SpatialPanelResult
        Coefficients with inverse-information standard errors, ``effects``, ``loglik``,
        ``aic`` and ``sigma2``.
"""


def sar_panel(
    data: Panel | pd.DataFrame,
    formula: str,
    spatial_weights: SpatialWeights,
    *,
    county: str | None = None,
    year: str | None = None,
    bias_correction: bool | None = None,
    draws: int = 1000,
    traces: str | None = None,
    level: float = 0.95,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = True,
) -> SpatialPanelResult:
    """Spatial lag panel ``y_t = rho W y_t + X_t beta + fixed effects + e_t`` by concentrated QML."""
    return fit_spatial_panel(
        "sar_panel",
        data,
        formula,
        spatial_weights,
        county=county,
        year=year,
        bias_correction=bias_correction,
        draws=draws,
        level=level,
        seed=seed,
        executor=executor,
        progress=progress,
        traces=traces,
    )


def sdm_panel(
    data: Panel | pd.DataFrame,
    formula: str,
    spatial_weights: SpatialWeights,
    *,
    county: str | None = None,
    year: str | None = None,
    bias_correction: bool | None = None,
    draws: int = 1000,
    traces: str | None = None,
    level: float = 0.95,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = True,
) -> SpatialPanelResult:
    """Spatial Durbin panel ``y_t = rho W y_t + X_t beta + W X_t theta + effects + e_t``.

    The ``W*x`` terms are built from the formula's regressors; the effects of ``x`` combine
    ``beta`` and ``theta`` (LeSage and Pace 2009). A 0/1 treatment among the regressors gives
    a spatial DID: its direct effect is the effect on the treated county, its indirect effect
    the spillover to the others.
    """
    return fit_spatial_panel(
        "sdm_panel",
        data,
        formula,
        spatial_weights,
        county=county,
        year=year,
        bias_correction=bias_correction,
        draws=draws,
        level=level,
        seed=seed,
        executor=executor,
        progress=progress,
        traces=traces,
    )


def sem_panel(
    data: Panel | pd.DataFrame,
    formula: str,
    spatial_weights: SpatialWeights,
    *,
    county: str | None = None,
    year: str | None = None,
    bias_correction: bool | None = None,
    level: float = 0.95,
) -> SpatialPanelResult:
    """Spatial error panel ``y_t = X_t beta + effects + u_t``, ``u_t = lambda W u_t + e_t``."""
    return fit_spatial_panel(
        "sem_panel",
        data,
        formula,
        spatial_weights,
        county=county,
        year=year,
        bias_correction=bias_correction,
        draws=0,
        level=level,
        seed=None,
        executor=None,
        progress=False,
    )


def sdem_panel(
    data: Panel | pd.DataFrame,
    formula: str,
    spatial_weights: SpatialWeights,
    *,
    county: str | None = None,
    year: str | None = None,
    bias_correction: bool | None = None,
    level: float = 0.95,
) -> SpatialPanelResult:
    """Spatial Durbin error panel: ``W X theta`` and a spatially autocorrelated error."""
    return fit_spatial_panel(
        "sdem_panel",
        data,
        formula,
        spatial_weights,
        county=county,
        year=year,
        bias_correction=bias_correction,
        draws=0,
        level=level,
        seed=None,
        executor=None,
        progress=False,
    )


for _f in (sar_panel, sdm_panel, sem_panel, sdem_panel):
    _f.__doc__ = (_f.__doc__ or "") + _COMMON
