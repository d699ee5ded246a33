"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021),
with the paper's synthetic-control and DID comparisons, staggered adoption by cohort, and
placebo, bootstrap and jackknife standard errors."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SeedLike, check_option
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.estimators.synthetic._sdid_data import SdidData, prepare
from countyeconomy.estimators.synthetic._sdid_design import CohortFits, fit_cohorts
from countyeconomy.estimators.synthetic._sdid_inference import (
    BootstrapDraws,
    JackknifeDraws,
    PlaceboDraws,
    spread,
)
from countyeconomy.estimators.synthetic._sdid_plot import paths_chart, weights_chart
from countyeconomy.inference import DEFAULT_CHUNK, check_draws, map_chunks
from countyeconomy.panel import Panel, as_panel
from countyeconomy.results import CoefResult, CoefTable, FitInfo

__all__ = ["SdidMethod", "SdidVcov", "SyntheticDIDResult", "synthetic_did"]

SdidMethod = Literal["sdid", "sc", "did"]
SdidVcov = Literal["placebo", "bootstrap", "jackknife"]
_TITLES = {"sdid": "Synthetic DID", "sc": "Synthetic control", "did": "DID"}


@dataclass(frozen=True, repr=False)
class SyntheticDIDResult(CoefResult):
    """Result of :func:`synthetic_did`: ``ATT`` and, with several cohorts, ``cohort::a``.

    Attributes
    ----------
    unit_weights
        ``cohort, county, weight``: the control weights omega of each cohort.
    time_weights
        ``cohort, year, weight``: the pre-period weights lambda of each cohort.
    cohort_effects
        ``cohort, n_treated, post_years, weight, estimate``: the cohort effects and their
        weights in the ATT (treated unit-years).
    paths
        ``cohort, year, treated, synthetic``: the treated units' mean outcome and the
        omega-weighted control mean, per cohort (the paper's figure).
    draws
        The ATT of each resampling draw (jackknife: of each unit left out).
    """

    coefs: CoefTable
    info: FitInfo
    unit_weights: pd.DataFrame
    time_weights: pd.DataFrame
    cohort_effects: pd.DataFrame
    paths: pd.DataFrame
    draws: FloatArray
    title: str = "Synthetic DID"

    @property
    def att(self) -> float:
        """The overall effect."""
        return float(self.coefs.estimates[0])

    def event_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Event-time effects (point estimates; no standard errors: NaN).

        For cohort ``a`` and year ``t`` the effect is the treated-minus-synthetic gap in ``t``
        less its time-weighted (lambda) pre-period mean, at event time ``k = t - a`` (the
        event-study form of SDID of Clarke, Pailanir, Athey and Imbens 2023); cohorts are
        averaged with their treated-county counts. The mean over the post-period years of a
        cohort is its SDID estimate. Pre-period rows are placebo gaps, not tests; ``level`` is
        accepted for the comparison interface. Only the ATT has a standard error
        (``std_errors``).
        """
        rows = []
        n_tr = dict(
            zip(self.cohort_effects["cohort"], self.cohort_effects["n_treated"], strict=True)
        )
        for a in sorted(self.paths["cohort"].unique()):
            p = self.paths[self.paths["cohort"] == a]
            gap = (p["treated"] - p["synthetic"]).to_numpy()
            years = p["year"].to_numpy()
            tw = self.time_weights[self.time_weights["cohort"] == a]
            base = float(np.dot(tw["weight"], gap[np.isin(years, tw["year"])]))
            rows.append(
                pd.DataFrame(
                    {"event_time": years - int(a), "estimate": gap - base, "n": float(n_tr[a])}
                )
            )
        long = pd.concat(rows, ignore_index=True)
        long["wx"] = long["estimate"] * long["n"]
        agg = long.groupby("event_time", sort=True)[["wx", "n"]].sum()
        return pd.DataFrame(
            {
                "event_time": agg.index.to_numpy(dtype=np.int64),
                "estimate": (agg["wx"] / agg["n"]).to_numpy(),
                "std_error": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
            }
        )

    def plot_paths(self, cohort: int | None = None) -> Any:
        """Treated and synthetic-control paths with the time weights (an altair chart)."""
        return paths_chart(self, cohort)

    def plot_weights(self, cohort: int | None = None) -> Any:
        """The control units' weights omega (an altair chart)."""
        return weights_chart(self, cohort)


