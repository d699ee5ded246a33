"""The frozen result of :func:`countyeconomy.panel_threshold` and its LR chart."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.estimators.twfe import TWFEResult
from countyeconomy.inference import VcovSpec
from countyeconomy.results import CoefResult, CoefTable, FitInfo, Summary, format_p_value

__all__ = ["ThresholdResult", "lr_critical_value", "lr_frame"]


def lr_critical_value(level: float) -> float:
    """Hansen's (2000) critical value of the LR statistic: ``-2 ln(1 - sqrt(level))``.

    Examples
    --------
    >>> round(lr_critical_value(0.95), 2)
    7.35
    """
    return -2.0 * math.log(1.0 - math.sqrt(level))


@dataclass(frozen=True, repr=False)
class ThresholdResult(CoefResult):
    """Result of :func:`~countyeconomy.panel_threshold`. Immutable.

    The regime coefficients and their standard errors are those of ``regression``, a
    :class:`~countyeconomy.estimators.TWFEResult` on the regime-split regressors with the
    estimated thresholds fixed. ``lr`` is a long table (``threshold``, ``gamma``, ``lr``) of the
    LR curves; ``tests`` the bootstrap F tests for the number of thresholds.

    ``info`` is a :class:`~countyeconomy.FitInfo` (``method="panel_threshold"``); its ``extra``
    holds ``threshold``, ``regime_dependent``, ``n_thresholds``, ``thresholds``,
    ``threshold_ci`` (one ``(low, high)`` LR interval per threshold at ``level``),
    ``lr_critical``, ``f_stats``, ``p_values`` and ``crit_values`` (10%, 5%, 1% bootstrap critical
    values; indexed by test ``k``: ``k - 1`` against ``k`` thresholds), ``draws``, ``grid``,
    ``trim``, ``ssr``, ``sigma2``, ``n_counties``, ``n_years``, ``dropped_counties``,
    ``regimes`` (each readable as ``info.p_values`` etc.).
    """

    regression: TWFEResult
    info: FitInfo
    lr: pd.DataFrame
    tests: pd.DataFrame
    f_draws: Mapping[int, FloatArray]

    title: str = "Panel threshold regression (Hansen 1999)"

    @property
    def coefs(self) -> CoefTable:  # type: ignore[override]
        """The coefficient table of :attr:`regression`."""
        return self.regression.coefs

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Estimated thresholds, ascending."""
        return tuple(float(g) for g in self.info.thresholds)

    def threshold_table(self) -> pd.DataFrame:
        """One row per threshold: estimate and LR confidence interval."""
        i = self.info
        return pd.DataFrame(
            {
                "threshold": [f"gamma{j + 1}" for j in range(len(i.thresholds))],
                "estimate": list(i.thresholds),
                "ci_low": [c[0] for c in i.threshold_ci],
                "ci_high": [c[1] for c in i.threshold_ci],
            }
        )

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> ThresholdResult:
        """A new result with another covariance for the coefficients; this one is unchanged."""
        reg = self.regression.with_vcov(vcov, ssc=ssc)
        info = replace(
            self.info,
            clusters=reg.info.clusters,
            vcov=reg.info.vcov,
            ssc=reg.info.ssc,
            df_t=reg.info.df_t,
            warnings=reg.info.warnings,
        )
        return replace(self, regression=reg, info=info)

    def summary(self) -> Summary:
        """Coefficient table; thresholds, LR intervals and bootstrap tests in the footer."""
        i = self.info
        pct = f"{i.level:.0%}"
        footer: list[tuple[str, str]] = [
            ("Formula", i.specification),
            ("Threshold variable", i.threshold),
            ("Regimes", "; ".join(i.regimes)),
        ]
        for j, (g, (lo, hi)) in enumerate(zip(i.thresholds, i.threshold_ci, strict=True)):
            footer.append((f"gamma{j + 1}", f"{g:.6g}  ({pct} LR CI [{lo:.6g}, {hi:.6g}])"))
        for k, f in i.f_stats.items():
            p = i.p_values.get(k, float("nan"))
            crit = i.crit_values.get(k)
            extra = f"; crit 10/5/1%: {', '.join(f'{c:.3f}' for c in crit)}" if crit else ""
            shown = format_p_value(p, i.draws) if i.draws else "no bootstrap"
            footer.append((f"F{k} ({k - 1} vs {k})", f"{f:.3f}; bootstrap {shown}{extra}"))
        footer += [
            ("Observations", f"{i.nobs:,} ({i.n_counties:,} counties x {i.n_years} years)"),
            ("Bootstrap", f"{i.draws} draws"),
            ("Std. errors", i.vcov),
        ]
        if i.dropped:
            footer.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        return Summary(self.title, self.to_frame(), tuple(footer))

    def plot(self) -> Any:  # type: ignore[override]
        """The LR statistic over the candidate thresholds with the critical-value line (altair).

        One panel per threshold; points below the dashed line form the confidence interval.
        """
        import altair as alt

        from countyeconomy.report import themed

        data = self.lr.dropna()
        crit = pd.DataFrame({"crit": [self.info.lr_critical]})
        line = (
            alt.Chart(data)
            .mark_line()
            .encode(
                x=alt.X("gamma:Q", title=f"threshold ({self.info.threshold})"),
                y=alt.Y("lr:Q", title="LR statistic"),
                color=alt.Color("threshold:N", title="Threshold"),
            )
        )
        rule = (
            alt.Chart(crit)
            .mark_rule(strokeDash=[5, 4], color="#c0392b")
            .encode(y="crit:Q", tooltip=[alt.Tooltip("crit:Q", format=".2f")])
        )
        title = f"LR curve ({self.info.level:.0%} critical value {self.info.lr_critical:.2f})"
        return themed(alt.layer(line, rule).properties(title=title))


def lr_frame(curves: list[tuple[FloatArray, FloatArray]]) -> pd.DataFrame:
    """Long table of LR curves: ``threshold`` (gamma1, ...), ``gamma``, ``lr`` (NaN if invalid)."""
    parts = []
    for j, (gamma, lr) in enumerate(curves):
        parts.append(
            pd.DataFrame(
                {
                    "threshold": f"gamma{j + 1}",
                    "gamma": gamma,
                    "lr": np.where(np.isfinite(lr), lr, np.nan),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
