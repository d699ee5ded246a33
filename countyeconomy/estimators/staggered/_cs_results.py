"""Frozen result objects of :func:`~countyeconomy.att_gt` and its aggregations, and their charts."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray, check_option
from countyeconomy.estimators._coefs import CoefProtocol, CoefTable, Summary
from countyeconomy.estimators.staggered._cs_inference import (
    SE_FLOOR,
    BootstrapResult,
    Clustering,
    PreTest,
    analytic_vcov,
    multiplier_bootstrap,
)

__all__ = ["ATTgtResult", "AggregateResult", "CSInfo", "CSState"]

AGGREGATIONS = ("simple", "group", "dynamic", "calendar")


@dataclass(frozen=True)
class CSInfo:
    """What happened in a fit: sample sizes, drops and why, options, clusters, skipped cells."""

    nobs: int
    n_units: int
    n_units_input: int
    dropped: dict[str, int]
    clusters: dict[str, int]
    cohort_sizes: dict[int, int]
    control: str
    method: str
    base_period: str
    anticipation: int
    covariates: tuple[str, ...]
    balanced: bool
    vcov: str
    skipped_cells: tuple[tuple[int, int, str], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CSState:
    """Arrays behind a fit, kept so that aggregations and bootstraps can be recomputed:
    ``inf`` ``(n, K)`` cell influence functions, with one row per county in ``units`` (ordered by
    cohort), each unit's ``cohort`` and weight ``w``."""

    units: np.ndarray
    inf: FloatArray
    treated: np.ndarray
    cohort: IntArray
    w: FloatArray
    periods: IntArray
    clustering: Clustering
    bootstrap: int | None
    boot_weights: str
    seed: int | None
    executor: Executor | None


def _inference(
    att: FloatArray, inf: FloatArray, state: CSState, progress: bool
) -> tuple[FloatArray, BootstrapResult | None, FloatArray]:
    """The reported covariance (bootstrap variances on the diagonal when bootstrapped; a missing
    variance for degenerate estimates), the bootstrap, and the analytic covariance."""
    analytic = analytic_vcov(inf, state.clustering)
    vcov = analytic.copy()
    degenerate = np.diag(vcov) <= SE_FLOOR**2  # e.g. the universal base period's reference cell
    vcov[np.diag_indices_from(vcov)] = np.where(degenerate, np.nan, np.diag(vcov))
    if state.bootstrap is None:
        return vcov, None, analytic
    boot = multiplier_bootstrap(
        inf,
        state.clustering,
        n_draws=state.bootstrap,
        seed=state.seed,
        weights=state.boot_weights,
        executor=state.executor,
        progress=progress,
    )
    sd = np.sqrt(np.clip(np.diag(vcov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, vcov / np.outer(sd, sd), 0.0)
    out = corr * np.outer(boot.se, boot.se)
    out[np.isnan(out)] = 0.0
    out[np.diag_indices_from(out)] = boot.se**2
    return out, boot, analytic


@dataclass(frozen=True, repr=False)
class _CSResultBase(CoefProtocol):
    coefs: CoefTable
    extra: pd.DataFrame
    info: CSInfo
    boot: BootstrapResult | None
    title: str

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
        for col in self.extra.columns:
            out[col] = self.extra[col].to_numpy()
        band = self.uniform_band()
        if band is not None:
            out["band_low"] = band["band_low"].to_numpy()
            out["band_high"] = band["band_high"].to_numpy()
        return out

    def _footer(self) -> list[tuple[str, str]]:
        i = self.info
        foot = [
            ("Units", f"{i.n_units:,} (of {i.n_units_input:,}); {i.nobs:,} rows"),
            ("Comparison group", i.control.replace("_", "-")),
            ("Method", f"{i.method}; base period {i.base_period}; anticipation {i.anticipation}"),
            ("Covariates", ", ".join(i.covariates) or "none"),
            ("Std. errors", i.vcov),
        ]
        if self.boot is not None:
            foot.append(("Uniform band (sup-t)", f"critical value {self.boot.crit:.3f}"))
        if i.dropped:
            foot.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        return foot

    def summary(self) -> Summary:
        """Coefficient table with the fit information in the footer."""
        return Summary(self.title, self.to_frame(), tuple(self._footer()))

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


@dataclass(frozen=True, repr=False)
class AggregateResult(_CSResultBase):
    """An aggregation of ATT(g,t): the overall effect first (term ``"ATT"``), then one row per
    cohort, event time or year (column ``cohort``, ``event_time`` or ``year``)."""

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


@dataclass(frozen=True, repr=False)
class ATTgtResult(_CSResultBase):
    """Group-time average treatment effects ATT(g,t) (Callaway and Sant'Anna 2021).

    ``to_frame()`` has one row per cell with columns ``cohort``, ``year``, ``event_time``,
    ``base_year`` and ``post`` after the standard ones. ``pretest`` is the Wald test that all
    pre-treatment ATT(g,t) are zero. :meth:`aggregate` summarises the cells.
    """

    pretest: PreTest | None = None
    _state: CSState | None = None

    def aggregate(
        self,
        kind: str = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
    ) -> AggregateResult:
        """Aggregate the cells: ``"simple"``, ``"group"``, ``"dynamic"`` or ``"calendar"``.

        ``min_e``/``max_e`` bound event times (``max_e`` also limits the post-treatment cells of
        every aggregation); ``balance_e`` keeps only cohorts observed ``balance_e`` periods after
        treatment (dynamic only). Standard errors include the estimation of the cohort-share
        weights; with a bootstrap fit, they come from the same seeded bootstrap.
        """
        from countyeconomy.estimators.staggered._cs_aggregate import aggregate_cells

        check_option("kind", kind, AGGREGATIONS)
        st = self._state
        if st is None:  # pragma: no cover - always set by att_gt
            raise RuntimeError("this result carries no estimation state")
        ex = self.extra
        valid = np.isfinite(self.coefs.estimates)
        agg = aggregate_cells(
            kind,
            self.coefs.estimates[valid],
            st.inf[:, valid],
            ex["cohort"].to_numpy(np.int64)[valid],
            ex["year"].to_numpy(np.int64)[valid],
            st.cohort,
            st.w,
            st.treated[:, valid],
            last_period=int(st.periods[-1]),
            first_period=int(st.periods[0]),
            min_e=min_e,
            max_e=max_e,
            balance_e=balance_e,
        )
        vcov, boot, _ = _inference(agg.att, agg.inf, st, progress=False)
        label = {"group": "cohort", "dynamic": "event_time", "calendar": "year"}.get(kind)
        names = ["ATT"] + [f"{label} {v}" for v in agg.labels.tolist()]
        extra = pd.DataFrame(index=range(len(names)))
        if label is not None:
            extra[label] = pd.array([pd.NA, *agg.labels.tolist()], dtype="Int64")
        return AggregateResult(
            coefs=CoefTable(tuple(names), agg.att, vcov, None),
            extra=extra,
            info=self.info,
            boot=boot,
            title=f"Callaway-Sant'Anna aggregate ATT ({kind})",
            kind=kind,
        )

    def plot(self, *, level: float = 0.95) -> Any:
        """ATT(g,t) by year, one panel per cohort, with confidence intervals (altair)."""
        from countyeconomy.estimators.staggered._cs_plot import cells_chart

        return cells_chart(self, level=level)

    def _footer(self) -> list[tuple[str, str]]:
        foot = super()._footer()
        if self.pretest is not None:
            foot.append(("Pre-test of parallel trends", str(self.pretest)))
        return foot
