"""Goodman-Bacon decomposition of the staggered TWFE DID coefficient."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import IdentificationError, PanelStructureError
from countyeconomy.estimators.staggered._bacon_core import bacon_arrays, twfe_did_balanced
from countyeconomy.estimators.staggered._common import (
    announce_dropped,
    check_outcome,
    drop_counties_with_unusable_rows,
    fit_info,
    resolve_panel,
)
from countyeconomy.panel import NEVER_TREATED, Panel
from countyeconomy.results import CoefResult, CoefTable, FitInfo, Summary

__all__ = ["BaconResult", "bacon_decomposition"]


@dataclass(frozen=True, repr=False, eq=False)
class BaconResult(CoefResult):
    """Result of :func:`bacon_decomposition`.

    ``params`` are the weighted average 2x2 estimate per comparison type and the TWFE
    coefficient (term ``"TWFE"``); a decomposition has no standard errors, so ``std_errors``,
    p-values and intervals are NaN.

    Attributes
    ----------
    coefs
        Those estimates, with an all-NaN covariance.
    components
        One row per 2x2 comparison: ``treated`` and ``control`` cohort (first treated year;
        ``0`` = never treated), ``type``, ``estimate``, ``weight``.
    by_type
        Per comparison type: total ``weight``, weighted average ``estimate`` and ``n_comparisons``.
    twfe
        The TWFE coefficient; equals ``(components.weight * components.estimate).sum()``.
    info
        Sample description (:class:`~countyeconomy.results.FitInfo`).
    """

    coefs: CoefTable
    components: pd.DataFrame
    by_type: pd.DataFrame
    twfe: float
    info: FitInfo
    title: str = "Goodman-Bacon decomposition"

    @property
    def weighted_sum(self) -> float:
        """Sum of weight x estimate over all comparisons (equals :attr:`twfe`)."""
        c = self.components
        return float((c["weight"] * c["estimate"]).sum())

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """The protocol columns per type (+ TWFE), then ``weight`` and ``n_comparisons``."""
        out = self.coefs.to_frame(level)
        out["weight"] = np.append(self.by_type["weight"].to_numpy(dtype=float), 1.0)
        n = self.by_type["n_comparisons"].to_numpy()
        out["n_comparisons"] = np.append(n, n.sum())
        return out

    def summary(self) -> Summary:
        """Weights and average estimates by comparison type."""
        table = self.by_type.rename(columns={"type": "term"})
        foot = (
            ("TWFE coefficient", f"{self.twfe:.6g}"),
            ("Weighted sum of 2x2", f"{self.weighted_sum:.6g}"),
            ("Observations", f"{self.info.nobs:,}"),
        )
        return Summary(self.title, table, foot)

    def plot(self, *, level: float = 0.95) -> Any:
        """Scatter of 2x2 estimates against their weights, coloured by comparison type
        (``level`` is unused: a decomposition has no intervals)."""
        import altair as alt

        from countyeconomy.report import themed

        c = self.components
        points = (
            alt.Chart(c)
            .mark_point(filled=True, size=70)
            .encode(
                x=alt.X("weight:Q", title="Weight"),
                y=alt.Y("estimate:Q", title="2x2 DID estimate"),
                color=alt.Color("type:N", title="Comparison"),
                shape=alt.Shape("type:N", title="Comparison"),
                tooltip=["type", "treated", "control", alt.Tooltip("estimate:Q", format=".4f")],
            )
        )
        line = (
            alt.Chart(pd.DataFrame({"y": [self.twfe]}))
            .mark_rule(strokeDash=[4, 4], color="#888")
            .encode(y="y:Q")
        )
        return themed(alt.layer(line, points).properties(title=f"{self.title} (TWFE dashed)"))


def _wide(panel: Panel, outcome: str, treatment: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    y = panel.frame.pivot(index=panel.county, columns=panel.year, values=outcome)
    d = panel.frame.pivot(index=panel.county, columns=panel.year, values=treatment)
    return y, d


def _balanced_rows(panel: Panel, outcome: str) -> tuple[Panel, dict[str, int]]:
    """Check balance and missing values; drop counties with a non-finite outcome whole."""
    if not panel.is_balanced:
        n_missing = len(panel.counties) * len(panel.years) - panel.nobs
        raise PanelStructureError(
            f"the Bacon decomposition needs a balanced panel; {n_missing} county-year rows are "
            "absent (see Panel.gaps()). Balance the panel first."
        )
    n = int(panel.frame[outcome].isna().sum())
    if n:
        raise PanelStructureError(
            f"column {outcome!r} has {n} missing value(s); the Bacon decomposition needs a "
            "balanced panel without missing values."
        )
    return drop_counties_with_unusable_rows(panel, [outcome])


def bacon_decomposition(
    data: Panel | pd.DataFrame,
    outcome: str,
    treatment: str,
    *,
    county: str | None = None,
    year: str | None = None,
) -> BaconResult:
    """Goodman-Bacon decomposition: TWFE DID as a weighted average of all 2x2 DIDs.

    Comparisons are treated vs never treated, earlier vs later treated (later group not yet
    treated as control) and later vs earlier treated (already-treated group as control: the
    "forbidden" comparison that biases TWFE under dynamic effects). Counties treated in every
    period act as an always-treated control group ("Later vs Always treated").

    Parameters
    ----------
    data
        A balanced :class:`~countyeconomy.Panel` or DataFrame (with ``county=``, ``year=``).
    outcome
        Outcome column.
    treatment
        0/1 absorbing treatment column.

    Notes
    -----
    Counties with a non-finite (``±inf``) outcome are dropped whole (the decomposition needs a
    balanced panel), counted in ``info.dropped`` (``"non-finite: col"`` and the county's other
    rows) and announced with a :class:`~countyeconomy.errors.RowsDroppedWarning`.

    Raises
    ------
    PanelStructureError
        The panel is unbalanced or has missing values.
    TreatmentTimingError
        Treatment is not 0/1 or switches off.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics* 225(2), 254-277.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.staggered.bacon import bacon_decomposition
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200, dynamic=0.5)
    >>> res = bacon_decomposition(sim.panel, "log_rural_income", "policy")
    >>> round(float(res.components["weight"].sum()), 10)
    1.0
    >>> abs(res.weighted_sum - res.twfe) < 1e-10
    True
    """
    panel = resolve_panel(data, county, year)
    check_outcome(panel, outcome, [treatment])
    panel.cohort(treatment)  # validates 0/1 and absorbing (TreatmentTimingError)
    n_input = panel.nobs
    panel, dropped = _balanced_rows(panel, outcome)
    notes = announce_dropped("bacon_decomposition", dropped, n_input, stacklevel=2)
    y_w, d_w = _wide(panel, outcome, treatment)
    years = y_w.columns.to_numpy(dtype=np.int64)
    d = d_w.to_numpy(dtype=float)
    n_t = len(years)
    timing = np.where(d.any(1), d.argmax(1), n_t).astype(np.intp)
    if np.all(timing == timing[0]):
        raise IdentificationError(
            f"treatment {treatment!r} has the same timing in every county; there is no "
            "difference-in-differences comparison to decompose."
        )
    y = y_w.to_numpy(dtype=float)
    arrays = bacon_arrays(y, timing)

    def cohort_year(idx: np.ndarray) -> np.ndarray:
        return np.where(idx == n_t, NEVER_TREATED, years[np.minimum(idx, n_t - 1)])

    comps = pd.DataFrame(
        {
            "treated": cohort_year(arrays.treated),
            "control": cohort_year(arrays.control),
            "type": list(arrays.kind),
            "estimate": arrays.estimate,
            "weight": arrays.weight,
        }
    )
    grouped = comps.assign(we=comps["weight"] * comps["estimate"]).groupby("type", sort=False)
    by_type = pd.DataFrame(
        {
            "weight": grouped["weight"].sum(),
            "estimate": grouped["we"].sum() / grouped["weight"].sum(),
            "n_comparisons": grouped.size(),
        }
    ).reset_index()
    sizes = pd.Series(cohort_year(timing)).value_counts().sort_index()
    info = fit_info(
        "bacon_decomposition",
        warnings=notes,
        nobs=panel.nobs,
        nobs_input=n_input,
        dropped=dropped,
        clusters={},
        specification=f"{outcome} ~ {treatment} | county + year",
        vcov="none (a decomposition)",
        fixed_effects={"county": y.shape[0], "year": n_t},
        n_counties=y.shape[0],
        cohort_sizes={
            int(k): int(v) for k, v in zip(sizes.index.to_numpy(), sizes.to_numpy(), strict=True)
        },
        var_d=arrays.var_d,
    )
    twfe = twfe_did_balanced(y, d)
    names = (*by_type["type"].tolist(), "TWFE")
    est = np.append(by_type["estimate"].to_numpy(dtype=float), twfe)
    coefs = CoefTable(names, est, np.full((len(est), len(est)), np.nan), None)
    return BaconResult(coefs, comps, by_type, twfe, info)
