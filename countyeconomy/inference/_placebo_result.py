"""The placebo test result: randomization p-values, the draws and the density chart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray


@dataclass(frozen=True, repr=False)
class PlaceboResult:
    """Randomization placebo test of one treatment coefficient; see :func:`placebo_test`."""

    param: str
    estimate: float
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
    cohort_sizes: dict[str, int] = field(default_factory=dict)

    @property
    def draws(self) -> int:
        """Number of placebo draws."""
        return len(self.coefs)

    def distribution(self) -> pd.DataFrame:
        """One row per draw: ``estimate`` and ``statistic`` of the placebo treatment."""
        return pd.DataFrame({"estimate": self.coefs, "statistic": self.tstats})

    def to_frame(self) -> pd.DataFrame:
        """One row: the real estimate, the placebo distribution's summary and the p-values."""
        return pd.DataFrame(
            {
                "term": [self.param],
                "estimate": [self.estimate],
                "statistic": [self.t_stat],
                "placebo_mean": [float(np.nanmean(self.coefs))],
                "placebo_sd": [float(np.nanstd(self.coefs, ddof=1))],
                "p_value": [self.p_value],
                "p_value_greater": [self.p_value_greater],
                "p_value_less": [self.p_value_less],
                "p_value_t": [self.p_value_t],
                "draws": [self.draws],
                "scheme": [self.scheme],
            }
        )

    def __repr__(self) -> str:
        where = f" within {self.group!r}" if self.group else ""
        return (
            f"Placebo test ({self.scheme}{where}; {self.draws:,} draws; {self.n_treated:,} of "
            f"{self.n_counties:,} counties treated)\n  {self.param}: estimate {self.estimate:.6g} "
            f"(t = {self.t_stat:.3f}); placebo mean {np.nanmean(self.coefs):.3g}, sd "
            f"{np.nanstd(self.coefs, ddof=1):.3g}\n  randomization p: two-sided "
            f"{self.p_value:.4f}, greater {self.p_value_greater:.4f}, less "
            f"{self.p_value_less:.4f}; on |t|: {self.p_value_t:.4f}"
        )

    def plot(self, *, statistic: Literal["estimate", "t"] = "estimate") -> Any:
        """Kernel density of the placebo estimates (or t's) with the real value marked (altair)."""
        import altair as alt
        from scipy.stats import gaussian_kde

        from countyeconomy.report._theme import PALETTE, themed

        values = self.coefs if statistic == "estimate" else self.tstats
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
        title = (
            f"Placebo test of {self.param}: {self.draws:,} draws, real = {real:.3g}, "
            f"p = {self.p_value if statistic == 'estimate' else self.p_value_t:.3f}"
        )
        return themed((curve + rule).properties(title=title))
