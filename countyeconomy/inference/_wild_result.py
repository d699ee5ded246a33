"""The wild cluster bootstrap's result: p-value, interval, the draws and the chart."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.inference._wild_draws import p_value_at, t_boot_at
from countyeconomy.results import COLUMNS, FrozenResult, Summary, format_p_value

__all__ = ["WildBootstrapResult"]


@dataclass(frozen=True, repr=False)
class WildBootstrapResult(FrozenResult):
    """Wild cluster bootstrap test of one coefficient; see :func:`wild_bootstrap`.

    Deeply immutable and picklable. ``stats`` holds five numbers per draw from which
    ``t_boot(null)`` is evaluated at any null.

    Attributes
    ----------
    param, estimate, null, std_error, t_stat
        The tested coefficient, its estimate, the tested value, the cluster-robust standard error
        (the result's small-sample convention) and ``(estimate - null) / std_error``.
    p_value
        Two-sided bootstrap p-value: share of draws with ``|t*| > |t|``.
    ci_low, ci_high, level
        The interval by test inversion and its level.
    draws
        Draws used (``2^G`` when ``enumerated``).
    distribution
        Weight distribution (``"rademacher"``, ``"webb"``, ``"mammen"``).
    impose_null
        ``True``: WCR (restricted residuals); ``False``: WCU.
    cluster, n_clusters
        Bootstrap cluster variable and its number of clusters.
    enumerated
        All ``2^G`` Rademacher sign vectors were used (exact, no Monte-Carlo error).
    seed_entropy
        Entropy of the seed used (reproduces a ``seed=None`` run).
    ssc_factor
        Small-sample factor of the standard error.
    stats
        ``(draws, 5)`` per-draw sums (see the module docstring of the wild bootstrap).
    """

    param: str
    estimate: float
    null: float
    std_error: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    level: float
    draws: int
    distribution: str
    impose_null: bool
    cluster: str
    n_clusters: int
    enumerated: bool
    seed_entropy: int
    ssc_factor: float
    stats: FloatArray

    @property
    def t_boot(self) -> FloatArray:
        """``(draws,)`` bootstrap t-statistics at the tested null."""
        return t_boot_at(self.stats, self.estimate - self.null, self.ssc_factor)

    @property
    def reps(self) -> int:
        """Retired spelling of :attr:`draws`."""
        warnings.warn(
            "WildBootstrapResult.reps is renamed draws; the old spelling is removed in the next "
            "release.",
            FutureWarning,
            stacklevel=2,
        )
        return self.draws

    @property
    def weights(self) -> str:
        """Retired spelling of :attr:`distribution`."""
        warnings.warn(
            "WildBootstrapResult.weights is renamed distribution; the old spelling is removed in "
            "the next release.",
            FutureWarning,
            stacklevel=2,
        )
        return self.distribution

    def p_value_at(self, null: float) -> float:
        """Bootstrap p-value of ``H0: param = null`` from the same draws."""
        return p_value_at(self.stats, self.estimate, self.std_error, null, self.ssc_factor)

    def conf_int(self) -> pd.DataFrame:
        """The confidence interval by test inversion (columns ``ci_low``, ``ci_high``)."""
        return pd.DataFrame({"ci_low": [self.ci_low], "ci_high": [self.ci_high]}, [self.param])

    @property
    def method(self) -> str:
        """e.g. ``"WCR, rademacher (enumerated)"``."""
        kind = "WCR" if self.impose_null else "WCU"
        return f"{kind}, {self.distribution}" + (" (enumerated)" if self.enumerated else "")

    def to_frame(self) -> pd.DataFrame:
        """One row: term, estimate, std_error, statistic, p_value, ci_low, ci_high, then
        null, draws, clusters and method."""
        row: dict[str, Any] = dict(
            zip(
                COLUMNS,
                (
                    self.param,
                    self.estimate,
                    self.std_error,
                    self.t_stat,
                    self.p_value,
                    self.ci_low,
                    self.ci_high,
                ),
                strict=True,
            )
        )
        row |= {
            "null": self.null,
            "draws": self.draws,
            "clusters": self.n_clusters,
            "method": self.method,
        }
        return pd.DataFrame({k: [v] for k, v in row.items()})

    def summary(self) -> Summary:
        """The test as a one-row table, the p-value printed at its resolution."""
        table = self.to_frame()[list(COLUMNS)]
        table["p_value"] = [format_p_value(self.p_value, self.draws)]
        footer = (
            ("Method", self.method),
            ("Draws", f"{self.draws:,}"),
            ("Clusters", f"{self.n_clusters:,} by {self.cluster!r}"),
            ("H0", f"{self.param} = {self.null:g}"),
            ("Interval", f"{self.level:.0%}, by test inversion"),
        )
        return Summary(f"Wild cluster bootstrap ({self.method})", table, footer)

    def plot(self) -> Any:
        """Histogram of the bootstrap t-statistics with the observed t marked (altair)."""
        import altair as alt

        from countyeconomy.report import PALETTE, themed

        frame = pd.DataFrame({"t": np.asarray(self.t_boot)})
        bars = (
            alt.Chart(frame)
            .mark_bar(color=PALETTE[0], opacity=0.7)
            .encode(
                x=alt.X("t:Q", bin=alt.Bin(maxbins=60), title="bootstrap t statistic"),
                y=alt.Y("count():Q", title="draws"),
            )
        )
        rule = (
            alt.Chart(pd.DataFrame({"t": [self.t_stat]}))
            .mark_rule(color=PALETTE[1], strokeWidth=2)
            .encode(x="t:Q")
        )
        title = (
            f"Wild bootstrap of {self.param}: t = {self.t_stat:.2f}, "
            f"{format_p_value(self.p_value, self.draws)}"
        )
        return themed((bars + rule).properties(title=title))
