"""altair charts of synthetic DID: the paper's figure (treated and synthetic paths, time
weights) and the unit weights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from countyeconomy.errors import InvalidOptionError
from countyeconomy.report import themed

if TYPE_CHECKING:
    from countyeconomy.estimators.synthetic.sdid import SyntheticDIDResult

__all__ = ["paths_chart", "weights_chart"]


def _cohort(res: SyntheticDIDResult, cohort: int | None) -> int:
    cohorts = list(res.cohort_effects["cohort"])
    if cohort is None:
        return int(cohorts[0])
    if cohort not in cohorts:
        raise InvalidOptionError(f"cohort={cohort!r} is not fitted; choose one of {cohorts}.")
    return int(cohort)


def paths_chart(res: SyntheticDIDResult, cohort: int | None) -> Any:
    """Treated mean and synthetic control by year; bars below show the time weights."""
    import altair as alt

    a = _cohort(res, cohort)
    p = res.paths.loc[res.paths["cohort"] == a]
    long = p.melt(["cohort", "year"], ["treated", "synthetic"], "series", "outcome")
    lines = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="year"),
            y=alt.Y("outcome:Q", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None),
        )
    )
    rule = alt.Chart(p.head(1).assign(start=a)).mark_rule(strokeDash=[4, 4]).encode(x="start:O")
    tw = res.time_weights.loc[res.time_weights["cohort"] == a]
    bars = (
        alt.Chart(tw)
        .mark_bar(opacity=0.3, color="#888")
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("weight:Q", title="time weight", scale=alt.Scale(domain=[0, 3])),
        )
    )
    chart = alt.layer(bars, lines, rule).resolve_scale(y="independent")
    return themed(chart, width=420, height=260)


def weights_chart(res: SyntheticDIDResult, cohort: int | None) -> Any:
    """Control counties with a positive weight, largest first."""
    import altair as alt

    a = _cohort(res, cohort)
    w = res.unit_weights.loc[(res.unit_weights["cohort"] == a) & (res.unit_weights["weight"] > 0)]
    w = w.assign(county=w["county"].astype(str))
    chart = (
        alt.Chart(w)
        .mark_bar()
        .encode(
            x=alt.X("weight:Q", title="unit weight"),
            y=alt.Y("county:N", sort="-x", title="control county"),
        )
    )
    return themed(chart)
