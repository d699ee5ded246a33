"""HonestDiD: confidence sets robust to violations of parallel trends (Rambachan and Roth 2023)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import FloatArray, SeedLike, check_option, resolve_seed
from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.report import themed
from countyeconomy.results import FitInfo, FrozenResult, Summary
from countyeconomy.robustness._honest_args import (
    check_count,
    check_grid,
    check_number,
    level_from_alpha,
    theta_grid,
)
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
class HonestDiDResult(FrozenResult):
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
        The usual ``level`` confidence interval for ``l'tau`` (parallel trends exact).
    estimate
        ``l'betahat_post``.
    breakdown
        Largest ``m`` at which the robust set still excludes zero, refined by bisection between
        grid values (to 0.1%); ``NaN`` when even ``m = 0`` does not exclude zero. When every grid
        value excludes zero it is the largest grid value and ``breakdown_censored`` is true.
    l_vec
        Weights of the target ``l'tau`` over the post periods.
    level
        Coverage of the confidence sets.
    inputs
        The event-time estimates used (:class:`EventStudyInputs`).
    options
        Grid, hybrid test, draws and seed of the least-favourable critical value.
    info
        A :class:`~countyeconomy.results.FitInfo` (``method="honest_did"``; ``nobs`` is the
        number of event-time coefficients used).
    """

    method: str
    bounds: pd.DataFrame
    original: tuple[float, float]
    estimate: float
    breakdown: float
    l_vec: FloatArray
    level: float
    inputs: EventStudyInputs
    options: Mapping[str, Any]
    info: FitInfo

    @property
    def alpha(self) -> float:
        """``1 - level``."""
        return 1.0 - self.level

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
        frame = self.to_frame()
        labels = ["original" if np.isnan(v) else f"{name} = {v:.4g}" for v in frame["m"]]
        table = pd.concat([pd.Series(labels, name="term"), frame], axis=1)
        bd = (
            "none (the CI covers 0 at m = 0)"
            if np.isnan(self.breakdown)
            else f"{self.breakdown:.4g}" + (" (censored)" if self.breakdown_censored else "")
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

    def plot(self) -> Any:
        """Sensitivity chart: the robust interval against ``m``, the original interval at left."""
        import altair as alt

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
            y=alt.Y("ci_low:Q", title=f"{round(self.level * 100)}% confidence set"),
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


def _sd_default_grid(inp: EventStudyInputs, alpha: float) -> tuple[float, ...]:
    """Ten values from 0 to an upper bound on ``M`` from the pre-period: the largest
    ``|second difference| + z_{1 - alpha/2} * se`` of the pre-period coefficients (with the
    reference period at 0)."""
    from scipy import stats

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


def _breakdown(excludes: Callable[[float], bool], grid: tuple[float, ...]) -> float:
    """Largest grid value whose set excludes 0, refined by bisection towards the next value.

    When every grid value excludes 0 the largest one is returned (a lower bound on the
    breakdown value; ``HonestDiDResult.breakdown_censored`` says so)."""
    flags = [excludes(m) for m in grid]
    if not flags[0]:
        return float("nan")
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


@level_from_alpha
@renamed_kwargs("honest_did", lf_sims="draws")
def honest_did(
    event_study_result: Any,
    *,
    method: HonestMethod = "relative_magnitude",
    mbar: Sequence[float] = DEFAULT_MBAR,
    m: Sequence[float] | None = None,
    l_vec: Sequence[float] | None = None,
    level: float = 0.95,
    num_pre: int | None = None,
    hybrid: bool = True,
    grid: tuple[float, float] | None = None,
    grid_points: int = 1000,
    draws: int = 1000,
    seed: SeedLike = 0,
) -> HonestDiDResult:
    """Rambachan-Roth robust confidence sets, the breakdown value and the sensitivity chart.

    Parameters
    ----------
    event_study_result
        A TWFE event study (:func:`~countyeconomy.event_study`), a Sun-Abraham or dCDH result,
        a Callaway-Sant'Anna ``att_gt(..., base_period="universal").aggregate("dynamic")``
        result, any object satisfying :class:`EventStudyLike` (``event_frame()`` and
        ``event_vcov``), or :class:`EventStudyInputs`
        (``EventStudyInputs.from_arrays(betahat, sigma, num_pre)``). The full covariance of the
        event-time coefficients is used, never its diagonal.
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
        Weights of the target ``theta = l'tau`` over the post periods; default the first post
        period. Equal weights ``1/k`` on ``k`` periods target their average.
    level
        Coverage of the confidence sets (``alpha = 1 - level``; ``alpha=`` is retired).
    num_pre
        Keep only the ``num_pre`` pre-periods nearest the reference.
    hybrid
        Relative magnitudes only: the conditional-least-favourable hybrid (``kappa = alpha/10``,
        as the R and Stata packages) or the pure conditional test.
    grid, grid_points
        Relative magnitudes only: ``theta`` values tested (``grid_points`` evenly spaced in
        ``grid``; default ``+/- 20`` standard errors of ``l'betahat`` around 0, as in R).
        A set that reaches an end of the grid is announced with a warning.
    draws, seed
        Simulation draws for the least-favourable critical value (``lf_sims=`` is retired) and
        their seed (int, ``SeedSequence`` or ``Generator``; never consumed).

    Returns
    -------
    HonestDiDResult
        ``bounds`` table, ``original`` interval, ``breakdown`` value (``NaN`` when none) and
        ``plot()``.

    Raises
    ------
    InvalidOptionError
        An argument out of range; the message names it.
    IdentificationError
        Event times that are not consecutive around the reference period.

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
    from scipy import stats

    check_option("method", method, HonestMethod)
    level = check_number("level", level, low=0.5, high=1.0)
    alpha = 1.0 - level
    grid_points = check_count("grid_points", grid_points, 2)
    draws = check_count("draws", draws, 1)
    seq = resolve_seed(seed)
    inp = event_study_inputs(event_study_result, num_pre)
    if l_vec is None:
        lv = np.zeros(inp.num_post)
        lv[0] = 1.0
    else:
        try:
            lv = np.asarray(l_vec, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            lv = np.zeros(0)
    if lv.shape != (inp.num_post,) or not np.any(lv) or not np.isfinite(lv).all():
        raise InvalidOptionError(
            f"l_vec needs {inp.num_post} finite weights (one per post period), not all zero; "
            f"got {l_vec!r}."
        )
    post_b = inp.betahat[inp.num_pre :]
    post_s = inp.sigma[inp.num_pre :, inp.num_pre :]
    est = float(lv @ post_b)
    sd = float(np.sqrt(lv @ post_s @ lv))
    z = float(stats.norm.ppf(1 - alpha / 2))
    original = (est - z * sd, est + z * sd)
    if method == "relative_magnitude":
        values = check_grid(mbar, "mbar")
        lb, ub = theta_grid(grid, sd)
        theta = np.linspace(lb, ub, grid_points)
        kappa = alpha / 10

        def ci(v: float) -> tuple[float, float]:
            acc = rm_accept(
                inp.betahat, inp.sigma, inp.num_pre, lv, v, theta,
                alpha=alpha, hybrid=hybrid, kappa=kappa, sims=draws, seed=seq,
            )  # fmt: skip
            if not acc.any():
                return (np.nan, np.nan)
            return (float(theta[acc].min()), float(theta[acc].max()))

        ci_method = "C-LF" if hybrid else "Conditional"
        opts: dict[str, Any] = {"grid": (lb, ub), "grid_points": grid_points, "kappa": kappa}
    else:
        values = check_grid(_sd_default_grid(inp, alpha) if m is None else m, "m")

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
                stacklevel=3,
            )

    def excludes(v: float) -> bool:
        lo, hi = ci(v)
        return bool(not np.isnan(lo) and not lo <= 0 <= hi)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountyEconomyWarning)
        bd = _breakdown(excludes, values)
    options = opts | {"hybrid": bool(hybrid), "draws": draws, "seed_entropy": _entropy(seq)}
    info = FitInfo(
        method="honest_did",
        nobs=len(inp.betahat),
        specification=f"{method}; l = {np.round(lv, 4).tolist()}",
        extra={"source": inp.source, "num_pre": inp.num_pre, "num_post": inp.num_post},
    )
    return HonestDiDResult(
        method=method,
        bounds=frame,
        original=original,
        estimate=est,
        breakdown=bd,
        l_vec=lv,
        level=level,
        inputs=inp,
        options=options,
        info=info,
    )


def _entropy(seq: np.random.SeedSequence) -> int:
    e = seq.entropy
    return int(e) if isinstance(e, int) else int(np.asarray(e).sum())
