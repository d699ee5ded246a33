"""Fixed-effects spatial panel models by concentrated QML: SAR, SDM, SEM and SDEM.

They live in :mod:`countyeconomy.spatial` because they take :class:`SpatialWeights` and the
estimators layer sits below this one (it cannot import the weights).
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import SeedLike
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference import check_draws, map_chunks
from countyeconomy.panel import Panel
from countyeconomy.results import CoefResult, CoefTable, FitInfo, Summary
from countyeconomy.spatial import _ml
from countyeconomy.spatial._effects import EffectsSpec, _Simulate, effects_table
from countyeconomy.spatial._panel_data import SpatialPanelData, prepare_spatial_panel
from countyeconomy.spatial._traces import PowerTraces, power_traces, series_order
from countyeconomy.spatial._weights import SpatialWeights, SpatialWeightsError

__all__ = ["EIGENVALUES_MAX_N", "TRACES", "SpatialPanelResult", "fit_spatial_panel"]

TRACES = ("eigenvalues", "powers", "mc")
"""``traces=`` of the lag models' simulated effects (:mod:`countyeconomy.spatial._traces`)."""
EIGENVALUES_MAX_N = 500
"""``traces=None`` uses the eigenvalues of W up to this many counties, ``"mc"`` above."""

TITLES = {
    "sar_panel": "Spatial lag (SAR) panel",
    "sdm_panel": "Spatial Durbin (SDM) panel",
    "sem_panel": "Spatial error (SEM) panel",
    "sdem_panel": "Spatial Durbin error (SDEM) panel",
}


@dataclass(frozen=True, repr=False)
class SpatialPanelResult(CoefResult):
    """A fixed-effects spatial panel fit.

    Attributes
    ----------
    coefs
        Coefficients (regressors, ``W*x`` terms of Durbin models, then ``rho`` or ``lambda``)
        with the inverse-information covariance.
    effects
        LeSage-Pace ``direct``, ``indirect`` and ``total`` effects per regressor (columns
        ``term, effect, estimate, std_error, statistic, p_value, ci_low, ci_high,
        delta_std_error``); ``std_error`` and the interval come from simulation when
        ``draws > 0``, else from the delta method. For SEM/SDEM they are ``beta``, ``theta``
        and ``beta + theta`` with exact standard errors.
    sigma2, loglik, aic
        Error variance (bias-corrected when ``info.bias_correction``), log-likelihood and AIC.
    """

    coefs: CoefTable
    info: FitInfo
    title: str
    effects: pd.DataFrame
    sigma2: float
    loglik: float
    aic: float

    def summary(self) -> Summary:
        """Coefficients, then the fit facts; effects are in :attr:`effects`."""
        footer = [
            *self._footer(),
            ("Fixed effects", self.info.extra["effects"]),
            ("Lee-Yu bias correction", str(self.info.extra["bias_correction"])),
            ("Log-likelihood", f"{self.loglik:.3f}"),
            ("AIC", f"{self.aic:.3f}"),
            ("sigma2", f"{self.sigma2:.4g}"),
        ]
        return Summary(self.title, self.to_frame(), tuple(footer))


def _check(draws: object, level: float, bias_correction: bool | None, effects: str) -> bool:
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or int(draws) < 0:
        raise InvalidOptionError(f"draws={draws!r} is not valid; pass 0 (delta method) or >= 19.")
    if not 0 < float(level) < 1:
        raise InvalidOptionError(f"level={level!r} is not valid; pass a float in (0, 1).")
    if bias_correction is None:
        return effects == "twoways"
    if not isinstance(bias_correction, bool):
        raise InvalidOptionError(f"bias_correction={bias_correction!r} is not valid; pass a bool.")
    return bias_correction


