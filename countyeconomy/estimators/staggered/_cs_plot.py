"""altair charts of Callaway-Sant'Anna results: ATT(g,t) by cohort and aggregates by event time,
cohort or year, with pointwise intervals (and the uniform band when bootstrapped)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from countyeconomy.report import PALETTE, themed

if TYPE_CHECKING:
    import altair as alt

    from countyeconomy.estimators.staggered._cs_results import AggregateResult, ATTgtResult

__all__ = ["aggregate_chart", "cells_chart"]

FONT = "Helvetica, Arial, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
"""The report theme's font stack (``themed`` cannot style a faceted chart's size)."""


def _layers(frame: pd.DataFrame, x: alt.X, color: Any, level: float) -> Any:
    import altair as alt

    base = alt.Chart(frame)
    zero = base.mark_rule(strokeDash=[4, 4], color="#888").encode(y=alt.datum(0))
    y_title = f"ATT ({round(level * 100)}% CI)"
    rules = base.mark_rule(strokeWidth=2).encode(
        x=x, y=alt.Y("ci_low:Q", title=y_title), y2="ci_high:Q", color=color
    )
    points = base.mark_point(filled=True, size=50).encode(
        x=x,
        y="estimate:Q",
        color=color,
        tooltip=[
            "term",
            alt.Tooltip("estimate:Q", format=".4f"),
            alt.Tooltip("std_error:Q", format=".4f"),
        ],
    )
    layers = [zero, rules, points]
    if "band_low" in frame.columns:
        layers.insert(
            1,
            base.mark_rule(strokeWidth=6, opacity=0.25).encode(
                x=x, y="band_low:Q", y2="band_high:Q", color=color
            ),
        )
    return alt.layer(*layers)


def cells_chart(result: ATTgtResult, *, level: float = 0.95) -> Any:
    """ATT(g,t) against year, one facet per cohort; pre-treatment cells in a second colour."""
    import altair as alt

    frame = result.to_frame(level)
    frame["period"] = frame["post"].map({True: "post", False: "pre"})
    color = alt.Color("period:N", title=None, sort=["pre", "post"])
    layered = _layers(frame, alt.X("year:O", title="year"), color, level)
    chart = layered.properties(width=300, height=180).facet(
        facet=alt.Facet("cohort:N", title="cohort"), columns=2, data=frame
    )
    return _theme_facet(chart)


def _theme_facet(chart: Any) -> Any:
    # a faceted chart takes the theme's configuration but not a top-level width/height
    return (
        chart.configure(font=FONT, background="white")
        .configure_axis(labelFontSize=11, titleFontSize=12, grid=True, gridColor="#e5e5e5")
        .configure_range(category=list(PALETTE))
        .configure_view(stroke=None)
    )


def aggregate_chart(result: AggregateResult, *, level: float = 0.95) -> Any:
    """Aggregate estimates against event time, cohort or year (the overall effect for simple)."""
    import altair as alt

    frame = result.to_frame(level)
    label = {"group": "cohort", "dynamic": "event_time", "calendar": "year"}.get(result.kind)
    if label is None:
        frame["label"] = "overall"
        x = alt.X("label:N", title=None)
    else:
        frame = frame.iloc[1:].copy()
        frame["label"] = frame[label].astype("int64")
        x = alt.X("label:O", title=label.replace("_", " "))
    if label == "event_time":
        frame["period"] = frame["label"].map(lambda e: "post" if e >= 0 else "pre")
    else:
        frame["period"] = "post"
    color = alt.Color("period:N", title=None, sort=["pre", "post"])
    chart = _layers(frame, x, color, level).properties(
        title=f"{result.title}: overall {result.overall:.4f} ({result.overall_std_error:.4f})"
    )
    return themed(chart)
