"""altair charts of the synthetic control: paths, the placebo spaghetti, the RMSPE ranking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from countyeconomy.report import themed

if TYPE_CHECKING:
    from countyeconomy.estimators.synthetic.scm import SyntheticControlResult

__all__ = ["paths_chart", "ratio_chart", "spaghetti_chart"]


def paths_chart(res: SyntheticControlResult) -> Any:
    """The treated county and its synthetic control by year."""
    import altair as alt

    long = res.paths.melt("year", ["treated", "synthetic"], "series", "outcome")
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("outcome:Q", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None),
        )
    )
    return themed(chart)


def spaghetti_chart(res: SyntheticControlResult) -> Any:
    """Every placebo gap in grey, the treated county's gap on top."""
    import altair as alt

    g = res.placebo_gaps
    long = g.reset_index().melt("county", var_name="year", value_name="gap")
    treated = res.placebos["county"].iloc[0]
    long["unit"] = long["county"].astype(str)
    long["treated"] = long["county"] == treated
    chart = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("gap:Q"),
            detail="unit:N",
            color=alt.condition("datum.treated", alt.value("#c0392b"), alt.value("#cccccc")),
            order=alt.Order("treated:N"),
        )
    )
    return themed(chart)


def ratio_chart(res: SyntheticControlResult) -> Any:
    """Post/pre RMSPE ratio of every county, the treated one highlighted."""
    import altair as alt

    r = res.placebos.assign(
        unit=res.placebos["county"].astype(str),
        treated=res.placebos.index == 0,
    )
    chart = (
        alt.Chart(r)
        .mark_bar()
        .encode(
            x=alt.X("ratio:Q", title="post/pre RMSPE"),
            y=alt.Y("unit:N", sort="-x", title="county"),
            color=alt.condition("datum.treated", alt.value("#c0392b"), alt.value("#999999")),
        )
    )
    return themed(chart)
