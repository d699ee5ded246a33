"""Ridge-augmented synthetic control (Ben-Michael, Feller and Rothstein 2021) for one treated
county, with conformal (Chernozhukov, Wuthrich and Zhu 2021) and jackknife+ inference."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import (
    CountyEconomyWarning,
    InvalidOptionError,
    PanelStructureError,
)
from countyeconomy.estimators.synthetic._ascm_kernels import (
    ascm_weights,
    choose_lambda,
    conformal_average_p,
    conformal_period_p,
    cv_errors,
    invert_test,
    jackknife_plus,
    lambda_grid,
    residualise_outcomes,
)
from countyeconomy.estimators.synthetic._ascm_result import AugmentedSyntheticControlResult
from countyeconomy.estimators.synthetic._single_unit import single_unit_data
from countyeconomy.inference import ChunkTask, map_chunks
from countyeconomy.panel import Panel, describe_values
from countyeconomy.results import CoefTable, FitInfo

__all__ = ["AugmentedSyntheticControlResult", "augmented_synthetic_control"]

_INFERENCE = ("conformal", "jackknife+", "both", "none")


@dataclass(frozen=True)
class _Arrays:
    y1: FloatArray
    y0: FloatArray
    c1: FloatArray
    c0: FloatArray
    n_pre: int
    lam: float
    alpha: float
    scale: float
    effects: FloatArray  # post-period effects, then their mean


@dataclass(frozen=True)
class _ConformalTasks:
    """Task ``j < T1``: the year ``T0 + j``; task ``T1``: the ATT. Deterministic (no draws)."""

    a: _Arrays

    def __call__(self, task: ChunkTask) -> FloatArray:
        a = self.a
        pre = np.arange(a.n_pre)
        t1 = len(a.y1) - a.n_pre
        out = np.empty((task.size, 3))
        for r, j in enumerate(range(task.start, task.stop)):
            if j < t1:
                p = partial(conformal_period_p, a.y1, a.y0, a.c1, a.c0, pre, a.n_pre + j, a.lam)
            else:
                p = partial(conformal_average_p, a.y1, a.y0, a.c1, a.c0, a.n_pre, a.lam)
            lo, hi = invert_test(p, float(a.effects[j]), a.scale, a.alpha)
            out[r] = (lo, hi, p(0.0))
        return out


def _wide(
    data: Panel | pd.DataFrame,
    outcome: str,
    treated: object,
    treat_year: int,
    covariates: Sequence[str],
    donors: Sequence[object] | None,
    county: str | None,
    year: str | None,
) -> tuple[Panel, list[object], FloatArray, FloatArray, np.ndarray]:
    caller = "augmented_synthetic_control"
    su = single_unit_data(
        caller, data, outcome, treated, treat_year, covariates, donors, 3, county, year
    )
    panel, wide, pool, order = su.panel, su.wide, su.pool, su.order
    years, y, pre = su.years, su.y, su.pre
    if covariates:
        z = np.column_stack(
            [
                np.nanmean(wide[c].loc[order].to_numpy(dtype=float)[:, pre], axis=1)
                for c in covariates
            ]
        )
        if not np.isfinite(z).all():
            raise PanelStructureError(
                f"{caller}: a covariate of {describe_values(list(covariates))} is missing in every "
                "pre-period year for some county."
            )
    else:
        z = np.empty((len(order), 0))
    return panel, pool, y, z, years


def _short_pre_period(inference: str, n_pre: int, n: int, alpha: float) -> tuple[str, ...]:
    """Messages for intervals that cannot be finite with this few years."""
    out = []
    if inference in ("conformal", "both") and 1.0 / (n_pre + 1) > alpha:
        out.append(
            f"augmented_synthetic_control: with {n_pre} pre-period years a one-year conformal "
            f"p-value is at least 1/{n_pre + 1} > {alpha:.3g}: the yearly intervals are unbounded."
        )
    if inference in ("conformal", "both") and 1.0 / n > alpha:
        out.append(
            f"augmented_synthetic_control: with {n} years the ATT conformal p-value is at least "
            f"1/{n} > {alpha:.3g}: its interval is unbounded."
        )
    if inference in ("jackknife+", "both") and np.ceil((1 - alpha) * (n_pre + 1)) > n_pre:
        out.append(
            f"augmented_synthetic_control: jackknife+ at level {1 - alpha:.3g} needs at least "
            f"{int(np.ceil((1 - alpha) / alpha))} pre-period years ({n_pre} here): its intervals "
            "are unbounded."
        )
    return tuple(out)


def augmented_synthetic_control(
    data: Panel | pd.DataFrame,
    outcome: str,
    treated: object,
    *,
    treat_year: int,
    covariates: Sequence[str] = (),
    residualise: bool = True,
    donors: Sequence[object] | None = None,
    penalty: float | None = None,
    inference: str = "conformal",
    level: float = 0.95,
    executor: Executor | None = None,
    progress: bool = False,
    county: str | None = None,
    year: str | None = None,
) -> AugmentedSyntheticControlResult:
    """Ridge-augmented synthetic control for one treated county.

    SCM weights balance the pre-period outcomes on the simplex; a ridge regression of the donors'
    outcomes on their pre-period outcomes then corrects the remaining imbalance (the paper's
    ridge ASCM, its equation for ``Y_hat^aug``). The ridge penalty is chosen by leave-one-pre-
    period-out cross-validation as R ``augsynth`` does: each pre-period year but the last is
    held out in turn, 21 penalties from the largest squared singular value of the centred donor
    outcomes down by ``1e-8``, and the largest penalty within one standard error of the smallest
    mean error is taken.

    Parameters
    ----------
    data
        A balanced panel.
    outcome
        Outcome column.
    treated
        The treated county's code.
    treat_year
        First treated year; earlier years are the pre-period (three at least).
    covariates
        Columns averaged over the pre-period per county.
    residualise
        With covariates: ``True`` (default, as augsynth) residualises every year's outcome on
        the covariates by OLS on the donors and fits the ASCM on the residuals; ``False``
        balances the covariates alongside the pre-period outcomes (each scaled to the mean
        standard deviation of the pre-period outcomes).
    donors
        Donor counties (default: every other county).
    penalty
        The ridge penalty; ``None`` chooses it by cross-validation. ``float("inf")`` gives the
        plain SCM.
    inference
        ``"conformal"`` (Chernozhukov, Wuthrich and Zhu 2021: moving-block permutation tests
        inverted on a grid refined by bisection, one per post-period year and one for a
        constant effect, the ATT), ``"jackknife+"`` (leave-one-pre-period-out jackknife+,
        guaranteed coverage ``2 level - 1``), ``"both"`` or ``"none"``. The penalty is held at
        the fitted value in the refits.
    level
        Confidence level of the intervals.
    executor, progress
        Where the conformal tests run and whether to show a progress bar
        (:func:`countyeconomy.inference.map_chunks`; the tests draw no random numbers).

    Notes
    -----
    R ``augsynth`` (the reference implementation) is on CRAN only, which is unreachable here.
    The weights (SCM and augmented, both covariate modes) match pysyncon 1.7.0's ``AugSynth``
    (a port of augsynth's ridge ASCM) to 2e-5, and the estimates match the paper's closed form.
    Differences: pysyncon's penalty grid is shifted one step up from augsynth's (this follows
    augsynth); ``bias_correction`` is the ridge term (SCM effect minus ASCM effect), which is
    augsynth's ``avg_bias`` without covariates; the conformal ATT test uses all ``T`` cyclic
    permutations (augsynth draws random ones), and interval ends are refined by bisection
    rather than read off the grid.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import countyeconomy as ce
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=(12, 10)).cumsum(axis=1)
    >>> y[0, 6:] += 5.0
    >>> df = pd.DataFrame({"county": np.repeat(np.arange(12), 10),
    ...                    "year": np.tile(np.arange(2000, 2010), 12), "y": y.ravel()})
    >>> res = ce.augmented_synthetic_control(df, "y", 0, treat_year=2006, inference="none",
    ...                                      county="county", year="year")
    >>> bool(res.info.l2_imbalance <= res.info.l2_imbalance_scm)
    True
    """
    caller = "augmented_synthetic_control"
    if inference not in _INFERENCE:
        raise InvalidOptionError(
            f"inference={inference!r} is not valid; choose one of {', '.join(map(repr, _INFERENCE))}."
        )
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise InvalidOptionError(f"level={level!r} is not valid; pass a float in (0, 1).")
    if penalty is not None and (
        isinstance(penalty, bool) or not isinstance(penalty, float | int) or not penalty >= 0
    ):
        raise InvalidOptionError(
            f"penalty={penalty!r} is not valid; pass a non-negative number (inf: plain SCM) or "
            "None (cross-validation)."
        )
    panel, pool, y, z, years = _wide(
        data, outcome, treated, treat_year, covariates, donors, county, year
    )
    pre_mask = years < treat_year
    n_pre = int(pre_mask.sum())
    pre = np.arange(n_pre)
    y1, y0 = y[0], y[1:]
    c1, c0 = np.empty(0), np.empty((len(pool), 0))
    if z.shape[1] and residualise:
        y1, y0 = residualise_outcomes(y1, y0, z[0], z[1:])
    elif z.shape[1]:
        # augsynth's scaling: each covariate over its donor standard deviation, times the
        # standard deviation of the donors' pre-period outcomes centred year by year
        sd = z[1:].std(axis=0, ddof=1)
        target = float(np.std(y0[:, pre] - y0[:, pre].mean(axis=0), ddof=1))
        zs = (z - z[1:].mean(axis=0)) / np.where(sd > 0, sd, 1.0) * target
        c1, c0 = zs[0], zs[1:]
    cv = pd.DataFrame(columns=["lambda", "cv_error", "cv_se"], dtype=float)
    if penalty is None:
        lambdas = lambda_grid(np.column_stack([y0[:, pre], c0]))
        lam, mean, se = choose_lambda(lambdas, cv_errors(y1, y0, c1, c0, pre, lambdas))
        cv = pd.DataFrame({"lambda": lambdas, "cv_error": mean, "cv_se": se})
    else:
        lam = float(penalty)
    fit = ascm_weights(y1, y0, c1, c0, pre, lam)
    gap = y1 - fit.w_aug @ y0
    w_out = fit.w_aug
    if z.shape[1] and residualise:
        # the weights on the raw outcomes: the covariate imbalance left by the weights fitted on
        # the residuals, projected onto the donors (augsynth); they give the same effects
        zc = z - z[1:].mean(axis=0)
        w_out = fit.w_aug + np.linalg.lstsq(zc[1:].T, zc[0] - fit.w_aug @ zc[1:], rcond=None)[0]
    gap_scm = y1 - fit.w_scm @ y0
    post = ~pre_mask
    effects = np.append(gap[post], gap[post].mean())
    # pre-period L2 imbalance of the raw outcomes (as augsynth's l2_imbalance)
    raw1, raw0 = y[0, pre], y[1:, pre]
    imb = float(np.linalg.norm(raw1 - w_out @ raw0))
    imb_scm = float(np.linalg.norm(raw1 - fit.w_scm @ raw0))
    imb_uniform = float(np.linalg.norm(raw1 - raw0.mean(axis=0)))
    post_years = years[post]
    names = ("ATT", *(f"event_time::{int(t - treat_year)}" for t in post_years))
    est = np.concatenate([[effects[-1]], effects[:-1]])
    alpha = 1.0 - float(level)
    rows = []
    if inference in ("conformal", "both"):
        scale = float(np.sqrt(np.mean(gap[post] ** 2)))
        pre_rmse = float(np.sqrt(np.mean(gap[pre_mask] ** 2)))
        arrays = _Arrays(y1, y0, c1, c0, n_pre, lam, alpha, max(scale, pre_rmse), effects)
        out = np.vstack(
            map_chunks(
                _ConformalTasks(arrays),
                len(effects),
                0,
                executor,
                4,
                progress=progress,
                desc="conformal tests",
            )
        )
        out = np.vstack([out[-1:], out[:-1]])
        rows.append(
            pd.DataFrame(
                {
                    "term": names,
                    "method": "conformal",
                    "ci_low": out[:, 0],
                    "ci_high": out[:, 1],
                    "p_value": out[:, 2],
                }
            )
        )
    if inference in ("jackknife+", "both"):
        lo, hi = jackknife_plus(y1, y0, c1, c0, pre, np.flatnonzero(post), lam, alpha)
        rows.append(
            pd.DataFrame(
                {
                    "term": names,
                    "method": "jackknife+",
                    "ci_low": np.append(lo[-1], lo[:-1]),
                    "ci_high": np.append(hi[-1], hi[:-1]),
                    "p_value": np.nan,
                }
            )
        )
    intervals = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=["term", "method", "ci_low", "ci_high", "p_value"])
    )
    notes = _short_pre_period(inference, n_pre, len(years), alpha)
    conf = intervals[intervals["method"] == "conformal"]
    bounded = np.isfinite(conf[["ci_low", "ci_high"]].to_numpy(dtype=float)).all(axis=1)
    open_ends = [str(t) for t, ok in zip(conf["term"], bounded, strict=True) if not ok]
    if not notes and len(open_ends):
        notes += (
            f"{caller}: the conformal intervals of {', '.join(open_ends)} are unbounded: no null "
            "value far from the estimate is rejected (the refit absorbs it; with more donors "
            "than years a smaller penalty makes this likelier).",
        )
    for msg in notes:
        warnings.warn(msg, CountyEconomyWarning, stacklevel=2)
    k = len(names)
    coefs = CoefTable(names, est, np.full((k, k), np.nan), None)
    bias = gap_scm - gap
    info = FitInfo(
        method=caller,
        nobs=int(y.size),
        nobs_input=panel.nobs,
        specification=(
            f"{outcome}: county {treated!r} from {treat_year}, {len(pool)} donors"
            + (f", covariates {', '.join(covariates)}" if covariates else "")
        ),
        vcov=f"{inference} (no analytical SE)",
        warnings=notes,
        extra={
            "penalty": lam,
            "l2_imbalance": imb,
            "l2_imbalance_scm": imb_scm,
            "scaled_l2_imbalance": imb / imb_uniform if imb_uniform > 0 else float("nan"),
            "bias_correction": float(bias[post].mean()),
            "att_scm": float(gap_scm[post].mean()),
            "donors": len(pool),
            "pre_periods": n_pre,
            "residualise": bool(residualise and covariates),
        },
    )
    return AugmentedSyntheticControlResult(
        coefs,
        info,
        pd.DataFrame({"county": pool, "weight": w_out, "scm_weight": fit.w_scm}),
        pd.DataFrame(
            {
                "year": years,
                "treated": y[0],
                "synthetic": y[0] - gap,
                "gap": gap,
                "synthetic_scm": y[0] - gap_scm,
                "gap_scm": gap_scm,
                "bias_correction": bias,
            }
        ),
        intervals,
        cv,
        float(level),
    )
