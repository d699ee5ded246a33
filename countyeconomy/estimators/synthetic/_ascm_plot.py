"""altair chart of the augmented synthetic control: treated, ASCM and SCM paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from countyeconomy.report import themed

if TYPE_CHECKING:
    from countyeconomy.estimators.synthetic.ascm import AugmentedSyntheticControlResult

__all__ = ["paths_chart"]


def paths_chart(res: AugmentedSyntheticControlResult) -> Any:
    """The treated county, its augmented synthetic control and the plain SCM, by year."""
    import altair as alt

    p = res.paths.rename(columns={"synthetic": "augmented (ASCM)", "synthetic_scm": "SCM"})
    long = p.melt("year", ["treated", "augmented (ASCM)", "SCM"], "series", "outcome")
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O"),
            y=alt.Y("outcome:Q", scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", legend=None),
        )
    )
    return themed(chart)
