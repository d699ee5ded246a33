"""Hansen (1999) fixed-effect panel threshold regression: ``panel_threshold``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import Executor

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import FloatArray, SeedLike, resolve_seed
from countyeconomy.errors import (
    InvalidOptionError,
    PanelStructureError,
)
from countyeconomy.estimators._threshold_boot import (
    Stagewise,
    f_tests,
    stagewise,
)
from countyeconomy.estimators._threshold_data import Prepared, check_options, prepare
from countyeconomy.estimators._threshold_grid import (
    ThresholdProblem,
    grid_ssr,
    orthonormal_basis,
    regressors_given,
    residualise,
)
from countyeconomy.estimators._threshold_result import (
    ThresholdResult,
    lr_critical_value,
    lr_frame,
)
from countyeconomy.estimators.twfe import TWFEResult, twfe
from countyeconomy.inference import Cluster, VcovSpec, resolve_vcov
from countyeconomy.panel import Panel
from countyeconomy.results import FitInfo

__all__ = ["ThresholdResult", "panel_threshold"]

"""Retired: a threshold fit's ``info`` is a :class:`countyeconomy.FitInfo` (kept importable until
``countyeconomy.estimators`` stops exporting the name)."""

DEFAULT_VCOV = Cluster("county")


def _search_given(problem: ThresholdProblem, fixed: tuple[float, ...]) -> FloatArray:
    """``(g,)`` SSR of the data at every candidate with ``fixed`` thresholds (``inf``: invalid)."""
    basis = orthonormal_basis(regressors_given(problem, fixed))
    yt = residualise(problem.y[:, None], basis)
    curve: FloatArray = grid_ssr(problem, fixed, yt, basis)[:, 0]
    return curve


def _estimate(
    problem: ThresholdProblem, k: int
) -> tuple[list[float], list[tuple[FloatArray, float]], Stagewise]:
    """Stage-wise search, then Bai (1997) refinement of all but the last threshold.

    Returns the thresholds (in order of discovery), the SSR curve of each with the other
    thresholds fixed (and the SSR at its minimum), and the stage-wise search.
    """
    sw = stagewise(problem, problem.y[:, None], k)
    found = [float(v) for v in sw.thresholds[:, 0]]
    curves: list[tuple[FloatArray, float]] = []
    for j in range(k):
        curve = _search_given(problem, tuple(found[:j]))
        curves.append((curve, float(np.min(curve))))
    for j in range(k - 1):  # refinement: re-search each earlier threshold given the others
        others = tuple(found[:j] + found[j + 1 :])
        curve = _search_given(problem, others)
        found[j] = float(problem.grid[int(np.argmin(curve))])
        curves[j] = (curve, float(np.min(curve)))
    return found, curves, sw


def _lr_intervals(
    cands: FloatArray, curves: list[tuple[FloatArray, float]], sigma2: float, crit: float
) -> tuple[list[tuple[FloatArray, FloatArray]], list[tuple[float, float]]]:
    """LR curves ``(S(g) - S(g_hat)) / sigma2`` and the ``[min, max]`` of ``{g: LR(g) <= crit}``."""
    lr_curves, cis = [], []
    for curve, best in curves:
        lr = (curve - best) / sigma2
        inside = cands[np.isfinite(lr) & (lr <= crit)]
        lr_curves.append((cands, lr))
        cis.append((float(inside.min()), float(inside.max())))
    return lr_curves, cis


def _regimes(x_names: Sequence[str], q: str, th: Sequence[float]) -> tuple[list[str], list[str]]:
    bounds = [-math.inf, *sorted(th), math.inf]
    labels = []
    for lo, hi in itertools.pairwise(bounds):
        if lo == -math.inf:
            labels.append(f"{q} <= {hi:.6g}")
        elif hi == math.inf:
            labels.append(f"{q} > {lo:.6g}")
        else:
            labels.append(f"{lo:.6g} < {q} <= {hi:.6g}")
    terms = [f"{x}_regime{r + 1}" for x in x_names for r in range(len(bounds) - 1)]
    return terms, labels


def regime_frame(
    frame: pd.DataFrame, x_names: Sequence[str], q: str, th: Sequence[float]
) -> pd.DataFrame:
    """``frame`` with columns ``{x}_regime{r}`` = ``x 1(gamma_{r-1} < q <= gamma_r)``."""
    bounds = [-math.inf, *sorted(th), math.inf]
    qv = frame[q].to_numpy(dtype=float)
    new = {}
    for x in x_names:
        xv = frame[x].to_numpy(dtype=float)
        for r, (lo, hi) in enumerate(itertools.pairwise(bounds)):
            new[f"{x}_regime{r + 1}"] = xv * ((qv > lo) & (qv <= hi))
    return frame.assign(**new)


def _regime_regression(
    prep: Prepared, xs: list[str], threshold: str, final: tuple[float, ...], spec: VcovSpec
) -> TWFEResult:
    """``twfe`` on the regime-split regressors with the thresholds fixed."""
    md, parsed = prep.md, prep.parsed
    used = md.frame.iloc[prep.rows].reset_index(drop=True)
    terms, _ = _regimes(xs, threshold, final)
    fes = " + ".join(c for (c,) in parsed.fixed_effects)
    controls = [] if parsed.rhs.strip() == "1" else [parsed.rhs]
    formula = f"{parsed.outcome} ~ {' + '.join([*controls, *terms])} | {fes}"
    if md.county is None or md.year is None:  # checked in _prepare; narrows the types
        raise PanelStructureError("panel_threshold needs a Panel, or county= and year= columns.")
    panel = Panel.from_frame(
        regime_frame(used, xs, threshold, final), county=md.county, year=md.year
    )
    return twfe(panel, formula, vcov=spec, drop_singletons=False)


@renamed_kwargs("panel_threshold", bootstrap="draws")
def panel_threshold(
    data: Panel | pd.DataFrame,
    formula: str,
    *,
    threshold: str,
    regime_dependent: str | Sequence[str],
    n_thresholds: int = 1,
    trim: float | Sequence[float] = 0.01,
    grid: int | Sequence[float] | FloatArray = 300,
    draws: int = 300,
    level: float = 0.95,
    balance: bool = False,
    vcov: str | VcovSpec = DEFAULT_VCOV,
    county: str | None = None,
    year: str | None = None,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> ThresholdResult:
    """Fixed-effect panel threshold regression of Hansen (1999), as Stata's ``xthreg``.

    ``y_it = mu_i + sum_r beta_r' x_it 1(gamma_{r-1} < q_it <= gamma_r) + theta' z_it + e_it``.

    Parameters
    ----------
    data
        A balanced :class:`~countyeconomy.Panel`, or a DataFrame with ``county=`` and ``year=``.
    formula
        ``"y ~ z1 + z2"``: outcome and regime-independent controls (formulaic terms allowed;
        ``"y ~ 1"`` for none). County effects are always absorbed; ``"| county + year"`` adds
        year effects.
    threshold
        The threshold variable ``q``.
    regime_dependent
        Column(s) ``x`` whose coefficients switch between regimes (xthreg's ``rx()``); not in
        the formula.
    n_thresholds
        1, 2 or 3. Thresholds are found stage by stage; earlier ones are then re-estimated given
        the later ones (Bai 1997 refinement).
    trim
        Minimum share of observations in every regime, one value or one per threshold
        (xthreg's ``trim()``); the grid spans the ``[trim, 1 - trim]`` quantiles of ``q``.
    grid
        Number of quantiles of ``q`` to search (xthreg's ``grid()``), or explicit candidates.
    draws
        Draws of the bootstrap F test for each number of thresholds (0: no p-values); formerly
        ``bootstrap=``.
    level
        Level of the LR confidence interval of each threshold.
    balance
        Drop counties with missing years (counted and announced) instead of raising.
    vcov
        Covariance of the regime coefficients (default clustered by county).
    seed, executor, progress
        Bootstrap seed (int, ``SeedSequence`` or ``Generator``; never consumed); a
        :class:`concurrent.futures.Executor` mapping chunks of draws through
        :func:`countyeconomy.inference.map_chunks` (the numbers do not depend on it); a tqdm
        progress bar.

    Returns
    -------
    ThresholdResult
        Coefficients of a :func:`~countyeconomy.twfe` fit on the regime-split regressors with
        the thresholds fixed; thresholds, LR intervals and bootstrap tests in ``info``.

    Raises
    ------
    PanelStructureError
        The panel is unbalanced and ``balance=False``.
    IdentificationError
        The threshold variable has too few distinct values for the trimming, or a variable has
        no variation.

    References
    ----------
    Hansen, B. E. (1999). Threshold effects in non-dynamic panels: estimation, testing, and
    inference. Journal of Econometrics 93(2), 345-368. Hansen, B. E. (2000). Sample splitting
    and threshold estimation. Econometrica 68(3), 575-603. Bai, J. (1997). Estimating multiple
    breaks one at a time. Econometric Theory 13(3), 315-352. Wang, Q. (2015). Fixed-effect panel
    threshold model using Stata. Stata Journal 15(1), 121-134.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from countyeconomy.estimators.threshold import panel_threshold
    >>> rng = np.random.default_rng(0)
    >>> n, t = 100, 8
    >>> df = pd.DataFrame({"county": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n)})
    >>> df["q"] = rng.uniform(size=n * t)
    >>> df["x"] = rng.normal(size=n * t)
    >>> df["y"] = np.where(df["q"] <= 0.5, 0.0, 1.0) * df["x"] + rng.normal(size=n * t)
    >>> res = panel_threshold(df, "y ~ 1", threshold="q", regime_dependent="x",
    ...                       county="county", year="year", draws=50, seed=1)
    >>> abs(res.thresholds[0] - 0.5) < 0.05, res.info.p_values[1] < 0.05
    (True, True)
    """
    trims = check_options(n_thresholds, trim, draws, level, grid)
    root = resolve_seed(seed)
    xs = [regime_dependent] if isinstance(regime_dependent, str) else list(regime_dependent)
    if not xs:
        raise InvalidOptionError("regime_dependent needs at least one column.")
    spec = resolve_vcov(vcov)
    prep = prepare(data, formula, threshold, xs, trims, grid, balance, spec, county, year)
    problem, md, rows = prep.problem, prep.md, prep.rows
    cands = problem.grid
    found, curves, sw = _estimate(problem, n_thresholds)
    ssr_stage = sw.ssr[:, 0]
    final = tuple(sorted(found))
    basis = orthonormal_basis(regressors_given(problem, final))
    resid = residualise(problem.y[:, None], basis)[:, 0]
    ssr_final = float(resid @ resid)
    sigma2 = ssr_final / problem.df
    crit = lr_critical_value(level)
    lr_curves, cis = _lr_intervals(cands, curves, sigma2, crit)
    order = np.argsort(found)
    ft = f_tests(problem, sw, draws=draws, seed=root, executor=executor, progress=progress)
    f_stats, p_values, crits = ft.f_stats, ft.p_values, ft.crit_values
    reg = _regime_regression(prep, xs, threshold, final, spec)
    _, labels = _regimes(xs, threshold, final)
    fes = {"county": problem.n_units}
    if len(prep.parsed.fixed_effects) == 2:
        fes["year"] = problem.n_periods
    info = FitInfo(
        method="panel_threshold",
        nobs=len(rows),
        nobs_input=len(md.frame),
        dropped=prep.dropped,
        clusters=reg.info.clusters,
        specification=formula,
        vcov=reg.info.vcov,
        ssc=reg.info.ssc,
        df_t=reg.info.df_t,
        fixed_effects=fes,
        warnings=reg.info.warnings,
        extra={
            "threshold": threshold,
            "regime_dependent": tuple(xs),
            "n_thresholds": n_thresholds,
            "thresholds": final,
            "threshold_ci": tuple(cis[j] for j in order),
            "level": level,
            "lr_critical": crit,
            "f_stats": f_stats,
            "p_values": p_values,
            "crit_values": crits,
            "draws": draws,
            "seed_entropy": root.entropy,
            "grid": cands,
            "trim": trims,
            "ssr": tuple(float(v) for v in ssr_stage),
            "sigma2": sigma2,
            "n_counties": problem.n_units,
            "n_years": problem.n_periods,
            "dropped_counties": prep.dropped_counties,
            "regimes": tuple(labels),
        },
    )
    lr_table = lr_frame([lr_curves[j] for j in order])
    return ThresholdResult(
        regression=reg, info=info, lr=lr_table, tests=ft.frame(), f_draws=ft.draws
    )
