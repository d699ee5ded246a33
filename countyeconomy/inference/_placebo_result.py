"""The placebo test result: randomization p-values, the draws and the density chart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.results import COLUMNS, FrozenResult, Summary, format_p_value

__all__ = ["PlaceboResult"]


@dataclass(frozen=True, repr=False)
class PlaceboResult(FrozenResult):
    """Randomization placebo test of one treatment coefficient; see :func:`placebo_test`.

    Deeply immutable (read-only arrays, a read-only ``cohort_sizes`` mapping) and picklable.

    Attributes
    ----------
    param, estimate, std_error, t_stat
        The treatment term, its real estimate, standard error and t-statistic (``NaN`` for
        :func:`placebo_refit`, which computes no standard errors).
    coefs, tstats
        ``(draws,)`` placebo estimates and t-statistics.
    p_value, p_value_greater, p_value_less, p_value_t
        Randomization p-values: ``share(|b_p| >= |b|)``, ``share(b_p >= b)``,
        ``share(b_p <= b)`` and ``share(|t_p| >= |t|)``.
    scheme, group
        Reassignment scheme and the grouping column of ``"within_group"``.
    seed_entropy
        Entropy of the seed used.
    n_counties, n_treated, cohort_sizes
        Counties, treated counties, and counties per adoption year.
    """

    param: str
    estimate: float
    std_error: float
    t_stat: float
    coefs: FloatArray
    tstats: FloatArray
    p_value: float
    p_value_greater: float
    p_value_less: float
    p_value_t: float
    scheme: str
    group: str | None
    seed_entropy: int
    n_counties: int
    n_treated: int
    cohort_sizes: Mapping[str, int] = field(default_factory=dict)

    @property
    def draws(self) -> int:
        """Number of placebo draws."""
        return len(self.coefs)

    def distribution(self) -> pd.DataFrame:
        """One row per draw: ``estimate`` and ``statistic`` of the placebo treatment."""
        return pd.DataFrame({"estimate": np.array(self.coefs), "statistic": np.array(self.tstats)})

    def to_frame(self) -> pd.DataFrame:
        """One row: term, estimate, std_error, statistic, p_value (two-sided randomization),
        ci_low, ci_high (``NaN``: a placebo test gives no interval), then the placebo
        distribution's summary, the other p-values, draws and scheme."""
        values = (self.param, self.estimate, self.std_error, self.t_stat, self.p_value)
        row: dict[str, Any] = dict(zip(COLUMNS, (*values, np.nan, np.nan), strict=True))
        row |= {
            "placebo_mean": float(np.nanmean(self.coefs)),
            "placebo_sd": float(np.nanstd(self.coefs, ddof=1)),
            "p_value_greater": self.p_value_greater,
            "p_value_less": self.p_value_less,
            "p_value_t": self.p_value_t,
            "draws": self.draws,
            "scheme": self.scheme,
        }
        return pd.DataFrame({k: [v] for k, v in row.items()})

    def summary(self) -> Summary:
        """The test as a table of p-values, each printed at its resolution."""
        b = self.draws
        table = pd.DataFrame(
            {
                "alternative": ["two-sided", "greater", "less", "two-sided on |t|"],
                "p_value": [
                    format_p_value(p, b)
                    for p in (self.p_value, self.p_value_greater, self.p_value_less, self.p_value_t)
                ],
            }
        )
        where = f" within {self.group!r}" if self.group else ""
        footer = (
            ("Term", f"{self.param}: estimate {self.estimate:.6g} (t = {self.t_stat:.3f})"),
            (
                "Placebo draws",
                f"{b:,}: mean {np.nanmean(self.coefs):.3g}, sd {np.nanstd(self.coefs, ddof=1):.3g}",
            ),
            ("Scheme", f"{self.scheme}{where}"),
            ("Counties", f"{self.n_treated:,} of {self.n_counties:,} treated"),
        )
        return Summary(f"Placebo test ({self.scheme}{where}; {b:,} draws)", table, footer)

    def plot(self, *, statistic: Literal["estimate", "t"] = "estimate") -> Any:
        """Kernel density of the placebo estimates (or t's) with the real value marked (altair)."""
        import altair as alt
        from scipy.stats import gaussian_kde

        from countyeconomy.report import PALETTE, themed

        values = np.asarray(self.coefs if statistic == "estimate" else self.tstats)
        real = self.estimate if statistic == "estimate" else self.t_stat
        values = values[np.isfinite(values)]
        lo, hi = min(values.min(), real), max(values.max(), real)
        pad = 0.1 * (hi - lo if hi > lo else 1.0)
        grid = np.linspace(lo - pad, hi + pad, 400)
        dens = gaussian_kde(values)(grid)
        label = "placebo estimate" if statistic == "estimate" else "placebo t statistic"
        curve = (
            alt.Chart(pd.DataFrame({"x": grid, "density": dens}))
            .mark_area(color=PALETTE[0], opacity=0.35, line={"color": PALETTE[0]})
            .encode(x=alt.X("x:Q", title=label), y=alt.Y("density:Q", title="kernel density"))
        )
        rule = (
            alt.Chart(pd.DataFrame({"x": [real]}))
            .mark_rule(color=PALETTE[1], strokeWidth=2, strokeDash=[5, 3])
            .encode(x="x:Q")
        )
        p = self.p_value if statistic == "estimate" else self.p_value_t
        title = (
            f"Placebo test of {self.param}: {self.draws:,} draws, real = {real:.3g}, "
            f"{format_p_value(p, self.draws)}"
        )
        return themed((curve + rule).properties(title=title))