def _trace_method(traces: object, n: int, row_one: bool) -> str:
    if traces is None:
        return "eigenvalues" if n <= EIGENVALUES_MAX_N or not row_one else "mc"
    if not isinstance(traces, str) or traces not in TRACES:
        raise InvalidOptionError(
            f"traces={traces!r} is not valid; pass one of {list(TRACES)} or None (by size)."
        )
    if traces != "eigenvalues" and not row_one:
        raise SpatialWeightsError(
            f'traces="{traces}" needs row-standardised weights without islands (the power '
            'series converges for |rho| < 1 only then); pass traces="eigenvalues".'
        )
    return traces


def _series(
    fit: _ml.MLFit, pos: int, w: Any, method: str, seed: SeedLike, executor: Executor | None
) -> tuple[PowerTraces, float]:
    """Power traces for draws of ``rho`` up to 8 standard errors from the estimate, and that
    reach (``|rho|``; the truncation bound is reported there)."""
    se = float(np.sqrt(max(fit.vcov[pos, pos], 0.0)))
    reach = min(abs(float(fit.params[pos])) + 8.0 * se, 1.0 - 1e-7)
    return power_traces(w, series_order(reach), method, seed=seed, executor=executor), reach


def _linear_effects(
    names: tuple[str, ...], fit: _ml.MLFit, k: int, durbin: bool, level: float
) -> pd.DataFrame:
    from scipy import stats

    zc = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for j, name in enumerate(names):
        combos = {
            "direct": {j: 1.0},
            "indirect": {j + k: 1.0} if durbin else {},
            "total": {j: 1.0, j + k: 1.0} if durbin else {j: 1.0},
        }
        for kind, c in combos.items():
            g = np.zeros(fit.params.size)
            for pos, v in c.items():
                g[pos] = v
            est, se = float(g @ fit.params), float(np.sqrt(g @ fit.vcov @ g))
            z = est / se if se > 0 else np.nan
            rows.append(
                {
                    "term": name,
                    "effect": kind,
                    "estimate": est,
                    "std_error": se,
                    "statistic": z,
                    "p_value": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan,
                    "ci_low": est - zc * se,
                    "ci_high": est + zc * se,
                    "delta_std_error": se,
                }
            )
    return pd.DataFrame(rows)


