"""Shared pieces of the regression-based staggered estimators.

Input checks (panel, cohort column, absorbing treatment, small cohorts), a Wald test, the
event-time result protocol and the event-study chart. Never-treated counties have cohort ``0``
(:data:`countyeconomy.panel.NEVER_TREATED`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from countyeconomy._typing import FloatArray
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    PanelStructureError,
)
from countyeconomy.estimators._coefs import CoefProtocol, CoefTable, Summary
from countyeconomy.panel import NEVER_TREATED, Panel, SmallCohortWarning, cohort_by_row
from countyeconomy.panel._validate import describe_values

__all__ = [
    "EventResultBase",
    "SmallCohortWarning",
    "StaggeredInfo",
    "WaldTest",
    "cohort_by_row",
    "event_chart",
    "resolve_panel",
    "wald_test",
]


def resolve_panel(data: Panel | pd.DataFrame, county: str | None, year: str | None) -> Panel:
    """A :class:`Panel` from a Panel, or from a DataFrame with ``county=`` and ``year=`` keys."""
    if isinstance(data, Panel):
        return data
    if isinstance(data, pd.DataFrame):
        if county is None or year is None:
            raise PanelStructureError(
                "a DataFrame needs its key columns: pass county=... and year=... (or a Panel)."
            )
        return Panel.from_frame(data, county=county, year=year)
    raise PanelStructureError(
        f"data must be a countyeconomy.Panel or a pandas DataFrame, got {type(data).__name__}."
    )


def cohort_sizes(g: np.ndarray, county: np.ndarray) -> dict[int, int]:
    """Number of counties per cohort (``0`` = never treated)."""
    per_unit = pd.Series(g, index=county).groupby(level=0).first()
    counts = per_unit.value_counts().sort_index()
    return {int(k): int(v) for k, v in zip(counts.index.to_numpy(), counts.to_numpy(), strict=True)}


@dataclass(frozen=True)
class WaldTest:
    """A joint Wald test that ``q`` coefficients are zero.

    ``distribution`` is ``"F"`` (statistic ``W / q`` on ``(q, df_denom)`` degrees of freedom) or
    ``"chi2"`` (statistic ``W`` on ``q``).
    """

    terms: tuple[str, ...]
    statistic: float
    df: int
    df_denom: int | None
    p_value: float
    distribution: str

    def __str__(self) -> str:
        dof = f"{self.df}, {self.df_denom}" if self.df_denom is not None else f"{self.df}"
        return f"{self.distribution}({dof}) = {self.statistic:.4g}, p = {self.p_value:.4g}"


def wald_test(
    names: Sequence[str], beta: FloatArray, vcov: FloatArray, df_t: int | None
) -> WaldTest:
    """Joint test of ``beta == 0``: F with ``df_t`` denominator df, chi2 when ``df_t`` is None."""
    q = len(beta)
    if q == 0:
        return WaldTest((), float("nan"), 0, df_t, float("nan"), "F" if df_t else "chi2")
    w = float(beta @ np.linalg.pinv(vcov) @ beta)
    if df_t is None:
        return WaldTest(tuple(names), w, q, None, float(stats.chi2.sf(w, q)), "chi2")
    f = w / q
    return WaldTest(tuple(names), f, q, df_t, float(stats.f.sf(f, q, df_t)), "F")


@dataclass(frozen=True)
class StaggeredInfo:
    """What happened in a fit: sample, cohorts, drops, clusters, covariance."""

    method: str
    nobs: int
    nobs_input: int
    n_counties: int
    cohorts: dict[int, int]
    dropped: dict[str, int]
    clusters: dict[str, int]
    vcov: str
    formula: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
class EventResultBase(CoefProtocol):
    """Event-time estimates with the result protocol.

    ``event_times[j]`` is the relative period of coefficient ``j`` (``None`` for covariates and
    overall effects). ``reference`` is the normalised period drawn at 0 (``None`` if none).
    """

    coefs: CoefTable
    event_times: tuple[int | None, ...]
    reference: int | None
    info: Any
    title: str

    @property
    def nobs(self) -> int:
        """Rows used."""
        return int(self.info.nobs)

    def _event_index(self) -> np.ndarray:
        return np.asarray([j for j, e in enumerate(self.event_times) if e is not None], dtype=int)

    @property
    def event_vcov(self) -> pd.DataFrame:
        """Full covariance of the event-time coefficients (e.g. for HonestDiD sensitivity)."""
        idx = self._event_index()
        labels = [self.event_times[j] for j in idx]
        return pd.DataFrame(self.coefs.vcov[np.ix_(idx, idx)], index=labels, columns=labels)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high, event_time."""
        out = self.coefs.to_frame(level)
        out["event_time"] = pd.array(list(self.event_times), dtype="Int64")
        return out

    def event_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Event-time rows sorted by event time, with the reference period as a 0 row."""
        f = self.to_frame(level)
        f = f[f["event_time"].notna()].copy()
        if self.reference is not None and self.reference not in set(f["event_time"].tolist()):
            ref: dict[str, object] = {
                c: 0.0 for c in ("estimate", "std_error", "ci_low", "ci_high")
            }
            ref |= {"term": "reference", "event_time": self.reference}
            f = pd.concat([f, pd.DataFrame([ref])], ignore_index=True)
        f["event_time"] = f["event_time"].astype("int64")
        return f.sort_values("event_time").reset_index(drop=True)

    def _footer(self) -> list[tuple[str, str]]:
        i = self.info
        rows = [
            ("Method", str(i.method)),
            ("Observations", f"{i.nobs:,} (of {i.nobs_input:,})"),
            ("Cohorts (counties)", ", ".join(f"{k}: {v}" for k, v in i.cohorts.items())),
            ("Std. errors", str(i.vcov)),
        ]
        if i.dropped:
            rows.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        return rows

    def summary(self) -> Summary:
        """Coefficient table with fit information in the footer."""
        return Summary(self.title, self.coefs.to_frame(), tuple(self._footer()))

    def plot(self, *, level: float = 0.95, truth: pd.DataFrame | None = None) -> Any:
        """Event-study chart (altair): estimates with CIs, the reference period at 0.

        ``truth`` (columns ``event_time``, ``att``) is drawn as a line when given.
        """
        frame = self.event_frame(level).assign(estimator=self.title)
        return event_chart(frame, title=self.title, truth=truth, level=level)

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def event_chart(
    frame: pd.DataFrame,
    *,
    title: str = "",
    truth: pd.DataFrame | None = None,
    level: float = 0.95,
) -> Any:
    """Points and CI bars over event time, one colour (and x offset) per ``estimator`` value."""
    import altair as alt

    from countyeconomy.report import themed

    data = frame.copy()
    if "estimator" not in data:
        data["estimator"] = "estimate"
    several = data["estimator"].nunique() > 1
    x = alt.X("event_time:Q", title="Years since adoption")
    color = alt.Color("estimator:N", title="Estimator", legend=alt.Legend() if several else None)
    base = alt.Chart(data).encode(x=x, color=color)
    if several:
        names = list(dict.fromkeys(data["estimator"]))
        step = 0.6 / max(len(names), 1)
        shift = {n: (i - (len(names) - 1) / 2) * step for i, n in enumerate(names)}
        data["event_time"] = data["event_time"] + data["estimator"].map(shift)
        base = alt.Chart(data).encode(x=x, color=color)
    rules = base.mark_rule(strokeWidth=2).encode(
        y=alt.Y("ci_low:Q", title=f"Estimate ({int(level * 100)}% CI)"), y2="ci_high:Q"
    )
    tip = ["estimator", "event_time", alt.Tooltip("estimate:Q", format=".4f")]
    points = base.mark_point(filled=True, size=50).encode(y="estimate:Q", tooltip=tip)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888").encode(y="y:Q")
    onset = (
        alt.Chart(pd.DataFrame({"x": [-0.5]}))
        .mark_rule(strokeDash=[4, 4], color="#888")
        .encode(x="x:Q")
    )
    layers = [zero, onset, rules, points]
    if truth is not None:
        t = truth.rename(columns={"att": "truth"})[["event_time", "truth"]]
        line = (
            alt.Chart(t)
            .mark_line(color="black", strokeDash=[2, 2], point=True)
            .encode(x="event_time:Q", y="truth:Q", tooltip=["event_time", "truth"])
        )
        layers.append(line)
    chart = alt.layer(*layers).properties(title=title)
    return themed(chart)


def no_never_treated_error(method: str) -> IdentificationError:
    """The error for a design without never-treated counties when a method needs them."""
    return IdentificationError(
        f"{method} with control='never_treated' needs never-treated counties (cohort "
        f"{NEVER_TREATED}); none found. Use control='last_treated' or add never-treated units."
    )


def check_outcome(panel: Panel, outcome: str, covariates: Sequence[str] = ()) -> None:
    """Raise :class:`FormulaError` naming a missing outcome or covariate column."""
    missing = [c for c in [outcome, *covariates] if c not in panel.frame.columns]
    if missing:
        raise FormulaError(
            f"unknown column {describe_values(missing)}; the data has columns "
            f"{describe_values(list(panel.frame.columns), limit=25)}."
        )


def key_column(panel: Panel, name: str) -> str:
    """A column of the panel, with ``"county"`` and ``"year"`` as aliases of its keys."""
    if name in panel.frame.columns:
        return name
    if name == "county":
        return panel.county
    if name == "year":
        return panel.year
    raise FormulaError(
        f"unknown column {name!r}; the data has columns "
        f"{describe_values(list(panel.frame.columns), limit=25)}."
    )
