"""The classic synthetic control (Abadie, Diamond and Hainmueller 2010) for one treated county,
with placebo-in-space inference (Firpo and Possebom 2018 p-value)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SeedLike, resolve_seed
from countyeconomy.errors import (
    CountyEconomyWarning,
    InvalidOptionError,
    PanelStructureError,
)
from countyeconomy.estimators.synthetic._scm_kernels import (
    ScmFit,
    nested_v,
    regression_v,
    simplex_weights,
    standardise,
)
from countyeconomy.estimators.synthetic._single_unit import single_unit_data
from countyeconomy.inference import ChunkTask, map_chunks
from countyeconomy.panel import Panel
from countyeconomy.results import CoefResult, CoefTable, FitInfo

__all__ = ["NonUniqueWeightsWarning", "SyntheticControlResult", "synthetic_control"]


class NonUniqueWeightsWarning(CountyEconomyWarning):
    """Different starts of the nested V search give materially different donor weights."""


@dataclass(frozen=True, repr=False)
class SyntheticControlResult(CoefResult):
    """Result of :func:`synthetic_control`: ``ATT`` is the mean post-period gap.

    There is no analytical standard error (NaN); inference is the placebo-in-space
    ``p_value`` (rank of the treated county's post/pre RMSPE ratio among all ``donors + 1``
    counties, never below ``1/(donors+1)``).

    Attributes
    ----------
    weights
        ``county, weight`` of the donors.
    predictor_weights
        ``predictor, weight``: the diagonal of V.
    paths
        ``year, treated, synthetic, gap``.
    placebos
        ``county, pre_rmspe, post_rmspe, ratio`` of every county treated in turn (the treated
        county first); ``year``-wise placebo gaps in ``placebo_gaps`` (county x year).
    p_value
        Firpo-Possebom p-value of the RMSPE ratio.
    leave_one_out
        ``dropped, year, synthetic, gap``: the fit without each donor of positive weight in turn
        (``leave_one_out=True``; empty otherwise).
    placebo_in_time
        ``year, treated, synthetic, gap`` of the fit backdated to ``placebo_year`` on the years
        before ``treat_year`` (empty without ``placebo_year``).
    """

    coefs: CoefTable
    info: FitInfo
    weights: pd.DataFrame
    predictor_weights: pd.DataFrame
    paths: pd.DataFrame
    placebos: pd.DataFrame
    placebo_gaps: pd.DataFrame
    p_value: float
    leave_one_out: pd.DataFrame
    placebo_in_time: pd.DataFrame
    title: str = "Synthetic control"

    @property
    def att(self) -> float:
        """The mean post-period gap."""
        return float(self.coefs.estimates[0])

    def plot(self, *, level: float = 0.95) -> Any:
        """Treated and synthetic paths (an altair chart)."""
        from countyeconomy.estimators.synthetic._scm_plot import paths_chart

        return paths_chart(self)

    def plot_gap(self) -> Any:
        """The gap with every placebo gap behind it (treated county highlighted)."""
        from countyeconomy.estimators.synthetic._scm_plot import spaghetti_chart

        return spaghetti_chart(self)

    def plot_ratios(self) -> Any:
        """Post/pre RMSPE ratios, ranked."""
        from countyeconomy.estimators.synthetic._scm_plot import ratio_chart

        return ratio_chart(self)


@dataclass(frozen=True)
class _Design:
    y: FloatArray  # units x years, row 0 the treated county
    x: FloatArray  # predictors x units (raw)
    pre: np.ndarray
    v: str | FloatArray
    starts: int


def _fit(d: _Design, unit: int, donors: np.ndarray, rng: np.random.Generator) -> ScmFit:
    x1, x0 = standardise(d.x[:, unit], d.x[:, donors])
    z1, z0 = d.y[unit, d.pre], d.y[np.ix_(donors, d.pre)].T
    k = len(x1)
    if isinstance(d.v, np.ndarray):
        w = simplex_weights(x1, x0, d.v, z1, z0)
        r = z1 - z0 @ w
        return ScmFit(w, d.v, float(r @ r) / len(r), 0.0)
    v_reg = regression_v(x1, x0, z1, z0)
    if d.v == "regression":
        w = simplex_weights(x1, x0, v_reg, z1, z0)
        r = z1 - z0 @ w
        return ScmFit(w, v_reg, float(r @ r) / len(r), 0.0)
    starts = [np.full(k, 1.0 / k), v_reg]
    starts += [rng.dirichlet(np.ones(k)) for _ in range(max(d.starts - 2, 0))]
    return nested_v(x1, x0, z1, z0, starts)


def _gap(d: _Design, unit: int, donors: np.ndarray, fit: ScmFit) -> FloatArray:
    out: FloatArray = d.y[unit] - fit.w @ d.y[donors]
    return out


@dataclass(frozen=True)
class _PlaceboDraws:
    """Donor ``i`` (draw ``i``) treated in turn, the treated county left out of its pool."""

    d: _Design

    def __call__(self, task: ChunkTask) -> FloatArray:
        rng = task.rng()
        n = self.d.y.shape[0]
        out = np.empty((task.size, self.d.y.shape[1]))
        for j, i in enumerate(range(task.start + 1, task.stop + 1)):
            pool = np.array([u for u in range(1, n) if u != i])
            out[j] = _gap(self.d, i, pool, _fit(self.d, i, pool, rng))
        return out


def _rmspe(gap: FloatArray, mask: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap[mask] ** 2)))


def synthetic_control(
    data: Panel | pd.DataFrame,
    outcome: str,
    treated: object,
    *,
    treat_year: int,
    predictors: Sequence[str] = (),
    special_predictors: Sequence[tuple[str, Sequence[int]]] = (),
    donors: Sequence[object] | None = None,
    v: str | Sequence[float] = "nested",
    starts: int = 5,
    leave_one_out: bool = False,
    placebo_year: int | None = None,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
    county: str | None = None,
    year: str | None = None,
) -> SyntheticControlResult:
    """Synthetic control for one treated county, with placebo-in-space inference.

    Parameters
    ----------
    data
        A balanced panel.
    outcome
        Outcome column.
    treated
        The treated county's code.
    treat_year
        First treated year; earlier years are the pre-period.
    predictors
        Columns averaged over the pre-period. With neither these nor ``special_predictors``,
        the predictors are the outcome in every pre-period year, and W then minimises the
        pre-period MSPE directly (the nested problem's optimum, found without a search).
    special_predictors
        ``(column, years)`` pairs, each averaged over its years (ADH's special predictors).
    donors
        Donor counties (default: every other county).
    v
        ``"nested"`` (V minimising the pre-period outcome MSPE, from ``starts`` starts: uniform,
        the regression V, and random ones), ``"regression"`` (V from regressing the pre-period
        outcomes on the predictors), or the V diagonal itself.
    starts, seed
        Starts of the nested search; the random ones are drawn from ``seed``.
    leave_one_out
        Refit without each donor of positive weight in turn (robustness of the synthetic path).
    placebo_year
        Placebo in time: refit as if treated in ``placebo_year`` (before ``treat_year``), on the
        years before ``treat_year`` only; a gap there questions the design.
    executor, progress
        Where the placebo fits run and whether to show a progress bar
        (:func:`countyeconomy.inference.map_chunks`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import countyeconomy as ce
    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(size=(12, 10)).cumsum(axis=1)
    >>> y[0, 6:] += 5.0
    >>> df = pd.DataFrame({"county": np.repeat(np.arange(12), 10),
    ...                    "year": np.tile(np.arange(2000, 2010), 12), "y": y.ravel()})
    >>> res = ce.synthetic_control(df, "y", 0, treat_year=2006, county="county", year="year")
    >>> res.p_value  # the treated county ranks first of 12: the floor 1/(11+1)
    0.08333333333333333
    """
    caller = "synthetic_control"
    special_cols = [c for c, _ in special_predictors]
    su = single_unit_data(
        caller,
        data,
        outcome,
        treated,
        treat_year,
        [*predictors, *special_cols],
        donors,
        2,
        county,
        year,
    )
    panel, wide, pool, order = su.panel, su.wide, su.pool, su.order
    years, y, pre = su.years, su.y, su.pre
    rows, names = [], []
    for c in predictors:
        rows.append(np.nanmean(wide[c].loc[order].to_numpy(dtype=float)[:, pre], axis=1))
        names.append(c)
    for c, ys in special_predictors:
        sel = np.isin(years, list(ys))
        rows.append(np.nanmean(wide[c].loc[order].to_numpy(dtype=float)[:, sel], axis=1))
        names.append(f"{c}({', '.join(str(t) for t in ys)})")
    lags_only = not rows
    if lags_only:
        rows = list(y[:, pre].T)
        names = [f"{outcome}({t})" for t in years[pre]]
    x = np.vstack(rows)
    if not np.isfinite(x).all():
        raise PanelStructureError(f"{caller}: a predictor is missing for some county.")
    if isinstance(v, str):
        if v not in ("nested", "regression"):
            raise InvalidOptionError(
                f"v={v!r} is not valid; choose 'nested', 'regression' or "
                "a sequence of predictor weights."
            )
        vv: str | FloatArray = v
        if lags_only and v == "nested":
            # every pre-period outcome is a predictor: V proportional to each year's variance
            # undoes the standardisation, so W minimises the pre-period MSPE itself, which is
            # the nested problem's optimum; no search needed
            sd2 = np.var(y[:, pre], axis=0, ddof=1)
            vv = sd2 / sd2.sum() if sd2.sum() > 0 else np.full(int(pre.sum()), 1.0 / pre.sum())
    else:
        arr = np.asarray(v, dtype=float)
        if arr.shape != (len(x),) or (arr < 0).any() or arr.sum() <= 0:
            raise InvalidOptionError(f"v must hold {len(x)} non-negative weights, got {v!r}.")
        vv = arr / arr.sum()
    d = _Design(y, x, pre, vv, int(starts))
    fit = _fit(d, 0, np.arange(1, len(order)), np.random.default_rng(resolve_seed(seed)))
    notes: tuple[str, ...] = ()
    if fit.spread > 0.05:
        msg = (
            f"{caller}: starts of the nested V search with the same pre-period loss give "
            f"donor weights up to {fit.spread:.2f} apart (L1): W is not unique."
        )
        warnings.warn(msg, NonUniqueWeightsWarning, stacklevel=2)
        notes = (msg,)
    gap = _gap(d, 0, np.arange(1, len(order)), fit)
    placebo = np.vstack(
        map_chunks(
            _PlaceboDraws(d),
            len(pool),
            seed,
            executor,
            25,
            progress=progress,
            desc="placebo in space",
        )
    )
    gaps = np.vstack([gap, placebo])
    pre_r = np.array([_rmspe(g, pre) for g in gaps])
    post_r = np.array([_rmspe(g, ~pre) for g in gaps])
    ratio = post_r / np.where(pre_r > 0, pre_r, np.nan)
    p = float(np.mean(ratio >= ratio[0]))
    att = float(gap[~pre].mean())
    donors_idx = np.arange(1, len(order))
    loo = []
    if leave_one_out:
        for j in np.flatnonzero(fit.w > 1e-6):
            keep = np.delete(donors_idx, j)
            g_j = _gap(d, 0, keep, _fit(d, 0, keep, np.random.default_rng(resolve_seed(seed))))
            loo.append(
                pd.DataFrame(
                    {"dropped": pool[j], "year": years, "synthetic": y[0] - g_j, "gap": g_j}
                )
            )
    loo_frame = (
        pd.concat(loo, ignore_index=True)
        if loo
        else pd.DataFrame(columns=["dropped", "year", "synthetic", "gap"])
    )
    in_time = pd.DataFrame(columns=["year", "treated", "synthetic", "gap"])
    if placebo_year is not None:
        if not (years[0] + 2 <= placebo_year < treat_year):
            raise InvalidOptionError(
                f"{caller}: placebo_year={placebo_year!r} must be before treat_year={treat_year} "
                f"and leave two earlier years (from {int(years[0]) + 2})."
            )
        early = years < treat_year
        v_t: str | FloatArray = vv
        if lags_only and not (isinstance(vv, str) and vv == "regression"):
            sd2 = np.var(y[:, years < placebo_year], axis=0, ddof=1)
            v_t = sd2 / sd2.sum() if sd2.sum() > 0 else np.full(len(sd2), 1.0 / len(sd2))
        x_t = y[:, years < placebo_year].T if lags_only else x
        d_t = _Design(y[:, early], x_t, years[early] < placebo_year, v_t, int(starts))
        fit_t = _fit(d_t, 0, donors_idx, np.random.default_rng(resolve_seed(seed)))
        g_t = _gap(d_t, 0, donors_idx, fit_t)
        in_time = pd.DataFrame(
            {
                "year": years[early],
                "treated": y[0, early],
                "synthetic": y[0, early] - g_t,
                "gap": g_t,
            }
        )
    coefs = CoefTable(("ATT",), np.array([att]), np.array([[np.nan]]), None)
    info = FitInfo(
        method=caller,
        nobs=int(y.size),
        nobs_input=panel.nobs,
        specification=f"{outcome}: county {treated!r} from {treat_year}, {len(pool)} donors",
        vcov="placebo in space (no analytical SE)",
        warnings=notes,
        extra={
            "pre_rmspe": float(pre_r[0]),
            "loss": fit.loss,
            "p_value": p,
            "donors": len(pool),
            "weights_spread": fit.spread,
        },
    )
    return SyntheticControlResult(
        coefs,
        info,
        pd.DataFrame({"county": pool, "weight": fit.w}),
        pd.DataFrame({"predictor": names, "weight": fit.v}),
        pd.DataFrame({"year": years, "treated": y[0], "synthetic": y[0] - gap, "gap": gap}),
        pd.DataFrame({"county": order, "pre_rmspe": pre_r, "post_rmspe": post_r, "ratio": ratio}),
        pd.DataFrame(gaps, index=pd.Index(order, name="county"), columns=years),
        p,
        loo_frame,
        in_time,
    )
