"""Frozen results of :func:`~countyeconomy.att_gt` and its aggregations.

A result is self-contained: :class:`ATTgtModel` (the fit's influence functions, units, cohorts,
weights, clustering and bootstrap settings) is a public, read-only attribute ``model``, and an
executor is passed to each call that resamples, never stored.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._deprecate import warn_renamed
from countyeconomy._typing import FloatArray, IntArray, check_option
from countyeconomy.errors import CountyEconomyWarning
from countyeconomy.estimators.staggered._cs_inference import (
    SE_FLOOR,
    BootstrapResult,
    Clustering,
    PreTrend,
    analytic_vcov,
    multiplier_bootstrap,
    wald_pretrend,
)
from countyeconomy.results import CoefResult, CoefTable, FitInfo, freeze

__all__ = ["ATTgtModel", "ATTgtResult", "AggregateResult", "announce_pretrend", "inference"]

AGGREGATIONS = ("simple", "group", "dynamic", "calendar")
LABELS = {"group": "cohort", "dynamic": "event_time", "calendar": "year"}


@dataclass(frozen=True, eq=False)
class ATTgtModel:
    """What aggregations and bootstraps of a fit need, copied at fit time (read-only arrays).

    Attributes
    ----------
    units
        County labels ``(n,)``, ordered by cohort (never treated last).
    inf
        ``(n, K)`` influence functions of the ATT(g,t) cells (R ``did`` scale: the covariance is
        ``inf' inf / n**2`` for unit clustering).
    treated
        ``(n, K)``: whether a unit is a treated unit observed in the cell.
    cohort, w
        Each unit's cohort (``0`` = never treated) and weight.
    periods
        The sorted years.
    clustering
        Cluster codes per unit (``None``: the county) and their number.
    draws, distribution, seed
        Multiplier-bootstrap settings (``draws=None``: analytic standard errors); ``seed`` is the
        resolved seed sequence, so aggregations repeat the fit's bootstrap draws.
    """

    units: np.ndarray
    inf: FloatArray
    treated: np.ndarray
    cohort: IntArray
    w: FloatArray
    periods: IntArray
    clustering: Clustering
    draws: int | None
    distribution: str
    seed: np.random.SeedSequence

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, freeze(value))

    def __eq__(self, other: object) -> bool:
        return same(self, other)

    __hash__ = None  # type: ignore[assignment]


def same(a: Any, b: Any) -> bool:
    """Deep equality of result parts: arrays and frames by value (NaN equal to NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.dtype.kind in "fc":
            return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
        return a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, pd.DataFrame | pd.Series):
        return bool(a.equals(b))
    if isinstance(a, np.random.SeedSequence):
        return (a.entropy, a.spawn_key, a.pool_size) == (b.entropy, b.spawn_key, b.pool_size)
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if dataclasses.is_dataclass(a):
        return all(
            same(object.__getattribute__(a, f.name), object.__getattribute__(b, f.name))
            for f in dataclasses.fields(a)
        )
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def inference(
    att: FloatArray,
    inf: FloatArray,
    model: ATTgtModel,
    *,
    executor: Executor | None,
    progress: bool,
) -> tuple[FloatArray, BootstrapResult | None, FloatArray]:
    """The reported covariance (bootstrap variances on the diagonal when bootstrapped; a missing
    variance for degenerate estimates), the bootstrap, and the analytic covariance."""
    analytic = analytic_vcov(inf, model.clustering)
    vcov = analytic.copy()
    degenerate = np.diag(vcov) <= SE_FLOOR**2  # e.g. the universal base period's reference cell
    vcov[np.diag_indices_from(vcov)] = np.where(degenerate, np.nan, np.diag(vcov))
    if model.draws is None:
        return vcov, None, analytic
    boot = multiplier_bootstrap(
        inf,
        model.clustering,
        draws=model.draws,
        seed=model.seed,
        distribution=model.distribution,
        executor=executor,
        progress=progress,
    )
    sd = np.sqrt(np.clip(np.diag(vcov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, vcov / np.outer(sd, sd), 0.0)
    out = corr * np.outer(boot.se, boot.se)
    out[np.isnan(out)] = 0.0
    out[np.diag_indices_from(out)] = boot.se**2
    return out, boot, analytic


def cell_inference(
    cells_att: FloatArray,
    cells_inf: FloatArray,
    post: np.ndarray,
    names: tuple[str, ...],
    model: ATTgtModel,
    notes: list[str],
    *,
    executor: Executor | None,
    progress: bool,
    stacklevel: int,
) -> tuple[FloatArray, BootstrapResult | None, PreTrend, str]:
    """The shared last step of the ATT(g,t)-cell estimators (att_gt, triple_did): covariance
    and bootstrap (:func:`inference`), the rank-checked pre-trend test on the cells before
    treatment (a declined test is announced and appended to ``notes``), and the covariance label."""
    cov, boot, analytic = inference(
        cells_att, cells_inf, model, executor=executor, progress=progress
    )
    test = wald_pretrend(cells_att, analytic, ~post, names)
    message = announce_pretrend(test, stacklevel=stacklevel + 1)
    if message is not None:
        notes.append(message)
    how = (
        f"multiplier bootstrap ({model.draws} draws, {model.distribution} weights)"
        if model.draws
        else "influence function"
    )
    return cov, boot, test, f"{how}; clustered by {model.clustering.name}"


def announce_pretrend(test: PreTrend, stacklevel: int = 3) -> str | None:
    """Warn when pre-treatment estimates exist but the test had to be declined; the message."""
    if test.computed or test.df == 0:
        return None
    message = f"pre-trend Wald test not computed: {test.reason}."
    warnings.warn(message, CountyEconomyWarning, stacklevel=stacklevel)
    return message


@dataclass(frozen=True, repr=False, eq=False)
class _CSResultBase(CoefResult):
    coefs: CoefTable
    info: FitInfo
    title: str
    extra: pd.DataFrame
    boot: BootstrapResult | None
    pretrend: PreTrend

    @property
    def pretest(self) -> PreTrend:
        """Retired name of :attr:`pretrend`."""
        warn_renamed(f"{type(self).__name__}.pretest", ".pretrend")
        return self.pretrend

    def uniform_band(self) -> pd.DataFrame | None:
        """Sup-t 95% uniform confidence band from the bootstrap, or ``None`` without one."""
        if self.boot is None:
            return None
        se = self.std_errors
        return pd.DataFrame(
            {
                "band_low": self.params - self.boot.crit * se,
                "band_high": self.params + self.boot.crit * se,
            }
        )

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high, then the
        cell labels (and the uniform band when bootstrapped)."""
        out = self.coefs.to_frame(level)
        extra = self.extra
        for col in extra.columns:
            out[col] = extra[col].to_numpy()
        band = self.uniform_band()
        if band is not None:
            out["band_low"] = band["band_low"].to_numpy()
            out["band_high"] = band["band_high"].to_numpy()
        return out

    def _footer(self) -> list[tuple[str, str]]:
        i = self.info
        foot = [
            ("Units", f"{i.n_units:,} (of {i.n_units_input:,}); {i.nobs:,} rows"),
            ("Comparison group", str(i.control).replace("_", "-")),
            (
                "Method",
                f"{i.estimation}; base period {i.base_period}; anticipation {i.anticipation}",
            ),
            ("Covariates", ", ".join(i.covariates) or "none"),
            ("Std. errors", i.vcov),
        ]
        if self.boot is not None:
            foot.append(("Uniform band (sup-t)", f"critical value {self.boot.crit:.3f}"))
        if i.dropped:
            foot.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        if self.pretrend.df:
            foot.append(("Pre-trend test (all pre-treatment effects = 0)", str(self.pretrend)))
        return foot


@dataclass(frozen=True, repr=False, eq=False)
class AggregateResult(_CSResultBase):
    """An aggregation of ATT(g,t): the overall effect first (term ``"ATT"``), then one row per
    cohort (``"cohort::g"``), event time (``"event_time::e"``) or year (``"year::t"``), with the
    label in column ``cohort``, ``event_time`` or ``year``. ``pretrend`` (dynamic only) tests that
    every pre-treatment event-time effect is zero."""

    kind: str = "simple"

    @property
    def overall(self) -> float:
        """The overall aggregate effect."""
        return float(self.coefs.estimates[0])

    @property
    def overall_std_error(self) -> float:
        """Standard error of the overall effect."""
        return float(self.std_errors.iloc[0])

    def plot(self, *, level: float = 0.95) -> Any:
        """Estimates by cohort, event time or year with confidence intervals (altair)."""
        from countyeconomy.estimators.staggered._cs_plot import aggregate_chart

        return aggregate_chart(self, level=level)


@dataclass(frozen=True, repr=False, eq=False)
class ATTgtResult(_CSResultBase):
    """Group-time average treatment effects ATT(g,t) (Callaway and Sant'Anna 2021).

    ``to_frame()`` has one row per cell (term ``"ATT(g,t)"``) with columns ``cohort``, ``year``,
    ``event_time``, ``base_year``, ``post``, ``n_treated`` and ``n_control`` after the standard
    ones. ``pretrend`` is the Wald test that all pre-treatment ATT(g,t) are zero; ``model`` holds
    what :meth:`aggregate` needs.
    """

    model: ATTgtModel

    def aggregate(
        self,
        kind: str = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
        executor: Executor | None = None,
        progress: bool = False,
    ) -> AggregateResult:
        """Aggregate the cells: ``"simple"``, ``"group"``, ``"dynamic"`` or ``"calendar"``.

        ``min_e``/``max_e`` bound event times (``max_e`` also limits the post-treatment cells of
        every aggregation); ``balance_e`` keeps only cohorts observed ``balance_e`` periods after
        treatment (dynamic only). Standard errors include the estimation of the cohort-share
        weights; with a bootstrap fit they come from the same seeded bootstrap, run on
        ``executor`` (any :class:`concurrent.futures.Executor`; ``None``: serially).
        """
        from countyeconomy.estimators.staggered._cs_aggregate import aggregate_cells

        check_option("kind", kind, AGGREGATIONS)
        model = self.model
        ex = self.extra
        valid = np.isfinite(self.coefs.estimates)
        agg = aggregate_cells(
            kind,
            self.coefs.estimates[valid],
            model.inf[:, valid],
            ex["cohort"].to_numpy(np.int64)[valid],
            ex["year"].to_numpy(np.int64)[valid],
            model.cohort,
            model.w,
            model.treated[:, valid],
            last_period=int(model.periods[-1]),
            first_period=int(model.periods[0]),
            min_e=min_e,
            max_e=max_e,
            balance_e=balance_e,
        )
        vcov, boot, analytic = inference(
            agg.att, agg.inf, model, executor=executor, progress=progress
        )
        label = LABELS.get(kind)
        names = ("ATT", *(f"{label}::{v}" for v in agg.labels.tolist()))
        extra = pd.DataFrame(index=range(len(names)))
        if label is not None:
            extra[label] = pd.array([pd.NA, *agg.labels.tolist()], dtype="Int64")
        if kind == "dynamic":
            pre = np.concatenate([[False], agg.labels < 0])
            test = wald_pretrend(agg.att, analytic, pre, names)
            announce_pretrend(test)
        else:
            test = PreTrend(
                float("nan"),
                0,
                float("nan"),
                reason="only the dynamic (event-time) aggregation has pre-treatment rows; the "
                "ATT(g,t) result has its own pretrend",
            )
        return AggregateResult(
            coefs=CoefTable(names, agg.att, vcov, None),
            info=self.info,
            title=f"Callaway-Sant'Anna aggregate ATT ({kind})",
            extra=extra,
            boot=boot,
            pretrend=test,
            kind=kind,
        )

    def plot(self, *, level: float = 0.95) -> Any:
        """ATT(g,t) by year, one panel per cohort, with confidence intervals (altair)."""
        from countyeconomy.estimators.staggered._cs_plot import cells_chart

        return cells_chart(self, level=level)
