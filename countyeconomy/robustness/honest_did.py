"""HonestDiD: confidence sets robust to violations of parallel trends (Rambachan and Roth 2023)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.estimators._coefs import Summary
from countyeconomy.report._theme import themed
from countyeconomy.robustness._honest_flci import optimal_flci
from countyeconomy.robustness._honest_inputs import (
    EventStudyInputs,
    EventStudyLike,
    event_study_inputs,
)
from countyeconomy.robustness._honest_rm import rm_accept

__all__ = ["EventStudyInputs", "EventStudyLike", "HonestDiDResult", "honest_did"]

HonestMethod = Literal["relative_magnitude", "smoothness"]
DEFAULT_MBAR = (0.0, 0.5, 1.0, 1.5, 2.0)


@dataclass(frozen=True, repr=False)
class HonestDiDResult:
    """Robust confidence sets over a grid of restriction sizes.

    Attributes
    ----------
    method
        ``"relative_magnitude"`` (``Delta^RM(Mbar)``, ARP conditional/hybrid sets) or
        ``"smoothness"`` (``Delta^SD(M)``, FLCI).
    bounds
        One row per grid value: ``m`` (``Mbar`` or ``M``), ``ci_low``, ``ci_high``,
        ``excludes_zero``, ``ci_method``.
    original
        The usual ``1 - alpha`` confidence interval for ``l'tau`` (parallel trends exact).
    estimate
        ``l'betahat_post``.
    breakdown
        Largest ``m`` at which the robust set still excludes zero, refined by bisection between
        grid values (to 0.1%); ``None`` when even ``m = 0`` does not exclude zero. When every grid
        value excludes zero it is the largest grid value and ``breakdown_censored`` is true.
    inputs
        The event-time estimates used (:class:`EventStudyInputs`).
    """

    method: str
    bounds: pd.DataFrame
    original: tuple[float, float]
    estimate: float
    breakdown: float | None
    l_vec: FloatArray
    alpha: float
    inputs: EventStudyInputs
    options: dict[str, Any]

    @property
    def breakdown_censored(self) -> bool:
        """True when the set excludes zero at every grid value (the breakdown is larger)."""
        return bool(self.bounds["excludes_zero"].all())

    def to_frame(self) -> pd.DataFrame:
        """The robust bounds (a copy), with the original interval as the first row."""
        orig = pd.DataFrame(
            [
                {
                    "m": np.nan,
                    "ci_low": self.original[0],
                    "ci_high": self.original[1],
                    "excludes_zero": not self.original[0] <= 0 <= self.original[1],
                    "ci_method": "original",
                }
            ]
        )
        return pd.concat([orig, self.bounds], ignore_index=True)

    def summary(self) -> Summary:
        """Table of bounds with the inputs and the breakdown value in the footer."""
        name = "Mbar" if self.method == "relative_magnitude" else "M"
        table = self.to_frame().assign(
            term=lambda f: [
                "original" if np.isnan(v) else f"{name} = {v:.4g}" for v in f["m"].to_numpy()
            ]
        )
        bd = (
            "none (the CI covers 0 at m = 0)" if self.breakdown is None else f"{self.breakdown:.4g}"
        )
        i = self.inputs
        footer = (
            ("Target", f"l'tau with l = {np.round(self.l_vec, 4).tolist()}"),
            ("Estimate", f"{self.estimate:.4g}"),
            ("Event times", f"pre {i.event_times[: i.num_pre]}, post {i.event_times[i.num_pre :]}"),
            ("Breakdown value", bd),
            ("Source", i.source),
        )
        return Summary(f"HonestDiD ({self.method.replace('_', ' ')})", table, footer)

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def plot(self) -> Any:
        """Sensitivity chart: the robust interval against ``m``, the original interval at left."""
        name = "Mbar" if self.method == "relative_magnitude" else "M"
        f = self.to_frame()
        f["label"] = [
            "Original" if np.isnan(v) else f"{v:.3g}" for v in f["m"].to_numpy(dtype=float)
        ]
        f["kind"] = np.where(f["ci_method"] == "original", "original", "robust")
        x = alt.X("label:N", sort=f["label"].tolist(), title=name)
        base = alt.Chart(f)
        color = alt.Color("kind:N", title=None, sort=["original", "robust"])
        rules = base.mark_rule(strokeWidth=3).encode(
            x=x,
            y=alt.Y("ci_low:Q", title=f"{round((1 - self.alpha) * 100)}% confidence set"),
            y2="ci_high:Q",
            color=color,
            tooltip=[
                "label",
                alt.Tooltip("ci_low:Q", format=".4f"),
                alt.Tooltip("ci_high:Q", format=".4f"),
            ],
        )
        zero = base.mark_rule(strokeDash=[4, 4], color="#888").encode(y=alt.datum(0))
        return themed(alt.layer(zero, rules).properties(title="HonestDiD sensitivity"))


def _check_grid(values: Sequence[float], name: str) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    if not out or any(not np.isfinite(v) or v < 0 for v in out):
        raise InvalidOptionError(f"{name} must be non-negative finite numbers, got {values!r}.")
    return tuple(sorted(out))


def _sd_default_grid(inp: EventStudyInputs, alpha: float) -> tuple[float, ...]:
    """Ten values from 0 to an upper bound on ``M`` from the pre-period: the largest
    ``|second difference| + z_{1 - alpha/2} * se`` of the pre-period coefficients (with the
    reference period at 0)."""
    pre = np.r_[inp.betahat[: inp.num_pre], 0.0]
    cov = np.zeros((inp.num_pre + 1, inp.num_pre + 1))
    cov[: inp.num_pre, : inp.num_pre] = inp.sigma[: inp.num_pre, : inp.num_pre]
    if inp.num_pre < 2:
        raise InvalidOptionError(
            "pass m=... explicitly: one pre-period gives no second difference."
        )
    d2 = np.array(
        [
            [0.0] * j + [1.0, -2.0, 1.0] + [0.0] * (inp.num_pre - 2 - j)
            for j in range(inp.num_pre - 1)
        ]
    )
    se = np.sqrt(np.diag(d2 @ cov @ d2.T))
    ub = float(np.max(np.abs(d2 @ pre) + stats.norm.ppf(1 - alpha / 2) * se))
    return tuple(np.linspace(0.0, ub, 10).tolist())


def _breakdown(excludes: Callable[[float], bool], grid: tuple[float, ...]) -> float | None:
    """Largest grid value whose set excludes 0, refined by bisection towards the next value.

    When every grid value excludes 0 the largest one is returned (a lower bound on the
    breakdown value; ``HonestDiDResult.breakdown_censored`` says so)."""
    flags = [excludes(m) for m in grid]
    if not flags[0]:
        return None
    if all(flags):
        return grid[-1]
    j = flags.index(False) - 1
    lo, hi = grid[j], grid[j + 1]
    for _ in range(20):
        if hi - lo <= 1e-3 * max(hi, 1e-12):
            break
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excludes(mid) else (lo, mid)
    return lo


def honest_did(
    event_study_result: Any,
    *,
    method: HonestMethod = "relative_magnitude",
    mbar: Sequence[float] = DEFAULT_MBAR,
    m: Sequence[float] | None = None,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
    num_pre: int | None = None,
    hybrid: bool = True,
    grid: tuple[float, float] | None = None,
    grid_points: int = 1000,
    lf_sims: int = 1000,
    seed: int = 0,
) -> HonestDiDResult:
    """Rambachan-Roth robust confidence sets, the breakdown value and the sensitivity chart.

    Parameters
    ----------
    event_study_result
        A TWFE event study (:func:`~countyeconomy.estimators.staggered.event_study.event_study`),
        a Sun-Abraham result, a Callaway-Sant'Anna ``att_gt(..., base_period="universal")
        .aggregate("dynamic")`` result, any object satisfying :class:`EventStudyLike`, or
        :class:`EventStudyInputs` (``EventStudyInputs.from_arrays(betahat, sigma, num_pre)``).
        The full covariance of the event-time coefficients is used, never its diagonal.
    method
        ``"relative_magnitude"``: ``Delta^RM(Mbar)``, post-period changes in the trend gap at
        most ``Mbar`` times the largest pre-period change; ARP conditional-least-favourable
        hybrid confidence sets (conditional with ``hybrid=False``). ``"smoothness"``:
        ``Delta^SD(M)``, the slope of the trend gap changes by at most ``M`` per period; the
        optimal fixed-length confidence interval (FLCI).
    mbar, m
        Grids for the two methods. ``m=None`` takes ten values from 0 to an upper bound from
        the pre-period second differences.
    l_vec
        Weights of the target ``theta = l'tau`` over the post periods; default the first.
    alpha
        1 minus the coverage.
    num_pre
        Keep only the ``num_pre`` pre-periods nearest the reference.
    hybrid
        Relative magnitudes only: the conditional-least-favourable hybrid (``kappa = alpha/10``,
        as the R and Stata packages) or the pure conditional test.
    grid, grid_points
        Relative magnitudes only: ``theta`` values tested (``grid_points`` evenly spaced in
        ``grid``; default ``+/- 20`` standard errors of ``l'betahat`` around 0, as in R).
        A set that reaches an end of the grid is announced with a warning.
    lf_sims, seed
        Draws for the least-favourable critical value, through ``numpy.random.default_rng``.

    Returns
    -------
    HonestDiDResult
        ``bounds`` table, ``original`` interval, ``breakdown`` value and ``plot()``.

    References
    ----------
    Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. *Review of
    Economic Studies* 90(5), 2555-2591.
    Andrews, I., Roth, J. and Pakes, A. (2023). Inference for linear conditional moment
    inequalities. *Review of Economic Studies* 90(6), 2763-2791.

    Examples
    --------
    >>> import numpy as np
    >>> from countyeconomy.robustness import EventStudyInputs, honest_did
    >>> beta = np.array([0.01, -0.005, 0.0, 0.12, 0.15])
    >>> sigma = np.diag([4e-4, 3e-4, 2e-4, 3e-4, 5e-4]) + 5e-5
    >>> res = honest_did(EventStudyInputs.from_arrays(beta, sigma, num_pre=3), mbar=[0, 1])
    >>> res.bounds[["m", "excludes_zero"]].values.tolist()
    [[0.0, True], [1.0, True]]
    """
    check_option("method", method, HonestMethod)
    if not 0 < alpha < 0.5:
        raise InvalidOptionError(f"alpha={alpha} must lie in (0, 0.5).")
    inp = event_study_inputs(event_study_result, num_pre)
    lv = np.zeros(inp.num_post) if l_vec is None else np.asarray(l_vec, dtype=np.float64)
    if l_vec is None:
        lv[0] = 1.0
    if lv.shape != (inp.num_post,) or not np.any(lv):
        raise InvalidOptionError(
            f"l_vec needs {inp.num_post} weights (one per post period), not all zero; got {l_vec!r}."
        )
    post_b = inp.betahat[inp.num_pre :]
    post_s = inp.sigma[inp.num_pre :, inp.num_pre :]
    est = float(lv @ post_b)
    sd = float(np.sqrt(lv @ post_s @ lv))
    z = float(stats.norm.ppf(1 - alpha / 2))
    original = (est - z * sd, est + z * sd)
    if method == "relative_magnitude":
        values = _check_grid(mbar, "mbar")
        lb, ub = grid if grid is not None else (-20 * sd, 20 * sd)
        theta = np.linspace(lb, ub, int(grid_points))
        kappa = alpha / 10

        def ci(v: float) -> tuple[float, float]:
            acc = rm_accept(
                inp.betahat, inp.sigma, inp.num_pre, lv, v, theta,
                alpha=alpha, hybrid=hybrid, kappa=kappa, sims=lf_sims, seed=seed,
            )  # fmt: skip
            if not acc.any():
                return (np.nan, np.nan)
            return (float(theta[acc].min()), float(theta[acc].max()))

        ci_method = "C-LF" if hybrid else "Conditional"
        opts: dict[str, Any] = {"grid": (lb, ub), "grid_points": int(grid_points), "kappa": kappa}
    else:
        values = _check_grid(_sd_default_grid(inp, alpha) if m is None else m, "m")

        def ci(v: float) -> tuple[float, float]:
            return optimal_flci(inp.betahat, inp.sigma, inp.num_pre, lv, v, alpha).interval

        ci_method, opts = "FLCI", {}
    rows = [(v, *ci(v)) for v in values]
    frame = pd.DataFrame(rows, columns=["m", "ci_low", "ci_high"])
    frame["excludes_zero"] = ~((frame["ci_low"] <= 0) & (frame["ci_high"] >= 0))
    frame["ci_method"] = ci_method
    if method == "relative_magnitude":
        lb, ub = opts["grid"]
        edge = frame[(frame["ci_low"] <= lb) | (frame["ci_high"] >= ub)]
        if len(edge):
            warnings.warn(
                f"the robust set reaches the end of the theta grid [{lb:.4g}, {ub:.4g}] for "
                f"Mbar = {edge['m'].round(4).tolist()}; it may be longer (widen grid=).",
                CountyEconomyWarning,
                stacklevel=2,
            )

    def excludes(v: float) -> bool:
        lo, hi = ci(v)
        return bool(not np.isnan(lo) and not lo <= 0 <= hi)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountyEconomyWarning)
        bd = _breakdown(excludes, values)
    return HonestDiDResult(
        method=method,
        bounds=frame,
        original=original,
        estimate=est,
        breakdown=bd,
        l_vec=lv,
        alpha=alpha,
        inputs=inp,
        options=opts | {"hybrid": hybrid, "lf_sims": lf_sims, "seed": seed},
    )