def fit_spatial_panel(
    method: str,
    data: Panel | pd.DataFrame,
    formula: str,
    spatial_weights: SpatialWeights,
    *,
    county: str | None,
    year: str | None,
    bias_correction: bool | None,
    draws: int,
    level: float,
    seed: SeedLike,
    executor: Executor | None,
    progress: bool,
    traces: str | None = None,
) -> SpatialPanelResult:
    """The shared body of ``sar_panel``, ``sdm_panel``, ``sem_panel`` and ``sdem_panel``."""
    pdata: SpatialPanelData = prepare_spatial_panel(data, formula, spatial_weights, county, year)
    correct = _check(draws, level, bias_correction, pdata.effects)
    w = spatial_weights.matrix
    n, t = spatial_weights.n, len(pdata.years)
    if t < 2:
        raise SpatialWeightsError(f"the panel has {t} year(s); at least 2 are needed.")
    row_one = bool(np.allclose(np.asarray(w.sum(axis=1)).ravel(), 1.0))
    if correct and pdata.effects != "county" and not row_one:
        raise SpatialWeightsError(
            "the Lee-Yu transformation with year effects needs row-standardised weights without "
            f"islands ({len(spatial_weights.islands)} islands here); rebuild with "
            "row_standardise=True, or pass bias_correction=False."
        )
    durbin = method in ("sdm_panel", "sdem_panel")
    lag = method in ("sar_panel", "sdm_panel")
    k = len(pdata.names)
    x = np.concatenate([pdata.x, _ml.spatial_lag(w, pdata.x)], axis=2) if durbin else pdata.x
    names = pdata.names + tuple(f"W*{v}" for v in pdata.names) if durbin else pdata.names
    xt = _ml.demean(x, pdata.effects).reshape(t * n, -1)
    if np.linalg.matrix_rank(xt) < xt.shape[1]:
        raise SpatialWeightsError(
            f"the regressors {list(names)} are collinear after removing the {pdata.effects} "
            "effects (a regressor constant within county or year, or W*x equal to x)."
        )
    trace_method = _trace_method(traces, n, row_one)
    need_eig = (lag and int(draws) > 0 and trace_method == "eigenvalues") or not row_one
    eig = np.linalg.eigvals(spatial_weights.dense()).astype(np.complex128) if need_eig else None
    ld = _ml.LogDet(w, eig)
    sch = _ml.scheme(pdata.effects, n, t, correct)
    fit = (_ml.fit_lag if lag else _ml.fit_error)(pdata.y, x, w, ld, pdata.effects, sch)
    spatial_name = "rho" if lag else "lambda"
    all_names = (*names, spatial_name)
    ndraws = 0
    trace_facts: dict[str, Any] = {}
    if lag:
        series = None
        if int(draws):
            ndraws = check_draws(int(draws), caller=method, interval=True)
            trace_facts = {"effects_traces": "eigenvalues" if eig is not None else trace_method}
            if eig is None:
                series, reach = _series(fit, len(names), w, trace_method, seed, executor)
                trace_facts |= {
                    "effects_trace_order": series.order,
                    "effects_trace_exact_upto": series.exact_upto,
                    "effects_trace_bound": series.bound(reach),
                    "effects_trace_std_error": series.std_error(fit.rho),
                }
        spec = EffectsSpec(
            names=pdata.names,
            beta_pos=tuple(range(k)),
            theta_pos=tuple(range(k, 2 * k)) if durbin else (None,) * k,
            rho_pos=len(names),
            eig=eig,
            w=w,
            row_sums_one=row_one,
            series=series,
        )
        if eig is None and fit.traces is not None:  # the fit's inverse at rho, reused
            spec.cache[float(fit.params[len(names)])] = fit.traces
        sims = None
        if ndraws:
            sym = (fit.vcov + fit.vcov.T) / 2
            chol = np.asarray(np.linalg.cholesky(sym + 1e-14 * np.eye(sym.shape[0])), dtype=float)
            parts = map_chunks(
                _Simulate(spec, fit.params, chol, ld.bounds()),
                ndraws,
                seed,
                executor,
                progress=progress,
                desc=f"{method} effects",
            )
            sims = np.concatenate(parts)
        effects = effects_table(spec, fit.params, fit.vcov, sims, float(level))
    else:
        effects = _linear_effects(pdata.names, fit, k, durbin, float(level))
    aic = -2.0 * fit.loglik + 2.0 * (len(all_names) + 1)
    fe: dict[str, int] = {}
    if pdata.effects in ("county", "twoways"):
        fe["county"] = n
    if pdata.effects in ("year", "twoways"):
        fe["year"] = t
    extra: dict[str, Any] = {
        "effects": pdata.effects,
        "bias_correction": correct,
        "approach": "Lee-Yu transformation" if correct else "direct (demeaned)",
        spatial_name: fit.rho,
        "sigma2": fit.sigma2,
        "loglik": fit.loglik,
        "aic": aic,
        "n_eff": sch.n_eff,
        "log_det": ld.method,
        "effects_draws": ndraws,
        **trace_facts,
        "counties": n,
        "years": t,
        "weights_kind": spatial_weights.kind,
        "row_standardised": spatial_weights.row_standardised,
    }
    info = FitInfo(
        method=method,
        nobs=n * t,
        nobs_input=pdata.nobs_input,
        dropped=pdata.dropped,
        specification=pdata.formula,
        vcov="inverse information matrix (QML)",
        fixed_effects=fe,
        extra=extra,
    )
    coefs = CoefTable(names=all_names, estimates=fit.params, vcov=fit.vcov, df_t=None)
    return SpatialPanelResult(
        coefs=coefs,
        info=info,
        title=TITLES[method],
        effects=effects,
        sigma2=fit.sigma2,
        loglik=fit.loglik,
        aic=aic,
    )
