"""altair charts of results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from countyeconomy.errors import InputTypeError
from countyeconomy.report._palette import TRUTH_COLOR, color_scale
from countyeconomy.report._theme import themed

__all__ = ["coefplot", "data_scale", "reference_rule", "trend_chart"]


def coefplot(
    *results: Any,
    level: float = 0.95,
    keep: Sequence[str] | None = None,
    model_names: Sequence[str] | None = None,
    title: str = "",
    truth: float | None = None,
) -> Any:
    """Point estimates with confidence intervals, one colour per model.

    The estimate axis is chosen from the data (it does not start at zero) and a rule marks
    ``truth`` (a known true effect, e.g. from a simulation) when given, else zero. Models whose
    names are estimators (``"att_gt"``, ``"sun_abraham (Sun-Abraham)"``, ``"TWFE"``, ...) take
    the estimator's colour from :data:`~countyeconomy.report.ESTIMATOR_COLORS`, the same in every
    chart of the library.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=100)
    >>> res = ce.twfe(sim.panel, "log_rural_income ~ policy + log_gdp_pc | county + year")
    >>> chart = ce.report.coefplot(res)
    >>> chart.to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    True
    """
    import altair as alt

    for i, r in enumerate(results):
        if not callable(getattr(r, "to_frame", None)) or not hasattr(r, "params"):
            raise InputTypeError(
                f"coefplot() argument {i + 1} must be a fitted result (e.g. from "
                f"countyeconomy.twfe), got {type(r).__module__}.{type(r).__qualname__}."
            )
    names = list(model_names) if model_names else [f"({i + 1})" for i in range(len(results))]
    frames = []
    for name, r in zip(names, results, strict=True):
        f = r.to_frame(level)
        f["model"] = name
        frames.append(f)
    data = pd.concat(frames, ignore_index=True)
    if keep is not None:
        data = data[data["term"].isin(keep)]
    base = alt.Chart(data)
    y = alt.Y("term:N", title=None, sort=list(dict.fromkeys(data["term"])))
    color = alt.Color(
        "model:N",
        title="Model",
        scale=color_scale(list(dict.fromkeys(data["model"]))),
        legend=None if len(results) == 1 else alt.Legend(labelLimit=320),
    )
    offset = alt.YOffset("model:N", sort=names) if len(results) > 1 else alt.YOffset()
    x_title = f"Estimate ({int(level * 100)}% CI)"
    rules = base.mark_rule(strokeWidth=2).encode(
        y=y,
        x=alt.X("ci_low:Q", title=x_title, scale=data_scale()),
        x2="ci_high:Q",
        color=color,
        yOffset=offset,
    )
    points = base.mark_point(filled=True, size=60).encode(
        y=y,
        x="estimate:Q",
        color=color,
        yOffset=offset,
        tooltip=[
            "model",
            "term",
            alt.Tooltip("estimate:Q", format=".4f"),
            alt.Tooltip("std_error:Q", format=".4f"),
        ],
    )
    chart = alt.layer(reference_rule("x", truth), rules, points).properties(title=title)
    per_term = max(40, 16 * len(results))
    return themed(chart, height=max(60, per_term * data["term"].nunique()))


def data_scale() -> Any:
    """A continuous scale chosen from the data: no zero anchor, a little padding."""
    import altair as alt

    return alt.Scale(zero=False, padding=12)


def reference_rule(channel: str, truth: float | None = None) -> Any:
    """A rule across the chart at ``truth`` (solid black, labelled in the tooltip) or at zero
    (dashed grey); ``channel`` is ``"x"`` or ``"y"``."""
    import altair as alt

    if truth is None:
        frame = pd.DataFrame({"value": [0.0], "reference": ["zero"]})
        mark = alt.Chart(frame).mark_rule(strokeDash=[4, 4], color="#888")
    else:
        frame = pd.DataFrame({"value": [float(truth)], "reference": ["truth"]})
        mark = alt.Chart(frame).mark_rule(color=TRUTH_COLOR, strokeWidth=1.5)
    enc = alt.X("value:Q") if channel == "x" else alt.Y("value:Q")
    return mark.encode(enc, tooltip=["reference", alt.Tooltip("value:Q", format=".4f")])


def trend_chart(frame: pd.DataFrame, *, x: str, y: str, color: str, title: str = "") -> Any:
    """Lines of ``y`` over ``x`` by ``color`` (e.g. mean outcome by cohort and year)."""
    import altair as alt

    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:O", title=x),
            y=alt.Y(f"{y}:Q", title=y, scale=alt.Scale(zero=False)),
            color=alt.Color(f"{color}:N", title=color),
        )
        .properties(title=title)
    )
    return themed(chart)