def _frames(
    d: SdidData, fit: CohortFits
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    controls = [c for c, g in zip(d.counties, d.g, strict=True) if g == 0]
    unit, time, eff, path = [], [], [], []
    for a, f, w in zip(fit.cohorts, fit.fits, fit.weights, strict=True):
        unit.append(pd.DataFrame({"cohort": a, "county": controls, "weight": f.omega}))
        pre = d.years[d.years < a]
        time.append(pd.DataFrame({"cohort": a, "year": pre, "weight": f.lam}))
        treated = d.g == a
        eff.append((a, int(treated.sum()), int(np.sum(d.years >= a)), float(w), f.tau))
        y = d.y if d.x is None or fit.beta.size == 0 else d.y - d.x @ fit.beta
        synth = f.omega @ y[d.g == 0]
        path.append(
            pd.DataFrame(
                {"cohort": a, "year": d.years, "treated": y[treated].mean(0), "synthetic": synth}
            )
        )
    cols = ["cohort", "n_treated", "post_years", "weight", "estimate"]
    return (
        pd.concat(unit, ignore_index=True),
        pd.concat(time, ignore_index=True),
        pd.DataFrame(eff, columns=cols),
        pd.concat(path, ignore_index=True),
    )


def _draws(
    d: SdidData,
    fit: CohortFits,
    method: SdidMethod,
    vcov: SdidVcov,
    draws: int,
    seed: SeedLike,
    executor: Executor | None,
    progress: bool,
    chunk: int,
) -> FloatArray:
    n_tr, n_co = int(np.sum(d.g != 0)), int(np.sum(d.g == 0))
    zetas = {a: (f.zeta_omega, f.zeta_lambda) for a, f in zip(fit.cohorts, fit.fits, strict=True)}
    args = (d.y, d.g, d.years, d.x, method)
    fn: Any
    if vcov == "placebo":
        if n_co <= n_tr:
            raise IdentificationError(
                f"synthetic_did: vcov='placebo' needs more controls than treated counties "
                f"({n_co} never-treated, {n_tr} treated); use vcov='bootstrap' or 'jackknife'."
            )
        fn = PlaceboDraws(*args, zetas, fit.cohorts)
    elif vcov == "bootstrap":
        if n_tr < 2:
            raise IdentificationError(
                "synthetic_did: vcov='bootstrap' is not defined with one treated county (a draw "
                "either repeats it or leaves it out); use vcov='placebo'."
            )
        fn = BootstrapDraws(*args, zetas, fit.cohorts)
    else:
        small = [a for a in fit.cohorts if np.sum(d.g == a) < 2]
        if small:
            raise IdentificationError(
                f"synthetic_did: vcov='jackknife' is undefined with one treated county in a "
                f"cohort (cohorts {small}): leaving it out removes the cohort. Use "
                f"vcov='placebo'."
            )
        if method != "did" and any(np.sum(f.omega > 0) < 2 for f in fit.fits):
            raise IdentificationError(
                "synthetic_did: vcov='jackknife' is undefined when a cohort puts all its "
                "weight on one control county; use vcov='placebo' or 'bootstrap'."
            )
        fn = JackknifeDraws(*args, fit)
        draws = len(d.g)
    out = map_chunks(
        fn, draws, seed, executor, chunk, progress=progress, desc=f"synthetic_did {vcov}"
    )
    return np.vstack(out)


def synthetic_did(
    data: Panel | pd.DataFrame,
    outcome: str,
    *,
    cohort: str,
    method: SdidMethod = "sdid",
    covariates: Sequence[str] = (),
    vcov: SdidVcov = "placebo",
    draws: int = 200,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
    chunk: int = DEFAULT_CHUNK,
    zeta_omega: float | None = None,
    zeta_lambda: float | None = None,
    county: str | None = None,
    year: str | None = None,
) -> SyntheticDIDResult:
    """Synthetic DID for one or a few treated counties, cohort by cohort.

    Unit weights omega (simplex, with intercept) solve the paper's penalised fit of the treated
    counties' pre-period mean, with ``zeta = (N_tr T_post)^(1/4) sigma`` and ``sigma`` the
    standard deviation of the controls' pre-period first differences; time weights lambda fit
    the controls' post-period mean with ``zeta = 1e-6 sigma``. Both are solved by the two-pass
    sparsified Frank-Wolfe algorithm of the authors' ``synthdid``, and agree with
    ``diff_diff.SyntheticDiD`` (3.13.0) to machine precision. With several cohorts each is fitted
    on the never-treated counties plus its own, with the years before it as pre-period, and
    ``ATT`` weights the cohort effects by treated unit-years (Stata ``sdid``).

    Parameters
    ----------
    data
        A balanced panel (a county with a missing value is dropped whole, and announced).
    outcome, cohort
        Outcome column and first-treated-year column (``0`` = never treated; a cohort after the
        last year counts as untreated).
    method
        ``"sdid"``; ``"sc"`` (synthetic control: unit weights without intercept, no time
        weights) or ``"did"`` (uniform weights), the paper's comparisons.
    covariates
        Columns removed first by a two-way fixed-effects regression on the not-yet-treated cells
        (the "projected" adjustment of Stata ``sdid``; R ``synthdid`` optimises them jointly and
        ``diff_diff`` regresses on all cells, so these differ). The bootstrap re-fits it per draw.
    vcov
        ``"placebo"`` (needs more controls than treated), ``"bootstrap"`` (needs two treated
        counties) or ``"jackknife"`` (weights fixed; needs two treated counties per cohort).
    draws
        Placebo or bootstrap draws (ignored by the jackknife).
    seed, executor, progress, chunk
        The resampling engine's options (:func:`countyeconomy.inference.map_chunks`).
    zeta_omega, zeta_lambda
        Fixed penalties instead of the paper's (``0`` and ``0``: unpenalised weights).

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=60)
    >>> res = ce.synthetic_did(
    ...     sim.panel, "log_rural_income", cohort="first_treated", vcov="jackknife"
    ... )
    >>> res.params.index[:2].tolist(), res.info.method
    (['ATT', 'cohort::2014'], 'synthetic_did')
    """
    caller = "synthetic_did"
    method = check_option("method", method, SdidMethod)  # type: ignore[assignment]
    vcov = check_option("vcov", vcov, SdidVcov)  # type: ignore[assignment]
    if vcov != "jackknife":
        draws = check_draws(draws, caller=caller, interval=False, stacklevel=3)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    for name, z in (("zeta_omega", zeta_omega), ("zeta_lambda", zeta_lambda)):
        if z is not None and (not isinstance(z, int | float) or not z >= 0 or z == np.inf):
            raise InvalidOptionError(f"{caller}: {name} must be a finite number >= 0, got {z!r}.")
    panel = as_panel(data, county, year)
    d = prepare(panel, caller, outcome, cohort, covariates)
    zetas = None
    if zeta_omega is not None or zeta_lambda is not None:
        cohorts = np.unique(d.g[d.g != 0])
        zetas = {int(a): (zeta_omega, zeta_lambda) for a in cohorts}
    fit = fit_cohorts(d.y, d.g, d.years, method, x=d.x, zetas=zetas)  # type: ignore[arg-type]
    boot = _draws(d, fit, method, vcov, draws, seed, executor, progress, chunk)
    cov = spread(boot, jackknife=vcov == "jackknife")
    names = ("ATT",) if len(fit.cohorts) == 1 else ("ATT", *(f"cohort::{a}" for a in fit.cohorts))
    k = len(names)
    coefs = CoefTable(names, fit.estimates()[:k], cov[:k, :k], None)
    unit_w, time_w, effects, paths = _frames(d, fit)
    n_tr = int(np.sum(d.g != 0))
    info = FitInfo(
        method=caller,
        nobs=d.nobs,
        nobs_input=d.nobs_input,
        dropped=d.dropped,
        specification=f"{outcome} ~ {method}({cohort})"
        + (f" + {' + '.join(covariates)}" if covariates else ""),
        vcov=vcov + ("" if vcov == "jackknife" else f" ({draws} draws)"),
        fixed_effects={
            **({} if method == "sc" else {panel.county: len(d.counties)}),
            panel.year: len(d.years),
        },
        warnings=d.warnings,
        extra={
            "estimator": method,
            "n_treated": n_tr,
            "n_controls": int(len(d.g) - n_tr),
            "cohorts": fit.cohorts,
            "draws": int(boot.shape[0]),
            "zeta_omega": tuple(f.zeta_omega for f in fit.fits),
            "zeta_lambda": tuple(f.zeta_lambda for f in fit.fits),
            "noise_level": tuple(f.noise for f in fit.fits),
            "beta": tuple(float(b) for b in fit.beta),
        },
    )
    return SyntheticDIDResult(
        coefs, info, unit_w, time_w, effects, paths, boot[:, 0].copy(), title=_TITLES[method]
    )
