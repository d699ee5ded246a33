"""The battery's side-by-side comparison of the heterogeneity-robust event-study estimators.

Each estimator is keyed by its public function's name (the comparison keys of
``countyeconomy.estimators.registry``). Where :func:`~countyeconomy.compare_event_studies` runs
the registry (it takes ``control=``), the battery goes through it; otherwise it calls the five
public estimator functions itself, with the same options.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyError, CountyEconomyWarning
from countyeconomy.estimators import compare_event_studies
from countyeconomy.estimators.registry import ESTIMATORS
from countyeconomy.results import FrozenResult, Summary
from countyeconomy.robustness._battery_design import Design

__all__ = [
    "COMPARISON_KEYS",
    "EstimatorComparison",
    "compare_estimators",
    "event_rows",
    "spread_table",
]

COMPARISON_KEYS = tuple(ESTIMATORS)
"""The estimators the battery lines up, by public function name."""

_FIXED_CONTROL = {
    "event_study": "untreated and not-yet-treated (TWFE)",
    "imputation_did": "untreated observations (not-yet-treated)",
    "did_multiplegt": "not-yet-switched",
}
_FRAME_COLUMNS = ["estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high"]


def event_rows(result: Any) -> pd.DataFrame:
    """Event-time rows of a result (reference periods as zero-width rows), from public methods:
    ``event_frame()`` where offered, otherwise the ``to_frame()`` rows with an ``event_time``."""
    event_frame = getattr(result, "event_frame", None)
    if callable(event_frame):
        f = event_frame()
    else:
        f = result.to_frame()
        f = f[f["event_time"].notna()].copy()
        f["event_time"] = f["event_time"].astype("int64")
        ref = f["std_error"].isna() & (f["estimate"] == 0)
        f.loc[ref, ["std_error", "ci_low", "ci_high"]] = 0.0
    out: pd.DataFrame = f[["event_time", "estimate", "std_error", "ci_low", "ci_high"]]
    return out


def _via_registry(
    d: Design, window: tuple[int, int], control: str | None
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, str]]:
    """The comparison through :func:`~countyeconomy.compare_event_studies`, which runs the
    estimators of :mod:`countyeconomy.estimators.registry`."""
    opts: dict[str, Any] = {"control": control}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountyEconomyWarning)  # skips are reported in the verdict
        res = compare_event_studies(
            d.panel,
            d.outcome,
            d.cohort,
            window=window,
            covariates=d.covariates,
            vcov=d.vcov,
            **opts,
        )
    info: Any = res.info  # a FitInfo once compare_event_studies runs the registry
    extra = info.extra
    key_of = {str(title): str(key) for key, title in extra["titles"].items()}
    frame = res.frame.assign(estimator=res.frame["estimator"].map(key_of))
    return frame[_FRAME_COLUMNS], dict(res.results), dict(extra["skipped"])


def compare_estimators(
    d: Design, window: tuple[int, int], control: str | None
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, str]]:
    """Long frame of event-time estimates, the results by key, and the estimators skipped (an
    unsupported ``control`` or a design the estimator cannot fit) with the reason."""
    frame, results, skipped = _via_registry(d, window, control)
    if frame.empty:
        reasons = "; ".join(f"{k}: {v}" for k, v in skipped.items())
        raise CountyEconomyError(f"no estimator could be fitted: {reasons}")
    return frame, results, skipped


def control_of(key: str, control: str | None) -> str:
    """The comparison group an estimator used."""
    supported = ESTIMATORS[key].controls  # the registry says which groups an estimator takes
    if supported:
        return control or supported[0]
    return _FIXED_CONTROL[key]


def spread_table(frame: pd.DataFrame, control: str | None) -> tuple[pd.DataFrame, dict[str, float]]:
    """One row per estimator: estimates by event time, the mean post-period effect, the
    comparison group; and the mean post-period effect by estimator."""
    order = list(dict.fromkeys(frame["estimator"]))
    wide = frame.pivot_table(index="event_time", columns="estimator", values="estimate")
    post = frame[frame["event_time"] >= 0].groupby("estimator")["estimate"].mean()
    table = wide.T.reindex(order).assign(mean_post=post.reindex(order)).reset_index()
    table.columns = [str(x) for x in table.columns]
    table["control"] = [control_of(k, control) for k in table["estimator"]]
    means = {str(k): float(v) for k, v in post.reindex(order).items() if np.isfinite(v)}
    return table, means


@dataclass(frozen=True, repr=False)
class EstimatorComparison(FrozenResult):
    """The estimators check's result: the long frame of event-time estimates, each estimator's
    result by key, the estimators skipped and why, and the comparison group asked for."""

    frame: pd.DataFrame
    results: Mapping[str, Any]
    skipped: Mapping[str, str]
    control: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """Columns ``estimator, event_time, estimate, std_error, ci_low, ci_high``."""
        return self.frame

    def summary(self) -> Summary:
        """Estimates by event time (rows) and estimator (columns)."""
        wide = self.frame.pivot_table(index="event_time", columns="estimator", values="estimate")
        wide = wide[[k for k in dict.fromkeys(self.frame["estimator"])]].reset_index()
        foot = tuple((k, f"skipped: {v}") for k, v in self.skipped.items())
        return Summary("Event-study estimators side by side", wide, foot)

    def plot(self) -> Any:
        """Estimates and confidence intervals over event time, one colour per estimator (the
        library's estimator colours), the marker shape giving each estimator's normalisation."""
        import altair as alt

        from countyeconomy.estimators.staggered.compare import NORMALISATION
        from countyeconomy.report import color_scale, data_scale, themed

        f = self.frame
        keys = list(dict.fromkeys(f["estimator"]))
        offset = {k: (i - (len(keys) - 1) / 2) * 0.12 for i, k in enumerate(keys)}
        norm = {k: NORMALISATION[k][0] if k in NORMALISATION else "" for k in keys}
        f = f.assign(
            x=f["event_time"] + f["estimator"].map(offset),
            normalisation=f["estimator"].map(norm),
        )
        base = alt.Chart(f).encode(
            x=alt.X("x:Q", title="event time"),
            color=alt.Color("estimator:N", sort=keys, title=None, scale=color_scale(keys)),
        )
        points = base.mark_point(filled=True).encode(
            y=alt.Y("estimate:Q", title="estimate", scale=data_scale()),
            shape=alt.Shape("normalisation:N", title="Normalisation"),
            tooltip=[
                "estimator",
                "normalisation",
                "event_time",
                alt.Tooltip("estimate:Q", format=".4f"),
            ],
        )
        bars = base.mark_rule().encode(y="ci_low:Q", y2="ci_high:Q")
        zero = alt.Chart(f).mark_rule(strokeDash=[4, 4], color="#888").encode(y=alt.datum(0))
        return themed(alt.layer(zero, bars, points).properties(title="Event-study estimators"))
